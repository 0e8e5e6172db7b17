package dev.iae.onnx;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * The shape of a trained IAE-LSTM-KL network: which modules it has and how wide they are. Together with the
 * named weight tensors of an {@link IaeNetworkDescription} it fixes the forward computation exactly.
 * <p>
 * Two encoder families exist:
 * <ul>
 *     <li><b>tabular</b> ({@link #imageShape()} is null): an MLP encoder whose hidden layers
 *     ({@link #encoderSizes()}) are bias-free linear maps each followed by LeakyReLU, and a mirror decoder
 *     (linear layers with bias, LeakyReLU between them, linear output);</li>
 *     <li><b>image</b> (C×H×W): the Deep SVDD "LeNet" autoencoder. The normalised input is zero-padded
 *     symmetrically to a multiple of 2^blocks in height and width; each encoder block is a bias-free 5×5
 *     convolution (padding 2), BatchNorm without affine parameters, LeakyReLU and 2×2 max pooling, with
 *     {@link #encoderSizes()} as channel counts. The decoder takes the latent vector through BatchNorm, reshapes
 *     it to (repDim / (h0·w0), h0, w0), applies LeakyReLU, then per block (channels reversed) a 5×5 convolution,
 *     BatchNorm, LeakyReLU and nearest-neighbour upsampling ×2, then a final 5×5 convolution to C channels and a
 *     sigmoid; the output is cropped back to H×W.</li>
 * </ul>
 * When the pre-processing has two views ({@link Normalization#GCN_L1_AND_GLOBAL_MIN_MAX}) the encoder reads and
 * the decoder reconstructs {@link #networkInputDim()} = 2D values (2C channels for images) instead of D.
 * <p>
 * After the encoder, the flat features go through the optional one-step LSTM (zero initial state, per example)
 * and a bias-free linear map to the latent vector z of size {@link #repDim()}.
 */
public final class IaeArchitecture implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Negative slope of every LeakyReLU in the network. */
    public static final float LEAKY_SLOPE = 0.01f;
    /** Convolution kernel size of the image network. */
    public static final int KERNEL = 5;

    private final int inputDim;
    private final int[] imageShape;
    private final int[] encoderSizes;
    private final int lstmHidden;
    private final int repDim;
    private final boolean decoder;
    private final boolean svdd;
    private final Normalization normalization;
    private final ScoreKind scoreKind;
    private final float recWeight;
    private final float batchNormEpsilon;

    private IaeArchitecture(Builder b) {
        this.inputDim = b.inputDim;
        this.imageShape = b.imageShape == null ? null : b.imageShape.clone();
        this.encoderSizes = b.encoderSizes.clone();
        this.lstmHidden = b.lstmHidden;
        this.repDim = b.repDim;
        this.decoder = b.decoder;
        this.svdd = b.svdd;
        this.normalization = b.normalization;
        this.scoreKind = b.scoreKind;
        this.recWeight = b.recWeight;
        this.batchNormEpsilon = b.batchNormEpsilon;
    }

    /** @return a builder with the defaults: tabular, no LSTM, decoder and hypersphere on, min-max, SVDD score. */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the number of input features D. */
    public int inputDim() {
        return inputDim;
    }

    /**
     * The number of values per example after the input pre-processing: {@code views × D}, where
     * {@link Normalization#views()} is 2 when the pre-processing puts two views of each example side by side
     * ({@link Normalization#GCN_L1_AND_GLOBAL_MIN_MAX}) and 1 otherwise. The encoder reads, and the decoder
     * reconstructs, this many values.
     * @return the normalised input length.
     */
    public int networkInputDim() {
        return inputDim * normalization.views();
    }

    /**
     * The channel count the image network reads and reconstructs: C times the pre-processing's views (the
     * views' channels stacked, first view first).
     * @return the network's input channels, or 0 for a tabular network.
     */
    public int networkChannels() {
        return isImage() ? imageShape[0] * normalization.views() : 0;
    }

    /** @return a copy of the image shape {C, H, W}, or null for a tabular network. */
    public int[] imageShape() {
        return imageShape == null ? null : imageShape.clone();
    }

    /** @return true if the network is the convolutional image network. */
    public boolean isImage() {
        return imageShape != null;
    }

    /** @return a copy of the MLP hidden sizes (tabular) or the convolution channel counts (image). */
    public int[] encoderSizes() {
        return encoderSizes.clone();
    }

    /** @return the LSTM hidden size, or 0 if the network has no LSTM module. */
    public int lstmHidden() {
        return lstmHidden;
    }

    /** @return true if the network has the one-step LSTM module. */
    public boolean hasLstm() {
        return lstmHidden > 0;
    }

    /** @return the latent (representation) dimension. */
    public int repDim() {
        return repDim;
    }

    /** @return true if the network has a decoder (reconstruction outputs). */
    public boolean hasDecoder() {
        return decoder;
    }

    /** @return true if the network has the hypersphere (centre c and distance output). */
    public boolean hasSvdd() {
        return svdd;
    }

    /** @return the input pre-processing. */
    public Normalization normalization() {
        return normalization;
    }

    /** @return which quantity is the anomaly score. */
    public ScoreKind scoreKind() {
        return scoreKind;
    }

    /**
     * @return the weight of the reconstruction part in the {@link ScoreKind#COMBINED} score,
     *     {@code (d − m_d)/s_d + recWeight · (r − m_r)/s_r}; 1 (equal weights) for every other score kind.
     */
    public float recWeight() {
        return recWeight;
    }

    /** @return the epsilon of every BatchNorm in the image network. */
    public float batchNormEpsilon() {
        return batchNormEpsilon;
    }

    /** @return the number of pooling (and upsampling) stages of the image network. */
    public int blocks() {
        return encoderSizes.length;
    }

    /** @return the padded image height (a multiple of 2^blocks), or 0 for tabular networks. */
    public int paddedHeight() {
        return isImage() ? roundUp(imageShape[1], 1 << blocks()) : 0;
    }

    /** @return the padded image width (a multiple of 2^blocks), or 0 for tabular networks. */
    public int paddedWidth() {
        return isImage() ? roundUp(imageShape[2], 1 << blocks()) : 0;
    }

    /** @return rows of zero padding above the image (the rest goes below). */
    public int padTop() {
        return isImage() ? (paddedHeight() - imageShape[1]) / 2 : 0;
    }

    /** @return columns of zero padding left of the image (the rest goes to the right). */
    public int padLeft() {
        return isImage() ? (paddedWidth() - imageShape[2]) / 2 : 0;
    }

    /** @return the height of the last encoder feature map, h0. */
    public int bottomHeight() {
        return paddedHeight() >> blocks();
    }

    /** @return the width of the last encoder feature map, w0. */
    public int bottomWidth() {
        return paddedWidth() >> blocks();
    }

    /**
     * Whether a decoder can mirror this network's encoder: always for tabular networks; for image networks the latent
     * vector is reshaped into the decoder's first feature map of h0·w0 cells, so repDim must be a multiple of h0·w0.
     * The one rule behind the builder's check (a network with a decoder) and the trainer's choice whether a network
     * without one can still be pre-trained as an autoencoder.
     * @return true if a decoder can be built.
     */
    public boolean canBuildDecoder() {
        return !isImage() || repDim % (bottomHeight() * bottomWidth()) == 0;
    }

    /** @return the channel count of the decoder's first feature map, repDim / (h0·w0) (image networks only). */
    public int decoderSeedChannels() {
        return repDim / (bottomHeight() * bottomWidth());
    }

    /** @return the length of the encoder's flat output f, which feeds the LSTM (or the latent map). */
    public int encoderOutputSize() {
        if (isImage()) {
            return encoderSizes[encoderSizes.length - 1] * bottomHeight() * bottomWidth();
        }
        return encoderSizes.length == 0 ? networkInputDim() : encoderSizes[encoderSizes.length - 1];
    }

    /** @return the input length of the bias-free latent map: the LSTM hidden size or the encoder output size. */
    public int latentInputSize() {
        return hasLstm() ? lstmHidden : encoderOutputSize();
    }

    private static int roundUp(int v, int m) {
        return ((v + m - 1) / m) * m;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof IaeArchitecture)) {
            return false;
        }
        IaeArchitecture that = (IaeArchitecture) o;
        return inputDim == that.inputDim && lstmHidden == that.lstmHidden && repDim == that.repDim
                && decoder == that.decoder && svdd == that.svdd
                && Float.compare(batchNormEpsilon, that.batchNormEpsilon) == 0
                && Arrays.equals(imageShape, that.imageShape) && Arrays.equals(encoderSizes, that.encoderSizes)
                && normalization == that.normalization && scoreKind == that.scoreKind
                && Float.compare(recWeight, that.recWeight) == 0;
    }

    @Override
    public int hashCode() {
        int h = Objects.hash(inputDim, lstmHidden, repDim, decoder, svdd, normalization, scoreKind, recWeight,
                batchNormEpsilon);
        return 31 * (31 * h + Arrays.hashCode(imageShape)) + Arrays.hashCode(encoderSizes);
    }

    @Override
    public String toString() {
        return "IaeArchitecture(inputDim=" + inputDim
                + ", imageShape=" + (imageShape == null ? "tabular" : Arrays.toString(imageShape))
                + ", encoderSizes=" + Arrays.toString(encoderSizes)
                + ", lstmHidden=" + lstmHidden + ", repDim=" + repDim
                + ", decoder=" + decoder + ", svdd=" + svdd
                + ", normalization=" + normalization + ", scoreKind=" + scoreKind
                + (recWeight != 1f ? ", recWeight=" + recWeight : "") + ")";
    }

    /**
     * Builds an {@link IaeArchitecture}; {@link #build()} validates the combination.
     */
    public static final class Builder {
        private int inputDim = -1;
        private int[] imageShape = null;
        private int[] encoderSizes = new int[]{64, 32};
        private int lstmHidden = 0;
        private int repDim = 16;
        private boolean decoder = true;
        private boolean svdd = true;
        private Normalization normalization = Normalization.MIN_MAX;
        private ScoreKind scoreKind = ScoreKind.SVDD;
        private float recWeight = 1f;
        private float batchNormEpsilon = 1e-5f;

        private Builder() { }

        /**
         * @param d the number of input features.
         * @return this builder.
         */
        public Builder inputDim(int d) {
            this.inputDim = d;
            return this;
        }

        /**
         * @param chw {C, H, W} for the image network, or null for the tabular MLP.
         * @return this builder.
         */
        public Builder imageShape(int[] chw) {
            this.imageShape = chw == null ? null : chw.clone();
            return this;
        }

        /**
         * @param sizes MLP hidden sizes (tabular) or convolution channels per block (image).
         * @return this builder.
         */
        public Builder encoderSizes(int... sizes) {
            this.encoderSizes = sizes.clone();
            return this;
        }

        /**
         * @param h the LSTM hidden size; 0 for no LSTM.
         * @return this builder.
         */
        public Builder lstmHidden(int h) {
            this.lstmHidden = h;
            return this;
        }

        /**
         * @param r the latent dimension.
         * @return this builder.
         */
        public Builder repDim(int r) {
            this.repDim = r;
            return this;
        }

        /**
         * @param on whether the network has a decoder.
         * @return this builder.
         */
        public Builder decoder(boolean on) {
            this.decoder = on;
            return this;
        }

        /**
         * @param on whether the network has the hypersphere centre.
         * @return this builder.
         */
        public Builder svdd(boolean on) {
            this.svdd = on;
            return this;
        }

        /**
         * @param n the input pre-processing.
         * @return this builder.
         */
        public Builder normalization(Normalization n) {
            this.normalization = Objects.requireNonNull(n, "normalization");
            return this;
        }

        /**
         * @param k the score kind.
         * @return this builder.
         */
        public Builder scoreKind(ScoreKind k) {
            this.scoreKind = Objects.requireNonNull(k, "scoreKind");
            return this;
        }

        /**
         * @param w the weight of the reconstruction part in the COMBINED score (1 = equal weights; positive and
         *     finite; only COMBINED may use another value).
         * @return this builder.
         */
        public Builder recWeight(float w) {
            this.recWeight = w;
            return this;
        }

        /**
         * @param eps the BatchNorm epsilon (image network).
         * @return this builder.
         */
        public Builder batchNormEpsilon(float eps) {
            this.batchNormEpsilon = eps;
            return this;
        }

        /**
         * Validates and builds.
         * @return the architecture.
         * @throws IllegalArgumentException naming the first inconsistent setting.
         */
        public IaeArchitecture build() {
            if (imageShape != null) {
                if (imageShape.length != 3 || imageShape[0] <= 0 || imageShape[1] <= 0 || imageShape[2] <= 0) {
                    throw new IllegalArgumentException("imageShape must be three positive sizes {C, H, W}, found "
                            + Arrays.toString(imageShape));
                }
                int d = imageShape[0] * imageShape[1] * imageShape[2];
                if (inputDim < 0) {
                    inputDim = d;
                } else if (inputDim != d) {
                    throw new IllegalArgumentException("imageShape " + Arrays.toString(imageShape) + " has " + d
                            + " values but inputDim is " + inputDim);
                }
                if (encoderSizes.length == 0) {
                    throw new IllegalArgumentException("The image network needs at least one convolution block");
                }
            }
            if (inputDim <= 0) {
                throw new IllegalArgumentException("inputDim must be positive, found " + inputDim);
            }
            for (int s : encoderSizes) {
                if (s <= 0) {
                    throw new IllegalArgumentException("encoderSizes must be positive, found " + Arrays.toString(encoderSizes));
                }
            }
            if (lstmHidden < 0) {
                throw new IllegalArgumentException("lstmHidden must be >= 0, found " + lstmHidden);
            }
            if (repDim <= 0) {
                throw new IllegalArgumentException("repDim must be positive, found " + repDim);
            }
            if (!decoder && !svdd) {
                throw new IllegalArgumentException("The network needs a decoder, a hypersphere, or both");
            }
            if (scoreKind == ScoreKind.SUM) {
                throw new IllegalArgumentException("Score kind SUM is the score of a sum of models (OnnxScoreSum), "
                        + "not of one network; use SVDD, RECONSTRUCTION or COMBINED");
            }
            if ((scoreKind == ScoreKind.SVDD || scoreKind == ScoreKind.COMBINED) && !svdd) {
                throw new IllegalArgumentException("Score kind " + scoreKind + " needs the hypersphere (svdd)");
            }
            if ((scoreKind == ScoreKind.RECONSTRUCTION || scoreKind == ScoreKind.COMBINED) && !decoder) {
                throw new IllegalArgumentException("Score kind " + scoreKind + " needs the decoder");
            }
            if (!(recWeight > 0) || Float.isInfinite(recWeight)) {
                throw new IllegalArgumentException("recWeight must be positive and finite, found " + recWeight
                        + " (for the distance or the reconstruction error alone use score kind SVDD or RECONSTRUCTION)");
            }
            if (recWeight != 1f && scoreKind != ScoreKind.COMBINED) {
                throw new IllegalArgumentException("recWeight weighs the parts of the COMBINED score; score kind "
                        + scoreKind + " needs recWeight 1, found " + recWeight);
            }
            if (!(batchNormEpsilon > 0)) {
                throw new IllegalArgumentException("batchNormEpsilon must be positive, found " + batchNormEpsilon);
            }
            IaeArchitecture a = new IaeArchitecture(this);
            if (decoder && !a.canBuildDecoder()) {
                throw new IllegalArgumentException("repDim (" + repDim + ") must be a multiple of the bottom feature map size "
                        + a.bottomHeight() + "x" + a.bottomWidth() + " for the image decoder");
            }
            return a;
        }
    }
}
