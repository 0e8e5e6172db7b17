package dev.iae.examples.data;

import com.oracle.labs.mlrg.olcut.provenance.PrimitiveProvenance;
import com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.tribuo.Example;
import org.tribuo.Feature;
import org.tribuo.anomaly.Event;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link ImageFolderSource} on tiny images written with {@link ImageIO} in the test: grey and colour PNGs in class
 * folders, read from the folder and from a {@code .tar.gz} made by the system's {@code tar}; exact pixel values in
 * pixel order, labels, ordering, channel conversion, sub-folder selection, provenance and error messages.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public class ImageFolderSourceTest {
    private static final int H = 4;
    private static final int W = 5;

    private Path tmp;
    private Path root;

    /** A grey value that identifies image k and pixel (y, x). */
    static int grey(int k, int y, int x) {
        return (k * 37 + y * W + x * 3) % 256;
    }

    static void writeGrey(Path file, int k) throws IOException {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                img.getRaster().setSample(x, y, 0, grey(k, y, x));
            }
        }
        Files.createDirectories(file.getParent());
        assertTrue(ImageIO.write(img, "png", file.toFile()));
    }

    static int rgb(int y, int x) {
        return ((10 * y + x) << 16) | ((100 + y) << 8) | (200 + x);
    }

    static void writeColour(Path file) throws IOException {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                img.setRGB(x, y, rgb(y, x));
            }
        }
        Files.createDirectories(file.getParent());
        assertTrue(ImageIO.write(img, "png", file.toFile()));
    }

    @BeforeAll
    public void images() throws IOException {
        tmp = Files.createTempDirectory("image-folder-test");
        root = tmp.resolve("images");
        // train/cat: 3 grey images (written out of order), train/dog: 2 grey, test/cat: 1 grey, a README to skip.
        writeGrey(root.resolve("train/cat/2.png"), 2);
        writeGrey(root.resolve("train/cat/0.png"), 0);
        writeGrey(root.resolve("train/cat/1.png"), 1);
        writeGrey(root.resolve("train/dog/0.png"), 10);
        writeGrey(root.resolve("train/dog/1.png"), 11);
        writeGrey(root.resolve("test/cat/0.png"), 20);
        writeGrey(root.resolve("train/.hidden/9.png"), 99);
        Files.writeString(root.resolve("train/README.txt"), "not an image");
    }

    @AfterAll
    public void cleanUp() throws IOException {
        try (var paths = Files.walk(tmp)) {
            paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        }
    }

    private static double value(Example<Event> ex, String name) {
        for (Feature f : ex) {
            if (f.getName().equals(name)) {
                return f.getValue();
            }
        }
        return 0.0; // Tribuo drops zero-valued features
    }

    @Test
    public void greyClassFoldersGivePixelsInOrderAndLabels() {
        ImageFolderSource source = new ImageFolderSource(root.toString(), "train", List.of("cat"), false,
                ImageFolderSource.Channels.AUTO);
        assertArrayEquals(new int[]{1, H, W}, source.imageShape());
        assertEquals(List.of("cat", "dog"), source.classes());
        List<String> paths = new ArrayList<>();
        List<Event.EventType> types = new ArrayList<>();
        for (Example<Event> ex : source) {
            paths.add((String) ex.getMetadataValue(ImageFolderSource.METADATA_PATH).orElseThrow());
            types.add(ex.getOutput().getType());
        }
        assertEquals(List.of("train/cat/0.png", "train/cat/1.png", "train/cat/2.png", "train/dog/0.png",
                "train/dog/1.png"), paths);
        assertEquals(List.of(Event.EventType.EXPECTED, Event.EventType.EXPECTED, Event.EventType.EXPECTED,
                Event.EventType.ANOMALOUS, Event.EventType.ANOMALOUS), types);
        int[] ids = {0, 1, 2, 10, 11};
        int i = 0;
        for (Example<Event> ex : source) {
            assertEquals(i < 3 ? "cat" : "dog", ex.getMetadataValue(ImageFolderSource.METADATA_CLASS).orElseThrow());
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    String name = String.format("px%03d", y * W + x);
                    assertEquals(grey(ids[i], y, x), value(ex, name), 0.0, name + " of " + paths.get(i));
                }
            }
            i++;
        }
        // RGB repeats the grey plane three times: 60 features px000..px059, plane 2 = plane 0.
        ImageFolderSource rgb = new ImageFolderSource(root.toString(), "train", List.of(), false,
                ImageFolderSource.Channels.RGB);
        assertArrayEquals(new int[]{3, H, W}, rgb.imageShape());
        Example<Event> first = rgb.iterator().next();
        assertEquals(Event.EventType.EXPECTED, first.getOutput().getType());
        for (int p = 0; p < H * W; p++) {
            assertEquals(value(first, String.format("px%03d", p)), value(first, String.format("px%03d", 2 * H * W + p)));
        }
    }

    @Test
    public void colourImagesGiveChannelPlanesOrLuma() throws IOException {
        Path dir = tmp.resolve("colour");
        writeColour(dir.resolve("a.png"));
        writeGrey(dir.resolve("b.png"), 5);
        ImageFolderSource auto = new ImageFolderSource(dir.toString(), null, List.of(), false,
                ImageFolderSource.Channels.AUTO);
        assertArrayEquals(new int[]{3, H, W}, auto.imageShape(), "one colour image makes AUTO choose RGB");
        assertEquals(List.of(""), auto.classes(), "a flat folder has no classes");
        List<Example<Event>> list = new ArrayList<>();
        auto.forEach(list::add);
        int plane = H * W;
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int p = y * W + x;
                int v = rgb(y, x);
                assertEquals((v >> 16) & 0xFF, value(list.get(0), String.format("px%03d", p)));
                assertEquals((v >> 8) & 0xFF, value(list.get(0), String.format("px%03d", plane + p)));
                assertEquals(v & 0xFF, value(list.get(0), String.format("px%03d", 2 * plane + p)));
                assertEquals(grey(5, y, x), value(list.get(1), String.format("px%03d", plane + p)));
            }
        }
        ImageFolderSource grey = new ImageFolderSource(dir.toString(), "", List.of(), false,
                ImageFolderSource.Channels.GRAYSCALE);
        Example<Event> a = grey.iterator().next();
        int v = rgb(2, 3);
        double luma = 0.299 * ((v >> 16) & 0xFF) + 0.587 * ((v >> 8) & 0xFF) + 0.114 * (v & 0xFF);
        assertEquals(luma, value(a, String.format("px%03d", 2 * W + 3)), 1e-4);
    }

    @Test
    public void tarGzArchiveReadsLikeTheFolder() throws Exception {
        Path archive = tmp.resolve("images.tar.gz");
        Process p = new ProcessBuilder("tar", "-czf", archive.toString(), "-C", tmp.toString(), "images")
                .redirectErrorStream(true).start();
        assumeTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "system tar unavailable");
        ImageFolderSource fromDir = new ImageFolderSource(root.toString(), "train", List.of("dog"), true,
                ImageFolderSource.Channels.AUTO);
        ImageFolderSource fromTar = new ImageFolderSource(archive.toString(), "train", List.of("dog"), true,
                ImageFolderSource.Channels.AUTO);
        assertEquals(2, fromTar.size(), "normalOnly reads only the dog images");
        assertArrayEquals(fromDir.imageShape(), fromTar.imageShape());
        var a = fromDir.iterator();
        var b = fromTar.iterator();
        while (a.hasNext()) {
            Example<Event> x = a.next();
            Example<Event> y = b.next();
            assertEquals("images/" + x.getMetadataValue(ImageFolderSource.METADATA_PATH).orElseThrow(),
                    y.getMetadataValue(ImageFolderSource.METADATA_PATH).orElseThrow());
            assertEquals(x.size(), y.size());
            for (Feature f : x) {
                assertEquals(f.getValue(), value(y, f.getName()), 0.0, f.getName());
            }
        }
        // Provenance: the archive's SHA-256, the example count; it survives marshalling.
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(archive)));
        assertEquals(sha, fromTar.fingerprint());
        Map<String, PrimitiveProvenance<?>> instance =
                ((ImageFolderSource.ImageFolderSourceProvenance) fromTar.getProvenance()).getInstanceValues();
        assertEquals(sha, instance.get(ImageFolderSource.ImageFolderSourceProvenance.DATA_HASH).getValue());
        assertEquals(2, instance.get(ImageFolderSource.ImageFolderSourceProvenance.NUM_EXAMPLES).getValue());
        assertEquals("[dog]", fromTar.getProvenance().getConfiguredParameters().get("normalClasses").toString());
        var restored = ProvenanceUtil.unmarshalProvenance(ProvenanceUtil.marshalProvenance(fromTar.getProvenance()));
        assertEquals(fromTar.getProvenance(), restored);
        // A different selection of the folder has a different fingerprint.
        assertTrue(!fromDir.fingerprint().equals(new ImageFolderSource(root.toString(), "test", List.of(), false,
                ImageFolderSource.Channels.AUTO).fingerprint()));
        // A plain .tar: still the file's SHA-256, although the reader passes over the entries it does not select.
        Path tar = tmp.resolve("images.tar");
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(archive))) {
            Files.write(tar, in.readAllBytes());
        }
        ImageFolderSource fromPlainTar = new ImageFolderSource(tar.toString(), "train", List.of("dog"), true,
                ImageFolderSource.Channels.AUTO);
        assertEquals(2, fromPlainTar.size());
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(tar))),
                fromPlainTar.fingerprint());
        // A gzip archive with a wrong CRC is refused, naming the archive.
        byte[] gz = Files.readAllBytes(archive);
        gz[gz.length - 8] ^= 1;
        Path badCrc = tmp.resolve("bad-crc.tar.gz");
        Files.write(badCrc, gz);
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> new ImageFolderSource(
                badCrc.toString(), "train", List.of("dog"), true, ImageFolderSource.Channels.AUTO));
        assertTrue(e.getMessage().contains(badCrc.toString()), e.getMessage());
    }

    @Test
    public void mistakesAreNamed() throws IOException {
        IllegalArgumentException noClass = assertThrows(IllegalArgumentException.class, () -> new ImageFolderSource(
                root.toString(), "train", List.of("bird"), false, ImageFolderSource.Channels.AUTO));
        assertTrue(noClass.getMessage().contains("'bird'") && noClass.getMessage().contains("[cat, dog]"),
                noClass.getMessage());

        Path odd = tmp.resolve("odd");
        writeGrey(odd.resolve("ok/0.png"), 1);
        BufferedImage big = new BufferedImage(W + 1, H, BufferedImage.TYPE_BYTE_GRAY);
        Files.createDirectories(odd.resolve("ok"));
        ImageIO.write(big, "png", odd.resolve("ok/1.png").toFile());
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class, () -> new ImageFolderSource(
                odd.toString(), null, List.of(), false, ImageFolderSource.Channels.AUTO));
        assertTrue(size.getMessage().contains("ok/1.png") && size.getMessage().contains("6x4"), size.getMessage());

        Path broken = tmp.resolve("broken");
        writeGrey(broken.resolve("good/0.png"), 1);
        Files.createDirectories(broken.resolve("bad"));
        Files.write(broken.resolve("bad/0.png"), "not a png".getBytes(StandardCharsets.UTF_8));
        // Reading only the normal class never decodes the broken file ...
        assertEquals(1, new ImageFolderSource(broken.toString(), null, List.of("good"), true,
                ImageFolderSource.Channels.AUTO).size());
        // ... reading everything names it.
        UncheckedIOException bad = assertThrows(UncheckedIOException.class, () -> new ImageFolderSource(
                broken.toString(), null, List.of("good"), false, ImageFolderSource.Channels.AUTO));
        assertTrue(bad.getMessage().contains("bad/0.png"), bad.getMessage());

        Path flat = tmp.resolve("flat");
        writeGrey(flat.resolve("0.png"), 1);
        IllegalArgumentException unlabelled = assertThrows(IllegalArgumentException.class, () -> new ImageFolderSource(
                flat.toString(), null, List.of("cat"), false, ImageFolderSource.Channels.AUTO));
        assertTrue(unlabelled.getMessage().contains("'cat'"), unlabelled.getMessage());

        UncheckedIOException missing = assertThrows(UncheckedIOException.class, () -> new ImageFolderSource(
                tmp.resolve("nope").toString(), null, List.of(), false, ImageFolderSource.Channels.AUTO));
        assertTrue(missing.getMessage().contains("nope"), missing.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> new ImageFolderSource(
                root.toString(), "validation", List.of(), false, ImageFolderSource.Channels.AUTO));
        assertTrue(empty.getMessage().contains("'validation'"), empty.getMessage());
    }

    @Test
    public void truncatedJpegIsNamedInFoldersAndArchives() throws Exception {
        Path dir = tmp.resolve("jpegs");
        byte[] whole = StrictImageDecoderTest.noiseJpeg(11);
        Files.createDirectories(dir.resolve("ok"));
        Files.write(dir.resolve("ok/0.jpg"), whole);
        // A whole JPEG gives exactly ImageIO.read's sRGB pixels.
        ImageFolderSource good = new ImageFolderSource(dir.toString(), null, List.of(), false,
                ImageFolderSource.Channels.RGB);
        BufferedImage expected = ImageIO.read(dir.resolve("ok/0.jpg").toFile());
        Example<Event> ex = good.iterator().next();
        int plane = expected.getWidth() * expected.getHeight();
        for (int p = 0; p < plane; p++) {
            int v = expected.getRGB(p % expected.getWidth(), p / expected.getWidth());
            assertEquals((v >> 16) & 0xFF, value(ex, String.format("px%04d", p)), 0.0);
            assertEquals((v >> 8) & 0xFF, value(ex, String.format("px%04d", plane + p)), 0.0);
            assertEquals(v & 0xFF, value(ex, String.format("px%04d", 2 * plane + p)), 0.0);
        }
        // The same file cut to 90 %: ImageIO.read would fill the rest with grey; here it is an error naming it.
        Files.write(dir.resolve("ok/1.jpg"), Arrays.copyOf(whole, whole.length * 9 / 10));
        UncheckedIOException fromDir = assertThrows(UncheckedIOException.class, () -> new ImageFolderSource(
                dir.toString(), null, List.of(), false, ImageFolderSource.Channels.AUTO));
        assertTrue(fromDir.getMessage().contains("ok/1.jpg") && fromDir.getMessage().contains("truncated"),
                fromDir.getMessage());

        Path archive = tmp.resolve("jpegs.tar.gz");
        Process p = new ProcessBuilder("tar", "-czf", archive.toString(), "-C", tmp.toString(), "jpegs")
                .redirectErrorStream(true).start();
        assumeTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "system tar unavailable");
        IOException fromTar = assertThrows(IOException.class, () -> ImageFolderSource.scan(archive, "",
                (path, cls) -> true, image -> { }));
        assertTrue(fromTar.getMessage().contains("jpegs/ok/1.jpg") && fromTar.getMessage().contains(archive.toString())
                && fromTar.getMessage().contains("truncated"), fromTar.getMessage());
    }
}
