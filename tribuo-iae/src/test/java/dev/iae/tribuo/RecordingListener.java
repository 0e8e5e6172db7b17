package dev.iae.tribuo;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@link TrainingListener} for tests: records every event as a line of text, every batch loss and every epoch
 * loss, and checks as it goes the invariants that the CLI's progress display relies on (finite, non-negative batch
 * losses; an epoch loss that is the mean of the batch losses just reported; elapsed time that never goes back).
 */
final class RecordingListener implements TrainingListener {

    /** Every event, e.g. {@code "start 2 3 4 193"}, {@code "batch JOINT 1/3 2/4"}, {@code "epoch JOINT 1/3"}. */
    final List<String> events = new ArrayList<>();
    /** Every batch loss, in order. */
    final List<Double> batchLosses = new ArrayList<>();
    /** Every epoch's mean loss, in order. */
    final List<Double> epochLosses = new ArrayList<>();
    private long lastElapsed = -1;
    private double epochSum;
    private int epochBatches;

    @Override
    public void onStart(int pretrainEpochs, int epochs, int batchesPerEpoch, int examples) {
        events.add("start " + pretrainEpochs + " " + epochs + " " + batchesPerEpoch + " " + examples);
    }

    @Override
    public void onBatch(Phase phase, int epoch, int epochs, int batch, int batches, double loss) {
        assertTrue(Double.isFinite(loss) && loss >= 0, "batch loss " + loss);
        events.add("batch " + phase + " " + epoch + "/" + epochs + " " + batch + "/" + batches);
        batchLosses.add(loss);
        epochSum += loss;
        epochBatches++;
    }

    @Override
    public void onEpoch(Phase phase, int epoch, int epochs, double meanLoss, long elapsedMillis) {
        assertTrue(Double.isFinite(meanLoss), "epoch loss " + meanLoss);
        assertEquals(epochSum / epochBatches, meanLoss, 1e-6 * Math.max(1, Math.abs(meanLoss)),
                "the epoch's loss is the mean of the batch losses just reported");
        assertTrue(elapsedMillis >= lastElapsed, "elapsed time went backwards");
        lastElapsed = elapsedMillis;
        epochSum = 0;
        epochBatches = 0;
        events.add("epoch " + phase + " " + epoch + "/" + epochs);
        epochLosses.add(meanLoss);
    }

    /** @return the batch losses as an array. */
    double[] batchLossValues() {
        return batchLosses.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * Asserts that every epoch of both phases ran exactly {@code n} batches, numbered 1 to n.
     * @param n the expected batches per epoch.
     */
    void assertBatchesPerEpoch(int n) {
        List<String> batches = events.stream().filter(e -> e.startsWith("batch ")).toList();
        assertFalse(batches.isEmpty(), "no batch reported");
        for (int i = 0; i < batches.size(); i++) {
            String expected = " " + (i % n + 1) + "/" + n;
            assertTrue(batches.get(i).endsWith(expected), "expected batch" + expected + ", got " + batches);
        }
    }

    @Override
    public String toString() {
        return "RecordingListener(" + events.size() + " events)";
    }
}
