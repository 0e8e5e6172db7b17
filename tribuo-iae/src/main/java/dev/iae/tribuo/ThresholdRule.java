package dev.iae.tribuo;

/**
 * How the trainer fits the decision threshold that turns a score into an {@code EXPECTED} or {@code ANOMALOUS}
 * event. A score strictly above the threshold is anomalous.
 */
public enum ThresholdRule {
    /**
     * The (1 − contamination)-quantile of the training scores: about a fraction {@code contamination} of the
     * training data is flagged as anomalous (contamination 0 gives the largest training score).
     */
    QUANTILE,
    /**
     * The squared radius R² of the soft-boundary hypersphere (needs the {@link SvddObjective#SOFT_BOUNDARY}
     * objective and the SVDD score).
     */
    RADIUS
}
