package dev.iae.onnx;

/**
 * The input pre-processing that is fitted at training time and becomes the first part of the network
 * (and of the exported ONNX graph), so that a deployed model takes raw feature values.
 * <p>
 * Every kind is expressed as {@code x' = (g(x) - offset) * scale}, where {@code offset} and {@code scale}
 * are per-feature vectors fitted on the training data and {@code g} is the identity, the per-example
 * global contrast normalisation below, or ({@link #GCN_L1_AND_GLOBAL_MIN_MAX}) both side by side: then {@code g(x)}
 * is the concatenation of the {@link #views()} and the network sees {@code views × D} values per example (for
 * images, {@code views × C} channels).
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
    GCN_L1_MIN_MAX,
    /**
     * Two views of every example side by side: {@link #GCN_L1_MIN_MAX}'s, then {@link #GLOBAL_MIN_MAX}'s, each with
     * its own global minimum and maximum from the training data. For an image of C channels the network sees 2C
     * channels (the GCN-l1 channels first). GCN removes each image's mean brightness and contrast, which carry the
     * normal class on some data (on CIFAR-10 the global range wins airplane, bird, deer and frog, GCN the other
     * classes); with both views the network can use either. Per-feature reconstruction errors are summed over the
     * two views, so they stay one value per raw feature.
     */
    GCN_L1_AND_GLOBAL_MIN_MAX;

    /** Guard against division by zero in the GCN-l1 denominator (constant examples). */
    public static final float GCN_EPSILON = 1e-6f;

    /**
     * Whether this normalisation applies the per-example global contrast normalisation (to its first view).
     * @return true for {@link #GCN_L1_MIN_MAX} and {@link #GCN_L1_AND_GLOBAL_MIN_MAX}.
     */
    public boolean usesGcn() {
        return this == GCN_L1_MIN_MAX || this == GCN_L1_AND_GLOBAL_MIN_MAX;
    }

    /**
     * How many views of each example the network sees: the normalised input has {@code views() × D} values.
     * @return 2 for {@link #GCN_L1_AND_GLOBAL_MIN_MAX}, 1 otherwise.
     */
    public int views() {
        return this == GCN_L1_AND_GLOBAL_MIN_MAX ? 2 : 1;
    }
}
