package dev.iae.onnx;

/**
 * The names (and implied shapes) of the weight tensors in an {@link IaeNetworkDescription}. The training side
 * stores its trained parameters under these names; the ONNX writer and any reference implementation read them.
 * <p>
 * Shapes, with D the input size, V the number of views of the normalisation ({@link Normalization#views()}: 2
 * for {@link Normalization#GCN_L1_AND_GLOBAL_MIN_MAX}, else 1), C the image channels, F the encoder output size,
 * H the LSTM hidden size and r the latent size. The network reads and reconstructs the V views side by side, so
 * its input and output size is V·D (images: V·C channels):
 * <ul>
 *     <li>{@link #NORM_OFFSET}, {@link #NORM_SCALE}: [V·D] — normalised input {@code (g(x) - offset) * scale},
 *     g(x) the V views concatenated;</li>
 *     <li>{@link #encoderWeight}(i): tabular [h_i, h_{i-1}] (bias-free linear; h_{-1} = V·D); image
 *     [c_i, c_{i-1}, 5, 5] (c_{-1} = V·C)
 *     (bias-free conv), with {@link #encoderBnMean}(i) / {@link #encoderBnVar}(i) [c_i] running statistics;</li>
 *     <li>{@link #LSTM_W} [4H, F], {@link #LSTM_R} [4H, H], {@link #LSTM_WB} [4H], {@link #LSTM_RB} [4H], gates in
 *     PyTorch/DJL order <b>i, f, g, o</b> (the ONNX writer reorders them);</li>
 *     <li>{@link #LATENT_WEIGHT} [r, H or F] (bias-free linear to the latent vector z);</li>
 *     <li>{@link #CENTRE} [r] — the hypersphere centre (when the network has the hypersphere);</li>
 *     <li>tabular decoder: {@link #decoderWeight}(j) [out, in] and {@link #decoderBias}(j) [out] for
 *     j = 0..k, sizes r → h_{k-1} → … → h_0 → V·D, LeakyReLU after every layer but the last;</li>
 *     <li>image decoder: {@link #DECODER_BN_MEAN}/{@link #DECODER_BN_VAR} [r] on z; then per block j = 0..k-1
 *     {@link #decoderWeight}(j) [c_out, c_in, 5, 5] with {@link #decoderBnMean}(j)/{@link #decoderBnVar}(j)
 *     [c_out], channels c_{k-1}, …, c_0; then {@link #DECODER_OUT_WEIGHT} [V·C, c_0, 5, 5];</li>
 *     <li>{@link #SCORE_STATS} [4] — mean and standard deviation of the training SVDD distances, then of the
 *     training reconstruction errors (needed by {@link ScoreKind#COMBINED}).</li>
 * </ul>
 */
public final class TensorNames {
    /** Per-feature offset of the normalisation, [V·D] (one block per view). */
    public static final String NORM_OFFSET = "norm.offset";
    /** Per-feature scale of the normalisation, [V·D] (one block per view). */
    public static final String NORM_SCALE = "norm.scale";
    /** LSTM input weights [4H, F], gate order i, f, g, o. */
    public static final String LSTM_W = "lstm.W";
    /** LSTM recurrent weights [4H, H], gate order i, f, g, o. */
    public static final String LSTM_R = "lstm.R";
    /** LSTM input bias [4H], gate order i, f, g, o. */
    public static final String LSTM_WB = "lstm.Wb";
    /** LSTM recurrent bias [4H], gate order i, f, g, o. */
    public static final String LSTM_RB = "lstm.Rb";
    /** Bias-free latent map [r, H or F]. */
    public static final String LATENT_WEIGHT = "latent.weight";
    /** Hypersphere centre [r]. */
    public static final String CENTRE = "svdd.centre";
    /** Image decoder: BatchNorm running mean on z, [r]. */
    public static final String DECODER_BN_MEAN = "decoder.bn.mean";
    /** Image decoder: BatchNorm running variance on z, [r]. */
    public static final String DECODER_BN_VAR = "decoder.bn.var";
    /** Image decoder: final convolution to the input channels of every view, [V·C, c_0, 5, 5]. */
    public static final String DECODER_OUT_WEIGHT = "decoder.out.weight";
    /** Score standardisation: {svddMean, svddStd, recMean, recStd}. */
    public static final String SCORE_STATS = "score.stats";

    private TensorNames() { }

    /**
     * @param i the encoder layer (block) index.
     * @return the weight name of that layer.
     */
    public static String encoderWeight(int i) {
        return "encoder." + i + ".weight";
    }

    /**
     * @param i the encoder block index (image network).
     * @return the BatchNorm running-mean name of that block.
     */
    public static String encoderBnMean(int i) {
        return "encoder." + i + ".bn.mean";
    }

    /**
     * @param i the encoder block index (image network).
     * @return the BatchNorm running-variance name of that block.
     */
    public static String encoderBnVar(int i) {
        return "encoder." + i + ".bn.var";
    }

    /**
     * @param j the decoder layer (block) index.
     * @return the weight name of that layer.
     */
    public static String decoderWeight(int j) {
        return "decoder." + j + ".weight";
    }

    /**
     * @param j the decoder layer index (tabular network).
     * @return the bias name of that layer.
     */
    public static String decoderBias(int j) {
        return "decoder." + j + ".bias";
    }

    /**
     * @param j the decoder block index (image network).
     * @return the BatchNorm running-mean name of that block.
     */
    public static String decoderBnMean(int j) {
        return "decoder." + j + ".bn.mean";
    }

    /**
     * @param j the decoder block index (image network).
     * @return the BatchNorm running-variance name of that block.
     */
    public static String decoderBnVar(int j) {
        return "decoder." + j + ".bn.var";
    }
}
