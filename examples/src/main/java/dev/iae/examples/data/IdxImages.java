package dev.iae.examples.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * A stack of greyscale images read from an IDX file ({@code count × rows × cols} unsigned bytes), kept as the raw
 * bytes so that 60,000 Fashion-MNIST images cost 47 MB rather than eight times that as doubles.
 * <p>
 * Pixel {@code p} of an image is at row {@code p / cols}, column {@code p % cols} (row-major, the IDX order).
 * Instances are immutable; equality compares the shape and the pixels, not the source name.
 */
public final class IdxImages {

    private final String source;
    private final int count;
    private final int rows;
    private final int cols;
    private final byte[] pixels;

    /**
     * Wraps pixel data.
     * @param source where the images came from (a file name), used in messages and {@link #toString()}.
     * @param count the number of images.
     * @param rows the image height.
     * @param cols the image width.
     * @param pixels {@code count * rows * cols} unsigned bytes, image by image, row-major; copied.
     * @throws IllegalArgumentException if the count is negative, a side is below 1, or the sizes do not match the
     *     data length (zero images are allowed).
     */
    public IdxImages(String source, int count, int rows, int cols, byte[] pixels) {
        this(source, count, rows, cols, Objects.requireNonNull(pixels, "pixels").clone(), true);
    }

    /**
     * Validating constructor that takes ownership of the array.
     */
    private IdxImages(String source, int count, int rows, int cols, byte[] pixels, boolean owned) {
        this.source = Objects.requireNonNull(source, "source");
        if (count < 0 || rows < 1 || cols < 1) {
            throw new IllegalArgumentException("Invalid image stack size for " + source + ": count=" + count
                    + ", rows=" + rows + ", cols=" + cols);
        }
        if ((long) count * rows * cols != pixels.length) {
            throw new IllegalArgumentException("Image stack " + source + " declares " + count + " images of " + rows
                    + "x" + cols + " (" + ((long) count * rows * cols) + " bytes) but has " + pixels.length + " bytes");
        }
        this.count = count;
        this.rows = rows;
        this.cols = cols;
        this.pixels = pixels;
    }

    /**
     * Package-private factory that takes ownership of the array (no copy), for the reader.
     */
    static IdxImages wrap(String source, int count, int rows, int cols, byte[] pixels) {
        return new IdxImages(source, count, rows, cols, pixels, true);
    }

    private IdxImages withPixels(int newCount, byte[] newPixels) {
        return new IdxImages(source, newCount, rows, cols, newPixels, true);
    }

    /**
     * @return where the images came from (a file or resource name).
     */
    public String source() {
        return source;
    }

    /**
     * @return the number of images.
     */
    public int count() {
        return count;
    }

    /**
     * @return the image height in pixels.
     */
    public int rows() {
        return rows;
    }

    /**
     * @return the image width in pixels.
     */
    public int cols() {
        return cols;
    }

    /**
     * @return the number of pixels per image, {@code rows * cols}.
     */
    public int pixelsPerImage() {
        return rows * cols;
    }

    /**
     * One pixel value.
     * @param image the image index.
     * @param pixel the pixel index within the image (row-major).
     * @return the value, 0..255.
     */
    public int pixel(int image, int pixel) {
        checkImage(image);
        if (pixel < 0 || pixel >= rows * cols) {
            throw new IndexOutOfBoundsException("Pixel " + pixel + " outside 0.." + (rows * cols - 1));
        }
        return pixels[image * rows * cols + pixel] & 0xFF;
    }

    /**
     * One image's pixel values as doubles, in row-major order, unscaled (0..255).
     * @param image the image index.
     * @return a new array of length {@link #pixelsPerImage()}.
     */
    public double[] imageAsDoubles(int image) {
        checkImage(image);
        int d = rows * cols;
        double[] out = new double[d];
        int base = image * d;
        for (int p = 0; p < d; p++) {
            out[p] = pixels[base + p] & 0xFF;
        }
        return out;
    }

    /**
     * A new stack holding the selected images, in the given order.
     * @param indices the image indices to keep (repeats allowed).
     * @return the subset.
     */
    public IdxImages subset(int[] indices) {
        int d = rows * cols;
        byte[] out = new byte[indices.length * d];
        for (int i = 0; i < indices.length; i++) {
            checkImage(indices[i]);
            System.arraycopy(pixels, indices[i] * d, out, i * d, d);
        }
        return withPixels(indices.length, out);
    }

    /**
     * @return a copy of the raw pixel bytes (image by image, row-major).
     */
    public byte[] rawPixels() {
        return pixels.clone();
    }

    /**
     * Raw pixel bytes without a copy, for the IDX writer in this package.
     */
    byte[] pixelsUnsafe() {
        return pixels;
    }

    private void checkImage(int image) {
        if (image < 0 || image >= count) {
            throw new IndexOutOfBoundsException("Image " + image + " outside 0.." + (count - 1) + " of " + source);
        }
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof IdxImages)) {
            return false;
        }
        IdxImages other = (IdxImages) o;
        return count == other.count && rows == other.rows && cols == other.cols
                && Arrays.equals(pixels, other.pixels);
    }

    @Override
    public int hashCode() {
        return 31 * Objects.hash(count, rows, cols) + Arrays.hashCode(pixels);
    }

    @Override
    public String toString() {
        return "IdxImages(source=" + source + ", count=" + count + ", rows=" + rows + ", cols=" + cols + ")";
    }
}
