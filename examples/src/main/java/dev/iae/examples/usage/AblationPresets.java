package dev.iae.examples.usage;

import dev.iae.tribuo.IaeModel;
import dev.iae.tribuo.IaePreset;
import dev.iae.tribuo.IaeTrainer;
import dev.iae.tribuo.evaluation.ScoreEvaluation;
import org.tribuo.Dataset;
import org.tribuo.MutableDataset;
import org.tribuo.anomaly.Event;
import org.tribuo.anomaly.example.GaussianAnomalyDataSource;

import java.util.Locale;

/**
 * The paper's ablations are presets of one trainer: CAE, Deep SVDD, IAE, IAE-LSTM, IAE-KL and IAE-LSTM-KL. This
 * trains each on the same data with the same settings and prints its test AUROC and training time.
 * <pre>
 * examples/bin/run dev.iae.examples.usage.AblationPresets
 * </pre>
 * The data is Tribuo's Gaussian anomaly generator in 6 dimensions, with anomalies close to the normal data (mean
 * 1.0 instead of 0, same variance) so that the presets differ; any {@code Dataset<Event>} works the same way.
 */
public final class AblationPresets {
    private AblationPresets() { }

    /**
     * Runs the example.
     * @param args unused.
     */
    public static void main(String[] args) {
        double[] normalMean = {0, 0, 0, 0, 0, 0};
        double[] anomalyMean = {1, 1, 1, 1, 1, 1};
        double[] variance = {1, 1, 1, 1, 1, 1};
        Dataset<Event> train = new MutableDataset<>(
                new GaussianAnomalyDataSource(3000, normalMean, variance, anomalyMean, variance, 0.0f, 1));
        Dataset<Event> test = new MutableDataset<>(
                new GaussianAnomalyDataSource(2000, normalMean, variance, anomalyMean, variance, 0.2f, 2));
        System.out.printf(Locale.ROOT, "%-12s %-15s %7s %9s%n", "preset", "score", "AUROC", "train s");
        for (IaePreset preset : IaePreset.values()) {
            IaeTrainer trainer = IaeTrainer.builder()
                    .preset(preset)
                    .encoderSizes(32, 16).lstmHidden(16).repDim(8)
                    .pretrainEpochs(5).epochs(15)
                    .seed(1)
                    .build();
            long start = System.nanoTime();
            try (IaeModel model = trainer.train(train)) {
                double seconds = (System.nanoTime() - start) / 1e9;
                double auroc = ScoreEvaluation.of(model, test).auroc();
                System.out.printf(Locale.ROOT, "%-12s %-15s %7.4f %9.1f%n", preset, model.scoreKind(), auroc, seconds);
            }
        }
    }
}
