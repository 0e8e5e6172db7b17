package dev.iae.examples.data;

import com.oracle.labs.mlrg.olcut.provenance.PrimitiveProvenance;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Example;
import org.tribuo.Feature;
import org.tribuo.MutableDataset;
import org.tribuo.anomaly.Event;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tests {@link Cifar10DataSource} on a tiny CIFAR-10-shaped archive generated here (JPEGs written with ImageIO), so
 * that nothing depends on the shared archive.
 */
public class Cifar10DataSourceTest {

    private static final int SIDE = 8;
    private static final int TRAIN_PER_CLASS = 4;
    private static final int TEST_PER_CLASS = 2;

    @TempDir
    static Path tmp;

    private static Path archive;
    private static Path directory;
    /** The JPEG bytes written for each path, to compare the decoded pixels against. */
    private static final Map<String, byte[]> FILES = new LinkedHashMap<>();

    /** A solid-colour image per class (so the class and channel order are visible after lossy JPEG). */
    private static int[] colour(int label, int number) {
        return new int[]{20 + label * 23, 230 - label * 20, 40 + number * 30};
    }

    @BeforeAll
    static void writeArchive() throws IOException {
        for (String split : new String[]{"train", "test"}) {
            int per = split.equals("train") ? TRAIN_PER_CLASS : TEST_PER_CLASS;
            for (int label = 0; label < 10; label++) {
                for (int number = 0; number < per; number++) {
                    int[] c = colour(label, number);
                    BufferedImage img = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_INT_RGB);
                    for (int y = 0; y < SIDE; y++) {
                        for (int x = 0; x < SIDE; x++) {
                            img.setRGB(x, y, (c[0] << 16) | (c[1] << 8) | c[2]);
                        }
                    }
                    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                    assertTrue(ImageIO.write(img, "jpg", bytes));
                    FILES.put(String.format("%s/%s/%04d.jpg", split, Cifar10DataSource.CLASS_NAMES.get(label),
                            number), bytes.toByteArray());
                }
            }
        }
        // Entries in a shuffled order: the source must order by class and file number, not by archive order.
        List<String> order = new ArrayList<>(FILES.keySet());
        Collections.shuffle(order, new Random(5));
        archive = tmp.resolve("tiny-cifar.tar.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(archive))) {
            writeTarEntry(out, "train/", '5', new byte[0]);
            boolean first = true;
            for (String name : order) {
                // One entry behind a GNU long-name record, with a padded prefix, to exercise that path too.
                String stored = first ? "./" + name : name;
                if (first) {
                    writeTarEntry(out, "././@LongLink", 'L', (stored + "\0").getBytes(StandardCharsets.UTF_8));
                    writeTarEntry(out, "truncated-name", '0', FILES.get(name));
                    first = false;
                } else {
                    writeTarEntry(out, stored, '0', FILES.get(name));
                }
            }
            out.write(new byte[1024]);
        }
        directory = tmp.resolve("unpacked");
        for (Map.Entry<String, byte[]> e : FILES.entrySet()) {
            Path p = directory.resolve(e.getKey());
            Files.createDirectories(p.getParent());
            Files.write(p, e.getValue());
        }
        Files.writeString(directory.resolve("README.txt"), "not an image");
    }

    /** Writes one ustar header (with a correct checksum) and the padded data ({@link TarReaderTest#entry}). */
    static void writeTarEntry(OutputStream out, String name, char type, byte[] data) throws IOException {
        TarReaderTest.entry(out, name, type, data);
    }

    private static double[] rgbPlanes(BufferedImage image) {
        int w = image.getWidth();
        int plane = w * image.getHeight();
        double[] out = new double[3 * plane];
        for (int p = 0; p < plane; p++) {
            int v = image.getRGB(p % w, p / w);
            out[p] = (v >> 16) & 0xFF;
            out[plane + p] = (v >> 8) & 0xFF;
            out[2 * plane + p] = v & 0xFF;
        }
        return out;
    }

    private static double[] values(Example<Event> example) {
        double[] out = new double[example.size()];
        int i = 0;
        for (Feature f : example) {
            out[i++] = f.getValue();
        }
        return out;
    }

    @Test
    public void trainSplitDecodesChwPixelsOfTheNormalClass() throws IOException {
        Cifar10DataSource source = new Cifar10DataSource(archive.toString(), Cifar10DataSource.Split.TRAIN, 3, 0.0,
                0, 1L);
        assertEquals(TRAIN_PER_CLASS, source.size());
        assertArrayEquals(new int[]{3, SIDE, SIDE}, source.imageShape());
        int n = 0;
        for (Example<Event> example : source) {
            assertEquals(Event.EventType.EXPECTED, example.getOutput().getType());
            assertEquals(3, example.getMetadataValue(Cifar10DataSource.METADATA_CLASS).orElseThrow());
            assertEquals(n, example.getMetadataValue(Cifar10DataSource.METADATA_INDEX).orElseThrow());
            String path = (String) example.getMetadataValue(Cifar10DataSource.METADATA_PATH).orElseThrow();
            assertEquals(String.format("train/cat/%04d.jpg", n), path);
            assertEquals(3 * SIDE * SIDE, example.size());
            // Feature names sort into pixel order (zero-padded): px000 .. px191.
            List<String> names = new ArrayList<>();
            for (Feature f : example) {
                names.add(f.getName());
            }
            assertEquals("px000", names.get(0));
            assertEquals(String.format("px%03d", 3 * SIDE * SIDE - 1), names.get(names.size() - 1));
            // Exactly ImageIO's decoding of the stored bytes, in CHW order (sRGB from getRGB for colour JPEGs).
            double[] expected = rgbPlanes(ImageIO.read(new ByteArrayInputStream(FILES.get(path))));
            assertArrayEquals(expected, values(example), 0.0);
            // And the planes are R, G, B: mean of each plane within JPEG error of the solid colour.
            double[] v = values(example);
            int[] c = colour(3, n);
            for (int ch = 0; ch < 3; ch++) {
                double sum = 0;
                for (int p = 0; p < SIDE * SIDE; p++) {
                    sum += v[ch * SIDE * SIDE + p];
                }
                assertEquals(c[ch], sum / (SIDE * SIDE), 6.0, "channel " + ch + " of " + path);
            }
            n++;
        }
    }

    @Test
    public void testSplitLabelsOtherClassesAnomalous() {
        Cifar10DataSource source = new Cifar10DataSource(archive.toString(), Cifar10DataSource.Split.TEST, 7, 0.25,
                1, 1L);
        assertEquals(10 * TEST_PER_CLASS, source.size(), "TEST ignores contamination and the cap");
        int[] labels = source.classLabels();
        int i = 0;
        int anomalous = 0;
        for (Example<Event> example : source) {
            Event.EventType expected = labels[i] == 7 ? Event.EventType.EXPECTED : Event.EventType.ANOMALOUS;
            assertEquals(expected, example.getOutput().getType());
            anomalous += expected == Event.EventType.ANOMALOUS ? 1 : 0;
            i++;
        }
        assertEquals(9 * TEST_PER_CLASS, anomalous);
        MutableDataset<Event> dataset = new MutableDataset<>(source);
        assertEquals(source.size(), dataset.size());
        assertEquals(3 * SIDE * SIDE, dataset.getFeatureMap().size());
    }

    @Test
    public void capAndContaminationFollowOneClassSplit() {
        Cifar10DataSource source = new Cifar10DataSource(archive.toString(), Cifar10DataSource.Split.TRAIN, 0, 0.5,
                3, 42L);
        // 3 normal images (numbers 0..2 despite the shuffled archive) + round(3 * 0.5 / 0.5) = 3 contaminants.
        assertEquals(6, source.size());
        int[] labels = source.classLabels();
        List<Integer> numbers = new ArrayList<>();
        for (Example<Event> example : source) {
            numbers.add((Integer) example.getMetadataValue(Cifar10DataSource.METADATA_INDEX).orElseThrow());
            assertEquals(Event.EventType.EXPECTED, example.getOutput().getType());
        }
        assertEquals(List.of(0, 1, 2), numbers.subList(0, 3));
        for (int i = 0; i < 3; i++) {
            assertEquals(0, labels[i]);
            assertNotEquals(0, labels[3 + i]);
        }
        // The same draw as OneClassSplit on the sorted label vector (class-major, then file number).
        int[] all = new int[10 * TRAIN_PER_CLASS];
        for (int k = 0; k < all.length; k++) {
            all[k] = k / TRAIN_PER_CLASS;
        }
        int[] indices = new OneClassSplit(0, 0.5, 3, 42L).trainingIndices(all);
        int i = 0;
        for (Example<Event> example : source) {
            int idx = indices[i];
            assertEquals(all[idx], labels[i]);
            assertEquals(idx % TRAIN_PER_CLASS, example.getMetadataValue(Cifar10DataSource.METADATA_INDEX)
                    .orElseThrow());
            i++;
        }
        // Deterministic for a seed.
        Cifar10DataSource again = new Cifar10DataSource(archive.toString(), Cifar10DataSource.Split.TRAIN, 0, 0.5,
                3, 42L);
        assertArrayEquals(labels, again.classLabels());
    }

    @Test
    public void directoryGivesTheSameExamplesAsTheArchive() {
        Cifar10DataSource fromArchive = new Cifar10DataSource(archive.toString(), Cifar10DataSource.Split.TEST, 2,
                0.0, 0, 1L);
        Cifar10DataSource fromDir = new Cifar10DataSource(directory.toString(), Cifar10DataSource.Split.TEST, 2,
                0.0, 0, 1L);
        assertEquals(fromArchive.size(), fromDir.size());
        assertArrayEquals(fromArchive.classLabels(), fromDir.classLabels());
        var a = fromArchive.iterator();
        var d = fromDir.iterator();
        while (a.hasNext()) {
            Example<Event> ea = a.next();
            Example<Event> ed = d.next();
            assertEquals(ea.getMetadataValue(Cifar10DataSource.METADATA_PATH),
                    ed.getMetadataValue(Cifar10DataSource.METADATA_PATH));
            assertArrayEquals(values(ea), values(ed), 0.0);
        }
        assertEquals(64, fromDir.fingerprint().length());
    }

    @Test
    public void provenanceRecordsSettingsAndArchiveHash() throws Exception {
        Cifar10DataSource source = new Cifar10DataSource(archive.toString(), Cifar10DataSource.Split.TRAIN, 4, 0.25,
                2, 9L);
        String sha = toHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(archive)));
        assertEquals(sha, source.fingerprint());
        Cifar10DataSource.Cifar10DataSourceProvenance prov =
                (Cifar10DataSource.Cifar10DataSourceProvenance) source.getProvenance();
        Map<String, PrimitiveProvenance<?>> instance = prov.getInstanceValues();
        assertEquals(sha, instance.get(Cifar10DataSource.Cifar10DataSourceProvenance.DATA_HASH).getValue());
        assertEquals(source.size(), instance.get(Cifar10DataSource.Cifar10DataSourceProvenance.NUM_EXAMPLES)
                .getValue());
        String text = prov.toString();
        assertTrue(text.contains("normalClass") && text.contains("contamination") && text.contains("maxNormal"),
                text);
        assertTrue(text.contains(archive.toString()), text);
        // Round trip through the marshalled form.
        var marshalled = com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil.marshalProvenance(prov);
        var restored = com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil.unmarshalProvenance(marshalled);
        assertEquals(prov, restored);
    }

    @Test
    public void errorsNameTheirCause() throws IOException {
        UncheckedIOException missing = assertThrows(UncheckedIOException.class, () -> new Cifar10DataSource(
                tmp.resolve("nope.tar.gz").toString(), Cifar10DataSource.Split.TRAIN, 0, 0.0, 0, 1L));
        assertTrue(missing.getMessage().contains("nope.tar.gz"), missing.getMessage());
        Path bad = tmp.resolve("badclass");
        Files.createDirectories(bad.resolve("train/unicorn"));
        Files.write(bad.resolve("train/unicorn/0000.jpg"), FILES.values().iterator().next());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> new Cifar10DataSource(
                bad.toString(), Cifar10DataSource.Split.TRAIN, 0, 0.0, 0, 1L));
        assertTrue(unknown.getMessage().contains("unicorn"), unknown.getMessage());
        RuntimeException badClass = assertThrows(RuntimeException.class, () -> new Cifar10DataSource(archive.toString(),
                Cifar10DataSource.Split.TRAIN, 10, 0.0, 0, 1L));
        assertTrue(badClass.getMessage().contains("normalClass must be in 0..9"), badClass.getMessage());
    }

    @Test
    public void corruptOrTruncatedArchivesFailWithTheirName() throws IOException {
        byte[] tar;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        writeTarEntry(bytes, "train/cat/0000.jpg", '0', FILES.values().iterator().next());
        tar = bytes.toByteArray();
        byte[] corrupt = tar.clone();
        corrupt[3] ^= 0x20;
        IOException bad = assertThrows(IOException.class,
                () -> new TarReader(new ByteArrayInputStream(corrupt), "corrupt.tar").next());
        assertTrue(bad.getMessage().contains("corrupt.tar") && bad.getMessage().contains("checksum"),
                bad.getMessage());
        byte[] truncated = java.util.Arrays.copyOf(tar, 512 + 10);
        TarReader reader = new TarReader(new ByteArrayInputStream(truncated), "short.tar");
        assertTrue(reader.next());
        assertEquals("train/cat/0000.jpg", reader.name());
        IOException eof = assertThrows(IOException.class, reader::readContent);
        assertTrue(eof.getMessage().contains("short.tar"), eof.getMessage());
    }

    @Test
    public void truncatedJpegFailsNamingTheEntry() throws IOException {
        byte[] whole = StrictImageDecoderTest.noiseJpeg(7);
        byte[] cut = java.util.Arrays.copyOf(whole, whole.length * 9 / 10);
        Path bad = tmp.resolve("truncated.tar.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(bad))) {
            writeTarEntry(out, "train/airplane/0000.jpg", '0', whole);
            writeTarEntry(out, "train/airplane/0001.jpg", '0', cut);
            out.write(new byte[1024]);
        }
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> new Cifar10DataSource(
                bad.toString(), Cifar10DataSource.Split.TRAIN, 0, 0.0, 0, 1L));
        assertTrue(e.getMessage().contains("train/airplane/0001.jpg") && e.getMessage().contains(bad.toString())
                && e.getMessage().contains("truncated"), e.getMessage());
        // The same from a directory; the whole image alone still loads, with ImageIO's pixels.
        Path dir = tmp.resolve("truncated-dir");
        Files.createDirectories(dir.resolve("train/airplane"));
        Files.write(dir.resolve("train/airplane/0000.jpg"), whole);
        Cifar10DataSource ok = new Cifar10DataSource(dir.toString(), Cifar10DataSource.Split.TRAIN, 0, 0.0, 0, 1L);
        assertArrayEquals(rgbPlanes(ImageIO.read(new ByteArrayInputStream(whole))), values(ok.iterator().next()),
                0.0);
        Files.write(dir.resolve("train/airplane/0001.jpg"), cut);
        UncheckedIOException fromDir = assertThrows(UncheckedIOException.class, () -> new Cifar10DataSource(
                dir.toString(), Cifar10DataSource.Split.TRAIN, 0, 0.0, 0, 1L));
        assertTrue(fromDir.getMessage().contains("train/airplane/0001.jpg"), fromDir.getMessage());
    }

    @Test
    public void greyImagesGiveTheirStoredSamplesInThreePlanes() throws IOException {
        // A grey PNG: exact stored values. getRGB would colour-convert them (114 reads back as 178).
        BufferedImage grey = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_BYTE_GRAY);
        for (int p = 0; p < SIDE * SIDE; p++) {
            grey.getRaster().setSample(p % SIDE, p / SIDE, 0, p == 0 ? 114 : (p * 7) % 256);
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(grey, "png", png));
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(png.toByteArray()));
        assertEquals(BufferedImage.TYPE_BYTE_GRAY, decoded.getType());
        double[] chw = Cifar10DataSource.chwPixels(decoded);
        int plane = SIDE * SIDE;
        assertEquals(3 * plane, chw.length);
        for (int p = 0; p < plane; p++) {
            double want = p == 0 ? 114 : (p * 7) % 256;
            for (int c = 0; c < 3; c++) {
                assertEquals(want, chw[c * plane + p], 0.0, "plane " + c + " pixel " + p);
            }
        }
        // A grey JPEG in a CIFAR-10 directory: the features are the decoded grey samples, repeated.
        BufferedImage solid = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_BYTE_GRAY);
        for (int p = 0; p < plane; p++) {
            solid.getRaster().setSample(p % SIDE, p / SIDE, 0, 114);
        }
        ByteArrayOutputStream jpg = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(solid, "jpg", jpg));
        Path dir = tmp.resolve("grey-dir");
        Files.createDirectories(dir.resolve("test/bird"));
        Files.createDirectories(dir.resolve("test/ship"));
        Files.write(dir.resolve("test/bird/0000.jpg"), jpg.toByteArray());
        Files.write(dir.resolve("test/ship/0000.jpg"), jpg.toByteArray());
        Cifar10DataSource source = new Cifar10DataSource(dir.toString(), Cifar10DataSource.Split.TEST, 2, 0.0, 0,
                1L);
        BufferedImage stored = ImageIO.read(new ByteArrayInputStream(jpg.toByteArray()));
        assertEquals(1, stored.getColorModel().getNumColorComponents());
        double[] v = values(source.iterator().next());
        for (int p = 0; p < plane; p++) {
            double sample = stored.getRaster().getSample(p % SIDE, p / SIDE, 0);
            for (int c = 0; c < 3; c++) {
                assertEquals(sample, v[c * plane + p], 0.0, "plane " + c + " pixel " + p);
            }
        }
        assertEquals(114.0, v[0], 1.0);
    }

    @Test
    public void corruptGzipNamesTheArchive() throws IOException {
        Path notGzip = tmp.resolve("not-gzip.tar.gz");
        Files.writeString(notGzip, "this is not gzip data");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> new Cifar10DataSource(
                notGzip.toString(), Cifar10DataSource.Split.TRAIN, 0, 0.0, 0, 1L));
        assertTrue(e.getMessage().contains(notGzip.toString()) && e.getMessage().contains("not valid gzip data"),
                e.getMessage());
        // A gzip stream cut short: the archive is named too.
        byte[] gz = Files.readAllBytes(archive);
        Path cut = tmp.resolve("cut.tar.gz");
        Files.write(cut, java.util.Arrays.copyOf(gz, gz.length / 2));
        UncheckedIOException truncatedGzip = assertThrows(UncheckedIOException.class, () -> new Cifar10DataSource(
                cut.toString(), Cifar10DataSource.Split.TRAIN, 0, 0.0, 0, 1L));
        assertTrue(truncatedGzip.getMessage().contains(cut.toString()), truncatedGzip.getMessage());
    }

    /**
     * The fingerprint is the SHA-256 of the archive file for a plain {@code .tar} too (whose skipped entries used to
     * bypass the hash), the same for both splits; and a gzip archive whose CRC or length trailer is wrong or missing
     * is refused with its name (the trailer is checked only when the stream is read to its end).
     */
    @Test
    public void plainTarFingerprintAndGzipTrailerAreChecked() throws Exception {
        Path tar = tmp.resolve("tiny-cifar.tar");
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(archive))) {
            Files.write(tar, in.readAllBytes());
        }
        String sha = toHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(tar)));
        Cifar10DataSource train = new Cifar10DataSource(tar.toString(), Cifar10DataSource.Split.TRAIN, 3, 0.0, 0, 1L);
        Cifar10DataSource test = new Cifar10DataSource(tar.toString(), Cifar10DataSource.Split.TEST, 3, 0.0, 0, 1L);
        assertEquals(sha, train.fingerprint());
        assertEquals(sha, test.fingerprint());
        assertEquals(TRAIN_PER_CLASS, train.size());
        byte[] gz = Files.readAllBytes(archive);
        byte[] badCrc = gz.clone();
        badCrc[gz.length - 8] ^= 1;
        Path crc = tmp.resolve("bad-crc.tar.gz");
        Files.write(crc, badCrc);
        Path noTrailer = tmp.resolve("no-trailer.tar.gz");
        Files.write(noTrailer, java.util.Arrays.copyOf(gz, gz.length - 8));
        for (Path bad : List.of(crc, noTrailer)) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> new Cifar10DataSource(
                    bad.toString(), Cifar10DataSource.Split.TRAIN, 0, 0.0, 0, 1L), bad.toString());
            assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
        }
    }

    private static String toHex(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte b : bytes) {
            sb.append(String.format("%02x", b & 0xFF));
        }
        return sb.toString();
    }
}
