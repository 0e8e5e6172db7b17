package dev.iae.examples.data;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads the IDX files of MNIST-style data sets (Fashion-MNIST, MNIST): an image file of unsigned bytes with three
 * dimensions (magic {@code 0x00000803}) and a label file of unsigned bytes with one dimension (magic
 * {@code 0x00000801}). Files may be gzipped or not; gzip is detected from the data (magic bytes {@code 1f 8b}),
 * not from the file name.
 * <p>
 * Every structural problem — wrong magic number, a negative count or an image side below 1 (a file of zero images
 * is valid), too few bytes (a truncated download), extra bytes, broken gzip data — raises an {@link IOException} whose
 * message names the file, so that a bad data directory is reported as such rather than as an index error deep inside
 * training.
 * <p>
 * Tribuo has its own {@code org.tribuo.datasource.IDXDataSource}, but it produces sparse examples (zero pixels are
 * dropped, so a pixel that is zero in every training image vanishes from the feature map and the model's input width
 * changes) and it reads only files on disk; this reader keeps images dense and works on classpath resources too.
 */
public final class IdxReader {

    /** Magic number of an IDX file of unsigned bytes with three dimensions (an image stack). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an IDX file of unsigned bytes with one dimension (a label vector). */
    public static final int LABELS_MAGIC = 0x00000801;

    private static final int IMAGES_HEADER_BYTES = 16;
    private static final int LABELS_HEADER_BYTES = 8;

    private IdxReader() { }

    /**
     * Reads an image file.
     * @param path the file (gzipped or not).
     * @return the images.
     * @throws IOException if the file cannot be read or is not a valid IDX image file; the message names the file.
     */
    public static IdxImages readImages(Path path) throws IOException {
        return parseImages(readFile(path), path.toString());
    }

    /**
     * Reads a label file.
     * @param path the file (gzipped or not).
     * @return the labels, each 0..255.
     * @throws IOException if the file cannot be read or is not a valid IDX label file; the message names the file.
     */
    public static int[] readLabels(Path path) throws IOException {
        return parseLabels(readFile(path), path.toString());
    }

    /**
     * Reads an image file from a stream (for example a classpath resource). The stream is read to its end but not
     * closed.
     * @param stream the file contents (gzipped or not).
     * @param name the file's name, used in error messages.
     * @return the images.
     * @throws IOException if the stream cannot be read or is not a valid IDX image file.
     */
    public static IdxImages readImages(InputStream stream, String name) throws IOException {
        return parseImages(stream.readAllBytes(), name);
    }

    /**
     * Reads a label file from a stream. The stream is read to its end but not closed.
     * @param stream the file contents (gzipped or not).
     * @param name the file's name, used in error messages.
     * @return the labels.
     * @throws IOException if the stream cannot be read or is not a valid IDX label file.
     */
    public static int[] readLabels(InputStream stream, String name) throws IOException {
        return parseLabels(stream.readAllBytes(), name);
    }

    /**
     * Parses the bytes of an image file, as stored (gzipped or not).
     * @param fileBytes the file contents.
     * @param name the file's name, used in error messages.
     * @return the images.
     * @throws IOException if the data is not a valid IDX image file.
     */
    public static IdxImages parseImages(byte[] fileBytes, String name) throws IOException {
        byte[] data = decompressIfGzipped(fileBytes, name);
        if (data.length < IMAGES_HEADER_BYTES) {
            throw new IOException("IDX image file " + name + " is truncated: it has " + data.length
                    + " bytes, fewer than the " + IMAGES_HEADER_BYTES + "-byte header");
        }
        ByteBuffer header = ByteBuffer.wrap(data, 0, IMAGES_HEADER_BYTES).order(ByteOrder.BIG_ENDIAN);
        int magic = header.getInt();
        checkMagic(magic, IMAGES_MAGIC, name, "image");
        int count = header.getInt();
        int rows = header.getInt();
        int cols = header.getInt();
        if (count < 0 || rows < 1 || cols < 1) {
            throw new IOException("IDX image file " + name + " has an invalid shape: " + count + " images of "
                    + rows + "x" + cols);
        }
        long expected = (long) count * rows * cols;
        checkLength(data.length - IMAGES_HEADER_BYTES, expected, name,
                count + " images of " + rows + "x" + cols + " pixels");
        byte[] pixels = new byte[(int) expected];
        System.arraycopy(data, IMAGES_HEADER_BYTES, pixels, 0, pixels.length);
        return IdxImages.wrap(name, count, rows, cols, pixels);
    }

    /**
     * Parses the bytes of a label file, as stored (gzipped or not).
     * @param fileBytes the file contents.
     * @param name the file's name, used in error messages.
     * @return the labels, each 0..255.
     * @throws IOException if the data is not a valid IDX label file.
     */
    public static int[] parseLabels(byte[] fileBytes, String name) throws IOException {
        byte[] data = decompressIfGzipped(fileBytes, name);
        if (data.length < LABELS_HEADER_BYTES) {
            throw new IOException("IDX label file " + name + " is truncated: it has " + data.length
                    + " bytes, fewer than the " + LABELS_HEADER_BYTES + "-byte header");
        }
        ByteBuffer header = ByteBuffer.wrap(data, 0, LABELS_HEADER_BYTES).order(ByteOrder.BIG_ENDIAN);
        int magic = header.getInt();
        checkMagic(magic, LABELS_MAGIC, name, "label");
        int count = header.getInt();
        if (count < 0) {
            throw new IOException("IDX label file " + name + " declares a negative number of labels: " + count);
        }
        checkLength(data.length - LABELS_HEADER_BYTES, count, name, count + " labels");
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = data[LABELS_HEADER_BYTES + i] & 0xFF;
        }
        return labels;
    }

    /**
     * Whether the data starts with the gzip magic bytes {@code 1f 8b}.
     * @param data file contents.
     * @return true if gzipped.
     */
    public static boolean isGzipped(byte[] data) {
        return data.length >= 2 && (data[0] & 0xFF) == 0x1f && (data[1] & 0xFF) == 0x8b;
    }

    /**
     * Reads a whole file, with a clear message if it is absent.
     * @param path the file.
     * @return its bytes.
     * @throws IOException if it cannot be read.
     */
    static byte[] readFile(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        try {
            return Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new IOException("IDX file " + path + " does not exist", e);
        }
    }

    private static byte[] decompressIfGzipped(byte[] fileBytes, String name) throws IOException {
        if (!isGzipped(fileBytes)) {
            return fileBytes;
        }
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(fileBytes), 1 << 16)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(1024, fileBytes.length * 2));
            in.transferTo(out);
            return out.toByteArray();
        } catch (EOFException e) {
            throw new IOException("Gzipped IDX file " + name + " is truncated (the compressed data ends early: "
                    + e.getMessage() + ")", e);
        } catch (ZipException e) {
            throw new IOException("Gzipped IDX file " + name + " is corrupt: " + e.getMessage(), e);
        }
    }

    private static void checkMagic(int magic, int expected, String name, String kind) throws IOException {
        if (magic != expected) {
            String hint = "";
            if (magic == IMAGES_MAGIC) {
                hint = " (that is an image file)";
            } else if (magic == LABELS_MAGIC) {
                hint = " (that is a label file)";
            } else if ((magic >>> 16) != 0) {
                hint = " (not an IDX file: IDX files start with two zero bytes)";
            }
            throw new IOException(String.format("IDX %s file %s has magic number 0x%08x%s, expected 0x%08x",
                    kind, name, magic, hint, expected));
        }
    }

    private static void checkLength(long actual, long expected, String name, String what) throws IOException {
        if (actual < expected) {
            throw new IOException("IDX file " + name + " is truncated: its header declares " + what + " ("
                    + expected + " bytes of data) but only " + actual + " bytes follow the header");
        }
        if (actual > expected) {
            throw new IOException("IDX file " + name + " is corrupt: its header declares " + what + " ("
                    + expected + " bytes of data) but " + actual + " bytes follow the header ("
                    + (actual - expected) + " extra)");
        }
    }
}
