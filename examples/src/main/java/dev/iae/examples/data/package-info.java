/**
 * Data sources for the examples and benchmarks, each a Tribuo {@code ConfigurableDataSource<Event>} with pixel
 * features in pixel order and full provenance ({@link dev.iae.examples.data.HashedDataSourceProvenance}: settings,
 * SHA-256 data fingerprints, example count): Fashion-MNIST and other IDX data sets
 * ({@link dev.iae.examples.data.FashionMnistDataSource}, read by {@link dev.iae.examples.data.IdxReader} and written by
 * {@link dev.iae.examples.data.IdxWriter}), CIFAR-10 as JPEG files in a directory or archive
 * ({@link dev.iae.examples.data.Cifar10DataSource}), and any folder or archive of images, one subfolder per class or
 * flat ({@link dev.iae.examples.data.ImageFolderSource}); archives are read without unpacking by
 * {@link dev.iae.examples.data.TarReader}. Also here: the one-class protocol with optional contamination
 * ({@link dev.iae.examples.data.OneClassSplit}) and the generator of the small Fashion-MNIST sample embedded in this
 * module ({@link dev.iae.examples.data.FashionMnistSample}).
 */
package dev.iae.examples.data;
