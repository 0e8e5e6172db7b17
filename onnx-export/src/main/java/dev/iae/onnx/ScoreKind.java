package dev.iae.onnx;

/**
 * Which quantity the model reports as its anomaly score. Higher is always more anomalous.
 */
public enum ScoreKind {
    /** The squared distance of the latent vector to the hypersphere centre, {@code ||z - c||²} (the paper's score). */
    SVDD,
    /** The reconstruction error {@code ||x - x̂||²} in the normalised feature space (needs the decoder). */
    RECONSTRUCTION,
    /**
     * The SVDD distance and the reconstruction error, each standardised by its mean and standard deviation over the
     * training data, then added with a weight on the reconstruction part:
     * {@code (d - m_d) / s_d + recWeight * (r - m_r) / s_r} ({@code recWeight} 1 by default; needs the hypersphere
     * and the decoder).
     */
    COMBINED,
    /**
     * Not a network's own score: the sum of the scores of several member models that read the same features
     * ({@link OnnxScoreSum}), each member's score being its own kind (and, for {@link #COMBINED}, already
     * standardised on that member's training data). A network cannot be built with it; only a score-sum graph
     * carries it.
     */
    SUM
}
