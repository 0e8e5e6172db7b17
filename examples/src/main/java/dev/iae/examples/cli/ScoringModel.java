package dev.iae.examples.cli;

import dev.iae.tribuo.IaeModel;
import org.tribuo.Model;
import org.tribuo.anomaly.Event;

/**
 * The model a scoring command ({@code evaluate}, {@code score}) predicts with: the loaded model itself, or, when
 * {@code --threshold} is given, a copy of the IAE-LSTM-KL model with that decision threshold. Closing it closes the
 * copy (the loaded model is closed by its {@link ModelFiles.Loaded}), so it belongs in the same try-with-resources
 * statement, after the loaded model.
 */
final class ScoringModel implements AutoCloseable {
    private final Model<Event> model;
    private final IaeModel adjusted;

    private ScoringModel(Model<Event> model, IaeModel adjusted) {
        this.model = model;
        this.adjusted = adjusted;
    }

    /**
     * Applies an optional threshold override to a loaded model.
     * @param loaded the loaded model file.
     * @param threshold the {@code --threshold} value, or null to keep the model's own threshold.
     * @return the model to predict with.
     * @throws CliException if a threshold is given for a model that is not an IAE-LSTM-KL model.
     */
    static ScoringModel of(ModelFiles.Loaded loaded, Double threshold) {
        if (threshold == null) {
            return new ScoringModel(loaded.model(), null);
        }
        if (loaded.iae() == null) {
            throw new CliException("--threshold needs an IAE-LSTM-KL model; " + loaded.path() + " is a "
                    + loaded.model().getClass().getSimpleName());
        }
        IaeModel adjusted = loaded.iae().withThreshold(threshold);
        return new ScoringModel(adjusted, adjusted);
    }

    /**
     * @return the model to predict with.
     */
    Model<Event> model() {
        return model;
    }

    /** Closes the threshold-adjusted copy, if there is one. */
    @Override
    public void close() {
        if (adjusted != null) {
            adjusted.close();
        }
    }

    @Override
    public String toString() {
        return "ScoringModel(" + model.getName() + (adjusted == null ? "" : ", threshold=" + adjusted.threshold())
                + ")";
    }
}
