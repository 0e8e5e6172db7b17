package dev.iae.examples.data;

import com.oracle.labs.mlrg.olcut.config.Config;
import com.oracle.labs.mlrg.olcut.config.PropertyException;
import com.oracle.labs.mlrg.olcut.provenance.ObjectProvenance;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil;
import com.oracle.labs.mlrg.olcut.provenance.primitives.HashProvenance;
import org.tribuo.Example;
import org.tribuo.Trainer;
import org.tribuo.anomaly.Event;
import org.tribuo.impl.ArrayExample;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IntSummaryStatistics;
import java.util.List;
import java.util.Map;

/**
 * A Tribuo {@link org.tribuo.DataSource} of anomaly-detection examples made from an MNIST-style IDX data set
 * (Fashion-MNIST, MNIST) by the one-class protocol of {@link OneClassSplit}: the training split holds images of one
 * normal class (optionally contaminated, all labelled EXPECTED), the test split holds every test image with the
 * normal class EXPECTED and the rest ANOMALOUS.
 * <p>
 * <b>Features.</b> Each image becomes a dense example with one feature per pixel, named {@code px000} …
 * {@code px783} (zero-padded, so Tribuo's lexicographically sorted feature order is the pixel order and the model's
 * input can be reshaped to 1×28×28). Zero pixels are kept as explicit features so every pixel is in the feature map.
 * Values are the <b>raw</b> pixel intensities 0..255: scaling is the model's job (its normalisation is fitted at
 * training time and is part of the exported ONNX graph), so a deployed model takes the image bytes as they are.
 * Each example's metadata holds its class ({@code "class"}) and its index in the IDX file ({@code "index"}).
 * <p>
 * <b>Location.</b> A directory holding the four standard files ({@code train-images-idx3-ubyte[.gz]},
 * {@code train-labels-idx1-ubyte[.gz]}, {@code t10k-images-idx3-ubyte[.gz]}, {@code t10k-labels-idx1-ubyte[.gz]}),
 * for example the Debian package's {@value #DEBIAN_DIRECTORY}; or {@code classpath:} followed by a resource
 * directory, for example {@value #EMBEDDED_SAMPLE}, the small sample embedded in this module (the default).
 * <p>
 * <b>Provenance</b> records every setting (location, split, normal class, contamination, cap, seed), the SHA-256 of
 * the image and label files as stored, and the number of examples produced.
 */
public final class FashionMnistDataSource
        extends InMemoryEventSource<FashionMnistDataSource.FashionMnistDataSourceProvenance> {

    /** Where Debian's {@code dataset-fashion-mnist} package installs the data set. */
    public static final String DEBIAN_DIRECTORY = "/usr/share/datasets/fashion-mnist";
    /** The location of the Fashion-MNIST sample embedded in this module. */
    public static final String EMBEDDED_SAMPLE = "classpath:/fashion-mnist-sample";
    /** Prefix of a classpath location. */
    public static final String CLASSPATH_PREFIX = "classpath:";
    /** Metadata key of an example's class label (an Integer). */
    public static final String METADATA_CLASS = "class";
    /** Metadata key of an example's index in its IDX file (an Integer). */
    public static final String METADATA_INDEX = "index";
    /** The Fashion-MNIST class names, index = label. */
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /**
     * Which part of the data set to produce.
     */
    public enum Split {
        /** The training images of the normal class (plus contamination), all EXPECTED. */
        TRAIN("train"),
        /** All test images, normal class EXPECTED, the others ANOMALOUS. */
        TEST("t10k");

        private final String filePrefix;

        Split(String filePrefix) {
            this.filePrefix = filePrefix;
        }

        /**
         * @return the standard file name of this split's images, without ".gz".
         */
        public String imagesFileName() {
            return filePrefix + "-images-idx3-ubyte";
        }

        /**
         * @return the standard file name of this split's labels, without ".gz".
         */
        public String labelsFileName() {
            return filePrefix + "-labels-idx1-ubyte";
        }
    }

    @Config(description = "Directory with the IDX files, or 'classpath:' + a resource directory. "
            + "Default: the sample embedded in the examples module.")
    private String location = EMBEDDED_SAMPLE;

    @Config(description = "Which split to produce: TRAIN (normal class + contamination) or TEST (all images).")
    private Split split = Split.TRAIN;

    @Config(description = "The normal class (0-9 for Fashion-MNIST).")
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
    private String imagesHash;
    private String labelsHash;

    /**
     * For OLCUT.
     */
    private FashionMnistDataSource() { }

    /**
     * Loads a split.
     * @param location a directory, or {@code classpath:} + a resource directory (see the class comment).
     * @param split which split.
     * @param normalClass the normal class.
     * @param contamination the contamination ratio r (training split only).
     * @param maxNormal the cap on normal training images, ≤ 0 for all (training split only).
     * @param seed the seed for drawing contaminants.
     * @throws UncheckedIOException if the files are missing or invalid (the message names the file).
     * @throws PropertyException if a setting is out of range.
     */
    public FashionMnistDataSource(String location, Split split, int normalClass, double contamination,
                                  int maxNormal, long seed) {
        this.location = location;
        this.split = split;
        this.normalClass = normalClass;
        this.contamination = contamination;
        this.maxNormal = maxNormal;
        this.seed = seed;
        postConfig();
    }

    /**
     * The training split of a directory, without contamination.
     * @param directory the directory with the IDX files.
     * @param normalClass the normal class.
     * @param maxNormal the cap on normal images, ≤ 0 for all.
     * @return the data source.
     */
    public static FashionMnistDataSource train(Path directory, int normalClass, int maxNormal) {
        return new FashionMnistDataSource(directory.toString(), Split.TRAIN, normalClass, 0.0, maxNormal,
                Trainer.DEFAULT_SEED);
    }

    /**
     * The test split of a directory.
     * @param directory the directory with the IDX files.
     * @param normalClass the normal class.
     * @return the data source.
     */
    public static FashionMnistDataSource test(Path directory, int normalClass) {
        return new FashionMnistDataSource(directory.toString(), Split.TEST, normalClass, 0.0, 0,
                Trainer.DEFAULT_SEED);
    }

    /**
     * A split of the sample embedded in this module (2,000 T-shirt/top training images plus 50 of each other class;
     * 200 test images per class), without contamination and with every normal training image.
     * @param split which split.
     * @param normalClass the normal class.
     * @return the data source.
     */
    public static FashionMnistDataSource embeddedSample(Split split, int normalClass) {
        return new FashionMnistDataSource(EMBEDDED_SAMPLE, split, normalClass, 0.0, 0, Trainer.DEFAULT_SEED);
    }

    /**
     * Used by the OLCUT configuration system, and should not be called by external code.
     */
    @Override
    public void postConfig() {
        if (location == null || location.isBlank()) {
            throw new PropertyException("", "location", "location must be a directory or 'classpath:...'");
        }
        if (split == null) {
            throw new PropertyException("", "split", "split must be TRAIN or TEST");
        }
        OneClassSplit oneClass;
        try {
            oneClass = oneClassSplit();
        } catch (IllegalArgumentException e) {
            throw new PropertyException(e, "", normalClass < 0 ? "normalClass" : "contamination", e.getMessage());
        }
        IdxImages images;
        int[] labels;
        try {
            byte[] imageBytes = readResource(split.imagesFileName());
            byte[] labelBytes = readResource(split.labelsFileName());
            imagesHash = ProvenanceUtil.hashArray(ObjectProvenance.DEFAULT_HASH_TYPE, imageBytes);
            labelsHash = ProvenanceUtil.hashArray(ObjectProvenance.DEFAULT_HASH_TYPE, labelBytes);
            images = IdxReader.parseImages(imageBytes, describe(split.imagesFileName()));
            labels = IdxReader.parseLabels(labelBytes, describe(split.labelsFileName()));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot load the " + split + " split of " + location + ": "
                    + e.getMessage(), e);
        }
        if (images.count() != labels.length) {
            throw new IllegalStateException("The " + split + " split of " + location + " has " + images.count()
                    + " images but " + labels.length + " labels");
        }
        if (Arrays.stream(labels).noneMatch(l -> l == normalClass)) {
            IntSummaryStatistics range = Arrays.stream(labels).summaryStatistics();
            throw new PropertyException("", "normalClass", "normalClass " + normalClass + " does not occur among the "
                    + labels.length + " labels of the " + split + " split of " + location
                    + (labels.length > 0 ? " (labels " + range.getMin() + " to " + range.getMax() + ")" : ""));
        }
        rows = images.rows();
        cols = images.cols();
        int[] selected;
        if (split == Split.TRAIN) {
            selected = oneClass.trainingIndices(labels);
        } else {
            selected = DataSourceSupport.testIndices(labels, normalClass, location, null);
        }
        String[] names = featureNames(images.pixelsPerImage());
        List<Example<Event>> list = new ArrayList<>(selected.length);
        classLabels = new int[selected.length];
        for (int i = 0; i < selected.length; i++) {
            int idx = selected[i];
            int label = labels[idx];
            classLabels[i] = label;
            Event event = split == Split.TRAIN ? oneClass.trainingEvent(label) : oneClass.testEvent(label);
            Map<String, Object> metadata = new HashMap<>(4);
            metadata.put(METADATA_CLASS, label);
            metadata.put(METADATA_INDEX, idx);
            list.add(new ArrayExample<>(event, names, images.imageAsDoubles(idx), metadata));
        }
        setExamples(list);
    }

    private String describe(String fileName) {
        return location.endsWith("/") ? location + fileName : location + "/" + fileName;
    }

    private byte[] readResource(String baseName) throws IOException {
        if (location.startsWith(CLASSPATH_PREFIX)) {
            String dir = location.substring(CLASSPATH_PREFIX.length());
            if (!dir.startsWith("/")) {
                dir = "/" + dir;
            }
            if (!dir.endsWith("/")) {
                dir = dir + "/";
            }
            for (String name : new String[]{baseName + ".gz", baseName}) {
                try (InputStream in = FashionMnistDataSource.class.getResourceAsStream(dir + name)) {
                    if (in != null) {
                        return in.readAllBytes();
                    }
                }
            }
            throw new IOException("Neither " + baseName + ".gz nor " + baseName + " found on the classpath in "
                    + dir);
        } else {
            Path dir = Paths.get(location);
            if (!Files.isDirectory(dir)) {
                throw new IOException("Directory " + dir + " does not exist (for Fashion-MNIST on Debian/Ubuntu: "
                        + "apt-get install dataset-fashion-mnist, which fills " + DEBIAN_DIRECTORY + ")");
            }
            Path gz = dir.resolve(baseName + ".gz");
            Path plain = dir.resolve(baseName);
            if (Files.exists(gz)) {
                return IdxReader.readFile(gz);
            } else if (Files.exists(plain)) {
                return IdxReader.readFile(plain);
            }
            throw new IOException("Neither " + gz + " nor " + plain + " exists");
        }
    }

    /**
     * The feature names of an image with {@code pixels} pixels: {@code "px"} plus the zero-padded pixel index
     * (at least three digits), so that sorting the names sorts the pixels.
     * @param pixels the number of pixels per image.
     * @return the names, index = pixel.
     */
    public static String[] featureNames(int pixels) {
        int width = Math.max(3, Integer.toString(Math.max(0, pixels - 1)).length());
        String format = "px%0" + width + "d";
        String[] names = new String[pixels];
        for (int i = 0; i < pixels; i++) {
            names[i] = String.format(format, i);
        }
        return names;
    }


    /**
     * @return the class label of every example, in example order (a copy).
     */
    public int[] classLabels() {
        return classLabels.clone();
    }

    /**
     * @return the image shape as the trainer expects it: {channels, rows, cols} = {1, rows, cols}.
     */
    public int[] imageShape() {
        return new int[]{1, rows, cols};
    }

    /**
     * @return the one-class split this source applies.
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
    FashionMnistDataSourceProvenance createProvenance() {
        return new FashionMnistDataSourceProvenance(this);
    }

    @Override
    public String toString() {
        return "FashionMnistDataSource(location=" + location + ", split=" + split + ", normalClass=" + normalClass
                + ", contamination=" + contamination + ", maxNormal=" + maxNormal + ", seed=" + seed
                + ", examples=" + sizeOrZero() + ")";
    }

    /**
     * Provenance for {@link FashionMnistDataSource}: the configured settings plus the SHA-256 of the image and label
     * files as stored, the number of examples and the creation time.
     */
    public static final class FashionMnistDataSourceProvenance extends HashedDataSourceProvenance {
        private static final long serialVersionUID = 1L;

        /** Key of the SHA-256 of the image file. */
        public static final String IMAGES_HASH = "images-resource-hash";
        /** Key of the SHA-256 of the label file. */
        public static final String LABELS_HASH = "labels-resource-hash";

        FashionMnistDataSourceProvenance(FashionMnistDataSource host) {
            super(host, List.of(new HashProvenance(DEFAULT_HASH_TYPE, IMAGES_HASH, host.imagesHash),
                    new HashProvenance(DEFAULT_HASH_TYPE, LABELS_HASH, host.labelsHash)), host.size());
        }

        /**
         * Constructs a provenance from its marshalled form.
         * @param map the map of field values.
         */
        public FashionMnistDataSourceProvenance(Map<String, Provenance> map) {
            super(map, FashionMnistDataSourceProvenance.class, IMAGES_HASH, LABELS_HASH);
        }
    }
}
