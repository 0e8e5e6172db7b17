/**
 * Data sources for the examples and benchmarks: an IDX reader and writer for MNIST-style image files
 * ({@link dev.iae.examples.data.IdxReader}), a Tribuo {@code DataSource<Event>} for Fashion-MNIST with pixel features
 * in pixel order and full provenance ({@link dev.iae.examples.data.FashionMnistDataSource}), the one-class protocol
 * with optional contamination ({@link dev.iae.examples.data.OneClassSplit}), and the generator of the small
 * Fashion-MNIST sample embedded in this module ({@link dev.iae.examples.data.FashionMnistSample}).
 */
package dev.iae.examples.data;
