package dev.iae.onnx;

import java.util.Map;

/**
 * An independent plain-Java forward computation of an IAE-LSTM-KL network, written from the maths in
 * {@link IaeArchitecture}, {@link TensorNames} and DESIGN.md (not from the ONNX writer): direct loops in double
 * precision over one example at a time. Tests compare ONNX Runtime's outputs on the written graph with it.
 */
final class ReferenceForward {

    /** Every output of the network for a batch; arrays are null when the network lacks that output. */
    static final class Outputs {
        double[] score;
        double[][] latent;
        double[] distance;
        double[] reconstructionError;
        double[][] featureErrors;
    }

    private final IaeArchitecture a;
    private final Map<String, FloatTensor> t;

    /**
     * @param description the network.
     */
    ReferenceForward(IaeNetworkDescription description) {
        this.a = description.architecture();
        this.t = description.tensors();
    }

    @Override
    public String toString() {
        return "ReferenceForward(" + a + ")";
    }

    /**
     * Runs the network on each row separately.
     * @param x raw inputs [N][D].
     * @return the outputs.
     */
    Outputs run(float[][] x) {
        int n = x.length;
        Outputs o = new Outputs();
        o.score = new double[n];
        o.latent = new double[n][];
        if (a.hasSvdd()) {
            o.distance = new double[n];
        }
        if (a.hasDecoder()) {
            o.reconstructionError = new double[n];
            o.featureErrors = new double[n][];
        }
        for (int i = 0; i < n; i++) {
            double[] xn = normalise(x[i]);
            double[] f = a.isImage() ? imageEncode(xn) : mlpEncode(xn);
            double[] h = a.hasLstm() ? lstmStep(f) : f;
            double[] z = matVec(w(TensorNames.LATENT_WEIGHT), a.repDim(), h.length, h);
            o.latent[i] = z;
            double dist = Double.NaN;
            double rec = Double.NaN;
            if (a.hasSvdd()) {
                float[] c = w(TensorNames.CENTRE);
                dist = 0;
                for (int j = 0; j < z.length; j++) {
                    double dd = z[j] - c[j];
                    dist += dd * dd;
                }
                o.distance[i] = dist;
            }
            if (a.hasDecoder()) {
                double[] xHat = a.isImage() ? imageDecode(z) : mlpDecode(z);
                // One error per raw feature: summed over the pre-processing's views.
                double[] fe = new double[a.inputDim()];
                rec = 0;
                for (int j = 0; j < xn.length; j++) {
                    double dd = xn[j] - xHat[j];
                    fe[j % fe.length] += dd * dd;
                    rec += dd * dd;
                }
                o.featureErrors[i] = fe;
                o.reconstructionError[i] = rec;
            }
            switch (a.scoreKind()) {
                case SVDD:
                    o.score[i] = dist;
                    break;
                case RECONSTRUCTION:
                    o.score[i] = rec;
                    break;
                case COMBINED: {
                    float[] s = w(TensorNames.SCORE_STATS);
                    o.score[i] = (dist - s[0]) / s[1] + (rec - s[2]) / s[3] * a.recWeight();
                    break;
                }
                default:
                    throw new IllegalStateException();
            }
        }
        return o;
    }

    private float[] w(String name) {
        FloatTensor tensor = t.get(name);
        if (tensor == null) {
            throw new IllegalStateException("reference: missing " + name);
        }
        return tensor.data();
    }

    private static double leaky(double v) {
        return v >= 0 ? v : IaeArchitecture.LEAKY_SLOPE * v;
    }

    private static double sigmoid(double v) {
        return 1.0 / (1.0 + Math.exp(-v));
    }

    /** y = W x for W [rows, cols] row-major. */
    private static double[] matVec(float[] wt, int rows, int cols, double[] x) {
        if (wt.length != rows * cols || x.length != cols) {
            throw new IllegalStateException("reference: shape mismatch");
        }
        double[] y = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int c = 0; c < cols; c++) {
                s += wt[r * cols + c] * x[c];
            }
            y[r] = s;
        }
        return y;
    }

    /** Views side by side (GCN-l1 first, then the raw values), then the per-value offset and scale. */
    private double[] normalise(float[] raw) {
        int d = raw.length;
        double[] g = new double[d * views()];
        for (int j = 0; j < g.length; j++) {
            g[j] = raw[j % d];
        }
        if (a.normalization() == Normalization.GCN_L1_MIN_MAX
                || a.normalization() == Normalization.GCN_L1_AND_GLOBAL_MIN_MAX) {
            double mean = 0;
            for (int j = 0; j < d; j++) {
                mean += g[j];
            }
            mean /= d;
            double mad = 0;
            for (int j = 0; j < d; j++) {
                g[j] -= mean;
                mad += Math.abs(g[j]);
            }
            mad /= d;
            double denom = Math.max(mad, Normalization.GCN_EPSILON);
            for (int j = 0; j < d; j++) {
                g[j] /= denom;
            }
        }
        if (t.containsKey(TensorNames.NORM_OFFSET)) {
            float[] off = w(TensorNames.NORM_OFFSET);
            float[] sc = w(TensorNames.NORM_SCALE);
            for (int j = 0; j < g.length; j++) {
                g[j] = (g[j] - off[j]) * sc[j];
            }
        }
        return g;
    }

    private double[] mlpEncode(double[] x) {
        double[] h = x;
        int[] sizes = a.encoderSizes();
        for (int i = 0; i < sizes.length; i++) {
            h = matVec(w(TensorNames.encoderWeight(i)), sizes[i], h.length, h);
            for (int k = 0; k < h.length; k++) {
                h[k] = leaky(h[k]);
            }
        }
        return h;
    }

    private double[] mlpDecode(double[] z) {
        int[] enc = a.encoderSizes();
        int layers = enc.length + 1;
        double[] h = z;
        for (int j = 0; j < layers; j++) {
            int out = j < enc.length ? enc[enc.length - 1 - j] : a.inputDim() * views();
            double[] y = matVec(w(TensorNames.decoderWeight(j)), out, h.length, h);
            float[] b = w(TensorNames.decoderBias(j));
            for (int k = 0; k < out; k++) {
                y[k] += b[k];
                if (j < layers - 1) {
                    y[k] = leaky(y[k]);
                }
            }
            h = y;
        }
        return h;
    }

    /** PyTorch gate order i, f, g, o; zero initial h and c; one step. */
    private double[] lstmStep(double[] f) {
        int hs = a.lstmHidden();
        double[] gates = matVec(w(TensorNames.LSTM_W), 4 * hs, f.length, f);
        double[] h0 = new double[hs];
        double[] rec = matVec(w(TensorNames.LSTM_R), 4 * hs, hs, h0);
        float[] wb = w(TensorNames.LSTM_WB);
        float[] rb = w(TensorNames.LSTM_RB);
        double[] h = new double[hs];
        for (int k = 0; k < hs; k++) {
            double gi = gates[k] + rec[k] + wb[k] + rb[k];
            double gf = gates[hs + k] + rec[hs + k] + wb[hs + k] + rb[hs + k];
            double gg = gates[2 * hs + k] + rec[2 * hs + k] + wb[2 * hs + k] + rb[2 * hs + k];
            double go = gates[3 * hs + k] + rec[3 * hs + k] + wb[3 * hs + k] + rb[3 * hs + k];
            double i = sigmoid(gi);
            double fg = sigmoid(gf);
            double g = Math.tanh(gg);
            double o = sigmoid(go);
            double c = fg * 0.0 + i * g;
            h[k] = o * Math.tanh(c);
        }
        return h;
    }

    /** Conv 5x5, stride 1, zero padding 2, no bias; in [cin][h][w], weight [cout, cin, 5, 5]. */
    private static double[][][] conv(double[][][] in, float[] wt, int cout) {
        int cin = in.length;
        int hh = in[0].length;
        int ww = in[0][0].length;
        int k = IaeArchitecture.KERNEL;
        int p = k / 2;
        if (wt.length != cout * cin * k * k) {
            throw new IllegalStateException("reference: conv weight size");
        }
        double[][][] out = new double[cout][hh][ww];
        for (int co = 0; co < cout; co++) {
            for (int y = 0; y < hh; y++) {
                for (int x = 0; x < ww; x++) {
                    double s = 0;
                    for (int ci = 0; ci < cin; ci++) {
                        for (int ky = 0; ky < k; ky++) {
                            int iy = y + ky - p;
                            if (iy < 0 || iy >= hh) {
                                continue;
                            }
                            for (int kx = 0; kx < k; kx++) {
                                int ix = x + kx - p;
                                if (ix < 0 || ix >= ww) {
                                    continue;
                                }
                                s += wt[((co * cin + ci) * k + ky) * k + kx] * in[ci][iy][ix];
                            }
                        }
                    }
                    out[co][y][x] = s;
                }
            }
        }
        return out;
    }

    private void batchNormLeaky(double[][][] m, String meanName, String varName) {
        float[] mean = w(meanName);
        float[] var = w(varName);
        double eps = a.batchNormEpsilon();
        for (int c = 0; c < m.length; c++) {
            double sd = Math.sqrt(var[c] + eps);
            for (double[] row : m[c]) {
                for (int x = 0; x < row.length; x++) {
                    row[x] = leaky((row[x] - mean[c]) / sd);
                }
            }
        }
    }

    private static double[][][] maxPool(double[][][] in) {
        int c = in.length;
        int hh = in[0].length / 2;
        int ww = in[0][0].length / 2;
        double[][][] out = new double[c][hh][ww];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < hh; y++) {
                for (int x = 0; x < ww; x++) {
                    out[ch][y][x] = Math.max(Math.max(in[ch][2 * y][2 * x], in[ch][2 * y][2 * x + 1]),
                            Math.max(in[ch][2 * y + 1][2 * x], in[ch][2 * y + 1][2 * x + 1]));
                }
            }
        }
        return out;
    }

    private static double[][][] upsample(double[][][] in) {
        int c = in.length;
        int hh = in[0].length * 2;
        int ww = in[0][0].length * 2;
        double[][][] out = new double[c][hh][ww];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < hh; y++) {
                for (int x = 0; x < ww; x++) {
                    out[ch][y][x] = in[ch][y / 2][x / 2];
                }
            }
        }
        return out;
    }

    /** Written from the enum's documentation, not from {@link Normalization#views()}. */
    private int views() {
        return a.normalization() == Normalization.GCN_L1_AND_GLOBAL_MIN_MAX ? 2 : 1;
    }

    private int xnLength() {
        return a.inputDim() * views();
    }

    private double[] imageEncode(double[] xn) {
        int[] chw = a.imageShape();
        int hp = a.paddedHeight();
        int wp = a.paddedWidth();
        int top = a.padTop();
        int left = a.padLeft();
        int channels = chw[0] * views();
        double[][][] img = new double[channels][hp][wp];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < chw[1]; y++) {
                for (int x = 0; x < chw[2]; x++) {
                    img[c][y + top][x + left] = xn[(c * chw[1] + y) * chw[2] + x];
                }
            }
        }
        int[] ch = a.encoderSizes();
        for (int i = 0; i < ch.length; i++) {
            img = conv(img, w(TensorNames.encoderWeight(i)), ch[i]);
            batchNormLeaky(img, TensorNames.encoderBnMean(i), TensorNames.encoderBnVar(i));
            img = maxPool(img);
        }
        double[] flat = new double[img.length * img[0].length * img[0][0].length];
        int k = 0;
        for (double[][] plane : img) {
            for (double[] row : plane) {
                for (double v : row) {
                    flat[k++] = v;
                }
            }
        }
        return flat;
    }

    private double[] imageDecode(double[] z) {
        int[] chw = a.imageShape();
        float[] mean = w(TensorNames.DECODER_BN_MEAN);
        float[] var = w(TensorNames.DECODER_BN_VAR);
        double eps = a.batchNormEpsilon();
        int h0 = a.bottomHeight();
        int w0 = a.bottomWidth();
        int seed = a.repDim() / (h0 * w0);
        double[][][] m = new double[seed][h0][w0];
        for (int j = 0; j < z.length; j++) {
            double v = (z[j] - mean[j]) / Math.sqrt(var[j] + eps);
            m[j / (h0 * w0)][(j / w0) % h0][j % w0] = leaky(v);
        }
        int[] enc = a.encoderSizes();
        int k = enc.length;
        for (int j = 0; j < k; j++) {
            m = conv(m, w(TensorNames.decoderWeight(j)), enc[k - 1 - j]);
            batchNormLeaky(m, TensorNames.decoderBnMean(j), TensorNames.decoderBnVar(j));
            m = upsample(m);
        }
        int channels = chw[0] * views();
        m = conv(m, w(TensorNames.DECODER_OUT_WEIGHT), channels);
        int top = a.padTop();
        int left = a.padLeft();
        double[] out = new double[xnLength()];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < chw[1]; y++) {
                for (int x = 0; x < chw[2]; x++) {
                    out[(c * chw[1] + y) * chw[2] + x] = sigmoid(m[c][y + top][x + left]);
                }
            }
        }
        return out;
    }
}
