package dev.iae.tribuo;

import dev.iae.onnx.FloatTensor;
import dev.iae.onnx.Normalization;
import dev.iae.onnx.TensorNames;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * The fitted input pre-processing of an IAE network: {@code x' = (g(x) − offset) · scale} per feature, where
 * {@code g} is the identity or the per-example global contrast normalisation (see {@link Normalization}).
 * <p>
 * Fitting: {@link Normalization#MIN_MAX} measures each feature's minimum and maximum on the training data
 * (offset = min, scale = 1 / (max − min)); {@link Normalization#GLOBAL_MIN_MAX} measures one minimum and one
 * maximum over all features, so every feature gets the same offset and scale; {@link Normalization#GCN_L1_MIN_MAX}
 * applies GCN-l1 to each training example and then measures one global minimum and maximum like
 * {@code GLOBAL_MIN_MAX}; {@link Normalization#NONE} uses offset 0 and scale 1. A zero range gives scale 1, never a
 * division by zero. The same offsets and scales become the first nodes of the exported ONNX graph
 * ({@link TensorNames#NORM_OFFSET}, {@link TensorNames#NORM_SCALE}).
 */
public final class FeatureNormalizer implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Normalization kind;
    private final float[] offset;
    private final float[] scale;

    private FeatureNormalizer(Normalization kind, float[] offset, float[] scale) {
        this.kind = kind;
        this.offset = offset;
        this.scale = scale;
    }

    /**
     * Fits the normalisation on a training matrix.
     * @param kind the normalisation kind.
     * @param rows the training rows, row-major, {@code n × dim} values (not modified).
     * @param n the number of rows, at least 1.
     * @param dim the number of features, at least 1.
     * @return the fitted normaliser.
     */
    public static FeatureNormalizer fit(Normalization kind, float[] rows, int n, int dim) {
        Objects.requireNonNull(kind, "kind");
        if (n < 1 || dim < 1 || (long) n * dim != rows.length) {
            throw new IllegalArgumentException("Expected " + n + " rows of " + dim + " features, found "
                    + rows.length + " values");
        }
        float[] offset = new float[dim];
        float[] scale = new float[dim];
        switch (kind) {
            case NONE:
                Arrays.fill(scale, 1f);
                break;
            case MIN_MAX: {
                double[] min = new double[dim];
                double[] max = new double[dim];
                Arrays.fill(min, Double.POSITIVE_INFINITY);
                Arrays.fill(max, Double.NEGATIVE_INFINITY);
                for (int i = 0; i < n; i++) {
                    int base = i * dim;
                    for (int j = 0; j < dim; j++) {
                        float v = rows[base + j];
                        if (v < min[j]) {
                            min[j] = v;
                        }
                        if (v > max[j]) {
                            max[j] = v;
                        }
                    }
                }
                for (int j = 0; j < dim; j++) {
                    offset[j] = (float) min[j];
                    scale[j] = inverseRange(min[j], max[j]);
                }
                break;
            }
            case GLOBAL_MIN_MAX:
            case GCN_L1_MIN_MAX: {
                double min = Double.POSITIVE_INFINITY;
                double max = Double.NEGATIVE_INFINITY;
                float[] buf = new float[dim];
                for (int i = 0; i < n; i++) {
                    System.arraycopy(rows, i * dim, buf, 0, dim);
                    if (kind.usesGcn()) {
                        gcnInPlace(buf, 0, dim);
                    }
                    for (float v : buf) {
                        if (v < min) {
                            min = v;
                        }
                        if (v > max) {
                            max = v;
                        }
                    }
                }
                Arrays.fill(offset, (float) min);
                Arrays.fill(scale, inverseRange(min, max));
                break;
            }
            default:
                throw new IllegalStateException("Unknown normalisation " + kind);
        }
        return new FeatureNormalizer(kind, offset, scale);
    }

    private static float inverseRange(double min, double max) {
        double range = max - min;
        if (!(range > 0) || !Double.isFinite(1.0 / range) || (float) (1.0 / range) == 0f
                || !Float.isFinite((float) (1.0 / range))) {
            return 1f;
        }
        return (float) (1.0 / range);
    }

    /**
     * Global contrast normalisation, "l1" variant, of one example in place:
     * {@code (x − mean(x)) / max(mean(|x − mean(x)|), eps)} with {@link Normalization#GCN_EPSILON}.
     * Computed in float32 like the ONNX graph.
     * @param data the buffer.
     * @param from the first value of the example.
     * @param dim the number of values.
     */
    public static void gcnInPlace(float[] data, int from, int dim) {
        float sum = 0f;
        for (int j = 0; j < dim; j++) {
            sum += data[from + j];
        }
        float mean = sum / dim;
        float abs = 0f;
        for (int j = 0; j < dim; j++) {
            data[from + j] -= mean;
            abs += Math.abs(data[from + j]);
        }
        float denom = Math.max(abs / dim, Normalization.GCN_EPSILON);
        for (int j = 0; j < dim; j++) {
            data[from + j] /= denom;
        }
    }

    /**
     * Normalises rows in place.
     * @param rows row-major values, a multiple of {@link #dim()} long.
     */
    public void applyInPlace(float[] rows) {
        int dim = offset.length;
        if (rows.length % dim != 0) {
            throw new IllegalArgumentException("Row buffer of " + rows.length + " values is not a multiple of "
                    + dim + " features");
        }
        for (int base = 0; base < rows.length; base += dim) {
            if (kind.usesGcn()) {
                gcnInPlace(rows, base, dim);
            }
            for (int j = 0; j < dim; j++) {
                rows[base + j] = (rows[base + j] - offset[j]) * scale[j];
            }
        }
    }

    /**
     * Normalises rows into a new buffer.
     * @param rows row-major raw values (not modified).
     * @return the normalised copy.
     */
    public float[] apply(float[] rows) {
        float[] out = rows.clone();
        applyInPlace(out);
        return out;
    }

    /** @return the normalisation kind. */
    public Normalization kind() {
        return kind;
    }

    /** @return the number of features. */
    public int dim() {
        return offset.length;
    }

    /** @return a copy of the per-feature offsets. */
    public float[] offset() {
        return offset.clone();
    }

    /** @return a copy of the per-feature scales. */
    public float[] scale() {
        return scale.clone();
    }

    /** @return the offsets as the {@link TensorNames#NORM_OFFSET} tensor [D]. */
    public FloatTensor offsetTensor() {
        return FloatTensor.vector(offset);
    }

    /** @return the scales as the {@link TensorNames#NORM_SCALE} tensor [D]. */
    public FloatTensor scaleTensor() {
        return FloatTensor.vector(scale);
    }

    @Override
    public String toString() {
        return "FeatureNormalizer(kind=" + kind + ", dim=" + offset.length + ")";
    }
}
