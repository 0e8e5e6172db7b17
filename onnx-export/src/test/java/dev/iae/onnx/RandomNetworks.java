package dev.iae.onnx;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Seeded random {@link IaeNetworkDescription}s with plausible magnitudes (Xavier-uniform weights, small biases,
 * positive BatchNorm variances, a normalisation that maps the generated raw inputs to roughly [0, 1]) and matching
 * random raw inputs, for the writer tests.
 */
final class RandomNetworks {

    private RandomNetworks() { }

    /**
     * A random description for the architecture.
     * @param a the architecture.
     * @param seed the RNG seed.
     * @param withNormTensors whether to include offset/scale tensors (always included unless NONE).
     * @return the description.
     */
    static IaeNetworkDescription describe(IaeArchitecture a, long seed, boolean withNormTensors) {
        Random rng = new Random(seed);
        Map<String, FloatTensor> t = new LinkedHashMap<>();
        int d = a.inputDim();
        int dn = a.networkInputDim();
        if (a.normalization() != Normalization.NONE || withNormTensors) {
            // The first view is GCN's when the normalisation uses it; a second view has the raw values.
            float[] off = new float[dn];
            float[] sc = new float[dn];
            for (int jj = 0; jj < dn; jj++) {
                int j = jj % d;
                if (a.normalization().usesGcn() && jj < d) {
                    off[jj] = -2.5f;
                    sc[jj] = 0.2f;
                } else if (a.isImage()) {
                    off[jj] = 0f;
                    sc[jj] = 1f / 255f;
                } else {
                    // raw feature j ~ mu_j + sd_j * N(0, 1), see inputs(); map mu - 2 sd .. mu + 2 sd to 0 .. 1
                    off[jj] = mu(j) - 2 * sd(j);
                    sc[jj] = 1f / (4 * sd(j));
                }
            }
            t.put(TensorNames.NORM_OFFSET, FloatTensor.vector(off));
            t.put(TensorNames.NORM_SCALE, FloatTensor.vector(sc));
        }
        int[] enc = a.encoderSizes();
        int k = enc.length;
        if (a.isImage()) {
            int in = a.networkChannels();
            for (int i = 0; i < k; i++) {
                t.put(TensorNames.encoderWeight(i), conv(rng, enc[i], in));
                bn(rng, t, TensorNames.encoderBnMean(i), TensorNames.encoderBnVar(i), enc[i]);
                in = enc[i];
            }
        } else {
            int in = dn;
            for (int i = 0; i < k; i++) {
                t.put(TensorNames.encoderWeight(i), linear(rng, enc[i], in));
                in = enc[i];
            }
        }
        int f = a.encoderOutputSize();
        int h = a.lstmHidden();
        if (a.hasLstm()) {
            t.put(TensorNames.LSTM_W, linear(rng, 4 * h, f));
            t.put(TensorNames.LSTM_R, linear(rng, 4 * h, h));
            t.put(TensorNames.LSTM_WB, uniformVector(rng, 4 * h, 0.3f));
            t.put(TensorNames.LSTM_RB, uniformVector(rng, 4 * h, 0.3f));
        }
        int r = a.repDim();
        t.put(TensorNames.LATENT_WEIGHT, linear(rng, r, a.latentInputSize()));
        if (a.hasSvdd()) {
            t.put(TensorNames.CENTRE, uniformVector(rng, r, 0.5f));
        }
        if (a.hasDecoder()) {
            if (a.isImage()) {
                bn(rng, t, TensorNames.DECODER_BN_MEAN, TensorNames.DECODER_BN_VAR, r);
                int in = a.decoderSeedChannels();
                for (int j = 0; j < k; j++) {
                    int out = enc[k - 1 - j];
                    t.put(TensorNames.decoderWeight(j), conv(rng, out, in));
                    bn(rng, t, TensorNames.decoderBnMean(j), TensorNames.decoderBnVar(j), out);
                    in = out;
                }
                t.put(TensorNames.DECODER_OUT_WEIGHT, conv(rng, a.networkChannels(), in));
            } else {
                int in = r;
                for (int j = 0; j <= k; j++) {
                    int out = j < k ? enc[k - 1 - j] : dn;
                    t.put(TensorNames.decoderWeight(j), linear(rng, out, in));
                    t.put(TensorNames.decoderBias(j), uniformVector(rng, out, 0.2f));
                    in = out;
                }
            }
        }
        if (a.scoreKind() == ScoreKind.COMBINED) {
            t.put(TensorNames.SCORE_STATS, FloatTensor.vector(new float[]{
                    0.5f + rng.nextFloat(), 0.5f + rng.nextFloat(), 1f + 5 * rng.nextFloat(), 1f + 2 * rng.nextFloat()}));
        }
        List<String> names = new ArrayList<>();
        for (int j = 0; j < d; j++) {
            names.add("f" + j);
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(OnnxContract.META_PROVENANCE_TEXT, "test network seed " + seed);
        return new IaeNetworkDescription(a, t, names, 1.25, meta);
    }

    /**
     * Random raw inputs for the architecture (tabular: per-feature Gaussian; image: pixels in [0, 255]).
     * @param a the architecture.
     * @param n the number of examples.
     * @param seed the RNG seed.
     * @return [n][D].
     */
    static float[][] inputs(IaeArchitecture a, int n, long seed) {
        Random rng = new Random(seed);
        float[][] x = new float[n][a.inputDim()];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < a.inputDim(); j++) {
                x[i][j] = a.isImage() ? 255f * rng.nextFloat() : (float) (mu(j) + sd(j) * rng.nextGaussian());
            }
        }
        return x;
    }

    private static float mu(int j) {
        return (float) (5 * Math.sin(j + 1));
    }

    private static float sd(int j) {
        return 0.5f + (j % 4) * 0.75f;
    }

    private static FloatTensor linear(Random rng, int out, int in) {
        float lim = (float) Math.sqrt(6.0 / (in + out));
        float[] w = new float[out * in];
        for (int i = 0; i < w.length; i++) {
            w[i] = (2 * rng.nextFloat() - 1) * lim;
        }
        return FloatTensor.of(w, out, in);
    }

    private static FloatTensor conv(Random rng, int out, int in) {
        int k = IaeArchitecture.KERNEL;
        float lim = (float) Math.sqrt(6.0 / ((in + out) * k * k));
        float[] w = new float[out * in * k * k];
        for (int i = 0; i < w.length; i++) {
            w[i] = (2 * rng.nextFloat() - 1) * lim;
        }
        return FloatTensor.of(w, out, in, k, k);
    }

    private static FloatTensor uniformVector(Random rng, int n, float lim) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (2 * rng.nextFloat() - 1) * lim;
        }
        return FloatTensor.vector(v);
    }

    private static void bn(Random rng, Map<String, FloatTensor> t, String meanName, String varName, int c) {
        float[] mean = new float[c];
        float[] var = new float[c];
        for (int i = 0; i < c; i++) {
            mean[i] = (float) (0.1 * rng.nextGaussian());
            var[i] = 0.05f + 0.5f * rng.nextFloat();
        }
        t.put(meanName, FloatTensor.vector(mean));
        t.put(varName, FloatTensor.vector(var));
    }
}
