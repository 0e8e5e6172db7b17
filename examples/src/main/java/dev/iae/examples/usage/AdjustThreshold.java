package dev.iae.examples.usage;

import dev.iae.tribuo.IaeModel;
import dev.iae.tribuo.IaeTrainer;
import org.tribuo.Dataset;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.anomaly.Event;
import org.tribuo.anomaly.evaluation.AnomalyEvaluation;
import org.tribuo.anomaly.evaluation.AnomalyEvaluator;
import org.tribuo.anomaly.example.GaussianAnomalyDataSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Changes the decision threshold of a trained model without retraining: here to reach a target false-positive rate
 * measured on held-out normal data, then saves the re-thresholded model (Tribuo and ONNX files).
 * <pre>
 * examples/bin/run dev.iae.examples.usage.AdjustThreshold [model.tribuo [target-false-positive-rate]]
 * </pre>
 * Without a model file it trains a small one on Tribuo's Gaussian anomaly data first. The validation and test rows
 * are always that generated data (features {@code A}-{@code D}), so a given model must be an IAE-LSTM-KL model on
 * exactly those features; any other file is refused with a message (a model on other features would not fit the
 * rows, and Tribuo would score a feature the rows lack as 0 without a word). For a model of your own data, compute
 * the threshold from its scores on your held-out normal rows with {@link #thresholdForFalsePositiveRate}.
 * <p>
 * The threshold is part of the model (and of the ONNX metadata); {@link IaeModel#withThreshold(double)} returns a new model that differs only
 * there, so the scores stay identical and only the EXPECTED/ANOMALOUS decision moves.
 */
public final class AdjustThreshold {
    private AdjustThreshold() { }

    /**
     * The threshold that flags about {@code falsePositiveRate} of the given normal scores.
     * @param normalScores scores of normal (held-out) examples.
     * @param falsePositiveRate the target fraction flagged, in [0, 1).
     * @return the threshold (the (1 − rate) quantile).
     * @throws IllegalArgumentException if there are no scores or the rate is not in [0, 1).
     */
    public static double thresholdForFalsePositiveRate(double[] normalScores, double falsePositiveRate) {
        if (normalScores.length == 0) {
            throw new IllegalArgumentException("No normal scores to take the threshold from");
        }
        checkRate(falsePositiveRate);
        double[] s = normalScores.clone();
        Arrays.sort(s);
        int k = (int) Math.ceil((1 - falsePositiveRate) * s.length) - 1;
        return s[Math.max(0, Math.min(s.length - 1, k))];
    }

    private static void checkRate(double falsePositiveRate) {
        if (!(falsePositiveRate >= 0 && falsePositiveRate < 1)) {
            throw new IllegalArgumentException("The target false-positive rate must be in [0, 1), found "
                    + falsePositiveRate);
        }
    }

    /**
     * Loads the model to adjust: it must be an IAE-LSTM-KL model whose features are exactly the generated data's.
     * @param file a Tribuo model file.
     * @param dataFeatures the feature names of the generated validation and test data.
     * @return the model.
     * @throws IllegalArgumentException if the file cannot be read as a Tribuo model, is not an IAE-LSTM-KL model, or
     *     has other features than {@code dataFeatures}.
     */
    static IaeModel load(Path file, Set<String> dataFeatures) {
        Model<?> loaded;
        try {
            loaded = Model.deserializeFromFile(file);
        } catch (IOException | RuntimeException e) {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("No such model file: " + file, e);
            }
            throw new IllegalArgumentException(file + " is not a Tribuo model file: " + e.getMessage(), e);
        }
        if (!(loaded instanceof IaeModel model)) {
            throw new IllegalArgumentException(file + " holds a " + loaded.getClass().getName() + ", not an "
                    + "IAE-LSTM-KL model (" + IaeModel.class.getName() + ")");
        }
        Set<String> features = new TreeSet<>(model.featureNames());
        if (!features.equals(dataFeatures)) {
            model.close();
            List<String> shown = features.stream().limit(8).toList();
            throw new IllegalArgumentException(file + " has the features " + shown + (features.size() > 8 ? " … ("
                    + features.size() + " in all)" : "") + ", but this example validates and tests on generated data "
                    + "with the features " + new TreeSet<>(dataFeatures) + "; it adjusts only models trained on such data (for your "
                    + "own model, take the threshold from its scores on your held-out normal rows with "
                    + "thresholdForFalsePositiveRate)");
        }
        return model;
    }

    private static void report(String label, IaeModel model, Dataset<Event> test) {
        List<Prediction<Event>> p = model.predict(test);
        AnomalyEvaluation e = new AnomalyEvaluator().evaluate(model, p, test.getProvenance());
        System.out.printf(Locale.ROOT, "%-22s threshold %-10.5g TP %4d FP %4d TN %4d FN %4d  precision %.3f recall %.3f%n",
                label, model.threshold(), e.getTruePositives(), e.getFalsePositives(), e.getTrueNegatives(),
                e.getFalseNegatives(), e.getPrecision(), e.getRecall());
    }

    /**
     * Runs the example.
     * @param args optional: a Tribuo model file of an IAE-LSTM-KL model, and the target false-positive rate.
     * @throws IOException if a file cannot be read or written.
     */
    public static void main(String[] args) throws IOException {
        try {
            run(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void run(String[] args) throws IOException {
        if (args.length > 2) {
            throw new IllegalArgumentException("usage: AdjustThreshold [model.tribuo [target-false-positive-rate]]");
        }
        double targetFpr = 0.01;
        if (args.length > 1) {
            try {
                targetFpr = Double.parseDouble(args[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("The target false-positive rate must be a number in [0, 1), found '"
                        + args[1] + "'");
            }
            checkRate(targetFpr);
        }
        // 4-dimensional Gaussian data: normal N(0, 1), anomalies N(2, 1) per feature (Tribuo's generator).
        double[] zeros = {0, 0, 0, 0};
        double[] twos = {2, 2, 2, 2};
        double[] ones = {1, 1, 1, 1};
        Dataset<Event> validation = new MutableDataset<>(
                new GaussianAnomalyDataSource(1000, zeros, ones, twos, ones, 0.0f, 11));
        Dataset<Event> test = new MutableDataset<>(
                new GaussianAnomalyDataSource(2000, zeros, ones, twos, ones, 0.2f, 12));
        IaeModel model;
        if (args.length > 0) {
            model = load(Path.of(args[0]), new TreeSet<>(validation.getFeatureMap().keySet()));
        } else {
            Dataset<Event> train = new MutableDataset<>(
                    new GaussianAnomalyDataSource(2000, zeros, ones, twos, ones, 0.0f, 10));
            model = IaeTrainer.builder().encoderSizes(16, 8).lstmHidden(8).repDim(4)
                    .pretrainEpochs(5).epochs(10).contamination(0.05).seed(1).build().train(train);
        }
        try (model) {
            double[] normalScores = model.predict(validation).stream().mapToDouble(p -> p.getOutput().getScore())
                    .toArray();
            double t = thresholdForFalsePositiveRate(normalScores, targetFpr);
            try (IaeModel adjusted = model.withThreshold(t)) {
                report("trained threshold", model, test);
                report(String.format(Locale.ROOT, "FPR %.1f%% threshold", 100 * targetFpr), adjusted, test);
                Path dir = Files.createTempDirectory("iae-threshold-example");
                adjusted.serializeToFile(dir.resolve("adjusted.tribuo"));
                adjusted.saveONNXModel("com.example", 2, dir.resolve("adjusted.onnx"));
                System.out.println("Saved the re-thresholded model to " + dir);
            }
        }
    }
}
