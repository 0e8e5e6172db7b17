package dev.iae.examples.cli;

import dev.iae.tribuo.IaeModel;
import org.tribuo.Model;
import org.tribuo.anomaly.Event;

import java.util.function.LongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The model a scoring command ({@code evaluate}, {@code score}) predicts with: the loaded model itself, or, when
 * {@code --threshold} is given, a copy of the IAE-LSTM-KL model with that decision threshold. Closing it closes the
 * copy (the loaded model is closed by its {@link ModelFiles.Loaded}), so it belongs in the same try-with-resources
 * statement, after the loaded model.
 */
final class ScoringModel implements AutoCloseable {
    /** A model error about one example of a chunk: its index, then the rest of the message. */
    private static final Pattern EXAMPLE = Pattern.compile("Example (\\d+)((?: |:).*)", Pattern.DOTALL);

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
     * Rewrites a prediction error that names an example by its index in the predicted chunk ({@code "Example 5 has
     * a non-finite value …"}, as {@link IaeModel} and its row packer say) so that it names the example's place in the
     * whole input instead.
     * @param message the error message.
     * @param first the input index of the chunk's first example.
     * @param where the description of the example at an input index (e.g. "The CSV file F, data row 70").
     * @return the message starting with {@code where}, or null when it does not name an example.
     */
    static String relocate(String message, long first, LongFunction<String> where) {
        Matcher m = message == null ? null : EXAMPLE.matcher(message);
        if (m == null || !m.matches()) {
            return null;
        }
        long index;
        try {
            index = first + Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return null;
        }
        String rest = m.group(2);
        rest = rest.startsWith(":") ? rest.substring(1).trim() : "it" + rest;
        return where.apply(index) + ": " + rest;
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
