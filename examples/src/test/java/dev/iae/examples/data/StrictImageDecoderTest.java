package dev.iae.examples.data;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link StrictImageDecoder} on JPEG and PNG files written with {@link ImageIO} here: whole files decode to exactly
 * {@code ImageIO.read}'s pixels, truncated files (which {@code ImageIO.read} decodes with grey filler) fail naming
 * the file, and a harmless decoder warning is logged with the file's name without failing.
 */
public class StrictImageDecoderTest {
    private static final int SIDE = 32;

    /** A 32x32 colour JPEG of random pixels (so the entropy-coded data is long and a cut loses pixels). */
    static byte[] noiseJpeg(long seed) throws IOException {
        Random rng = new Random(seed);
        BufferedImage img = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                img.setRGB(x, y, rng.nextInt(1 << 24));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, "jpg", out));
        return out.toByteArray();
    }

    private static int[] argb(BufferedImage image) {
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }

    @Test
    public void wholeFilesDecodeToImageIosPixels() throws IOException {
        byte[] jpeg = noiseJpeg(1);
        BufferedImage strict = StrictImageDecoder.decode(jpeg, "a/0001.jpg", "test.tar");
        BufferedImage plain = ImageIO.read(new ByteArrayInputStream(jpeg));
        assertEquals(SIDE, strict.getWidth());
        assertEquals(SIDE, strict.getHeight());
        assertArrayEquals(argb(plain), argb(strict));

        BufferedImage grey = new BufferedImage(5, 3, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < 15; i++) {
            grey.getRaster().setSample(i % 5, i / 5, 0, 17 * i);
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(grey, "png", png));
        BufferedImage decoded = StrictImageDecoder.decode(png.toByteArray(), "g.png", "dir");
        for (int i = 0; i < 15; i++) {
            assertEquals(17 * i, decoded.getRaster().getSample(i % 5, i / 5, 0));
        }
    }

    @Test
    public void truncatedJpegFailsNamingTheFile() throws IOException {
        byte[] jpeg = noiseJpeg(2);
        byte[] cut = Arrays.copyOf(jpeg, jpeg.length * 9 / 10);
        // The failure this guards against: ImageIO.read decodes the cut file to a full-size image.
        BufferedImage silent = ImageIO.read(new ByteArrayInputStream(cut));
        assertEquals(SIDE, silent.getWidth());
        IOException e = assertThrows(IOException.class,
                () -> StrictImageDecoder.decode(cut, "train/cat/0007.jpg", "/data/cifar.tar.gz"));
        assertTrue(e.getMessage().contains("train/cat/0007.jpg") && e.getMessage().contains("/data/cifar.tar.gz")
                && e.getMessage().contains("truncated"), e.getMessage());
        // Cut just before the end-of-image marker: still truncated.
        IOException noEoi = assertThrows(IOException.class,
                () -> StrictImageDecoder.decode(Arrays.copyOf(jpeg, jpeg.length - 2), "x.jpg", "dir"));
        assertTrue(noEoi.getMessage().contains("x.jpg") && noEoi.getMessage().contains("Missing EOI"),
                noEoi.getMessage());
    }

    @Test
    public void unreadableDataFailsNamingTheFile() {
        IOException notImage = assertThrows(IOException.class, () -> StrictImageDecoder.decode(
                "not an image".getBytes(StandardCharsets.UTF_8), "notes.jpg", "photos"));
        assertTrue(notImage.getMessage().contains("notes.jpg") && notImage.getMessage().contains("photos"),
                notImage.getMessage());
        IOException headerOnly = assertThrows(IOException.class, () -> StrictImageDecoder.decode(
                Arrays.copyOf(noiseJpeg(3), 40), "short.jpg", "photos"));
        assertTrue(headerOnly.getMessage().contains("short.jpg"), headerOnly.getMessage());
    }

    @Test
    public void harmlessWarningIsLoggedNotFatal() throws IOException {
        byte[] jpeg = noiseJpeg(4);
        // Two stray bytes before the quantisation-table marker (FF DB): libjpeg warns "extraneous bytes before
        // marker" and skips them; the image still decodes completely.
        int marker = marker(jpeg, 0xDB);
        byte[] padded = new byte[jpeg.length + 2];
        System.arraycopy(jpeg, 0, padded, 0, marker);
        padded[marker] = 0x12;
        padded[marker + 1] = 0x34;
        System.arraycopy(jpeg, marker, padded, marker + 2, jpeg.length - marker);

        Logger logger = Logger.getLogger(StrictImageDecoder.class.getName());
        List<LogRecord> records = new ArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() { }

            @Override
            public void close() { }
        };
        logger.addHandler(handler);
        boolean parents = logger.getUseParentHandlers();
        logger.setUseParentHandlers(false);
        try {
            BufferedImage image = StrictImageDecoder.decode(padded, "odd/0001.jpg", "photos.tar");
            assertArrayEquals(argb(ImageIO.read(new ByteArrayInputStream(jpeg))), argb(image));
        } finally {
            logger.removeHandler(handler);
            logger.setUseParentHandlers(parents);
        }
        assertEquals(1, records.size(), records.toString());
        assertEquals(Level.WARNING, records.get(0).getLevel());
        String message = records.get(0).getMessage();
        assertTrue(message.contains("odd/0001.jpg") && message.contains("photos.tar")
                && message.contains("extraneous bytes"), message);
        assertFalse(StrictImageDecoder.meansMissingData(
                "Corrupt JPEG data: 2 extraneous bytes before marker 0xdb"));
        assertTrue(StrictImageDecoder.meansMissingData("Corrupt JPEG data: premature end of data segment"));
    }

    /** The position of the first JPEG marker FF {@code code} after the SOI marker (asserted present). */
    private static int marker(byte[] jpeg, int code) {
        for (int i = 2; i + 1 < jpeg.length; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == code) {
                return i;
            }
        }
        throw new AssertionError(String.format("no FF %02X marker", code));
    }

    /**
     * Damaged entropy-coded data: a run of 1-bits (stuffed 0xFF bytes) in the middle of the scan is no valid Huffman
     * code, so libjpeg warns "bad Huffman code" and fills the rest with grey; that is an error naming the file.
     */
    @Test
    public void corruptScanDataFailsNamingTheFile() throws IOException {
        byte[] jpeg = noiseJpeg(5);
        int sos = marker(jpeg, 0xDA);
        int start = sos + 2 + (((jpeg[sos + 2] & 0xFF) << 8) | (jpeg[sos + 3] & 0xFF));
        int mid = start + (jpeg.length - 2 - start) / 2;
        byte[] bad = jpeg.clone();
        for (int k = 0; k < 8; k += 2) {
            bad[mid + k] = (byte) 0xFF;
            bad[mid + k + 1] = 0x00;
        }
        IOException e = assertThrows(IOException.class, () -> StrictImageDecoder.decode(bad, "cat/0007.jpg",
                "cifar.tar.gz"));
        assertTrue(e.getMessage().contains("cat/0007.jpg") && e.getMessage().contains("cifar.tar.gz")
                && e.getMessage().toLowerCase(Locale.ROOT).contains("huffman"), e.getMessage());
        assertTrue(StrictImageDecoder.meansMissingData("Corrupt JPEG data: bad arithmetic code"));
        assertTrue(StrictImageDecoder.meansMissingData("Corrupt JPEG data: found marker 0xd9 instead of RST3"));
    }
}
