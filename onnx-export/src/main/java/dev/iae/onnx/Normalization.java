package dev.iae.onnx;

/**
 * The input pre-processing that is fitted at training time and becomes the first part of the network
 * (and of the exported ONNX graph), so that a deployed model takes raw feature values.
 * <p>
 * Every kind is expressed as {@code x' = (g(x) - offset) * scale}, where {@code offset} and {@code scale}
 * are per-feature vectors fitted on the training data and {@code g} is the identity or the per-example
 * global contrast normalisation below.
 */
public enum Normalization {
    /** No pre-processing: offset 0, scale 1. */
    NONE,
    /** Per-feature min-max scaling to [0, 1] with the minimum and maximum measured on the training data. */
    MIN_MAX,
    /**
     * Min-max scaling with one minimum and one maximum over all features, measured on the training data: every
     * feature gets the same offset and scale, so for 8-bit images it is {@code (x - min) / (max - min)}, about
     * {@code x / 255}. Unlike {@link #MIN_MAX} it keeps the relative scale of features and gives a pixel that is
     * constant in training (e.g. an always-black border) the same scale as every other pixel, instead of scale 1.
     */
    GLOBAL_MIN_MAX,
    /**
     * The paper's image pre-processing (Deep SVDD): global contrast normalisation per example
     * ({@code g(x) = (x - mean(x)) / max(mean(|x - mean(x)|), eps)}, the "l1" variant), followed by
     * min-max scaling with one minimum and one maximum over all features, measured on the training data.
     */
    GCN_L1_MIN_MAX;

    /** Guard against division by zero in the GCN-l1 denominator (constant examples). */
    public static final float GCN_EPSILON = 1e-6f;

    /**
     * Whether this normalisation applies the per-example global contrast normalisation first.
     * @return true for {@link #GCN_L1_MIN_MAX}.
     */
    public boolean usesGcn() {
        return this == GCN_L1_MIN_MAX;
    }
}
