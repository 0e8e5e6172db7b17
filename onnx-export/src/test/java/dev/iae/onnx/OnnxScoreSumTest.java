package dev.iae.onnx;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link OnnxScoreSum}: the merged graph, run in ONNX Runtime, gives the sum of the members' own scores (and each
 * member's score as a column), carries the contract's metadata, passes the official ONNX checker, and refuses members
 * it cannot merge.
 */
class OnnxScoreSumTest {

    private static final int BATCH = 9;
    private static OrtEnvironment env;

    @BeforeAll
    static void setUp() {
        env = OrtEnvironment.getEnvironment();
    }

    /** Three different tabular members over the same 12 features: GCN + LSTM + COMBINED, min-max SVDD, CAE. */
    private static List<IaeArchitecture> tabularMembers() {
        return List.of(
                IaeArchitecture.builder().inputDim(12).encoderSizes(16, 8).lstmHidden(10).repDim(6)
                        .normalization(Normalization.GCN_L1_MIN_MAX).scoreKind(ScoreKind.COMBINED).recWeight(0.5f)
                        .build(),
                IaeArchitecture.builder().inputDim(12).encoderSizes(10).repDim(4).decoder(false)
                        .normalization(Normalization.MIN_MAX).scoreKind(ScoreKind.SVDD).build(),
                IaeArchitecture.builder().inputDim(12).encoderSizes(8, 6).repDim(3).svdd(false)
                        .normalization(Normalization.MIN_MAX).scoreKind(ScoreKind.RECONSTRUCTION).build());
    }

    private static OnnxMl.ModelProto write(IaeArchitecture a, long seed) {
        return IaeOnnxWriter.write(RandomNetworks.describe(a, seed, false).withThreshold(0.25 * seed));
    }

    private static void assertSumOfMembers(List<OnnxMl.ModelProto> members, OnnxMl.ModelProto sum, float[][] x)
            throws OrtException {
        Map<String, float[]> out = OrtRuns.run(sum.toByteArray(), x, null);
        assertEquals(Set.of(OnnxContract.OUTPUT_SCORE, OnnxContract.OUTPUT_MEMBER_SCORES), out.keySet());
        float[] score = out.get(OnnxContract.OUTPUT_SCORE);
        float[] columns = out.get(OnnxContract.OUTPUT_MEMBER_SCORES);
        int m = members.size();
        assertEquals(x.length, score.length);
        assertEquals(x.length * m, columns.length);
        double[] expected = new double[x.length];
        for (int j = 0; j < m; j++) {
            float[] own = OrtRuns.run(members.get(j).toByteArray(), x, null).get(OnnxContract.OUTPUT_SCORE);
            for (int i = 0; i < x.length; i++) {
                // The member's nodes are the same operators on the same weights: the same float result.
                assertEquals(own[i], columns[i * m + j], 1e-6 * Math.max(1, Math.abs(own[i])),
                        "member " + j + ", example " + i);
                expected[i] += own[i];
            }
        }
        for (int i = 0; i < x.length; i++) {
            assertEquals(expected[i], score[i], 1e-5 * Math.max(1, Math.abs(expected[i])), "example " + i);
        }
    }

    @Test
    void scoreIsTheSumOfTheMembersScores() throws Exception {
        List<IaeArchitecture> archs = tabularMembers();
        List<OnnxMl.ModelProto> members = new ArrayList<>();
        for (int i = 0; i < archs.size(); i++) {
            members.add(write(archs.get(i), i + 1));
        }
        OnnxMl.ModelProto sum = OnnxScoreSum.write(members, 1.5, Map.of("extra.key", "v"));
        assertSumOfMembers(members, sum, RandomNetworks.inputs(archs.get(0), BATCH, 7));

        Map<String, String> meta = OnnxMetadata.read(sum);
        assertEquals(OnnxContract.FORMAT_VERSION, meta.get(OnnxContract.META_FORMAT_VERSION));
        assertEquals("SUM", meta.get(OnnxContract.META_SCORE_KIND));
        assertEquals(1.5, Double.parseDouble(meta.get(OnnxContract.META_THRESHOLD)));
        assertEquals("3", meta.get(OnnxContract.META_MEMBER_COUNT));
        assertEquals("[12]", meta.get(OnnxContract.META_INPUT_SHAPE));
        assertEquals("v", meta.get("extra.key"));
        assertEquals(OnnxMetadata.read(members.get(0)).get(OnnxContract.META_FEATURE_NAMES),
                meta.get(OnnxContract.META_FEATURE_NAMES));
        for (int i = 0; i < 3; i++) {
            Map<String, String> own = OnnxMetadata.read(members.get(i));
            assertEquals(own.get(OnnxContract.META_SCORE_KIND),
                    meta.get(OnnxScoreSum.memberKey(i, OnnxContract.META_SCORE_KIND)));
            assertEquals(own.get(OnnxContract.META_ARCHITECTURE),
                    meta.get(OnnxScoreSum.memberKey(i, OnnxContract.META_ARCHITECTURE)));
            assertEquals(0.25 * (i + 1),
                    Double.parseDouble(meta.get(OnnxScoreSum.memberKey(i, OnnxContract.META_THRESHOLD))));
        }
        assertTrue(meta.get(OnnxContract.META_ARCHITECTURE).startsWith("sum of 3 model scores: [0] COMBINED + [1] "
                + "SVDD + [2] RECONSTRUCTION"), meta.get(OnnxContract.META_ARCHITECTURE));

        // Only what each member's score needs is kept, under unique names; the batch dimension stays symbolic.
        OnnxMl.GraphProto g = sum.getGraph();
        Set<String> nodeNames = new HashSet<>();
        Set<String> produced = new HashSet<>();
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            assertTrue(nodeNames.add(n.getName()), "duplicate node name " + n.getName());
            for (String o : n.getOutputList()) {
                assertTrue(produced.add(o), "tensor " + o + " produced twice");
            }
        }
        assertTrue(produced.contains("m0/" + OnnxContract.OUTPUT_FEATURE_ERRORS),
                "member 0's COMBINED score needs its decoder");
        assertTrue(produced.contains("m2/" + OnnxContract.OUTPUT_LATENT), "member 2 reconstructs from its latent");
        assertTrue(produced.stream().allMatch(s -> s.startsWith("m0/") || s.startsWith("m1/") || s.startsWith("m2/")
                || s.startsWith("sum/") || s.equals(OnnxContract.OUTPUT_SCORE)
                || s.equals(OnnxContract.OUTPUT_MEMBER_SCORES)), produced.toString());
        assertEquals(List.of("features"), g.getInputList().stream().map(OnnxMl.ValueInfoProto::getName).toList());
        for (OnnxMl.ValueInfoProto v : g.getOutputList()) {
            assertEquals("N", v.getType().getTensorType().getShape().getDim(0).getDimParam(), v.getName());
        }
        try (OrtSession s = env.createSession(sum.toByteArray(), new OrtSession.SessionOptions())) {
            assertArrayEquals(new long[]{-1, 3},
                    ((TensorInfo) s.getOutputInfo().get(OnnxContract.OUTPUT_MEMBER_SCORES).getInfo()).getShape());
        }
    }

    @Test
    void membersKeepOnlyWhatTheirScoreNeeds() throws Exception {
        // An SVDD-score member with a decoder: the decoder does not feed the score and is left out.
        IaeArchitecture svddWithDecoder = IaeArchitecture.builder().inputDim(12).encoderSizes(16, 8).lstmHidden(10)
                .repDim(6).normalization(Normalization.MIN_MAX).scoreKind(ScoreKind.SVDD).build();
        OnnxMl.ModelProto a = write(svddWithDecoder, 3);
        OnnxMl.ModelProto b = write(tabularMembers().get(1), 4);
        OnnxMl.ModelProto sum = OnnxScoreSum.write(List.of(a, b), 0.0, Map.of());
        Set<String> produced = new HashSet<>();
        sum.getGraph().getNodeList().forEach(n -> produced.addAll(n.getOutputList()));
        assertTrue(produced.contains("m0/" + OnnxContract.OUTPUT_DISTANCE));
        assertTrue(!produced.contains("m0/" + OnnxContract.OUTPUT_RECONSTRUCTION_ERROR)
                && !produced.contains("m0/" + OnnxContract.OUTPUT_FEATURE_ERRORS), produced.toString());
        int before = a.getGraph().getNodeCount() + b.getGraph().getNodeCount();
        assertTrue(sum.getGraph().getNodeCount() < before, sum.getGraph().getNodeCount() + " vs " + before);
        assertSumOfMembers(List.of(a, b), sum, RandomNetworks.inputs(svddWithDecoder, BATCH, 11));
    }

    @Test
    void imageMembersOnTwoViewsAndNestedSums() throws Exception {
        // The CIFAR-10 use: one network on the GCN view, one on the global range.
        IaeArchitecture gcn = IaeArchitecture.builder().imageShape(new int[]{3, 32, 32}).encoderSizes(4, 8, 8)
                .lstmHidden(12).repDim(32).normalization(Normalization.GCN_L1_MIN_MAX)
                .scoreKind(ScoreKind.COMBINED).recWeight(0.5f).build();
        IaeArchitecture global = IaeArchitecture.builder().imageShape(new int[]{3, 32, 32}).encoderSizes(4, 8, 8)
                .lstmHidden(12).repDim(32).normalization(Normalization.GLOBAL_MIN_MAX)
                .scoreKind(ScoreKind.COMBINED).recWeight(0.5f).build();
        OnnxMl.ModelProto a = write(gcn, 5);
        OnnxMl.ModelProto b = write(global, 6);
        float[][] x = RandomNetworks.inputs(gcn, 4, 13);
        OnnxMl.ModelProto sum = OnnxScoreSum.write(List.of(a, b), 2.0, Map.of());
        assertSumOfMembers(List.of(a, b), sum, x);
        assertEquals("[3, 32, 32]", OnnxMetadata.read(sum).get(OnnxContract.META_INPUT_SHAPE));
        // A sum is itself a mergeable member: (a + b) + a.
        OnnxMl.ModelProto nested = OnnxScoreSum.write(List.of(sum, a), 3.0, Map.of());
        assertSumOfMembers(List.of(sum, a), nested, x);
        assertEquals("SUM", OnnxMetadata.read(nested).get(OnnxScoreSum.memberKey(0, OnnxContract.META_SCORE_KIND)));
    }

    @Test
    void officialOnnxCheckerAccepts(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(OfficialChecker.available(),
                "Skipped: /usr/bin/python3 cannot import onnx (install Debian's python3-onnx to run the official checker)");
        List<IaeArchitecture> archs = tabularMembers();
        List<OnnxMl.ModelProto> members = new ArrayList<>();
        for (int i = 0; i < archs.size(); i++) {
            members.add(write(archs.get(i), i + 1));
        }
        Path file = dir.resolve("sum.onnx");
        Files.write(file, OnnxScoreSum.write(members, 1.0, Map.of()).toByteArray());
        OfficialChecker.check(file, "the score sum of " + archs);
    }

    @Test
    void refusesWhatItCannotMerge() {
        List<IaeArchitecture> archs = tabularMembers();
        OnnxMl.ModelProto a = write(archs.get(0), 1);
        OnnxMl.ModelProto b = write(archs.get(1), 2);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxScoreSum.write(List.of(a), 0.0, Map.of()));
        assertTrue(e.getMessage().contains("at least two"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OnnxScoreSum.write(List.of(a, b), Double.NaN, Map.of()));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());

        // Other features: 11 inputs instead of 12.
        OnnxMl.ModelProto narrow = write(IaeArchitecture.builder().inputDim(11).encoderSizes(10).repDim(4)
                .decoder(false).normalization(Normalization.MIN_MAX).build(), 3);
        e = assertThrows(IllegalArgumentException.class, () -> OnnxScoreSum.write(List.of(a, narrow), 0.0, Map.of()));
        assertTrue(e.getMessage().startsWith("Member 1 of the score sum differs from member 0 in metadata '"
                + OnnxContract.META_FEATURE_NAMES + "'"), e.getMessage());

        // Not an IAE-LSTM-KL graph: no contract metadata.
        OnnxMl.ModelProto foreign = b.toBuilder().clearMetadataProps().build();
        e = assertThrows(IllegalArgumentException.class, () -> OnnxScoreSum.write(List.of(a, foreign), 0.0, Map.of()));
        assertTrue(e.getMessage().startsWith("Member 1 of the score sum is not an IAE-LSTM-KL model"), e.getMessage());

        // Another opset.
        OnnxMl.ModelProto otherOpset = b.toBuilder().setOpsetImport(0,
                b.getOpsetImport(0).toBuilder().setVersion(OnnxContract.OPSET + 1)).build();
        e = assertThrows(IllegalArgumentException.class,
                () -> OnnxScoreSum.write(List.of(a, otherOpset), 0.0, Map.of()));
        assertTrue(e.getMessage().contains("opsets") && e.getMessage().startsWith("Member 1"), e.getMessage());

        // A sub-graph (control flow) in a node.
        OnnxMl.ModelProto withSubgraph = b.toBuilder().setGraph(b.getGraph().toBuilder().addNode(
                OnnxMl.NodeProto.newBuilder().setName("branch").setOpType("If").addInput("cond").addOutput("y")
                        .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("then_branch")
                                .setType(OnnxMl.AttributeProto.AttributeType.GRAPH)
                                .setG(OnnxMl.GraphProto.newBuilder().setName("then"))))).build();
        e = assertThrows(IllegalArgumentException.class,
                () -> OnnxScoreSum.write(List.of(withSubgraph, a), 0.0, Map.of()));
        assertTrue(e.getMessage().startsWith("Member 0 of the score sum has a sub-graph in node 'branch' (If)"),
                e.getMessage());

        // The same input name with another declaration (a fixed batch size).
        OnnxMl.ValueInfoProto in = b.getGraph().getInput(0);
        OnnxMl.ModelProto fixedBatch = b.toBuilder().setGraph(b.getGraph().toBuilder().setInput(0, in.toBuilder()
                .setType(in.getType().toBuilder().setTensorType(in.getType().getTensorType().toBuilder()
                        .setShape(in.getType().getTensorType().getShape().toBuilder()
                                .setDim(0, OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(4))))))).build();
        e = assertThrows(IllegalArgumentException.class, () -> OnnxScoreSum.write(List.of(a, fixedBatch), 0.0, Map.of()));
        assertTrue(e.getMessage().startsWith("Member 1 of the score sum declares input 'features' differently from "
                + "member 0"), e.getMessage());

        // A score that is not FLOAT [N].
        OnnxMl.GraphProto.Builder gb = b.getGraph().toBuilder();
        for (int i = 0; i < gb.getOutputCount(); i++) {
            if (gb.getOutput(i).getName().equals(OnnxContract.OUTPUT_SCORE)) {
                OnnxMl.ValueInfoProto o = gb.getOutput(i);
                gb.setOutput(i, o.toBuilder().setType(o.getType().toBuilder().setTensorType(o.getType().getTensorType()
                        .toBuilder().setElemType(OnnxMl.TensorProto.DataType.DOUBLE.getNumber()))));
            }
        }
        OnnxMl.ModelProto doubleScore = b.toBuilder().setGraph(gb).build();
        e = assertThrows(IllegalArgumentException.class,
                () -> OnnxScoreSum.write(List.of(a, doubleScore), 0.0, Map.of()));
        assertTrue(e.getMessage().contains("declares output 'score' as element type 11 with rank 1, expected FLOAT [N]"),
                e.getMessage());

        // An opset before 13 (Unsqueeze took its axes as an attribute), even when the members agree.
        OnnxMl.ModelProto old = a.toBuilder().setOpsetImport(0, a.getOpsetImport(0).toBuilder().setVersion(11)).build();
        OnnxMl.ModelProto old2 = b.toBuilder().setOpsetImport(0, b.getOpsetImport(0).toBuilder().setVersion(11)).build();
        e = assertThrows(IllegalArgumentException.class, () -> OnnxScoreSum.write(List.of(old, old2), 0.0, Map.of()));
        assertTrue(e.getMessage().startsWith("Member 0 of the score sum imports default-domain opset 11"), e.getMessage());

        // A second graph input.
        OnnxMl.ModelProto twoInputs = b.toBuilder().setGraph(b.getGraph().toBuilder()
                .addInput(b.getGraph().getInput(0).toBuilder().setName("other"))).build();
        e = assertThrows(IllegalArgumentException.class,
                () -> OnnxScoreSum.write(List.of(a, twoInputs), 0.0, Map.of()));
        assertTrue(e.getMessage().contains("exactly the input 'features', found [features, other]"), e.getMessage());

        // Keys the writer owns cannot be supplied.
        for (String key : List.of(OnnxContract.META_THRESHOLD, OnnxContract.META_MEMBER_COUNT,
                OnnxScoreSum.memberKey(0, "x"))) {
            e = assertThrows(IllegalArgumentException.class,
                    () -> OnnxScoreSum.write(List.of(a, b), 0.0, Map.of(key, "1")));
            assertTrue(e.getMessage().contains("'" + key + "' is written by the score-sum writer"), e.getMessage());
        }
    }

    @Test
    void scoreKindSumIsNotANetworkScore() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IaeArchitecture.builder().inputDim(4).repDim(2).scoreKind(ScoreKind.SUM).build());
        assertEquals("Score kind SUM is the score of a sum of models (OnnxScoreSum), not of one network; use SVDD, "
                + "RECONSTRUCTION or COMBINED", e.getMessage());
    }
}
