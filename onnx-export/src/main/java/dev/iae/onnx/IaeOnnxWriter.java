package dev.iae.onnx;

import ai.onnx.proto.OnnxMl;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

import static dev.iae.onnx.OnnxGraphBuilder.floatAttr;
import static dev.iae.onnx.OnnxGraphBuilder.intAttr;
import static dev.iae.onnx.OnnxGraphBuilder.intsAttr;
import static dev.iae.onnx.OnnxGraphBuilder.stringAttr;

/**
 * Writes a trained IAE-LSTM-KL network ({@link IaeNetworkDescription}) as a self-contained ONNX model
 * (IR {@value OnnxContract#IR_VERSION}, opset {@value OnnxContract#OPSET}) that any ONNX Runtime can run with
 * nothing but the file.
 * <p>
 * The graph takes raw feature values ({@link OnnxContract#INPUT_FEATURES}, float [N, D]) and computes, per
 * example and independently of the other examples in the batch: the fitted normalisation, the encoder (MLP or
 * LeNet-style convolutions), the optional one-step LSTM with zero initial state, the bias-free latent map, and
 * from there the hypersphere distance, the reconstruction errors and the anomaly score (see
 * {@link IaeArchitecture} and {@link TensorNames} for the exact maths). Every weight is an initializer; the
 * metadata carries the feature names, threshold, score kind, input shape, architecture and the description's own
 * metadata (e.g. Tribuo provenance).
 * <p>
 * Every weight tensor is looked up with {@link IaeNetworkDescription#tensor(String, long...)}, so a description
 * with a missing or mis-shaped tensor fails with an exception naming it, before any graph is produced.
 */
public final class IaeOnnxWriter {
    /** The default model domain. */
    public static final String DEFAULT_DOMAIN = "dev.iae";
    /** The default model version. */
    public static final long DEFAULT_MODEL_VERSION = 1;
    /** Version of this project, used when no Maven pom.properties is on the class path. */
    private static final String FALLBACK_VERSION = "0.1.0-SNAPSHOT";
    /** The project version written as the model's producer_version. */
    public static final String PRODUCER_VERSION = readProjectVersion();

    private IaeOnnxWriter() { }

    /**
     * Writes the model with the default domain ({@value #DEFAULT_DOMAIN}) and model version 1.
     * @param description the trained network.
     * @return the ONNX model.
     * @throws IllegalArgumentException if a tensor is missing or mis-shaped, or a setting is inconsistent.
     */
    public static OnnxMl.ModelProto write(IaeNetworkDescription description) {
        return write(description, DEFAULT_DOMAIN, DEFAULT_MODEL_VERSION);
    }

    /**
     * Writes the model.
     * @param description the trained network.
     * @param domain the model domain (reverse-DNS style).
     * @param modelVersion the model version.
     * @return the ONNX model.
     * @throws IllegalArgumentException if a tensor is missing or mis-shaped, or a setting is inconsistent.
     */
    public static OnnxMl.ModelProto write(IaeNetworkDescription description, String domain, long modelVersion) {
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(domain, "domain");
        IaeArchitecture a = description.architecture();
        Map<String, String> meta = metadata(description);

        OnnxGraphBuilder g = new OnnxGraphBuilder("iae_lstm_kl");
        int d = a.inputDim();
        g.input(OnnxContract.INPUT_FEATURES, -1, d);

        String x = normalise(g, description);
        String f = a.isImage() ? imageEncoder(g, description, x) : tabularEncoder(g, description, x);
        if (a.hasLstm()) {
            f = lstm(g, description, f);
        }
        int r = a.repDim();
        String latentW = g.floatInit(TensorNames.LATENT_WEIGHT,
                new long[]{r, a.latentInputSize()},
                description.tensor(TensorNames.LATENT_WEIGHT, r, a.latentInputSize()).data());
        String z = g.exact(OnnxContract.OUTPUT_LATENT);
        g.node("Gemm", new String[]{f, latentW}, new String[]{z}, intAttr("transB", 1));
        g.output(OnnxContract.OUTPUT_LATENT, -1, r);

        String distance = null;
        if (a.hasSvdd()) {
            String c = g.floatInit(TensorNames.CENTRE, new long[]{r},
                    description.tensor(TensorNames.CENTRE, r).data());
            String diff = g.op("Sub", "svdd_diff", new String[]{z, c});
            String sq = g.op("Mul", "svdd_sq", new String[]{diff, diff});
            distance = g.exact(OnnxContract.OUTPUT_DISTANCE);
            g.node("ReduceSum", new String[]{sq, g.longInit("axes_1", 1)}, new String[]{distance},
                    intAttr("keepdims", 0));
            g.output(OnnxContract.OUTPUT_DISTANCE, -1);
        }

        String reconstruction = null;
        if (a.hasDecoder()) {
            String xHat = a.isImage() ? imageDecoder(g, description, z) : tabularDecoder(g, description, z);
            String diff = g.op("Sub", "rec_diff", new String[]{x, xHat});
            String featureErrors = g.exact(OnnxContract.OUTPUT_FEATURE_ERRORS);
            int views = a.normalization().views();
            if (views == 1) {
                g.node("Mul", new String[]{diff, diff}, new String[]{featureErrors});
            } else {
                // [N, views·D] → [N, views, D] → summed over the views: one error per raw feature.
                String sq = g.op("Mul", "rec_sq_views", new String[]{diff, diff});
                String byView = g.op("Reshape", "rec_sq_by_view", new String[]{sq,
                        g.longInit("views_shape", 0, views, d)});
                g.node("ReduceSum", new String[]{byView, g.longInit("axes_1", 1)}, new String[]{featureErrors},
                        intAttr("keepdims", 0));
            }
            g.output(OnnxContract.OUTPUT_FEATURE_ERRORS, -1, d);
            reconstruction = g.exact(OnnxContract.OUTPUT_RECONSTRUCTION_ERROR);
            g.node("ReduceSum", new String[]{featureErrors, g.longInit("axes_1", 1)}, new String[]{reconstruction},
                    intAttr("keepdims", 0));
            g.output(OnnxContract.OUTPUT_RECONSTRUCTION_ERROR, -1);
        }

        score(g, description, distance, reconstruction);
        g.output(OnnxContract.OUTPUT_SCORE, -1);
        g.docString(docString(a));

        OnnxMl.ModelProto.Builder m = OnnxMl.ModelProto.newBuilder()
                .setIrVersion(OnnxContract.IR_VERSION)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OnnxContract.OPSET))
                .setProducerName(OnnxContract.PRODUCER_NAME)
                .setProducerVersion(PRODUCER_VERSION)
                .setDomain(domain)
                .setModelVersion(modelVersion)
                .setDocString("IAE-LSTM-KL anomaly detector. " + docString(a))
                .setGraph(g.build());
        for (Map.Entry<String, String> e : meta.entrySet()) {
            m.addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey(e.getKey()).setValue(e.getValue()));
        }
        return m.build();
    }

    /**
     * The metadata entries of the written model, writer-owned keys first, then the description's own entries.
     */
    private static Map<String, String> metadata(IaeNetworkDescription description) {
        IaeArchitecture a = description.architecture();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(OnnxContract.META_FORMAT_VERSION, OnnxContract.FORMAT_VERSION);
        meta.put(OnnxContract.META_FEATURE_NAMES, OnnxMetadata.encodeStringList(description.featureNames()));
        meta.put(OnnxContract.META_THRESHOLD, Double.toString(description.threshold()));
        meta.put(OnnxContract.META_SCORE_KIND, a.scoreKind().name());
        if (description.tensors().containsKey(TensorNames.SCORE_STATS)) {
            float[] st = description.tensor(TensorNames.SCORE_STATS, 4).data();
            meta.put(OnnxContract.META_SCORE_STATS, st[0] + "," + st[1] + "," + st[2] + "," + st[3]);
        }
        int[] s = a.imageShape();
        meta.put(OnnxContract.META_INPUT_SHAPE, s == null ? "[" + a.inputDim() + "]"
                : "[" + s[0] + ", " + s[1] + ", " + s[2] + "]");
        meta.put(OnnxContract.META_ARCHITECTURE, a.toString());
        for (Map.Entry<String, String> e : description.metadata().entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException("Metadata keys and values must not be null, found "
                        + e.getKey() + "=" + e.getValue());
            }
            if (meta.containsKey(e.getKey())) {
                throw new IllegalArgumentException("Metadata key '" + e.getKey()
                        + "' is written by the ONNX writer itself and cannot be supplied in the description's metadata");
            }
            meta.put(e.getKey(), e.getValue());
        }
        return meta;
    }

    private static String docString(IaeArchitecture a) {
        StringBuilder sb = new StringBuilder();
        sb.append("Input '").append(OnnxContract.INPUT_FEATURES).append("': float32 [N, ").append(a.inputDim())
                .append("], raw feature values in the order of metadata '").append(OnnxContract.META_FEATURE_NAMES)
                .append("'. Outputs: '").append(OnnxContract.OUTPUT_SCORE)
                .append("' float32 [N] anomaly score (").append(a.scoreKind())
                .append(", higher is more anomalous; above metadata '").append(OnnxContract.META_THRESHOLD)
                .append("' is anomalous), '").append(OnnxContract.OUTPUT_LATENT).append("' float32 [N, ")
                .append(a.repDim()).append("] latent vector");
        if (a.hasSvdd()) {
            sb.append(", '").append(OnnxContract.OUTPUT_DISTANCE)
                    .append("' float32 [N] squared distance to the hypersphere centre");
        }
        if (a.hasDecoder()) {
            sb.append(", '").append(OnnxContract.OUTPUT_RECONSTRUCTION_ERROR)
                    .append("' float32 [N] squared reconstruction error in normalised space, '")
                    .append(OnnxContract.OUTPUT_FEATURE_ERRORS).append("' float32 [N, ").append(a.inputDim())
                    .append("] per-feature squared reconstruction error");
            if (a.normalization().views() > 1) {
                sb.append(" (summed over the ").append(a.normalization().views())
                        .append(" views of the pre-processing)");
            }
        }
        sb.append(". Every example is computed independently of the rest of the batch.");
        return sb.toString();
    }

    /**
     * x' = (g(x) - offset) * scale, g = GCN-l1 per example when the normalisation uses it; with two views
     * ({@link Normalization#GCN_L1_AND_GLOBAL_MIN_MAX}) g(x) = [GCN-l1(x), x], concatenated along the features. For
     * {@link Normalization#NONE} the offset and scale tensors are optional (absent means identity).
     * @return the normalised input [N, views·D].
     */
    private static String normalise(OnnxGraphBuilder g, IaeNetworkDescription description) {
        IaeArchitecture a = description.architecture();
        int d = a.networkInputDim();
        String raw = OnnxContract.INPUT_FEATURES;
        String x = raw;
        if (a.normalization().usesGcn()) {
            String mean = g.op("ReduceMean", "gcn_mean", new String[]{x}, intsAttr("axes", 1), intAttr("keepdims", 1));
            String centred = g.op("Sub", "gcn_centred", new String[]{x, mean});
            String abs = g.op("Abs", "gcn_abs", new String[]{centred});
            String mad = g.op("ReduceMean", "gcn_mad", new String[]{abs}, intsAttr("axes", 1), intAttr("keepdims", 1));
            String denom = g.op("Max", "gcn_denom",
                    new String[]{mad, g.floatScalar("gcn_epsilon", Normalization.GCN_EPSILON)});
            x = g.op("Div", "gcn", new String[]{centred, denom});
            if (a.normalization().views() == 2) {
                x = g.op("Concat", "views", new String[]{x, raw}, intAttr("axis", 1));
            }
        }
        boolean present = description.tensors().containsKey(TensorNames.NORM_OFFSET)
                || description.tensors().containsKey(TensorNames.NORM_SCALE);
        if (a.normalization() != Normalization.NONE || present) {
            String offset = g.floatInit(TensorNames.NORM_OFFSET, new long[]{d},
                    description.tensor(TensorNames.NORM_OFFSET, d).data());
            String scale = g.floatInit(TensorNames.NORM_SCALE, new long[]{d},
                    description.tensor(TensorNames.NORM_SCALE, d).data());
            String shifted = g.op("Sub", "norm_shifted", new String[]{x, offset});
            x = g.op("Mul", "normalised", new String[]{shifted, scale});
        } else {
            x = g.op("Identity", "normalised", new String[]{x});
        }
        return x;
    }

    private static String leaky(OnnxGraphBuilder g, String in) {
        return g.op("LeakyRelu", "leaky", new String[]{in}, floatAttr("alpha", IaeArchitecture.LEAKY_SLOPE));
    }

    /** Bias-free MLP layers, each followed by LeakyReLU. */
    private static String tabularEncoder(OnnxGraphBuilder g, IaeNetworkDescription description, String x) {
        IaeArchitecture a = description.architecture();
        int[] sizes = a.encoderSizes();
        int in = a.networkInputDim();
        String h = x;
        for (int i = 0; i < sizes.length; i++) {
            String name = TensorNames.encoderWeight(i);
            String w = g.floatInit(name, new long[]{sizes[i], in}, description.tensor(name, sizes[i], in).data());
            h = leaky(g, g.op("Gemm", "encoder_" + i, new String[]{h, w}, intAttr("transB", 1)));
            in = sizes[i];
        }
        return h;
    }

    /** Mirror MLP with biases, LeakyReLU between layers, linear output. */
    private static String tabularDecoder(OnnxGraphBuilder g, IaeNetworkDescription description, String z) {
        IaeArchitecture a = description.architecture();
        int[] enc = a.encoderSizes();
        int k = enc.length;
        int[] sizes = new int[k + 2];
        sizes[0] = a.repDim();
        for (int j = 1; j <= k; j++) {
            sizes[j] = enc[k - j];
        }
        sizes[k + 1] = a.networkInputDim();
        String h = z;
        for (int j = 0; j <= k; j++) {
            String wName = TensorNames.decoderWeight(j);
            String bName = TensorNames.decoderBias(j);
            String w = g.floatInit(wName, new long[]{sizes[j + 1], sizes[j]},
                    description.tensor(wName, sizes[j + 1], sizes[j]).data());
            String b = g.floatInit(bName, new long[]{sizes[j + 1]}, description.tensor(bName, sizes[j + 1]).data());
            h = g.op("Gemm", "decoder_" + j, new String[]{h, w, b}, intAttr("transB", 1));
            if (j < k) {
                h = leaky(g, h);
            }
        }
        return h;
    }

    private static String conv5(OnnxGraphBuilder g, IaeNetworkDescription description, String in, String wName,
                                int outChannels, int inChannels) {
        int ks = IaeArchitecture.KERNEL;
        String w = g.floatInit(wName, new long[]{outChannels, inChannels, ks, ks},
                description.tensor(wName, outChannels, inChannels, ks, ks).data());
        int p = ks / 2;
        return g.op("Conv", "conv", new String[]{in, w},
                intsAttr("kernel_shape", ks, ks), intsAttr("pads", p, p, p, p), intsAttr("strides", 1, 1));
    }

    /** BatchNormalization in inference mode: scale 1, bias 0, running statistics from the description. */
    private static String batchNorm(OnnxGraphBuilder g, IaeNetworkDescription description, String in,
                                    String meanName, String varName, int channels) {
        FloatTensor var = description.tensor(varName, channels);
        for (int i = 0; i < channels; i++) {
            if (!(var.get(i) >= 0)) {
                throw new IllegalArgumentException("Tensor '" + varName + "' has a negative variance at index " + i
                        + ": " + var.get(i));
            }
        }
        float[] ones = new float[channels];
        java.util.Arrays.fill(ones, 1f);
        String scale = g.floatInit(meanName.replace(".mean", ".scale"), new long[]{channels}, ones);
        String bias = g.floatInit(meanName.replace(".mean", ".bias"), new long[]{channels}, new float[channels]);
        String mean = g.floatInit(meanName, new long[]{channels}, description.tensor(meanName, channels).data());
        String v = g.floatInit(varName, new long[]{channels}, var.data());
        return g.op("BatchNormalization", "bn", new String[]{in, scale, bias, mean, v},
                floatAttr("epsilon", description.architecture().batchNormEpsilon()));
    }

    /** Reshape to [N, C, H, W], zero-pad, conv blocks with BN / LeakyReLU / max pooling, flatten. */
    private static String imageEncoder(OnnxGraphBuilder g, IaeNetworkDescription description, String x) {
        IaeArchitecture a = description.architecture();
        int[] chw = a.imageShape();
        int c = a.networkChannels();
        String img = g.op("Reshape", "image", new String[]{x, g.longInit("image_shape", 0, c, chw[1], chw[2])});
        int top = a.padTop();
        int left = a.padLeft();
        int bottom = a.paddedHeight() - chw[1] - top;
        int right = a.paddedWidth() - chw[2] - left;
        if (top + left + bottom + right > 0) {
            img = g.op("Pad", "padded", new String[]{img, g.longInit("pads", 0, 0, top, left, 0, 0, bottom, right)},
                    stringAttr("mode", "constant"));
        }
        int[] channels = a.encoderSizes();
        int in = c;
        String h = img;
        for (int i = 0; i < channels.length; i++) {
            h = conv5(g, description, h, TensorNames.encoderWeight(i), channels[i], in);
            h = batchNorm(g, description, h, TensorNames.encoderBnMean(i), TensorNames.encoderBnVar(i), channels[i]);
            h = leaky(g, h);
            h = g.op("MaxPool", "pool", new String[]{h}, intsAttr("kernel_shape", 2, 2), intsAttr("strides", 2, 2));
            in = channels[i];
        }
        return g.op("Flatten", "encoder_flat", new String[]{h}, intAttr("axis", 1));
    }

    /**
     * BN on z, reshape to the seed map, LeakyReLU, conv/BN/LeakyReLU/upsample blocks, final conv, sigmoid, crop,
     * flatten.
     */
    private static String imageDecoder(OnnxGraphBuilder g, IaeNetworkDescription description, String z) {
        IaeArchitecture a = description.architecture();
        int r = a.repDim();
        int[] chw = a.imageShape();
        String z3 = g.op("Unsqueeze", "latent_3d", new String[]{z, g.longInit("axes_2", 2)});
        String zn = batchNorm(g, description, z3, TensorNames.DECODER_BN_MEAN, TensorNames.DECODER_BN_VAR, r);
        int seed = a.decoderSeedChannels();
        String h = g.op("Reshape", "decoder_seed", new String[]{zn,
                g.longInit("seed_shape", 0, seed, a.bottomHeight(), a.bottomWidth())});
        h = leaky(g, h);
        int[] enc = a.encoderSizes();
        int k = enc.length;
        int in = seed;
        String scales = null;
        for (int j = 0; j < k; j++) {
            int out = enc[k - 1 - j];
            h = conv5(g, description, h, TensorNames.decoderWeight(j), out, in);
            h = batchNorm(g, description, h, TensorNames.decoderBnMean(j), TensorNames.decoderBnVar(j), out);
            h = leaky(g, h);
            if (scales == null) {
                scales = g.floatInit("upsample_scales", new long[]{4}, new float[]{1f, 1f, 2f, 2f});
            }
            h = g.op("Resize", "upsampled", new String[]{h, "", scales},
                    stringAttr("mode", "nearest"),
                    stringAttr("coordinate_transformation_mode", "asymmetric"),
                    stringAttr("nearest_mode", "floor"));
            in = out;
        }
        h = conv5(g, description, h, TensorNames.DECODER_OUT_WEIGHT, a.networkChannels(), in);
        h = g.op("Sigmoid", "decoded_padded", new String[]{h});
        int top = a.padTop();
        int left = a.padLeft();
        if (a.paddedHeight() != chw[1] || a.paddedWidth() != chw[2]) {
            h = g.op("Slice", "decoded", new String[]{h,
                    g.longInit("crop_starts", top, left),
                    g.longInit("crop_ends", top + chw[1], left + chw[2]),
                    g.longInit("crop_axes", 2, 3)});
        }
        return g.op("Flatten", "reconstruction", new String[]{h}, intAttr("axis", 1));
    }

    /**
     * One LSTM step per example: [N, F] → [1, N, F] (sequence length 1, batch N, layout 0), zero initial state,
     * gates reordered from i, f, g, o to ONNX's i, o, f, c; Y_h [1, N, H] → [N, H].
     */
    private static String lstm(OnnxGraphBuilder g, IaeNetworkDescription description, String f) {
        IaeArchitecture a = description.architecture();
        int hidden = a.lstmHidden();
        int in = a.encoderOutputSize();
        float[] w = reorderGates(description.tensor(TensorNames.LSTM_W, 4L * hidden, in).data(), hidden, in);
        float[] r = reorderGates(description.tensor(TensorNames.LSTM_R, 4L * hidden, hidden).data(), hidden, hidden);
        float[] wb = reorderGates(description.tensor(TensorNames.LSTM_WB, 4L * hidden).data(), hidden, 1);
        float[] rb = reorderGates(description.tensor(TensorNames.LSTM_RB, 4L * hidden).data(), hidden, 1);
        float[] b = new float[8 * hidden];
        System.arraycopy(wb, 0, b, 0, 4 * hidden);
        System.arraycopy(rb, 0, b, 4 * hidden, 4 * hidden);
        String wName = g.floatInit("lstm.W", new long[]{1, 4L * hidden, in}, w);
        String rName = g.floatInit("lstm.R", new long[]{1, 4L * hidden, hidden}, r);
        String bName = g.floatInit("lstm.B", new long[]{1, 8L * hidden}, b);
        String seq = g.op("Unsqueeze", "lstm_input", new String[]{f, g.longInit("axes_0", 0)});
        String y = g.fresh("lstm_y");
        String yh = g.fresh("lstm_y_h");
        g.node("LSTM", new String[]{seq, wName, rName, bName}, new String[]{y, yh},
                intAttr("hidden_size", hidden), intAttr("layout", 0), stringAttr("direction", "forward"));
        return g.op("Squeeze", "lstm_out", new String[]{yh, g.longInit("axes_0", 0)});
    }

    /** ONNX gate block k (i, o, f, c) = source block [0, 3, 1, 2][k] (source order i, f, g, o). */
    private static float[] reorderGates(float[] src, int hidden, int cols) {
        int[] from = {0, 3, 1, 2};
        int block = hidden * cols;
        float[] out = new float[src.length];
        for (int k = 0; k < 4; k++) {
            System.arraycopy(src, from[k] * block, out, k * block, block);
        }
        return out;
    }

    private static void score(OnnxGraphBuilder g, IaeNetworkDescription description, String distance,
                              String reconstruction) {
        ScoreKind kind = description.architecture().scoreKind();
        String score = g.exact(OnnxContract.OUTPUT_SCORE);
        switch (kind) {
            case SVDD:
                g.node("Identity", new String[]{distance}, new String[]{score});
                break;
            case RECONSTRUCTION:
                g.node("Identity", new String[]{reconstruction}, new String[]{score});
                break;
            case COMBINED: {
                FloatTensor stats = description.tensor(TensorNames.SCORE_STATS, 4);
                String[] labels = {"svddMean", "svddStd", "recMean", "recStd"};
                for (int i : new int[]{1, 3}) {
                    if (!(stats.get(i) > 0)) {
                        throw new IllegalArgumentException("Tensor '" + TensorNames.SCORE_STATS + "' entry " + i
                                + " (" + labels[i] + ") must be positive for the COMBINED score, found " + stats.get(i));
                    }
                }
                String s0 = g.floatScalar("score.svdd_mean", stats.get(0));
                String s1 = g.floatScalar("score.svdd_std", stats.get(1));
                String s2 = g.floatScalar("score.rec_mean", stats.get(2));
                String s3 = g.floatScalar("score.rec_std", stats.get(3));
                String dz = g.op("Div", "svdd_standardised",
                        new String[]{g.op("Sub", "svdd_centred", new String[]{distance, s0}), s1});
                String rz = g.op("Div", "rec_standardised",
                        new String[]{g.op("Sub", "rec_centred", new String[]{reconstruction, s2}), s3});
                float w = description.architecture().recWeight();
                if (w != 1f) {
                    rz = g.op("Mul", "rec_weighted", new String[]{rz, g.floatScalar("score.rec_weight", w)});
                }
                g.node("Add", new String[]{dz, rz}, new String[]{score});
                break;
            }
            default:
                throw new IllegalStateException("Unknown score kind " + kind);
        }
    }

    private static String readProjectVersion() {
        try (InputStream in = IaeOnnxWriter.class.getResourceAsStream(
                "/META-INF/maven/dev.iae/onnx-export/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.isEmpty()) {
                    return v;
                }
            }
        } catch (IOException e) {
            // fall through to the fallback
        }
        return FALLBACK_VERSION;
    }

    /**
     * The names of the graph outputs the writer produces for an architecture: score and latent always, the
     * hypersphere distance with the hypersphere, the reconstruction error and per-feature errors with the decoder.
     * @param a the architecture.
     * @return the output names, score first.
     */
    public static List<String> outputNames(IaeArchitecture a) {
        List<String> out = new ArrayList<>();
        out.add(OnnxContract.OUTPUT_SCORE);
        out.add(OnnxContract.OUTPUT_LATENT);
        if (a.hasSvdd()) {
            out.add(OnnxContract.OUTPUT_DISTANCE);
        }
        if (a.hasDecoder()) {
            out.add(OnnxContract.OUTPUT_RECONSTRUCTION_ERROR);
            out.add(OnnxContract.OUTPUT_FEATURE_ERRORS);
        }
        return out;
    }
}
