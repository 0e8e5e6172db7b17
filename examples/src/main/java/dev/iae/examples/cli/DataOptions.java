package dev.iae.examples.cli;

import dev.iae.examples.data.FashionMnistDataSource;
import dev.iae.examples.data.ImageFolderSource;
import dev.iae.onnx.OnnxContract;
import dev.iae.tribuo.IaeModel;
import org.tribuo.Model;
import org.tribuo.Dataset;
import org.tribuo.MutableDataset;
import org.tribuo.Trainer;
import org.tribuo.anomaly.Event;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The input-data options shared by {@code train} and {@code evaluate}: a CSV file (with an optional label column and
 * an explicit label mapping), a directory of IDX image files (Fashion-MNIST layout, one-class protocol), or a folder
 * or archive of ordinary images ({@link ImageFolderSource}: one subfolder per class, or flat).
 */
public final class DataOptions {
    /** The embedded Fashion-MNIST sample, usable as {@code --idx sample}. */
    public static final String SAMPLE = "sample";

    @Option(names = "--csv", paramLabel = "FILE",
            description = "CSV file with a header line. train: every column except the label and ignored columns "
                    + "is a numeric feature; evaluate: the model's feature columns are read, others are skipped.")
    Path csv;

    @Option(names = "--idx", paramLabel = "DIR",
            description = "Directory with IDX files (train-images-idx3-ubyte[.gz], t10k-…), e.g. "
                    + "/usr/share/datasets/fashion-mnist, or '" + SAMPLE + "' for the sample shipped in this module. "
                    + "One-class protocol: --normal-class is normal, every other class anomalous.")
    String idx;

    @Option(names = "--images", paramLabel = "PATH",
            description = "A folder of images (PNG, JPEG, BMP, GIF; one subfolder per class, or flat) or a .tar.gz/"
                    + ".tgz/.tar archive of such a folder, read without unpacking. Grey images give 1 channel, colour "
                    + "images 3 (see --channels).")
    String images;

    @Option(names = "--image-subfolder", paramLabel = "NAME",
            description = "Images: use only the images below a folder of this name (e.g. train).")
    String imageSubfolder;

    @Option(names = "--channels", paramLabel = "MODE",
            description = "Images: ${COMPLETION-CANDIDATES} (default: the model's for evaluate, else AUTO = RGB if "
                    + "any image is in colour).")
    ImageFolderSource.Channels channels;

    @Option(names = "--normal-class", paramLabel = "CLASS", split = ",",
            description = "IDX input: the normal class number (default 0). Images: the class folder(s) whose images "
                    + "are normal, all others anomalous (train: only these are read; evaluate: required).")
    List<String> normalClasses;

    @Option(names = "--max-normal", paramLabel = "N", defaultValue = "0",
            description = "IDX training input: keep only the first N normal images (0 = all).")
    int maxNormal;

    @Option(names = "--label-column", paramLabel = "NAME",
            description = "CSV column holding the labels (optional for train: without it every row is normal).")
    String labelColumn;

    @Option(names = "--anomaly-label", paramLabel = "VALUE", split = ",",
            description = "Label value(s) that mark an anomaly, e.g. --anomaly-label 1; every other value is normal. "
                    + "Needed whenever the labels are not ANOMALOUS/EXPECTED.")
    List<String> anomalyLabels;

    @Option(names = "--normal-label", paramLabel = "VALUE", split = ",",
            description = "Label value(s) that mark a normal row; every other value is an anomaly.")
    List<String> normalLabels;

    @Option(names = "--ignore-column", paramLabel = "NAME", split = ",",
            description = "CSV column(s) that are neither features nor labels (e.g. an id).")
    List<String> ignoreColumns;

    @Option(names = "--separator", paramLabel = "CHAR", defaultValue = ",",
            description = "CSV field separator (default: '${DEFAULT-VALUE}').")
    char separator;

    /**
     * @return true if the input is an IDX directory.
     */
    public boolean isIdx() {
        return idx != null;
    }

    /**
     * @return true if the input is an image folder or archive.
     */
    public boolean isImages() {
        return images != null;
    }

    private void checkOne() {
        int given = (csv == null ? 0 : 1) + (idx == null ? 0 : 1) + (images == null ? 0 : 1);
        if (given != 1) {
            throw new CliException("Give the input data with exactly one of --csv FILE, --idx DIR or --images PATH");
        }
        if (images == null && (imageSubfolder != null || channels != null)) {
            throw new CliException("--image-subfolder and --channels apply to --images input only");
        }
    }

    /** @return the {@code --ignore-column} columns (empty when none). */
    List<String> ignoredColumns() {
        return ignoreColumns == null ? List.of() : ignoreColumns;
    }

    /** @return the IDX normal class (default 0). */
    int idxNormalClass() {
        if (normalClasses == null || normalClasses.isEmpty()) {
            return 0;
        }
        if (normalClasses.size() > 1) {
            throw new CliException("IDX input has one normal class, got --normal-class " + String.join(",", normalClasses));
        }
        try {
            return Integer.parseInt(normalClasses.get(0).trim());
        } catch (NumberFormatException e) {
            throw new CliException("IDX input needs a class number for --normal-class, got '" + normalClasses.get(0) + "'");
        }
    }

    /**
     * Loads the input as a Tribuo dataset.
     * @param training true for the training split (IDX: the normal class's training images), false for the test
     *     split (IDX: all test images, labelled).
     * @param labelsRequired true if the command needs labels.
     * @param warnings where warnings go.
     * @return the dataset.
     */
    public Dataset<Event> load(boolean training, boolean labelsRequired, PrintStream warnings) {
        return load(training, labelsRequired, warnings, null);
    }

    /**
     * Loads the input as a Tribuo dataset, reading only the given feature columns of a CSV file (for scoring with a
     * model: just its features, so unused columns need not be numeric).
     * @param training true for the training split (IDX: the normal class's training images), false for the test
     *     split (IDX: all test images, labelled).
     * @param labelsRequired true if the command needs labels.
     * @param warnings where warnings go.
     * @param csvFeatures the CSV feature columns, or null for every column except the label and ignored columns;
     *     not used for image input.
     * @return the dataset.
     */
    public Dataset<Event> load(boolean training, boolean labelsRequired, PrintStream warnings,
                               List<String> csvFeatures) {
        checkOne();
        if (csv != null) {
            EventResponseProcessor mapping = CsvInput.labelMapping(csv, separator, this, labelsRequired, warnings);
            return CsvInput.load(csv, separator, mapping, ignoredColumns(), csvFeatures);
        }
        if (images != null) {
            return new MutableDataset<>(imageSource(training, labelsRequired, null));
        }
        return new MutableDataset<>(idxSource(training));
    }

    /**
     * The image folder source.
     * @param training true for training: only the normal classes' images are read (all images without
     *     {@code --normal-class}).
     * @param labelsRequired true if the command needs normal and anomalous images ({@code --normal-class} required).
     * @param defaultChannels the channels to use when {@code --channels} is not given (null = AUTO).
     * @return the source.
     */
    public ImageFolderSource imageSource(boolean training, boolean labelsRequired,
                                         ImageFolderSource.Channels defaultChannels) {
        checkOne();
        List<String> normal = normalClasses == null ? List.of() : normalClasses.stream().map(String::trim).toList();
        if (labelsRequired && normal.isEmpty()) {
            throw new CliException("Evaluating images needs --normal-class NAME: the class folder(s) whose images are "
                    + "normal (all other images are anomalous)");
        }
        ImageFolderSource.Channels mode = channels != null ? channels
                : defaultChannels != null ? defaultChannels : ImageFolderSource.Channels.AUTO;
        ImageFolderSource source;
        try {
            source = new ImageFolderSource(images, imageSubfolder, normal, training && !normal.isEmpty(), mode);
        } catch (UncheckedIOException e) {
            throw new CliException(e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new CliException("Cannot use the images in " + images + ": " + TrainerOptions.oneLine(e), e);
        }
        if (labelsRequired && source.classes().size() < 2) {
            throw new CliException("The images in " + images + " are all of class " + source.classes()
                    + ", so there is nothing anomalous to evaluate against");
        }
        return source;
    }

    /**
     * The image shape {C, H, W} a model was trained on, from its ONNX metadata.
     * @param model the model.
     * @return the shape, or null for a tabular model or another kind of model.
     */
    static int[] modelImageShape(Model<?> model) {
        if (!(model instanceof IaeModel m)) {
            return null;
        }
        String shape = m.onnxMetadata().get(OnnxContract.META_INPUT_SHAPE);
        if (shape == null) {
            return null;
        }
        String[] parts = shape.replace("[", "").replace("]", "").split(",");
        if (parts.length != 3) {
            return null;
        }
        int[] out = new int[3];
        for (int i = 0; i < 3; i++) {
            try {
                out[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return out;
    }

    /**
     * The channel mode matching a model (GRAYSCALE for 1 channel, RGB for 3), or null when it has no image shape.
     * @param model the model.
     * @return the mode or null.
     */
    static ImageFolderSource.Channels modelChannels(Model<?> model) {
        int[] shape = modelImageShape(model);
        if (shape == null) {
            return null;
        }
        return shape[0] == 1 ? ImageFolderSource.Channels.GRAYSCALE
                : shape[0] == 3 ? ImageFolderSource.Channels.RGB : null;
    }

    /**
     * Fails unless images of the given shape fit a model (same feature count and, for image models, same shape):
     * Tribuo would silently ignore unknown pixels and count missing ones as 0.
     * @param model the model.
     * @param imageShape the images' {C, H, W}.
     * @param where the images' location, for the message.
     */
    static void checkImageShape(Model<?> model, int[] imageShape, String where) {
        int features = imageShape[0] * imageShape[1] * imageShape[2];
        int[] expected = modelImageShape(model);
        int modelFeatures = model.getFeatureIDMap().size();
        if (features != modelFeatures || (expected != null && !Arrays.equals(expected, imageShape))) {
            throw new CliException(String.format(Locale.ROOT, "The images in %s are %dx%dx%d (%d features), but the "
                            + "model expects %s (%d features)", where, imageShape[0], imageShape[1], imageShape[2],
                    features, expected == null ? "tabular input" : Arrays.toString(expected), modelFeatures));
        }
    }

    /**
     * The IDX data source (training or test split).
     * @param training which split.
     * @return the source.
     */
    public FashionMnistDataSource idxSource(boolean training) {
        String location = SAMPLE.equals(idx) ? FashionMnistDataSource.EMBEDDED_SAMPLE : idx;
        int normalClass = idxNormalClass();
        try {
            return new FashionMnistDataSource(location,
                    training ? FashionMnistDataSource.Split.TRAIN : FashionMnistDataSource.Split.TEST,
                    normalClass, 0.0, training ? maxNormal : 0, Trainer.DEFAULT_SEED);
        } catch (UncheckedIOException e) {
            throw new CliException("Cannot read IDX images from " + idx + ": " + CsvInput.message(e), e);
        } catch (RuntimeException e) {
            throw new CliException("Cannot use the IDX directory " + idx + ": " + e.getMessage(), e);
        }
    }
}
