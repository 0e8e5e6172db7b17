package dev.iae.tribuo;

/**
 * How the trainer fits the decision threshold that turns a score into an {@code EXPECTED} or {@code ANOMALOUS}
 * event. A score strictly above the threshold is anomalous.
 */
public enum ThresholdRule {
    /**
     * The (1 − contamination)-quantile of the training scores (linear interpolation): about a fraction
     * {@code contamination} of the training data is flagged as anomalous (contamination 0 gives the largest training
     * score). {@code IaeTrainer.train} fits it on the scores the returned model serves (ONNX Runtime's), so the
     * model's own predictions on its training data follow it exactly; {@code IaeTrainer.trainNetwork}, which
     * does not build the ONNX model, fits it on DJL's scores (they differ in the last float digits).
     */
    QUANTILE,
    /**
     * The squared radius R² of the soft-boundary hypersphere, with R computed after training by the rule the
     * soft-boundary objective uses during training: the (1 − ν)-quantile of the distances ||z − c|| (linear
     * interpolation), here over <em>all</em> training examples with the final network in inference mode. The R the
     * training loop last set (from the last mini-batch, with training-mode BatchNorm, and 0 while warming up) is
     * not used. About a fraction ν of the training data therefore lies above the threshold; it is close to, but not
     * the same as, {@link #QUANTILE} with contamination ν, which interpolates between squared distances. Needs the
     * {@link SvddObjective#SOFT_BOUNDARY} objective and the SVDD score. Like {@link #QUANTILE},
     * {@code IaeTrainer.train} computes it from the returned model's (ONNX Runtime's) squared distances. R² is
     * computed in double precision and kept between the squared distances it interpolates between, so rounding never
     * flags the training example the quantile lands on.
     */
    RADIUS
}
