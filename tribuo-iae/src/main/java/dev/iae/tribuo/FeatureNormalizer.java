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
 * {@code GLOBAL_MIN_MAX}; {@link Normalization#GCN_L1_AND_GLOBAL_MIN_MAX} puts both of the last two side by side
 * (the GCN-l1 view first, each view with its own range), so a row of D raw values becomes {@link #outputDim()}
 * = 2D normalised values; {@link Normalization#NONE} uses offset 0 and scale 1. A zero range gives scale 1, never a
 * division by zero. The same offsets and scales (one per normalised value) become the first nodes of the exported
 * ONNX graph ({@link TensorNames#NORM_OFFSET}, {@link TensorNames#NORM_SCALE}).
 */
public final class FeatureNormalizer implements Serializable {
    private static final long serialVersionUID = 2L;

    private final Normalization kind;
    private final int dim;
    private final float[] offset;
    private final float[] scale;

    private FeatureNormalizer(Normalization kind, int dim, float[] offset, float[] scale) {
        this.kind = kind;
        this.dim = dim;
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
        float[] offset = new float[dim * kind.views()];
        float[] scale = new float[dim * kind.views()];
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
                fitGlobalRange(rows, n, dim, false, offset, scale, 0);
                break;
            case GCN_L1_MIN_MAX:
                fitGlobalRange(rows, n, dim, true, offset, scale, 0);
                break;
            case GCN_L1_AND_GLOBAL_MIN_MAX:
                fitGlobalRange(rows, n, dim, true, offset, scale, 0);
                fitGlobalRange(rows, n, dim, false, offset, scale, dim);
                break;
            default:
                throw new IllegalStateException("Unknown normalisation " + kind);
        }
        return new FeatureNormalizer(kind, dim, offset, scale);
    }

    /**
     * One minimum and one maximum over all values of all rows (after GCN-l1 per row if asked), written as the
     * offset and scale of the {@code dim} normalised values starting at {@code at}.
     */
    private static void fitGlobalRange(float[] rows, int n, int dim, boolean gcn, float[] offset, float[] scale,
                                       int at) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        float[] buf = new float[dim];
        for (int i = 0; i < n; i++) {
            System.arraycopy(rows, i * dim, buf, 0, dim);
            if (gcn) {
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
        Arrays.fill(offset, at, at + dim, (float) min);
        Arrays.fill(scale, at, at + dim, inverseRange(min, max));
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
     * Normalises rows into a new buffer: each row of {@link #dim()} raw values becomes {@link #outputDim()}
     * normalised values (the views side by side, GCN-l1's first).
     * @param rows row-major raw values, a multiple of {@link #dim()} long (not modified).
     * @return the normalised rows, row-major.
     */
    public float[] apply(float[] rows) {
        if (rows.length % dim != 0) {
            throw new IllegalArgumentException("Row buffer of " + rows.length + " values is not a multiple of "
                    + dim + " features");
        }
        int views = kind.views();
        int out = dim * views;
        int n = rows.length / dim;
        float[] x = new float[n * out];
        for (int i = 0; i < n; i++) {
            for (int v = 0; v < views; v++) {
                System.arraycopy(rows, i * dim, x, i * out + v * dim, dim);
            }
            if (kind.usesGcn()) {
                gcnInPlace(x, i * out, dim);
            }
            for (int j = 0; j < out; j++) {
                x[i * out + j] = (x[i * out + j] - offset[j]) * scale[j];
            }
        }
        return x;
    }

    /** @return the normalisation kind. */
    public Normalization kind() {
        return kind;
    }

    /** @return the number of raw features D. */
    public int dim() {
        return dim;
    }

    /** @return the number of normalised values per row: D times the normalisation's views. */
    public int outputDim() {
        return offset.length;
    }

    /** @return a copy of the offsets, one per normalised value. */
    public float[] offset() {
        return offset.clone();
    }

    /** @return a copy of the scales, one per normalised value. */
    public float[] scale() {
        return scale.clone();
    }

    /** @return the offsets as the {@link TensorNames#NORM_OFFSET} tensor [views·D]. */
    public FloatTensor offsetTensor() {
        return FloatTensor.vector(offset);
    }

    /** @return the scales as the {@link TensorNames#NORM_SCALE} tensor [views·D]. */
    public FloatTensor scaleTensor() {
        return FloatTensor.vector(scale);
    }

    @Override
    public String toString() {
        return "FeatureNormalizer(kind=" + kind + ", dim=" + dim + ", outputDim=" + offset.length + ")";
    }
}
