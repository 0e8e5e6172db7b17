package dev.iae.examples.data;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/**
 * Writes IDX image and label files in the format {@link IdxReader} reads, optionally gzipped. Used to build the
 * Fashion-MNIST sample embedded in this module (see {@link FashionMnistSample}) and by tests that need small or
 * deliberately broken IDX files.
 */
public final class IdxWriter {

    private IdxWriter() { }

    /**
     * Writes an image stack.
     * @param path the file to write (replaced if present).
     * @param images the images.
     * @param gzip whether to gzip the file.
     * @throws IOException if the file cannot be written.
     */
    public static void writeImages(Path path, IdxImages images, boolean gzip) throws IOException {
        try (DataOutputStream out = open(path, gzip)) {
            out.writeInt(IdxReader.IMAGES_MAGIC);
            out.writeInt(images.count());
            out.writeInt(images.rows());
            out.writeInt(images.cols());
            out.write(images.pixelsUnsafe());
        }
    }

    /**
     * Writes a label vector.
     * @param path the file to write (replaced if present).
     * @param labels the labels, each 0..255.
     * @param gzip whether to gzip the file.
     * @throws IOException if the file cannot be written.
     * @throws IllegalArgumentException if a label is outside 0..255.
     */
    public static void writeLabels(Path path, int[] labels, boolean gzip) throws IOException {
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] > 255) {
                throw new IllegalArgumentException("Label " + i + " is " + labels[i] + ", outside 0..255");
            }
        }
        try (DataOutputStream out = open(path, gzip)) {
            out.writeInt(IdxReader.LABELS_MAGIC);
            out.writeInt(labels.length);
            for (int label : labels) {
                out.writeByte(label);
            }
        }
    }

    private static DataOutputStream open(Path path, boolean gzip) throws IOException {
        OutputStream stream = Files.newOutputStream(path);
        if (gzip) {
            stream = new GZIPOutputStream(stream, 1 << 16) {
                {
                    def.setLevel(java.util.zip.Deflater.BEST_COMPRESSION);
                }
            };
        }
        return new DataOutputStream(new BufferedOutputStream(stream, 1 << 16));
    }
}
