package dev.iae.examples.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Tests for {@link IdxReader} and {@link IdxWriter} on the real Fashion-MNIST files, on the embedded sample, and on
 * deliberately broken files.
 */
public class IdxReaderTest {

    private static final Path DEBIAN = Paths.get(FashionMnistDataSource.DEBIAN_DIRECTORY);

    @TempDir
    Path tmp;

    private static IdxImages smallImages() {
        byte[] pixels = new byte[5 * 3 * 4];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 37 + 11);
        }
        return new IdxImages("small", 5, 3, 4, pixels);
    }

    @Test
    public void readsTheRealTestSplit() throws IOException {
        assumeTrue(Files.isDirectory(DEBIAN), "Fashion-MNIST not installed at " + DEBIAN
                + " (apt-get install dataset-fashion-mnist); skipping the real-file test");
        IdxImages images = IdxReader.readImages(DEBIAN.resolve("t10k-images-idx3-ubyte.gz"));
        int[] labels = IdxReader.readLabels(DEBIAN.resolve("t10k-labels-idx1-ubyte.gz"));
        assertEquals(10000, images.count());
        assertEquals(28, images.rows());
        assertEquals(28, images.cols());
        assertEquals(10000, labels.length);
        int[] perClass = new int[10];
        for (int label : labels) {
            perClass[label]++;
        }
        int[] expected = new int[10];
        Arrays.fill(expected, 1000);
        assertArrayEquals(expected, perClass, "Fashion-MNIST's test set has 1,000 images per class");
        // Real images are neither blank nor saturated.
        int nonZero = 0;
        for (int p = 0; p < images.pixelsPerImage(); p++) {
            nonZero += images.pixel(0, p) != 0 ? 1 : 0;
        }
        assertTrue(nonZero > 50 && nonZero < 784, "first test image has " + nonZero + " non-zero pixels");
    }

    @Test
    public void readsTheEmbeddedSampleAndMatchesTheSourceFiles() throws IOException {
        IdxImages images;
        int[] labels;
        try (InputStream in = getClass().getResourceAsStream("/fashion-mnist-sample/t10k-images-idx3-ubyte.gz");
             InputStream lin = getClass().getResourceAsStream("/fashion-mnist-sample/t10k-labels-idx1-ubyte.gz")) {
            assertNotNull(in, "embedded sample missing from the classpath");
            images = IdxReader.readImages(in, "t10k-images");
            labels = IdxReader.readLabels(lin, "t10k-labels");
        }
        assertEquals(FashionMnistSample.TEST_PER_CLASS * 10, images.count());
        assertEquals(images.count(), labels.length);
        int[] perClass = new int[10];
        for (int label : labels) {
            perClass[label]++;
        }
        for (int c = 0; c < 10; c++) {
            assertEquals(FashionMnistSample.TEST_PER_CLASS, perClass[c], "class " + c);
        }
        if (Files.isDirectory(DEBIAN)) {
            // The sample is exactly the first 200 test images of each class, in file order.
            int[] fullLabels = IdxReader.readLabels(DEBIAN.resolve("t10k-labels-idx1-ubyte.gz"));
            IdxImages full = IdxReader.readImages(DEBIAN.resolve("t10k-images-idx3-ubyte.gz"));
            int[] quota = new int[10];
            Arrays.fill(quota, FashionMnistSample.TEST_PER_CLASS);
            int[] idx = FashionMnistSample.select(fullLabels, quota);
            assertEquals(full.subset(idx), images);
        }
    }

    @Test
    public void roundTripsPlainAndGzipped() throws IOException {
        IdxImages images = smallImages();
        int[] labels = {3, 0, 255, 7, 1};
        for (boolean gzip : new boolean[]{false, true}) {
            Path img = tmp.resolve("img" + gzip);
            Path lab = tmp.resolve("lab" + gzip);
            IdxWriter.writeImages(img, images, gzip);
            IdxWriter.writeLabels(lab, labels, gzip);
            assertEquals(gzip, IdxReader.isGzipped(Files.readAllBytes(img)));
            IdxImages read = IdxReader.readImages(img);
            assertEquals(images, read);
            assertEquals(images.pixel(4, 11), read.pixel(4, 11));
            assertArrayEquals(labels, IdxReader.readLabels(lab));
        }
        assertEquals(16 + 60, Files.size(tmp.resolve("imgfalse")));
    }

    @Test
    public void truncatedFileIsReportedWithItsName() throws IOException {
        Path img = tmp.resolve("cut-images.idx");
        IdxWriter.writeImages(img, smallImages(), false);
        byte[] bytes = Files.readAllBytes(img);
        Files.write(img, Arrays.copyOf(bytes, bytes.length - 7));
        IOException e = assertThrows(IOException.class, () -> IdxReader.readImages(img));
        assertTrue(e.getMessage().contains(img.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(e.getMessage().contains("53"), "should say how many bytes follow the header: " + e.getMessage());

        Files.write(img, Arrays.copyOf(bytes, 10));
        e = assertThrows(IOException.class, () -> IdxReader.readImages(img));
        assertTrue(e.getMessage().contains("header") && e.getMessage().contains(img.toString()), e.getMessage());
    }

    @Test
    public void truncatedGzipIsReportedWithItsName() throws IOException {
        Path img = tmp.resolve("cut-images.gz");
        IdxWriter.writeImages(img, smallImages(), true);
        byte[] bytes = Files.readAllBytes(img);
        Files.write(img, Arrays.copyOf(bytes, bytes.length / 2));
        IOException e = assertThrows(IOException.class, () -> IdxReader.readImages(img));
        assertTrue(e.getMessage().contains(img.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("corrupt"), e.getMessage());
    }

    @Test
    public void corruptGzipIsReportedWithItsName() throws IOException {
        Path img = tmp.resolve("bad-images.gz");
        IdxWriter.writeImages(img, smallImages(), true);
        byte[] bytes = Files.readAllBytes(img);
        // Damage the CRC-32 in the gzip trailer: the data inflates but fails its check.
        bytes[bytes.length - 8] ^= 0x5A;
        Files.write(img, bytes);
        IOException e = assertThrows(IOException.class, () -> IdxReader.readImages(img));
        assertTrue(e.getMessage().contains(img.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    }

    @Test
    public void wrongMagicAndExtraBytesAreReported() throws IOException {
        Path lab = tmp.resolve("labels.idx");
        IdxWriter.writeLabels(lab, new int[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6}, false);
        IOException e = assertThrows(IOException.class, () -> IdxReader.readImages(lab));
        assertTrue(e.getMessage().contains("0x00000801") && e.getMessage().contains("label file")
                && e.getMessage().contains(lab.toString()), e.getMessage());

        Path img = tmp.resolve("images.idx");
        IdxWriter.writeImages(img, smallImages(), false);
        e = assertThrows(IOException.class, () -> IdxReader.readLabels(img));
        assertTrue(e.getMessage().contains("image file"), e.getMessage());

        byte[] bytes = Files.readAllBytes(img);
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 3);
        Files.write(img, longer);
        e = assertThrows(IOException.class, () -> IdxReader.readImages(img));
        assertTrue(e.getMessage().contains("3 extra"), e.getMessage());

        Path text = tmp.resolve("notes.txt");
        Files.writeString(text, "this is not an IDX file at all");
        e = assertThrows(IOException.class, () -> IdxReader.readImages(text));
        assertTrue(e.getMessage().contains("not an IDX file"), e.getMessage());

        Path missing = tmp.resolve("missing.gz");
        e = assertThrows(IOException.class, () -> IdxReader.readImages(missing));
        assertTrue(e.getMessage().contains("does not exist") && e.getMessage().contains(missing.toString()),
                e.getMessage());
        assertFalse(IdxReader.isGzipped(new byte[]{0x1f}));
    }
}
