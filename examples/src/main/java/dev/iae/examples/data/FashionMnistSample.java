package dev.iae.examples.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;

/**
 * Builds the small Fashion-MNIST sample embedded in this module (resource directory
 * {@code fashion-mnist-sample}), so that the demo runs with no download and no system package.
 * <p>
 * From the full data set (by default the Debian package's {@value FashionMnistDataSource#DEBIAN_DIRECTORY}) it
 * keeps, scanning each file from the start and preserving file order:
 * <ul>
 *     <li>training: the first {@value #TRAIN_NORMAL} images of class 0 (T-shirt/top) and the first
 *     {@value #TRAIN_OTHER} images of each other class (so contamination can be tried on the sample);</li>
 *     <li>test: the first {@value #TEST_PER_CLASS} images of each of the ten classes (a stratified sample).</li>
 * </ul>
 * It writes them as gzipped IDX files under the standard names, readable by {@link FashionMnistDataSource}.
 * The output is deterministic (Java's gzip header carries no timestamp).
 * <p>
 * Usage: {@code java dev.iae.examples.data.FashionMnistSample [sourceDir] [outputDir]}
 * (defaults: the Debian directory and {@code examples/src/main/resources/fashion-mnist-sample}).
 */
public final class FashionMnistSample {

    /** Class-0 training images kept. */
    public static final int TRAIN_NORMAL = 2000;
    /** Training images kept from each class other than 0. */
    public static final int TRAIN_OTHER = 50;
    /** Test images kept per class. */
    public static final int TEST_PER_CLASS = 200;
    /** Number of classes. */
    public static final int NUM_CLASSES = 10;

    private FashionMnistSample() { }

    /**
     * Writes the sample.
     * @param sourceDir the directory with the full data set's IDX files.
     * @param outputDir where to write the sample (created if needed).
     * @throws IOException if reading or writing fails.
     */
    public static void write(Path sourceDir, Path outputDir) throws IOException {
        Files.createDirectories(outputDir);
        int[] trainQuota = new int[NUM_CLASSES];
        Arrays.fill(trainQuota, TRAIN_OTHER);
        trainQuota[0] = TRAIN_NORMAL;
        int[] testQuota = new int[NUM_CLASSES];
        Arrays.fill(testQuota, TEST_PER_CLASS);
        writeSplit(sourceDir, outputDir, FashionMnistDataSource.Split.TRAIN, trainQuota);
        writeSplit(sourceDir, outputDir, FashionMnistDataSource.Split.TEST, testQuota);
    }

    private static void writeSplit(Path sourceDir, Path outputDir, FashionMnistDataSource.Split split, int[] quota)
            throws IOException {
        IdxImages images = IdxReader.readImages(resolve(sourceDir, split.imagesFileName()));
        int[] labels = IdxReader.readLabels(resolve(sourceDir, split.labelsFileName()));
        int[] indices = select(labels, quota);
        int[] keptLabels = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            keptLabels[i] = labels[indices[i]];
        }
        IdxWriter.writeImages(outputDir.resolve(split.imagesFileName() + ".gz"), images.subset(indices), true);
        IdxWriter.writeLabels(outputDir.resolve(split.labelsFileName() + ".gz"), keptLabels, true);
        System.out.println(split + ": kept " + indices.length + " of " + labels.length + " images");
    }

    /**
     * The indices of the first {@code quota[c]} images of each class c, in file order.
     * @param labels the class labels.
     * @param quota images to keep per class.
     * @return the kept indices, ascending.
     * @throws IllegalStateException if a class has fewer images than its quota.
     */
    static int[] select(int[] labels, int[] quota) {
        int[] taken = new int[quota.length];
        int total = Arrays.stream(quota).sum();
        int[] out = new int[total];
        int n = 0;
        for (int i = 0; i < labels.length && n < total; i++) {
            int c = labels[i];
            if (c < quota.length && taken[c] < quota[c]) {
                taken[c]++;
                out[n++] = i;
            }
        }
        if (n != total) {
            throw new IllegalStateException("Too few images per class: wanted " + Arrays.toString(quota) + ", found "
                    + Arrays.toString(taken));
        }
        return out;
    }

    private static Path resolve(Path dir, String baseName) {
        Path gz = dir.resolve(baseName + ".gz");
        return Files.exists(gz) ? gz : dir.resolve(baseName);
    }

    /**
     * Command-line entry point.
     * @param args optional source directory and output directory.
     * @throws IOException if reading or writing fails.
     */
    public static void main(String[] args) throws IOException {
        Path source = Paths.get(args.length > 0 ? args[0] : FashionMnistDataSource.DEBIAN_DIRECTORY);
        Path output = Paths.get(args.length > 1 ? args[1] : "examples/src/main/resources/fashion-mnist-sample");
        write(source, output);
        System.out.println("Wrote the Fashion-MNIST sample to " + output.toAbsolutePath());
    }
}
