package dev.iae.tribuo;

import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.nn.recurrent.LSTM;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.UniformInitializer;
import ai.djl.util.Pair;
import dev.iae.onnx.FloatTensor;
import dev.iae.onnx.IaeArchitecture;
import dev.iae.onnx.IaeNetworkDescription;
import dev.iae.onnx.ScoreKind;
import dev.iae.onnx.TensorNames;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The IAE-LSTM-KL network as DJL blocks (PyTorch engine), following the maths fixed by {@link IaeArchitecture}
 * and {@link TensorNames}, which the exported ONNX graph implements too.
 * <ul>
 *     <li>Tabular encoder: bias-free {@link Linear} layers, each followed by LeakyReLU(0.01). Image encoder
 *     (Deep SVDD LeNet): the normalised image is zero-padded to a multiple of 2^blocks, then per block a bias-free
 *     5×5 {@link Conv2d} (padding 2), {@link BatchNorm} without learned scale or shift, LeakyReLU and 2×2 max
 *     pooling; the result is flattened in C, H, W order.</li>
 *     <li>One-step LSTM (optional): the flat features [N, F] are fed as N sequences of length one ([N, 1, F],
 *     DJL's LSTM is batch-first) with zero initial state, so an example's output never depends on the other
 *     examples of its batch; then a bias-free linear map to the latent z. Training computes this step with the
 *     LSTM's weights written out as one matrix product and the gate functions (the same maths, cheaper than
 *     libtorch's general RNN kernel for one step); the recurrent weight, which only ever multiplies the zero
 *     state, is therefore not trained.</li>
 *     <li>Tabular decoder: linear layers with bias, LeakyReLU between them, linear output. Image decoder: BatchNorm
 *     on z, reshape to (repDim / (h0·w0), h0, w0), LeakyReLU, per block a bias-free 5×5 convolution, BatchNorm,
 *     LeakyReLU and nearest-neighbour upsampling ×2 (DJL's PyTorch engine has no transposed convolution), then a
 *     5×5 convolution to C channels, a sigmoid and the crop back to H×W.</li>
 * </ul>
 * <p>
 * The network also holds a <em>pre-training latent map</em> from the encoder output straight to z. Autoencoder
 * pre-training runs without the LSTM by default (encoder → pre-training latent map → decoder); for the joint phase
 * the freshly initialised LSTM and its latent map are inserted ({@link #toLatent}'s {@code withLstm} chooses the
 * path, so the trainer's {@code pretrainLstm} option can pre-train through the LSTM instead). Without an LSTM the pre-training latent map simply
 * stays the latent map. The decoder is built even when the final network has none (Deep SVDD), because the
 * autoencoder pre-training needs it; it is then left out of the export.
 * <p>
 * All native memory lives in the network's own {@link NDManager}; {@link #close()} frees it. Forward passes attach
 * their results to the manager of their input, so callers free them by closing a per-batch sub-manager.
 */
public final class IaeNetwork implements AutoCloseable {

    private static final int INFERENCE_BATCH = 256;

    private final IaeArchitecture arch;
    private final FeatureNormalizer normalizer;
    private final NDManager manager;
    private final ParameterStore store;
    private final boolean decoderBuilt;

    // encoder
    private final List<Linear> encLinear = new ArrayList<>();
    private final List<Conv2d> encConv = new ArrayList<>();
    private final List<BatchNorm> encBn = new ArrayList<>();
    // latent path
    private final Linear preLatent;
    private final LSTM lstm;
    private final Linear lstmLatent;
    // decoder
    private final List<Linear> decLinear = new ArrayList<>();
    private final BatchNorm decBn0;
    private final List<Conv2d> decConv = new ArrayList<>();
    private final List<BatchNorm> decBn = new ArrayList<>();
    private final Conv2d decOut;

    private float[] centre;
    private float[] scoreStats = new float[]{0f, 1f, 0f, 1f};
    private boolean closed = false;

    /**
     * Builds and initialises the blocks with DJL's default initialisers ({@link WeightInit#DJL}). Seed DJL
     * ({@link DjlRuntime#seed(long)}) first for reproducible weights.
     * @param arch the architecture of the final (exported) network.
     * @param normalizer the fitted input normalisation (its dimension must be {@code arch.inputDim()}).
     * @param buildDecoder true to build the decoder even if {@code arch} has none (for autoencoder pre-training).
     */
    public IaeNetwork(IaeArchitecture arch, FeatureNormalizer normalizer, boolean buildDecoder) {
        this(arch, normalizer, buildDecoder, WeightInit.DJL);
    }

    /**
     * Builds and initialises the blocks. Seed DJL ({@link DjlRuntime#seed(long)}) first for reproducible weights.
     * @param arch the architecture of the final (exported) network.
     * @param normalizer the fitted input normalisation (its dimension must be {@code arch.inputDim()}).
     * @param buildDecoder true to build the decoder even if {@code arch} has none (for autoencoder pre-training).
     * @param init how the initial weights are drawn.
     */
    public IaeNetwork(IaeArchitecture arch, FeatureNormalizer normalizer, boolean buildDecoder, WeightInit init) {
        Objects.requireNonNull(init, "init");
        this.arch = Objects.requireNonNull(arch, "arch");
        this.normalizer = Objects.requireNonNull(normalizer, "normalizer");
        if (normalizer.dim() != arch.inputDim()) {
            throw new IllegalArgumentException("The normaliser has " + normalizer.dim() + " features, the architecture "
                    + arch.inputDim());
        }
        this.decoderBuilt = buildDecoder || arch.hasDecoder();
        this.manager = NDManager.newBaseManager();
        this.store = new ParameterStore(manager, false);
        int f = arch.encoderOutputSize();
        int r = arch.repDim();
        int[] sizes = arch.encoderSizes();
        try {
            if (arch.isImage()) {
                int c = arch.networkChannels();
                int h = arch.paddedHeight();
                int w = arch.paddedWidth();
                for (int size : sizes) {
                    Conv2d conv = conv(size);
                    initWeights(conv, init, c * IaeArchitecture.KERNEL * IaeArchitecture.KERNEL);
                    conv.initialize(manager, DataType.FLOAT32, new Shape(1, c, h, w));
                    encConv.add(conv);
                    BatchNorm bn = batchNorm();
                    bn.initialize(manager, DataType.FLOAT32, new Shape(1, size, h, w));
                    encBn.add(bn);
                    c = size;
                    h /= 2;
                    w /= 2;
                }
            } else {
                int in = arch.networkInputDim();
                for (int size : sizes) {
                    Linear l = Linear.builder().setUnits(size).optBias(false).build();
                    initWeights(l, init, in);
                    l.initialize(manager, DataType.FLOAT32, new Shape(1, in));
                    encLinear.add(l);
                    in = size;
                }
            }
            preLatent = Linear.builder().setUnits(r).optBias(false).build();
            initWeights(preLatent, init, f);
            preLatent.initialize(manager, DataType.FLOAT32, new Shape(1, f));
            if (arch.hasLstm()) {
                lstm = LSTM.builder().setStateSize(arch.lstmHidden()).setNumLayers(1)
                        .optBatchFirst(true).optReturnState(false).build();
                initWeights(lstm, init, arch.lstmHidden());
                lstm.initialize(manager, DataType.FLOAT32, new Shape(new long[]{1, 1, f}, "NTC"));
                lstmLatent = Linear.builder().setUnits(r).optBias(false).build();
                initWeights(lstmLatent, init, arch.lstmHidden());
                lstmLatent.initialize(manager, DataType.FLOAT32, new Shape(1, arch.lstmHidden()));
            } else {
                lstm = null;
                lstmLatent = null;
            }
            if (decoderBuilt && arch.isImage()) {
                decBn0 = batchNorm();
                decBn0.initialize(manager, DataType.FLOAT32, new Shape(1, r));
                int c = arch.decoderSeedChannels();
                int h = arch.bottomHeight();
                int w = arch.bottomWidth();
                for (int j = sizes.length - 1; j >= 0; j--) {
                    Conv2d conv = conv(sizes[j]);
                    initWeights(conv, init, c * IaeArchitecture.KERNEL * IaeArchitecture.KERNEL);
                    conv.initialize(manager, DataType.FLOAT32, new Shape(1, c, h, w));
                    decConv.add(conv);
                    BatchNorm bn = batchNorm();
                    bn.initialize(manager, DataType.FLOAT32, new Shape(1, sizes[j], h, w));
                    decBn.add(bn);
                    c = sizes[j];
                    h *= 2;
                    w *= 2;
                }
                decOut = conv(arch.networkChannels());
                initWeights(decOut, init, c * IaeArchitecture.KERNEL * IaeArchitecture.KERNEL);
                decOut.initialize(manager, DataType.FLOAT32, new Shape(1, c, h, w));
            } else {
                decBn0 = null;
                decOut = null;
                if (decoderBuilt) {
                    int in = r;
                    for (int j = sizes.length - 1; j >= 0; j--) {
                        Linear l = Linear.builder().setUnits(sizes[j]).optBias(true).build();
                        initWeights(l, init, in);
                        l.initialize(manager, DataType.FLOAT32, new Shape(1, in));
                        decLinear.add(l);
                        in = sizes[j];
                    }
                    Linear out = Linear.builder().setUnits(arch.networkInputDim()).optBias(true).build();
                    initWeights(out, init, in);
                    out.initialize(manager, DataType.FLOAT32, new Shape(1, in));
                    decLinear.add(out);
                }
            }
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Sets a block's initialisers before it is initialised: for {@link WeightInit#PYTORCH} weights and biases
     * uniform in ±1/√fanIn (PyTorch's default for convolutions, linear layers and, with fanIn = hidden size, LSTMs);
     * for {@link WeightInit#DJL} the block keeps DJL's defaults.
     */
    private static void initWeights(Block block, WeightInit init, int fanIn) {
        if (init == WeightInit.PYTORCH) {
            Initializer uniform = new UniformInitializer((float) (1.0 / Math.sqrt(fanIn)));
            block.setInitializer(uniform, Parameter.Type.WEIGHT);
            block.setInitializer(uniform, Parameter.Type.BIAS);
        }
    }

    private static Conv2d conv(int filters) {
        return Conv2d.builder().setKernelShape(new Shape(IaeArchitecture.KERNEL, IaeArchitecture.KERNEL))
                .optPadding(new Shape(IaeArchitecture.KERNEL / 2, IaeArchitecture.KERNEL / 2))
                .setFilters(filters).optBias(false).build();
    }

    private BatchNorm batchNorm() {
        return BatchNorm.builder().optCenter(false).optScale(false).optEpsilon(arch.batchNormEpsilon()).build();
    }

    /** @return the architecture of the final network. */
    public IaeArchitecture architecture() {
        return arch;
    }

    /** @return the fitted input normalisation. */
    public FeatureNormalizer normalizer() {
        return normalizer;
    }

    /** @return true if the decoder blocks exist (the final network's decoder, or the pre-training one). */
    public boolean decoderBuilt() {
        return decoderBuilt;
    }

    /** @return the manager that owns the parameters; create per-batch sub-managers from it. */
    public NDManager manager() {
        return manager;
    }

    /**
     * Sets the hypersphere centre c.
     * @param c the centre, length repDim.
     */
    public void setCentre(float[] c) {
        if (c.length != arch.repDim()) {
            throw new IllegalArgumentException("The centre has " + c.length + " values, repDim is " + arch.repDim());
        }
        this.centre = c.clone();
    }

    /** @return a copy of the hypersphere centre, or null before it is set. */
    public float[] centre() {
        return centre == null ? null : centre.clone();
    }

    /**
     * Sets the score standardisation used by {@link ScoreKind#COMBINED}: {svddMean, svddStd, recMean, recStd}.
     * A standard deviation that is not positive is stored as 1.
     * @param stats the four statistics.
     */
    public void setScoreStats(float[] stats) {
        if (stats.length != 4) {
            throw new IllegalArgumentException("score stats need 4 values, found " + stats.length);
        }
        float[] s = stats.clone();
        for (int i = 1; i < 4; i += 2) {
            if (!(s[i] > 1e-12f) || !Float.isFinite(s[i])) {
                s[i] = 1f;
            }
        }
        this.scoreStats = s;
    }

    /** @return a copy of the score standardisation {svddMean, svddStd, recMean, recStd}. */
    public float[] scoreStats() {
        return scoreStats.clone();
    }

    // ------------------------------------------------------------------ parameters

    private static List<Parameter> params(List<? extends Block> blocks) {
        List<Parameter> out = new ArrayList<>();
        for (Block b : blocks) {
            for (Pair<String, Parameter> p : b.getParameters()) {
                if (p.getValue().requiresGradient()) {
                    out.add(p.getValue());
                }
            }
        }
        return out;
    }

    /** @return the trainable parameters of the encoder. */
    List<Parameter> encoderParameters() {
        List<Block> blocks = new ArrayList<>(arch.isImage() ? encConv : encLinear);
        return params(blocks);
    }

    /**
     * The LSTM's recurrent weight is left out: with one step and a zero initial state it multiplies zeros, is not
     * part of the computation graph (see {@link #toLatent}) and would only ever receive weight decay.
     * @param withLstm true for the LSTM path, false for the pre-training latent map.
     * @return the trainable parameters between the encoder output and z.
     */
    List<Parameter> latentParameters(boolean withLstm) {
        return latentParameters(withLstm, true);
    }

    /**
     * As {@link #latentParameters(boolean)}, optionally without the LSTM's gate biases (see
     * {@link #zeroLstmBiases}).
     * @param withLstm true for the LSTM path, false for the pre-training latent map.
     * @param lstmBias false to leave the LSTM's two bias vectors out, so an optimiser never moves them.
     * @return the trainable parameters between the encoder output and z.
     */
    List<Parameter> latentParameters(boolean withLstm, boolean lstmBias) {
        if (withLstm && lstm != null) {
            Parameter recurrent = param(lstm, "l_0_h2h_WEIGHT");
            Parameter inputBias = param(lstm, "l_0_i2h_BIAS");
            Parameter recurrentBias = param(lstm, "l_0_h2h_BIAS");
            List<Parameter> out = params(List.of(lstm, lstmLatent));
            out.removeIf(p -> p == recurrent || (!lstmBias && (p == inputBias || p == recurrentBias)));
            return out;
        }
        return params(List.of(preLatent));
    }

    /**
     * Sets the LSTM's gate biases (input and recurrent) to zero; a no-op without an LSTM. Together with
     * {@link #latentParameters(boolean, boolean)} without the biases this makes the latent path bias-free, as Deep
     * SVDD asks of its whole network: a bias lets a network map every input to the same point, the centre (Ruff et
     * al. 2018, Proposition 2, "hypersphere collapse"). The LSTM's saturating gates can still approach a constant
     * output; against that the model has its KL term. The bias tensors stay in the network and in the export, as
     * zeros, so the ONNX contract does not change.
     */
    void zeroLstmBiases() {
        if (lstm != null) {
            for (String name : new String[]{"l_0_i2h_BIAS", "l_0_h2h_BIAS"}) {
                NDArray b = param(lstm, name).getArray();
                b.set(new float[Math.toIntExact(b.size())]);
            }
        }
    }

    /** @return the trainable parameters of the decoder (empty if it was not built). */
    List<Parameter> decoderParameters() {
        if (!decoderBuilt) {
            return Collections.emptyList();
        }
        List<Block> blocks = new ArrayList<>();
        if (arch.isImage()) {
            blocks.addAll(decConv);
            blocks.add(decOut);
        } else {
            blocks.addAll(decLinear);
        }
        return params(blocks);
    }

    // ------------------------------------------------------------------ forward

    /**
     * The encoder: normalised rows [N, views·D] to flat features [N, F].
     * @param x normalised input rows.
     * @param training true to use batch statistics in BatchNorm (and update the running ones).
     * @return the encoder output.
     */
    public NDArray encode(NDArray x, boolean training) {
        long n = x.getShape().get(0);
        if (!arch.isImage()) {
            NDArray h = x;
            for (Linear l : encLinear) {
                h = Activation.leakyRelu(l.forward(store, new NDList(h), training).singletonOrThrow(),
                        IaeArchitecture.LEAKY_SLOPE);
            }
            return h;
        }
        int[] chw = arch.imageShape();
        NDArray h = x.reshape(n, arch.networkChannels(), chw[1], chw[2]);
        int top = arch.padTop();
        int left = arch.padLeft();
        int bottom = arch.paddedHeight() - chw[1] - top;
        int right = arch.paddedWidth() - chw[2] - left;
        if (top + bottom + left + right > 0) {
            h = h.pad(new Shape(left, right, top, bottom), 0);
        }
        for (int i = 0; i < encConv.size(); i++) {
            h = encConv.get(i).forward(store, new NDList(h), training).singletonOrThrow();
            h = encBn.get(i).forward(store, new NDList(h), training).singletonOrThrow();
            h = Activation.leakyRelu(h, IaeArchitecture.LEAKY_SLOPE);
            h = Pool.maxPool2d(h, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false);
        }
        return h.reshape(n, arch.encoderOutputSize());
    }

    /**
     * From encoder features to the latent vector z.
     * @param f encoder output [N, F].
     * @param training training mode.
     * @param withLstm true for the joint-phase path (LSTM and its latent map, when the network has an LSTM);
     *                 false for the pre-training latent map.
     * @return z [N, repDim].
     */
    public NDArray toLatent(NDArray f, boolean training, boolean withLstm) {
        if (withLstm && lstm != null) {
            NDArray h;
            if (training) {
                h = lstmStep(f);
            } else {
                // Inference keeps the LSTM block (the path ONNX parity and batch independence were established
                // with); only training, where the step runs forward and backward every batch, uses lstmStep.
                long n = f.getShape().get(0);
                NDArray seq = f.reshape(new Shape(new long[]{n, 1, f.getShape().get(1)}, "NTC"));
                h = lstm.forward(store, new NDList(seq), false).head().reshape(n, arch.lstmHidden());
            }
            return lstmLatent.forward(store, new NDList(h), training).singletonOrThrow();
        }
        return preLatent.forward(store, new NDList(f), training).singletonOrThrow();
    }

    /**
     * One step of the LSTM from a zero state, written out with the LSTM block's own weights (gates i, f, g, o):
     * gates = f·W_ihᵀ + b_ih + b_hh (the recurrent product W_hh·h0 is zero), c = σ(i)·tanh(g) (the forget gate
     * multiplies c0 = 0), h = σ(o)·tanh(c). This is exactly what {@link LSTM} computes for a sequence of length one,
     * and what the exported ONNX LSTM node computes, but costs one fused matrix product instead of libtorch's
     * general (oneDNN) RNN kernel, whose set-up and recurrent products dominated this tiny step (measured about
     * twice as slow, forward plus backward). Used for training only; inference runs the LSTM block itself.
     * @param f encoder output [N, F].
     * @return the hidden state [N, lstmHidden].
     */
    private NDArray lstmStep(NDArray f) {
        NDArray bias = param(lstm, "l_0_i2h_BIAS").getArray().add(param(lstm, "l_0_h2h_BIAS").getArray());
        // An op's result belongs to its first operand's manager: move the sum to the batch's, not the network's.
        bias.attach(f.getManager());
        NDArray gates = Linear.linear(f, param(lstm, "l_0_i2h_WEIGHT").getArray(), bias).singletonOrThrow();
        NDList q = gates.split(4, 1);
        NDArray c = Activation.sigmoid(q.get(0)).mul(q.get(2).tanh());
        return Activation.sigmoid(q.get(3)).mul(c.tanh());
    }

    /**
     * The decoder: z to the reconstruction [N, views·D] in normalised space.
     * @param z latent vectors.
     * @param training training mode.
     * @return the reconstruction.
     */
    public NDArray decode(NDArray z, boolean training) {
        if (!decoderBuilt) {
            throw new IllegalStateException("This network has no decoder");
        }
        long n = z.getShape().get(0);
        if (!arch.isImage()) {
            NDArray h = z;
            for (int j = 0; j < decLinear.size(); j++) {
                h = decLinear.get(j).forward(store, new NDList(h), training).singletonOrThrow();
                if (j < decLinear.size() - 1) {
                    h = Activation.leakyRelu(h, IaeArchitecture.LEAKY_SLOPE);
                }
            }
            return h;
        }
        NDArray h = decBn0.forward(store, new NDList(z), training).singletonOrThrow();
        h = h.reshape(n, arch.decoderSeedChannels(), arch.bottomHeight(), arch.bottomWidth());
        h = Activation.leakyRelu(h, IaeArchitecture.LEAKY_SLOPE);
        for (int j = 0; j < decConv.size(); j++) {
            h = decConv.get(j).forward(store, new NDList(h), training).singletonOrThrow();
            h = decBn.get(j).forward(store, new NDList(h), training).singletonOrThrow();
            h = Activation.leakyRelu(h, IaeArchitecture.LEAKY_SLOPE);
            h = upsample2(h);
        }
        h = decOut.forward(store, new NDList(h), training).singletonOrThrow();
        h = Activation.sigmoid(h);
        int[] chw = arch.imageShape();
        int top = arch.padTop();
        int left = arch.padLeft();
        if (arch.paddedHeight() != chw[1] || arch.paddedWidth() != chw[2]) {
            h = h.get(":, :, " + top + ":" + (top + chw[1]) + ", " + left + ":" + (left + chw[2]));
        }
        return h.reshape(n, arch.networkInputDim());
    }

    /**
     * Nearest-neighbour upsampling ×2 of [N, C, H, W] with libtorch's own kernel: the same values (and gradients) as
     * repeating every row and then every column twice, in one operation instead of two repeat-interleaves (which
     * were measured about twice as slow, forward plus backward, on the image decoder).
     */
    private static NDArray upsample2(NDArray h) {
        Shape s = h.getShape();
        return h.getNDArrayInternal().interpolation(new long[]{s.get(2) * 2, s.get(3) * 2},
                Image.Interpolation.NEAREST.ordinal(), false);
    }

    // ------------------------------------------------------------------ inference

    /**
     * The outputs of the inference forward pass, the same quantities as the exported ONNX graph's outputs.
     */
    public static final class Outputs {
        /** Anomaly score per example [N]. */
        public final float[] score;
        /** Latent vectors [N][repDim]. */
        public final float[][] latent;
        /** Squared distance to the centre [N], or null without the hypersphere. */
        public final float[] svddDistance;
        /** Reconstruction error in normalised space [N], or null without the decoder. */
        public final float[] reconstructionError;
        /** Per-feature squared reconstruction error [N][D], or null without the decoder. */
        public final float[][] featureErrors;

        Outputs(float[] score, float[][] latent, float[] svddDistance, float[] reconstructionError,
                float[][] featureErrors) {
            this.score = score;
            this.latent = latent;
            this.svddDistance = svddDistance;
            this.reconstructionError = reconstructionError;
            this.featureErrors = featureErrors;
        }
    }

    /**
     * Runs the final network in inference mode (BatchNorm running statistics, LSTM path if present) on raw,
     * un-normalised rows, and returns what the exported ONNX graph returns for them. Each example is computed
     * independently of the others. The centre must be set if the network has the hypersphere.
     * @param rawRows row-major raw feature values, {@code n × D}.
     * @param n the number of rows.
     * @return the outputs.
     */
    public Outputs infer(float[] rawRows, int n) {
        int d = arch.inputDim();
        if ((long) n * d != rawRows.length) {
            throw new IllegalArgumentException("Expected " + n + " rows of " + d + " features, found "
                    + rawRows.length + " values");
        }
        if (arch.hasSvdd() && centre == null) {
            throw new IllegalStateException("The hypersphere centre has not been set");
        }
        float[] x = normalizer.apply(rawRows);
        int dn = arch.networkInputDim();
        int r = arch.repDim();
        float[][] latent = new float[n][];
        float[] dist = arch.hasSvdd() ? new float[n] : null;
        float[] rec = arch.hasDecoder() ? new float[n] : null;
        float[][] fe = arch.hasDecoder() ? new float[n][] : null;
        for (int start = 0; start < n; start += INFERENCE_BATCH) {
            int b = Math.min(INFERENCE_BATCH, n - start);
            // A single row is run as a batch of two (the row twice): libtorch multiplies a one-row matrix with a
            // different kernel (and summation order) than a batch, which moved scores by up to ~2e-6 relative.
            int rowsRun = Math.max(b, 2);
            float[] chunk = new float[rowsRun * dn];
            System.arraycopy(x, start * dn, chunk, 0, b * dn);
            if (rowsRun > b) {
                System.arraycopy(x, start * dn, chunk, b * dn, dn);
            }
            try (NDManager sub = manager.newSubManager()) {
                NDArray in = sub.create(chunk, new Shape(rowsRun, dn));
                NDArray z = toLatent(encode(in, false), false, true);
                float[] zf = z.toFloatArray();
                float[] xh = arch.hasDecoder() ? decode(z, false).toFloatArray() : null;
                for (int i = 0; i < b; i++) {
                    float[] zi = new float[r];
                    System.arraycopy(zf, i * r, zi, 0, r);
                    latent[start + i] = zi;
                    if (dist != null) {
                        float s = 0f;
                        for (int j = 0; j < r; j++) {
                            float diff = zi[j] - centre[j];
                            s += diff * diff;
                        }
                        dist[start + i] = s;
                    }
                    if (xh != null) {
                        // One error per raw feature, summed over the views in the ONNX graph's order.
                        float[] e = new float[d];
                        for (int j = 0; j < dn; j++) {
                            float diff = chunk[i * dn + j] - xh[i * dn + j];
                            e[j % d] += diff * diff;
                        }
                        float s = 0f;
                        for (float v : e) {
                            s += v;
                        }
                        fe[start + i] = e;
                        rec[start + i] = s;
                    }
                }
            }
        }
        float[] score = new float[n];
        for (int i = 0; i < n; i++) {
            switch (arch.scoreKind()) {
                case SVDD:
                    score[i] = dist[i];
                    break;
                case RECONSTRUCTION:
                    score[i] = rec[i];
                    break;
                case COMBINED:
                    // Same float operations, in the same order, as the ONNX graph (Sub, Div, Mul, Add).
                    score[i] = (dist[i] - scoreStats[0]) / scoreStats[1]
                            + (rec[i] - scoreStats[2]) / scoreStats[3] * arch.recWeight();
                    break;
                default:
                    throw new IllegalStateException("Unknown score kind " + arch.scoreKind());
            }
        }
        return new Outputs(score, latent, dist, rec, fe);
    }

    // ------------------------------------------------------------------ export

    private static FloatTensor tensor(Parameter p) {
        NDArray a = p.getArray();
        return new FloatTensor(a.getShape().getShape(), a.toFloatArray());
    }

    private static Parameter param(Block b, String name) {
        Parameter p = b.getParameters().get(name);
        if (p == null) {
            throw new IllegalStateException("Block " + b + " has no parameter '" + name + "'");
        }
        return p;
    }

    /**
     * The trained weights of the final network, named per {@link TensorNames} (LSTM gates in DJL/PyTorch order
     * i, f, g, o). The pre-training-only blocks (the pre-training latent map when an LSTM exists, the decoder of
     * a network without one) are left out.
     * @return the tensors by name, in a stable order.
     */
    public Map<String, FloatTensor> exportTensors() {
        Map<String, FloatTensor> t = new LinkedHashMap<>();
        t.put(TensorNames.NORM_OFFSET, normalizer.offsetTensor());
        t.put(TensorNames.NORM_SCALE, normalizer.scaleTensor());
        if (arch.isImage()) {
            for (int i = 0; i < encConv.size(); i++) {
                t.put(TensorNames.encoderWeight(i), tensor(param(encConv.get(i), "weight")));
                t.put(TensorNames.encoderBnMean(i), tensor(param(encBn.get(i), "runningMean")));
                t.put(TensorNames.encoderBnVar(i), tensor(param(encBn.get(i), "runningVar")));
            }
        } else {
            for (int i = 0; i < encLinear.size(); i++) {
                t.put(TensorNames.encoderWeight(i), tensor(param(encLinear.get(i), "weight")));
            }
        }
        if (lstm != null) {
            t.put(TensorNames.LSTM_W, tensor(param(lstm, "l_0_i2h_WEIGHT")));
            t.put(TensorNames.LSTM_R, tensor(param(lstm, "l_0_h2h_WEIGHT")));
            t.put(TensorNames.LSTM_WB, tensor(param(lstm, "l_0_i2h_BIAS")));
            t.put(TensorNames.LSTM_RB, tensor(param(lstm, "l_0_h2h_BIAS")));
            t.put(TensorNames.LATENT_WEIGHT, tensor(param(lstmLatent, "weight")));
        } else {
            t.put(TensorNames.LATENT_WEIGHT, tensor(param(preLatent, "weight")));
        }
        if (arch.hasSvdd()) {
            if (centre == null) {
                throw new IllegalStateException("The hypersphere centre has not been set");
            }
            t.put(TensorNames.CENTRE, FloatTensor.vector(centre));
        }
        if (arch.hasDecoder()) {
            if (arch.isImage()) {
                t.put(TensorNames.DECODER_BN_MEAN, tensor(param(decBn0, "runningMean")));
                t.put(TensorNames.DECODER_BN_VAR, tensor(param(decBn0, "runningVar")));
                for (int j = 0; j < decConv.size(); j++) {
                    t.put(TensorNames.decoderWeight(j), tensor(param(decConv.get(j), "weight")));
                    t.put(TensorNames.decoderBnMean(j), tensor(param(decBn.get(j), "runningMean")));
                    t.put(TensorNames.decoderBnVar(j), tensor(param(decBn.get(j), "runningVar")));
                }
                t.put(TensorNames.DECODER_OUT_WEIGHT, tensor(param(decOut, "weight")));
            } else {
                for (int j = 0; j < decLinear.size(); j++) {
                    t.put(TensorNames.decoderWeight(j), tensor(param(decLinear.get(j), "weight")));
                    t.put(TensorNames.decoderBias(j), tensor(param(decLinear.get(j), "bias")));
                }
            }
        }
        t.put(TensorNames.SCORE_STATS, FloatTensor.vector(scoreStats));
        return t;
    }

    /**
     * A framework-free description of the trained network for the ONNX writer.
     * @param featureNames the feature names in input order.
     * @param threshold the decision threshold on the score.
     * @param metadata extra metadata for the exported file.
     * @return the description.
     */
    public IaeNetworkDescription describe(List<String> featureNames, double threshold, Map<String, String> metadata) {
        return new IaeNetworkDescription(arch, exportTensors(), featureNames, threshold, metadata);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            manager.close();
        }
    }

    @Override
    public String toString() {
        return "IaeNetwork(" + arch + ")";
    }
}
