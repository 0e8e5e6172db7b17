package dev.iae.onnx;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Writes random IAE-LSTM-KL networks as ONNX, runs them in ONNX Runtime and compares every output with the
 * independent {@link ReferenceForward}; also checks batch independence, the outputs present per configuration,
 * metadata, error messages and (when available) the official ONNX checker.
 */
class IaeOnnxWriterTest {
    /** Allowed difference: absolute below magnitude 1, relative above. */
    private static final double TOLERANCE = 1e-4;
    private static final int BATCH = 7;

    private static OrtEnvironment env;

    @BeforeAll
    static void setUp() {
        env = OrtEnvironment.getEnvironment();
    }

    static Stream<Arguments> configurations() {
        return Stream.of(
                Arguments.of("tabular-ae-minmax-svdd", IaeArchitecture.builder().inputDim(12).encoderSizes(16, 8)
                        .repDim(6).normalization(Normalization.MIN_MAX).scoreKind(ScoreKind.SVDD).build(), false),
                Arguments.of("tabular-lstm-ae-gcn-combined", IaeArchitecture.builder().inputDim(12).encoderSizes(16, 8)
                        .lstmHidden(10).repDim(6).normalization(Normalization.GCN_L1_MIN_MAX)
                        .scoreKind(ScoreKind.COMBINED).build(), false),
                Arguments.of("tabular-lstm-svddonly-none", IaeArchitecture.builder().inputDim(9).encoderSizes(12)
                        .lstmHidden(8).repDim(5).decoder(false).normalization(Normalization.NONE)
                        .scoreKind(ScoreKind.SVDD).build(), false),
                Arguments.of("tabular-cae-none-with-tensors-reconstruction", IaeArchitecture.builder().inputDim(10)
                        .encoderSizes(8, 6, 4).repDim(3).svdd(false).normalization(Normalization.NONE)
                        .scoreKind(ScoreKind.RECONSTRUCTION).build(), true),
                Arguments.of("tabular-noencoder-lstm-minmax-combined", IaeArchitecture.builder().inputDim(11)
                        .encoderSizes().lstmHidden(7).repDim(4).normalization(Normalization.MIN_MAX)
                        .scoreKind(ScoreKind.COMBINED).build(), false),
                Arguments.of("tabular-lstm-ae-minmax-reconstruction", IaeArchitecture.builder().inputDim(8)
                        .encoderSizes(10).lstmHidden(6).repDim(4).normalization(Normalization.MIN_MAX)
                        .scoreKind(ScoreKind.RECONSTRUCTION).build(), false),
                Arguments.of("image-1x28x28-lstm-ae-gcn-combined", IaeArchitecture.builder()
                        .imageShape(new int[]{1, 28, 28}).encoderSizes(4, 8, 8).lstmHidden(24).repDim(16)
                        .normalization(Normalization.GCN_L1_MIN_MAX).scoreKind(ScoreKind.COMBINED).build(), false),
                Arguments.of("image-3x32x32-lstm-ae-minmax-svdd", IaeArchitecture.builder()
                        .imageShape(new int[]{3, 32, 32}).encoderSizes(4, 8, 8).lstmHidden(20).repDim(32)
                        .normalization(Normalization.MIN_MAX).scoreKind(ScoreKind.SVDD).build(), false),
                Arguments.of("image-1x28x28-svddonly-minmax", IaeArchitecture.builder()
                        .imageShape(new int[]{1, 28, 28}).encoderSizes(4, 8).repDim(16).decoder(false)
                        .normalization(Normalization.MIN_MAX).scoreKind(ScoreKind.SVDD).build(), false),
                Arguments.of("image-1x28x28-lstm-ae-globalminmax-combined", IaeArchitecture.builder()
                        .imageShape(new int[]{1, 28, 28}).encoderSizes(4, 8).lstmHidden(12).repDim(49)
                        .normalization(Normalization.GLOBAL_MIN_MAX).scoreKind(ScoreKind.COMBINED).build(), false),
                Arguments.of("tabular-lstm-ae-gcnandglobal-combined", IaeArchitecture.builder().inputDim(12)
                        .encoderSizes(16, 8).lstmHidden(10).repDim(6)
                        .normalization(Normalization.GCN_L1_AND_GLOBAL_MIN_MAX).scoreKind(ScoreKind.COMBINED).build(),
                        false),
                Arguments.of("image-3x32x32-lstm-ae-gcnandglobal-combined", IaeArchitecture.builder()
                        .imageShape(new int[]{3, 32, 32}).encoderSizes(4, 8, 8).lstmHidden(20).repDim(32)
                        .normalization(Normalization.GCN_L1_AND_GLOBAL_MIN_MAX).scoreKind(ScoreKind.COMBINED).build(),
                        false),
                Arguments.of("image-3x32x32-lstm-ae-gcnandglobal-combined-recweight", IaeArchitecture.builder()
                        .imageShape(new int[]{3, 32, 32}).encoderSizes(4, 8, 8).lstmHidden(20).repDim(32)
                        .normalization(Normalization.GCN_L1_AND_GLOBAL_MIN_MAX).scoreKind(ScoreKind.COMBINED)
                        .recWeight(0.25f).build(), false),
                Arguments.of("tabular-lstm-ae-minmax-combined-recweight", IaeArchitecture.builder().inputDim(12)
                        .encoderSizes(16, 8).lstmHidden(10).repDim(6).normalization(Normalization.MIN_MAX)
                        .scoreKind(ScoreKind.COMBINED).recWeight(3f).build(), false),
                Arguments.of("image-1x29x27-ae-none-reconstruction", IaeArchitecture.builder()
                        .imageShape(new int[]{1, 29, 27}).encoderSizes(4, 4).repDim(112).svdd(false)
                        .normalization(Normalization.NONE).scoreKind(ScoreKind.RECONSTRUCTION).build(), true)
        );
    }

    /** Largest |a - b|, and largest |a - b| / |b| over entries with |b| >= 1e-3, seen in the comparisons. */
    private static final class Err {
        double maxAbs = 0;
        double maxRel = 0;

        void check(String what, float[] actual, double[] expected) {
            assertEquals(expected.length, actual.length, what + ": length");
            for (int i = 0; i < expected.length; i++) {
                assertTrue(Float.isFinite(actual[i]), what + "[" + i + "] is not finite: " + actual[i]);
                double diff = Math.abs(actual[i] - expected[i]);
                double rel = diff / Math.max(1.0, Math.abs(expected[i]));
                maxAbs = Math.max(maxAbs, diff);
                if (Math.abs(expected[i]) >= 1e-3) {
                    maxRel = Math.max(maxRel, diff / Math.abs(expected[i]));
                }
                if (rel > TOLERANCE) {
                    throw new AssertionError(what + "[" + i + "]: ONNX Runtime " + actual[i] + " vs reference "
                            + expected[i] + " (difference " + diff + ")");
                }
            }
        }
    }

    private static double[] flatten(double[][] m) {
        int total = 0;
        for (double[] row : m) {
            total += row.length;
        }
        double[] out = new double[total];
        int k = 0;
        for (double[] row : m) {
            System.arraycopy(row, 0, out, k, row.length);
            k += row.length;
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configurations")
    void matchesReferenceForward(String name, IaeArchitecture a, boolean withNormTensors) throws Exception {
        IaeNetworkDescription desc = RandomNetworks.describe(a, name.hashCode(), withNormTensors);
        byte[] bytes = IaeOnnxWriter.write(desc).toByteArray();
        float[][] x = RandomNetworks.inputs(a, BATCH, name.hashCode() + 1L);
        // include a constant example (GCN's epsilon guard) and an all-zero one
        Arrays.fill(x[BATCH - 1], 3f);
        Arrays.fill(x[BATCH - 2], 0f);

        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, float[]> ort = OrtRuns.run(bytes, x, shapes);
        ReferenceForward.Outputs ref = new ReferenceForward(desc).run(x);

        assertEquals(new HashSet<>(IaeOnnxWriter.outputNames(a)), ort.keySet(), "output names of " + name);
        int n = BATCH;
        assertArrayEquals(new long[]{n}, shapes.get(OnnxContract.OUTPUT_SCORE));
        assertArrayEquals(new long[]{n, a.repDim()}, shapes.get(OnnxContract.OUTPUT_LATENT));

        Map<String, Err> errs = new LinkedHashMap<>();
        errs.computeIfAbsent(OnnxContract.OUTPUT_LATENT, k -> new Err())
                .check(name + " latent", ort.get(OnnxContract.OUTPUT_LATENT), flatten(ref.latent));
        errs.computeIfAbsent(OnnxContract.OUTPUT_SCORE, k -> new Err())
                .check(name + " score", ort.get(OnnxContract.OUTPUT_SCORE), ref.score);
        if (a.hasSvdd()) {
            assertArrayEquals(new long[]{n}, shapes.get(OnnxContract.OUTPUT_DISTANCE));
            errs.computeIfAbsent(OnnxContract.OUTPUT_DISTANCE, k -> new Err())
                    .check(name + " distance", ort.get(OnnxContract.OUTPUT_DISTANCE), ref.distance);
        }
        if (a.hasDecoder()) {
            assertArrayEquals(new long[]{n}, shapes.get(OnnxContract.OUTPUT_RECONSTRUCTION_ERROR));
            assertArrayEquals(new long[]{n, a.inputDim()}, shapes.get(OnnxContract.OUTPUT_FEATURE_ERRORS));
            errs.computeIfAbsent(OnnxContract.OUTPUT_RECONSTRUCTION_ERROR, k -> new Err())
                    .check(name + " reconstruction", ort.get(OnnxContract.OUTPUT_RECONSTRUCTION_ERROR),
                            ref.reconstructionError);
            errs.computeIfAbsent(OnnxContract.OUTPUT_FEATURE_ERRORS, k -> new Err())
                    .check(name + " feature errors", ort.get(OnnxContract.OUTPUT_FEATURE_ERRORS),
                            flatten(ref.featureErrors));
        }
        // the scores must not be trivially equal across examples (a broken graph often outputs constants)
        float[] score = ort.get(OnnxContract.OUTPUT_SCORE);
        assertTrue(score[0] != score[1] && score[1] != score[2], name + ": scores are not example-dependent "
                + Arrays.toString(score));
        StringBuilder sb = new StringBuilder("PARITY ").append(name).append(':');
        for (Map.Entry<String, Err> e : errs.entrySet()) {
            sb.append(String.format(" %s maxAbs=%.2e maxRel=%.2e;", e.getKey(), e.getValue().maxAbs, e.getValue().maxRel));
        }
        System.out.println(sb);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configurations")
    void scoresDoNotDependOnTheBatch(String name, IaeArchitecture a, boolean withNormTensors) throws Exception {
        IaeNetworkDescription desc = RandomNetworks.describe(a, name.hashCode() + 7L, withNormTensors);
        byte[] bytes = IaeOnnxWriter.write(desc).toByteArray();
        float[][] x = RandomNetworks.inputs(a, 5, name.hashCode() + 8L);
        Map<String, float[]> batch = OrtRuns.run(bytes, x, null);
        // reversed batch
        float[][] reversed = new float[x.length][];
        for (int i = 0; i < x.length; i++) {
            reversed[i] = x[x.length - 1 - i];
        }
        Map<String, float[]> rev = OrtRuns.run(bytes, reversed, null);
        for (int i = 0; i < x.length; i++) {
            Map<String, float[]> alone = OrtRuns.run(bytes, new float[][]{x[i]}, null);
            for (String out : IaeOnnxWriter.outputNames(a)) {
                float[] single = alone.get(out);
                int w = single.length;
                for (int k = 0; k < w; k++) {
                    float inBatch = batch.get(out)[i * w + k];
                    float inReversed = rev.get(out)[(x.length - 1 - i) * w + k];
                    float tol = 1e-5f * Math.max(1f, Math.abs(single[k]));
                    assertEquals(single[k], inBatch, tol, name + " " + out + " example " + i + " alone vs batch");
                    assertEquals(single[k], inReversed, tol, name + " " + out + " example " + i + " alone vs reversed");
                }
            }
        }
    }

    @Test
    void reconstructionWeightAddsOneMulOnlyWhenNotOne() {
        IaeArchitecture.Builder b = IaeArchitecture.builder().inputDim(12).encoderSizes(16, 8).lstmHidden(10)
                .repDim(6).scoreKind(ScoreKind.COMBINED);
        IaeArchitecture equal = b.build();
        IaeArchitecture weighted = b.recWeight(0.25f).build();
        IaeNetworkDescription base = RandomNetworks.describe(equal, 5, false);
        OnnxMl.GraphProto g1 = IaeOnnxWriter.write(base).getGraph();
        OnnxMl.GraphProto g2 = IaeOnnxWriter.write(new IaeNetworkDescription(weighted, base.tensors(),
                base.featureNames(), base.threshold(), base.metadata())).getGraph();
        assertEquals(g1.getNodeCount() + 1, g2.getNodeCount());
        assertTrue(g1.getNodeList().stream().noneMatch(n -> n.getOpType().equals("Mul")
                && n.getOutput(0).startsWith("rec_weighted")));
        assertEquals(1, g2.getNodeList().stream().filter(n -> n.getOutput(0).startsWith("rec_weighted")).count());
        assertTrue(weighted.toString().contains("recWeight=0.25") && !equal.toString().contains("recWeight"),
                weighted.toString());
        assertNotEquals(equal, weighted);
    }

    @Test
    void reconstructionWeightIsValidated() {
        IaeArchitecture.Builder b = IaeArchitecture.builder().inputDim(4).encoderSizes(3).repDim(2);
        for (float bad : new float[]{0f, -1f, Float.NaN, Float.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> b.scoreKind(ScoreKind.COMBINED).recWeight(bad).build());
            assertTrue(e.getMessage().contains("recWeight"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.scoreKind(ScoreKind.SVDD).recWeight(2f).build());
        assertTrue(e.getMessage().contains("COMBINED"), e.getMessage());
    }

    @Test
    void metadataRoundTrip() throws Exception {
        IaeArchitecture a = IaeArchitecture.builder().inputDim(5).encoderSizes(4).lstmHidden(3).repDim(2)
                .scoreKind(ScoreKind.COMBINED).build();
        IaeNetworkDescription base = RandomNetworks.describe(a, 11, false);
        List<String> names = List.of("plain", "with \"quotes\", commas [and] brackets", "back\\slash\ttab\nnewline",
                "ünïcödé 数据 \uD83D\uDE00", "");
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put(OnnxContract.META_PROVENANCE_TEXT, "TrainerProvenance{seed=42, \"quoted\"}");
        extra.put("tribuo.class", "dev.iae.tribuo.Something");
        double threshold = 0.1234567890123;
        IaeNetworkDescription desc = new IaeNetworkDescription(a, base.tensors(), names, threshold, extra);
        OnnxMl.ModelProto model = IaeOnnxWriter.write(desc, "org.example", 3);
        assertEquals(OnnxContract.IR_VERSION, model.getIrVersion());
        assertEquals(OnnxContract.OPSET, model.getOpsetImport(0).getVersion());
        assertEquals("org.example", model.getDomain());
        assertEquals(3, model.getModelVersion());
        assertEquals(OnnxContract.PRODUCER_NAME, model.getProducerName());
        assertFalse(model.getProducerVersion().isEmpty());
        assertFalse(model.getGraph().getDocString().isEmpty());

        byte[] bytes = model.toByteArray();
        Map<String, String> meta = OnnxMetadata.read(bytes);
        List<String> keys = new ArrayList<>(meta.keySet());
        assertEquals(List.of(OnnxContract.META_FORMAT_VERSION, OnnxContract.META_FEATURE_NAMES,
                OnnxContract.META_THRESHOLD, OnnxContract.META_SCORE_KIND, OnnxContract.META_SCORE_STATS,
                OnnxContract.META_INPUT_SHAPE, OnnxContract.META_ARCHITECTURE, OnnxContract.META_PROVENANCE_TEXT,
                "tribuo.class"), keys);
        assertEquals(OnnxContract.FORMAT_VERSION, meta.get(OnnxContract.META_FORMAT_VERSION));
        assertEquals(names, OnnxMetadata.decodeStringList(meta.get(OnnxContract.META_FEATURE_NAMES)));
        assertEquals(threshold, Double.parseDouble(meta.get(OnnxContract.META_THRESHOLD)));
        assertEquals("COMBINED", meta.get(OnnxContract.META_SCORE_KIND));
        float[] stats = base.tensors().get(TensorNames.SCORE_STATS).data();
        String[] written = meta.get(OnnxContract.META_SCORE_STATS).split(",");
        assertEquals(4, written.length);
        for (int i = 0; i < 4; i++) {
            assertEquals(stats[i], Float.parseFloat(written[i]), "score stats entry " + i);
        }
        assertEquals("[5]", meta.get(OnnxContract.META_INPUT_SHAPE));
        assertEquals(a.toString(), meta.get(OnnxContract.META_ARCHITECTURE));
        assertEquals(extra.get(OnnxContract.META_PROVENANCE_TEXT), meta.get(OnnxContract.META_PROVENANCE_TEXT));

        // ONNX Runtime sees the same metadata
        try (OrtSession session = env.createSession(bytes, new OrtSession.SessionOptions())) {
            Map<String, String> custom = session.getMetadata().getCustomMetadata();
            assertEquals(names, OnnxMetadata.decodeStringList(custom.get(OnnxContract.META_FEATURE_NAMES)));
            assertEquals(extra.get(OnnxContract.META_PROVENANCE_TEXT), custom.get(OnnxContract.META_PROVENANCE_TEXT));
            assertEquals(OnnxContract.PRODUCER_NAME, session.getMetadata().getProducerName());
        }

        // changing the threshold on a written model keeps the order and the graph
        OnnxMl.ModelProto changed = OnnxMetadata.withEntries(model,
                Map.of(OnnxContract.META_THRESHOLD, "2.5", "new.key", "v"));
        Map<String, String> meta2 = OnnxMetadata.read(changed);
        List<String> keys2 = new ArrayList<>(keys);
        keys2.add("new.key");
        assertEquals(keys2, new ArrayList<>(meta2.keySet()));
        assertEquals("2.5", meta2.get(OnnxContract.META_THRESHOLD));
        assertEquals(model.getGraph(), changed.getGraph());

        // image input shape
        IaeArchitecture img = IaeArchitecture.builder().imageShape(new int[]{3, 32, 32}).encoderSizes(2, 2)
                .repDim(64).build();
        assertEquals("[3, 32, 32]", OnnxMetadata.read(IaeOnnxWriter.write(RandomNetworks.describe(img, 1, false)))
                .get(OnnxContract.META_INPUT_SHAPE));
    }

    @Test
    void reservedMetadataKeyIsRejected() {
        IaeArchitecture a = IaeArchitecture.builder().inputDim(4).encoderSizes(3).repDim(2).build();
        IaeNetworkDescription desc = RandomNetworks.describe(a, 3, false)
                .withMetadata(Map.of(OnnxContract.META_THRESHOLD, "9"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IaeOnnxWriter.write(desc));
        assertTrue(e.getMessage().contains(OnnxContract.META_THRESHOLD), e.getMessage());
    }

    static Stream<IaeArchitecture> fullArchitectures() {
        return Stream.of(
                IaeArchitecture.builder().imageShape(new int[]{1, 28, 28}).encoderSizes(4, 8, 8)
                        .lstmHidden(8).repDim(16).scoreKind(ScoreKind.COMBINED).build(),
                IaeArchitecture.builder().inputDim(7).encoderSizes(6, 5).lstmHidden(4).repDim(3)
                        .normalization(Normalization.GCN_L1_MIN_MAX).scoreKind(ScoreKind.COMBINED).build());
    }

    @ParameterizedTest
    @MethodSource("fullArchitectures")
    void missingOrMisshapedTensorIsNamed(IaeArchitecture a) {
        IaeNetworkDescription good = RandomNetworks.describe(a, 5, false);
        assertNotNull(IaeOnnxWriter.write(good));
        for (String name : good.tensors().keySet()) {
            Map<String, FloatTensor> missing = new LinkedHashMap<>(good.tensors());
            missing.remove(name);
            IaeNetworkDescription bad = new IaeNetworkDescription(a, missing, good.featureNames(), 1.0, Map.of());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IaeOnnxWriter.write(bad),
                    "no error without " + name);
            assertTrue(e.getMessage().contains("'" + name + "'"), e.getMessage());

            Map<String, FloatTensor> misshaped = new LinkedHashMap<>(good.tensors());
            FloatTensor t = good.tensors().get(name);
            misshaped.put(name, FloatTensor.of(new float[t.size() + 1], t.size() + 1));
            IaeNetworkDescription bad2 = new IaeNetworkDescription(a, misshaped, good.featureNames(), 1.0, Map.of());
            IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                    () -> IaeOnnxWriter.write(bad2), "no error for a mis-shaped " + name);
            assertTrue(e2.getMessage().contains("'" + name + "'") && e2.getMessage().contains("expected"),
                    e2.getMessage());
        }
    }

    @Test
    void invalidStatisticsAreRejected() {
        IaeArchitecture a = IaeArchitecture.builder().inputDim(4).encoderSizes(3).repDim(2)
                .scoreKind(ScoreKind.COMBINED).build();
        IaeNetworkDescription good = RandomNetworks.describe(a, 3, false);
        Map<String, FloatTensor> t = new LinkedHashMap<>(good.tensors());
        t.put(TensorNames.SCORE_STATS, FloatTensor.vector(new float[]{1f, 0f, 1f, 1f}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IaeOnnxWriter.write(
                new IaeNetworkDescription(a, t, good.featureNames(), 1.0, Map.of())));
        assertTrue(e.getMessage().contains(TensorNames.SCORE_STATS) && e.getMessage().contains("svddStd"),
                e.getMessage());

        IaeArchitecture img = IaeArchitecture.builder().imageShape(new int[]{1, 8, 8}).encoderSizes(2).repDim(16)
                .build();
        IaeNetworkDescription imgGood = RandomNetworks.describe(img, 3, false);
        Map<String, FloatTensor> t2 = new LinkedHashMap<>(imgGood.tensors());
        t2.put(TensorNames.encoderBnVar(0), FloatTensor.vector(new float[]{0.5f, -0.1f}));
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> IaeOnnxWriter.write(
                new IaeNetworkDescription(img, t2, imgGood.featureNames(), 1.0, Map.of())));
        assertTrue(e2.getMessage().contains(TensorNames.encoderBnVar(0)) && e2.getMessage().contains("negative"),
                e2.getMessage());
    }

    @Test
    void gcnOfConstantExampleIsFinite() throws Exception {
        IaeArchitecture a = IaeArchitecture.builder().inputDim(6).encoderSizes(4).repDim(3)
                .normalization(Normalization.GCN_L1_MIN_MAX).build();
        byte[] bytes = IaeOnnxWriter.write(RandomNetworks.describe(a, 9, false)).toByteArray();
        float[][] x = new float[2][6];
        Arrays.fill(x[1], -4.5f);
        Map<String, float[]> out = OrtRuns.run(bytes, x, null);
        for (Map.Entry<String, float[]> e : out.entrySet()) {
            for (float v : e.getValue()) {
                assertTrue(Float.isFinite(v), e.getKey() + " is not finite for a constant example");
            }
        }
        // both constant examples normalise to the same vector, so their scores agree
        assertEquals(out.get(OnnxContract.OUTPUT_SCORE)[0], out.get(OnnxContract.OUTPUT_SCORE)[1], 1e-6);
    }

    @Test
    void declaredGraphOutputsHaveSymbolicBatch() throws Exception {
        IaeArchitecture a = IaeArchitecture.builder().imageShape(new int[]{1, 28, 28}).encoderSizes(4, 8, 8)
                .lstmHidden(8).repDim(16).scoreKind(ScoreKind.COMBINED).build();
        byte[] bytes = IaeOnnxWriter.write(RandomNetworks.describe(a, 2, false)).toByteArray();
        try (OrtSession session = env.createSession(bytes, new OrtSession.SessionOptions())) {
            Map<String, NodeInfo> outs = session.getOutputInfo();
            assertEquals(new HashSet<>(IaeOnnxWriter.outputNames(a)), outs.keySet());
            assertArrayEquals(new long[]{-1}, ((TensorInfo) outs.get(OnnxContract.OUTPUT_SCORE).getInfo()).getShape());
            assertArrayEquals(new long[]{-1, 784},
                    ((TensorInfo) outs.get(OnnxContract.OUTPUT_FEATURE_ERRORS).getInfo()).getShape());
            assertArrayEquals(new long[]{-1, 784},
                    ((TensorInfo) session.getInputInfo().get(OnnxContract.INPUT_FEATURES).getInfo()).getShape());
        }
        for (OnnxMl.ValueInfoProto v : OnnxMl.ModelProto.parseFrom(bytes).getGraph().getOutputList()) {
            assertEquals("N", v.getType().getTensorType().getShape().getDim(0).getDimParam(), v.getName());
        }
    }

    @Test
    void officialOnnxCheckerAccepts(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(OfficialChecker.available(),
                "Skipped: /usr/bin/python3 cannot import onnx (install Debian's python3-onnx to run the official checker)");
        List<IaeArchitecture> archs = List.of(
                IaeArchitecture.builder().inputDim(12).encoderSizes(16, 8).lstmHidden(10).repDim(6)
                        .normalization(Normalization.GCN_L1_MIN_MAX).scoreKind(ScoreKind.COMBINED).build(),
                IaeArchitecture.builder().imageShape(new int[]{1, 28, 28}).encoderSizes(4, 8, 8).lstmHidden(8)
                        .repDim(16).normalization(Normalization.GCN_L1_MIN_MAX).scoreKind(ScoreKind.COMBINED).build(),
                IaeArchitecture.builder().inputDim(9).encoderSizes(12).repDim(5).decoder(false)
                        .normalization(Normalization.NONE).build());
        int i = 0;
        for (IaeArchitecture a : archs) {
            Path file = dir.resolve("model" + i++ + ".onnx");
            Files.write(file, IaeOnnxWriter.write(RandomNetworks.describe(a, i, false)).toByteArray());
            OfficialChecker.check(file, a.toString());
        }
    }
}
