package dev.iae.tribuo;

import ai.onnx.proto.OnnxMl;
import dev.iae.onnx.OnnxContract;
import dev.iae.onnx.ScoreGraphPruner;
import dev.iae.onnx.ScoreKind;
import org.junit.jupiter.api.Test;
import org.tribuo.Example;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.anomaly.AnomalyFactory;
import org.tribuo.anomaly.Event;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.ModelProvenance;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fast score path of {@link IaeModel#predict}: the score-only graph ({@link ScoreGraphPruner}) and the cached
 * dense packing ({@link DenseRowPacker}) must give exactly what the complete graph and {@link DenseFeatures} give.
 */
public class ScorePathTest {

    private static final String[] NAMES = IaeModelFixtures.names("f", 6);

    private static IaeModel model(ScoreKind kind, MutableDataset<Event> ds) {
        ModelProvenance p = IaeModelFixtures.provenance(ds, "score-path");
        return IaeModel.create("score-path", p, ds.getFeatureIDMap(), ds.getOutputIDInfo(),
                IaeModelFixtures.tabular(DenseFeatures.featureNames(ds.getFeatureIDMap()), 3L, true, true, kind, 1.0),
                ExecutionProvider.CPU);
    }

    @Test
    public void prunedGraphKeepsOnlyTheScorePath() throws Exception {
        MutableDataset<Event> ds = IaeModelFixtures.dataset(NAMES, 20, 1L);
        try (IaeModel m = model(ScoreKind.SVDD, ds)) {
            OnnxMl.ModelProto full = OnnxMl.ModelProto.parseFrom(m.onnxBytes());
            byte[] prunedBytes = ScoreGraphPruner.prune(m.onnxBytes(), OnnxContract.OUTPUT_SCORE);
            assertNotNull(prunedBytes, "an SVDD-score graph has a decoder the score does not need");
            OnnxMl.GraphProto pruned = OnnxMl.ModelProto.parseFrom(prunedBytes).getGraph();
            assertEquals(1, pruned.getOutputCount());
            assertEquals(OnnxContract.OUTPUT_SCORE, pruned.getOutput(0).getName());
            assertTrue(pruned.getNodeCount() < full.getGraph().getNodeCount());
            assertTrue(pruned.getInitializerCount() < full.getGraph().getInitializerCount());
            assertEquals(full.getMetadataPropsList(), OnnxMl.ModelProto.parseFrom(prunedBytes).getMetadataPropsList());
        }
        assertNull(ScoreGraphPruner.prune(new byte[]{1, 2, 3}, "score"));
    }

    /** The model's ONNX bytes with every initializer also listed as a graph input (IR < 4 style). */
    private static byte[] withInitializersAsInputs(byte[] onnx) throws Exception {
        OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(onnx);
        OnnxMl.GraphProto.Builder g = model.getGraph().toBuilder();
        for (OnnxMl.TensorProto t : model.getGraph().getInitializerList()) {
            OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
            for (long dim : t.getDimsList()) {
                shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(dim));
            }
            g.addInput(OnnxMl.ValueInfoProto.newBuilder().setName(t.getName()).setType(OnnxMl.TypeProto.newBuilder()
                    .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(t.getDataType())
                            .setShape(shape))));
        }
        return model.toBuilder().setGraph(g).build().toByteArray();
    }

    @Test
    public void aFileListingItsInitializersAsInputsLoadsAndScoresLikeTheOriginal() throws Exception {
        MutableDataset<Event> ds = IaeModelFixtures.dataset(NAMES, 20, 1L);
        try (IaeModel m = model(ScoreKind.SVDD, ds)) {
            byte[] bytes = withInitializersAsInputs(m.onnxBytes());
            // The pruned graph keeps only the inputs its nodes read: the features and the kept initializers.
            OnnxMl.GraphProto pruned = OnnxMl.ModelProto.parseFrom(
                    ScoreGraphPruner.prune(bytes, OnnxContract.OUTPUT_SCORE)).getGraph();
            java.util.Set<String> kept = new java.util.HashSet<>();
            pruned.getInitializerList().forEach(t -> kept.add(t.getName()));
            kept.add(OnnxContract.INPUT_FEATURES);
            for (OnnxMl.ValueInfoProto in : pruned.getInputList()) {
                assertTrue(kept.contains(in.getName()), "the pruned graph requires '" + in.getName() + "'");
            }
            assertTrue(pruned.getInputCount() < OnnxMl.ModelProto.parseFrom(bytes).getGraph().getInputCount());
            List<Example<Event>> test = IaeModelFixtures.examples(NAMES, 50, 9L);
            try (IaeModel reloaded = IaeModel.fromOnnx("initializers-as-inputs", m.getProvenance(),
                    ds.getFeatureIDMap(), ds.getOutputIDInfo(), bytes, ExecutionProvider.CPU)) {
                List<Prediction<Event>> a = m.predict(test);
                List<Prediction<Event>> b = reloaded.predict(test);
                for (int i = 0; i < a.size(); i++) {
                    assertEquals(a.get(i).getOutput().getScore(), b.get(i).getOutput().getScore(), 0.0, "example " + i);
                }
            }
        }
    }

    @Test
    public void aGraphWithAnotherRequiredInputIsRefusedAtLoad() throws Exception {
        MutableDataset<Event> ds = IaeModelFixtures.dataset(NAMES, 20, 1L);
        try (IaeModel m = model(ScoreKind.SVDD, ds)) {
            OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(m.onnxBytes());
            OnnxMl.ValueInfoProto features = model.getGraph().getInput(0);
            byte[] bytes = model.toBuilder().setGraph(model.getGraph().toBuilder()
                    .addInput(features.toBuilder().setName("mask"))).build().toByteArray();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IaeModel.fromOnnx("two",
                    m.getProvenance(), ds.getFeatureIDMap(), ds.getOutputIDInfo(), bytes, ExecutionProvider.CPU));
            assertTrue(e.getMessage().contains("mask") && e.getMessage().contains("takes only 'features'"),
                    e.getMessage());
        }
    }

    @Test
    public void predictMatchesTheFullGraph() {
        MutableDataset<Event> ds = IaeModelFixtures.dataset(NAMES, 20, 1L);
        // Every network score kind (SUM is the score of a merged graph, tested in IaeEnsembleTrainerTest).
        for (ScoreKind kind : List.of(ScoreKind.SVDD, ScoreKind.RECONSTRUCTION, ScoreKind.COMBINED)) {
            try (IaeModel m = model(kind, ds)) {
                List<Example<Event>> test = IaeModelFixtures.examples(NAMES, 300, 9L);
                List<Prediction<Event>> preds = m.predict(test);
                float[][] rows = new float[test.size()][];
                for (int i = 0; i < rows.length; i++) {
                    rows[i] = DenseFeatures.toDense(test.get(i), ds.getFeatureIDMap(), i);
                }
                float[] full = m.outputs(rows).get(OnnxContract.OUTPUT_SCORE).data();
                for (int i = 0; i < full.length; i++) {
                    assertEquals(full[i], preds.get(i).getOutput().getScore(), 1e-6 * Math.max(1, Math.abs(full[i])),
                            kind + " example " + i);
                    assertEquals(NAMES.length, preds.get(i).getNumActiveFeatures());
                }
            }
        }
    }

    @Test
    public void packerMatchesDenseFeatures() {
        MutableDataset<Event> ds = IaeModelFixtures.dataset(NAMES, 20, 1L);
        List<Example<Event>> mixed = new ArrayList<>();
        // Shared name instances, distinct-but-equal instances, another order, an unknown feature, a missing one.
        mixed.add(new ArrayExample<>(AnomalyFactory.UNKNOWN_EVENT, NAMES, new double[]{1, 2, 3, 4, 5, 6}));
        String[] copies = new String[NAMES.length];
        for (int j = 0; j < copies.length; j++) {
            copies[j] = new String(NAMES[j]);
        }
        mixed.add(new ArrayExample<>(AnomalyFactory.UNKNOWN_EVENT, copies, new double[]{6, 5, 4, 3, 2, 1}));
        mixed.add(new ArrayExample<>(AnomalyFactory.UNKNOWN_EVENT, new String[]{"zz", NAMES[2], NAMES[0]},
                new double[]{9, 7, 8}));
        mixed.add(new ArrayExample<>(AnomalyFactory.UNKNOWN_EVENT, NAMES, new double[]{-1, -2, -3, -4, -5, -6}));
        DenseRowPacker packer = new DenseRowPacker(ds.getFeatureIDMap());
        int d = NAMES.length;
        for (int i = 0; i < mixed.size(); i++) {
            float[] got = new float[d];
            java.nio.FloatBuffer buf = java.nio.ByteBuffer.allocateDirect(2 * d * Float.BYTES)
                    .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
            for (int j = 0; j < 2 * d; j++) {
                buf.put(j, 99f); // stale values from an earlier use must be cleared
            }
            int known = packer.fill(mixed.get(i), i, buf, d);
            buf.get(d, got);
            assertEquals(99f, buf.get(d - 1), "the row before is untouched");
            assertArrayEquals(DenseFeatures.toDense(mixed.get(i), ds.getFeatureIDMap(), i), got, "example " + i);
            assertEquals(i == 2 ? 2 : d, known, "example " + i);
        }
        Example<Event> unknownOnly = new ArrayExample<>(AnomalyFactory.UNKNOWN_EVENT, new String[]{"zz"},
                new double[]{1});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> packer.fill(unknownOnly, 4, java.nio.FloatBuffer.allocate(d), 0));
        assertTrue(e.getMessage().contains("Example 4"), e.getMessage());
        Example<Event> nan = new ArrayExample<>(AnomalyFactory.UNKNOWN_EVENT, NAMES,
                new double[]{1, Double.NaN, 3, 4, 5, 6});
        e = assertThrows(IllegalArgumentException.class, () -> packer.fill(nan, 5, java.nio.FloatBuffer.allocate(d), 0));
        assertTrue(e.getMessage().contains("'" + NAMES[1] + "'"), e.getMessage());
    }
}
