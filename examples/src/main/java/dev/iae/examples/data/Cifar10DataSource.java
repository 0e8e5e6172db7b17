package dev.iae.examples.data;

import com.oracle.labs.mlrg.olcut.config.Config;
import com.oracle.labs.mlrg.olcut.config.PropertyException;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil;
import com.oracle.labs.mlrg.olcut.provenance.primitives.HashProvenance;
import org.tribuo.Example;
import org.tribuo.Trainer;
import org.tribuo.anomaly.Event;
import org.tribuo.impl.ArrayExample;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A Tribuo {@link org.tribuo.DataSource} of anomaly-detection examples made from CIFAR-10 stored as JPEG files, by
 * the one-class protocol of {@link OneClassSplit}: the training split holds the training images of one normal class
 * (optionally contaminated, all labelled EXPECTED), the test split holds every test image with the normal class
 * EXPECTED and the other nine ANOMALOUS.
 * <p>
 * <b>Location.</b> Either a {@code .tar.gz} / {@code .tgz} / {@code .tar} archive, read directly without unpacking
 * ({@link TarReader} over {@link java.util.zip.GZIPInputStream}), or a directory; in both cases the layout is
 * {@code [prefix/]train/<class>/NNNN.jpg} and {@code [prefix/]test/<class>/NNNN.jpg} with the class folders named
 * as in {@link #CLASS_NAMES} (label = position, CIFAR-10's order). The shared archive described in
 * {@code ../shared/data/README.md} has this layout. Images are ordered by class label and then by the number in the
 * file name (the image's index within its class in the official split), so "the first {@code maxNormal} normal
 * images" is well defined and independent of the archive's entry order. Only the selected images are decoded.
 * <p>
 * <b>Features.</b> Each image becomes a dense example with {@code 3 × H × W} features in channel-major (CHW) order:
 * red plane, then green, then blue, each row-major, named {@code px0000} … {@code px3071} for 32×32 (zero-padded, so
 * Tribuo's sorted feature order is the pixel order and the model's input reshapes to 3×32×32). Values are the raw
 * 0..255 intensities as decoded by {@link ImageIO} (bit-identical to libjpeg); scaling is the model's job. A truncated
 * JPEG (which the decoder would only warn about, filling the missing pixels with grey) is an error naming the file;
 * other decoder warnings are logged with the file's name.
 * Each example's metadata holds its class ({@value #METADATA_CLASS}), its number within the class
 * ({@value #METADATA_INDEX}) and its path in the archive or directory ({@value #METADATA_PATH}).
 * <p>
 * <b>Provenance</b> records every setting (location, split, normal class, contamination, cap, seed), a fingerprint
 * of the data (the SHA-256 of the archive file; for a directory, the SHA-256 of the sorted list of
 * {@code path size mtime} lines of the split's images), the number of examples and the creation time.
 */
public final class Cifar10DataSource
        extends InMemoryEventSource<Cifar10DataSource.Cifar10DataSourceProvenance> {

    /** The CIFAR-10 class names, index = label. */
    public static final List<String> CLASS_NAMES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
            "frog", "horse", "ship", "truck");
    /**
     * Metadata key of an example's class label (an Integer): Fashion-MNIST's key, so code that reads either source
     * (such as the benchmark's validation split) reads one key.
     */
    public static final String METADATA_CLASS = FashionMnistDataSource.METADATA_CLASS;
    /** Metadata key of an example's number within its class (an Integer, from the file name; Fashion-MNIST's key). */
    public static final String METADATA_INDEX = FashionMnistDataSource.METADATA_INDEX;
    /** Metadata key of an example's path inside the archive or directory (a String). */
    public static final String METADATA_PATH = "path";
    /** Number of colour channels. */
    public static final int CHANNELS = 3;

    /**
     * Which part of the data set to produce.
     */
    public enum Split {
        /** The training images of the normal class (plus contamination), all EXPECTED. */
        TRAIN("train"),
        /** All test images, normal class EXPECTED, the others ANOMALOUS. */
        TEST("test");

        private final String folder;

        Split(String folder) {
            this.folder = folder;
        }

        /**
         * @return the name of this split's top-level folder ("train" or "test").
         */
        public String folder() {
            return folder;
        }
    }

    @Config(mandatory = true, description = "A .tar.gz/.tgz/.tar archive or a directory holding "
            + "train/<class>/NNNN.jpg and test/<class>/NNNN.jpg.")
    private String location;

    @Config(description = "Which split to produce: TRAIN (normal class + contamination) or TEST (all images).")
    private Split split = Split.TRAIN;

    @Config(description = "The normal class (0-9: airplane, automobile, bird, cat, deer, dog, frog, horse, ship, "
            + "truck).")
    private int normalClass = 0;

    @Config(description = "Contamination ratio r in [0, 1): fraction of the training set drawn from other classes "
            + "(labelled EXPECTED). Ignored for TEST.")
    private double contamination = 0.0;

    @Config(description = "Keep only the first maxNormal normal-class training images (<= 0 keeps all). "
            + "Ignored for TEST.")
    private int maxNormal = 0;

    @Config(description = "Seed for drawing the contaminating images.")
    private long seed = Trainer.DEFAULT_SEED;

    private int[] classLabels;
    private int rows;
    private int cols;
    private String fingerprint;

    /**
     * For OLCUT.
     */
    private Cifar10DataSource() { }

    /**
     * Loads a split.
     * @param location an archive or a directory (see the class comment).
     * @param split which split.
     * @param normalClass the normal class, 0..9.
     * @param contamination the contamination ratio r (training split only).
     * @param maxNormal the cap on normal training images, ≤ 0 for all (training split only).
     * @param seed the seed for drawing contaminants.
     * @throws UncheckedIOException if the data is missing or unreadable (the message names the file).
     * @throws PropertyException if a setting is out of range.
     */
    public Cifar10DataSource(String location, Split split, int normalClass, double contamination, int maxNormal,
                             long seed) {
        this.location = location;
        this.split = split;
        this.normalClass = normalClass;
        this.contamination = contamination;
        this.maxNormal = maxNormal;
        this.seed = seed;
        postConfig();
    }

    /**
     * Used by the OLCUT configuration system, and should not be called by external code.
     */
    @Override
    public void postConfig() {
        if (location == null || location.isBlank()) {
            throw new PropertyException("", "location", "location must be a CIFAR-10 archive or directory");
        }
        if (split == null) {
            throw new PropertyException("", "split", "split must be TRAIN or TEST");
        }
        if (normalClass < 0 || normalClass >= CLASS_NAMES.size()) {
            throw new PropertyException("", "normalClass", "normalClass must be in 0.." + (CLASS_NAMES.size() - 1)
                    + ", found " + normalClass);
        }
        OneClassSplit oneClass;
        try {
            oneClass = oneClassSplit();
        } catch (IllegalArgumentException e) {
            throw new PropertyException(e, "", "contamination", e.getMessage());
        }
        Path path = Paths.get(location);
        List<Entry> entries;
        try {
            if (Files.isDirectory(path)) {
                entries = readDirectory(path);
            } else if (Files.isRegularFile(path)) {
                entries = readArchive(path);
            } else {
                throw new IOException("CIFAR-10 location " + path + " is neither an archive nor a directory");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot load the " + split + " split of CIFAR-10 from " + location + ": "
                    + e.getMessage(), e);
        }
        if (entries.isEmpty()) {
            throw new UncheckedIOException(new IOException("No " + split.folder() + "/<class>/*.jpg image in "
                    + location + " (expected class folders " + CLASS_NAMES + ")"));
        }
        entries.sort(Comparator.comparingInt((Entry e) -> e.label).thenComparingInt(e -> e.number)
                .thenComparing(e -> e.path));
        int[] labels = new int[entries.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = entries.get(i).label;
        }
        int[] selected;
        if (split == Split.TRAIN) {
            selected = oneClass.trainingIndices(labels);
        } else {
            selected = DataSourceSupport.testIndices(labels, normalClass, location, CLASS_NAMES.get(normalClass));
        }
        List<Example<Event>> list = new ArrayList<>(selected.length);
        classLabels = new int[selected.length];
        String[] names = null;
        rows = 0;
        cols = 0;
        for (int i = 0; i < selected.length; i++) {
            Entry entry = entries.get(selected[i]);
            BufferedImage image;
            try {
                image = StrictImageDecoder.decode(entry.bytes, entry.path, location);
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
            if (names == null) {
                rows = image.getHeight();
                cols = image.getWidth();
                names = FashionMnistDataSource.featureNames(CHANNELS * rows * cols);
            } else if (image.getHeight() != rows || image.getWidth() != cols) {
                throw new IllegalStateException("Image " + entry.path + " in " + location + " is "
                        + image.getWidth() + "x" + image.getHeight() + ", but the first image was " + cols + "x"
                        + rows);
            }
            classLabels[i] = entry.label;
            Event event = split == Split.TRAIN ? oneClass.trainingEvent(entry.label) : oneClass.testEvent(entry.label);
            Map<String, Object> metadata = new HashMap<>(4);
            metadata.put(METADATA_CLASS, entry.label);
            metadata.put(METADATA_INDEX, entry.number);
            metadata.put(METADATA_PATH, entry.path);
            list.add(new ArrayExample<>(event, names, chwPixels(image), metadata));
        }
        setExamples(list);
    }

    /**
     * The pixels of an image as raw 0..255 values in channel-major order (R plane, G plane, B plane; each row-major),
     * read as {@link ImageFolderSource#planes} reads them: colour images as sRGB, greyscale images as the stored grey
     * samples (not colour-converted, 16-bit scaled to 0..255) repeated in three equal planes.
     * @param image the decoded image.
     * @return {@code 3 × height × width} values.
     */
    public static double[] chwPixels(BufferedImage image) {
        return new ImageFolderSource.Image("", "", image.getHeight(), image.getWidth(),
                ImageFolderSource.planes(image)).features(CHANNELS);
    }

    /** One image file of the requested split, not yet decoded. */
    private static final class Entry {
        final String path;
        final int label;
        final int number;
        final byte[] bytes;

        Entry(String path, int label, int number, byte[] bytes) {
            this.path = path;
            this.label = label;
            this.number = number;
            this.bytes = bytes;
        }
    }

    /**
     * Parses {@code [prefix/]split/class/NNNN.jpg}; returns null for anything else (other split, folders, other
     * files).
     */
    private Entry parse(String rawPath, byte[] bytes) {
        String p = rawPath.replace('\\', '/');
        while (p.startsWith("./")) {
            p = p.substring(2);
        }
        String[] parts = p.split("/");
        if (parts.length < 3) {
            return null;
        }
        String file = parts[parts.length - 1];
        String cls = parts[parts.length - 2];
        String top = parts[parts.length - 3];
        if (!top.equals(split.folder()) || !file.toLowerCase(java.util.Locale.ROOT).matches(".*\\.jpe?g")
                || file.startsWith("._")) {
            return null;
        }
        int label = CLASS_NAMES.indexOf(cls);
        if (label < 0) {
            throw new IllegalArgumentException("Unknown CIFAR-10 class folder '" + cls + "' for " + rawPath + " in "
                    + location + " (expected one of " + CLASS_NAMES + ")");
        }
        String digits = file.replaceAll("[^0-9]", "");
        int number;
        try {
            number = digits.isEmpty() ? Integer.MAX_VALUE : Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            number = Integer.MAX_VALUE;
        }
        return new Entry(p, label, number, bytes);
    }

    private List<Entry> readArchive(Path archive) throws IOException {
        List<Entry> out = new ArrayList<>();
        fingerprint = DataSourceSupport.walkArchive(archive, (name, tar) -> {
            Entry parsed = parse(name, null);
            if (parsed != null) {
                out.add(new Entry(parsed.path, parsed.label, parsed.number, tar.readContent()));
            }
        });
        return out;
    }

    private List<Entry> readDirectory(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).sorted().collect(java.util.stream.Collectors.toList());
        }
        List<Entry> out = new ArrayList<>();
        MessageDigest digest = DataSourceSupport.sha256();
        for (Path f : files) {
            String rel = dir.relativize(f).toString();
            Entry parsed = parse(rel, null);
            if (parsed != null) {
                byte[] bytes = Files.readAllBytes(f);
                out.add(new Entry(parsed.path, parsed.label, parsed.number, bytes));
                String line = parsed.path + " " + bytes.length + " " + Files.getLastModifiedTime(f).toMillis() + "\n";
                digest.update(line.getBytes(StandardCharsets.UTF_8));
            }
        }
        fingerprint = DataSourceSupport.hex(digest.digest());
        return out;
    }


    /**
     * @return the class label of every example, in example order (a copy).
     */
    public int[] classLabels() {
        return classLabels.clone();
    }

    /**
     * @return the image shape as the trainer expects it: {3, rows, cols}.
     */
    public int[] imageShape() {
        return new int[]{CHANNELS, rows, cols};
    }

    /**
     * @return the fingerprint recorded in the provenance: the archive's SHA-256, or for a directory the SHA-256 of
     * its split's {@code path size mtime} listing (lower-case hex).
     */
    public String fingerprint() {
        return fingerprint;
    }

    /**
     * @return the one-class split this source applies (no contamination and no cap for TEST).
     */
    public OneClassSplit oneClassSplit() {
        return DataSourceSupport.oneClassSplit(split == Split.TRAIN, normalClass, contamination, maxNormal, seed);
    }

    /**
     * @return which split this source produces.
     */
    public Split split() {
        return split;
    }

    @Override
    Cifar10DataSourceProvenance createProvenance() {
        return new Cifar10DataSourceProvenance(this);
    }

    @Override
    public String toString() {
        return "Cifar10DataSource(location=" + location + ", split=" + split + ", normalClass=" + normalClass
                + ", contamination=" + contamination + ", maxNormal=" + maxNormal + ", seed=" + seed
                + ", examples=" + sizeOrZero() + ")";
    }

    /**
     * Provenance for {@link Cifar10DataSource}: the configured settings plus the data fingerprint (SHA-256), the
     * number of examples and the creation time.
     */
    public static final class Cifar10DataSourceProvenance extends HashedDataSourceProvenance {
        private static final long serialVersionUID = 1L;

        /** Key of the data fingerprint (archive SHA-256, or SHA-256 of a directory listing). */
        public static final String DATA_HASH = "data-hash";

        Cifar10DataSourceProvenance(Cifar10DataSource host) {
            super(host, List.of(new HashProvenance(ProvenanceUtil.HashType.SHA256, DATA_HASH, host.fingerprint)),
                    host.size());
        }

        /**
         * Constructs a provenance from its marshalled form.
         * @param map the map of field values.
         */
        public Cifar10DataSourceProvenance(Map<String, Provenance> map) {
            super(map, Cifar10DataSourceProvenance.class, DATA_HASH);
        }
    }
}
