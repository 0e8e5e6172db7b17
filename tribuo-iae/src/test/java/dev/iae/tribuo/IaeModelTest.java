package dev.iae.tribuo;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.util.Pair;
import dev.iae.onnx.FloatTensor;
import dev.iae.onnx.IaeNetworkDescription;
import dev.iae.onnx.OnnxContract;
import dev.iae.onnx.OnnxMetadata;
import dev.iae.onnx.ScoreKind;
import dev.iae.tribuo.protos.IaeModelProto;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Example;
import org.tribuo.Excuse;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.ONNXExportable;
import org.tribuo.Prediction;
import org.tribuo.anomaly.Event;
import org.tribuo.impl.ArrayExample;
import org.tribuo.protos.core.ModelProto;
import org.tribuo.provenance.ModelProvenance;
import org.tribuo.test.Helpers;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Tests of {@link IaeModel} on real ONNX Runtime sessions over graphs written by the project's ONNX writer from
 * seeded random network descriptions, with real Tribuo datasets, provenance and serialization.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public class IaeModelTest {

    private static final String[] NAMES = IaeModelFixtures.names("f", 6);

    private MutableDataset<Event> dataset;
    private ModelProvenance provenance;
    private IaeModel model;
    private List<Example<Event>> test;

    @BeforeAll
    public void setUp() {
        dataset = IaeModelFixtures.dataset(NAMES, 50, 1L);
        provenance = IaeModelFixtures.provenance(dataset, "base");
        model = create(IaeModelFixtures.tabular(featureNames(), 42L, true, true, ScoreKind.SVDD, 1.0),
                ExecutionProvider.CPU);
        test = IaeModelFixtures.examples(NAMES, 600, 7L);
    }

    @AfterAll
    public void tearDown() {
        model.close();
    }

    private List<String> featureNames() {
        return DenseFeatures.featureNames(dataset.getFeatureIDMap());
    }

    private IaeModel create(IaeNetworkDescription d, ExecutionProvider provider) {
        return IaeModel.create("iae-test", provenance, dataset.getFeatureIDMap(), dataset.getOutputIDInfo(), d, provider);
    }

    private static double[] scores(List<Prediction<Event>> predictions) {
        return predictions.stream().mapToDouble(p -> p.getOutput().getScore()).toArray();
    }

    private static void assertClose(double[] expected, double[] actual, double tol) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            double scale = Math.max(1.0, Math.abs(expected[i]));
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol * scale,
                    "example " + i + ": " + expected[i] + " vs " + actual[i]);
        }
    }

    private static Example<Event> example(String[] names, double[] values) {
        return new ArrayExample<>(new Event(Event.EventType.EXPECTED), names, values);
    }

    private static <E extends Throwable> E causeOfType(Throwable t, Class<E> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    // ------------------------------------------------------------------------------------------ prediction

    @Test
    public void singleAndBatchedPredictionsAgree() {
        List<Prediction<Event>> batched = model.predict(test);
        assertEquals(test.size(), batched.size());
        double[] single = new double[test.size()];
        for (int i = 0; i < test.size(); i++) {
            Prediction<Event> p = model.predict(test.get(i));
            single[i] = p.getOutput().getScore();
            assertEquals(p.getOutput().getType(), batched.get(i).getOutput().getType());
            assertEquals(6, batched.get(i).getNumActiveFeatures());
            assertTrue(batched.get(i).getExample() == test.get(i));
        }
        assertClose(single, scores(batched), 1e-5);
        // The scores are not all the same number (the graph really depends on the input).
        assertTrue(Arrays.stream(single).distinct().count() > 500);
        // Dataset path gives the same scores as the Iterable path.
        MutableDataset<Event> ds = new MutableDataset<>(test, dataset.getProvenance(), dataset.getOutputFactory());
        assertArrayEquals(scores(batched), scores(model.predict(ds)));
    }

    @Test
    public void chunkBoundariesDoNotChangeScores() {
        assertEquals(IaeModel.DEFAULT_CHUNK_SIZE, model.chunkSize());
        double[] chunked = scores(model.predict(test)); // 256 + 256 + 88
        try (IaeModel one = model.withChunkSize(600); IaeModel seven = model.withChunkSize(7)) {
            assertEquals(600, one.chunkSize());
            assertClose(scores(one.predict(test)), chunked, 1e-5);
            assertClose(scores(seven.predict(test)), chunked, 1e-5);
            // Same chunking twice: bitwise equal.
            assertArrayEquals(chunked, scores(model.predict(test)));
        }
        // An error in the second chunk names the example's position in the whole input.
        List<Example<Event>> bad = new ArrayList<>(test);
        double[] v = {0, 1, 2, 3, Double.NaN, 5};
        bad.set(300, example(NAMES, v));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.predict(bad));
        assertTrue(e.getMessage().contains("Example 300"), e.getMessage());
        assertTrue(e.getMessage().contains("'f4'"), e.getMessage());
    }

    @Test
    public void unknownFeaturesAreIgnoredAndMissingOnesCountAsZero() {
        double[] v = {0.3, -1.2, 0.8, 2.0, 0.1, -0.4};
        Prediction<Event> base = model.predict(example(NAMES, v));

        String[] withExtra = Arrays.copyOf(NAMES, 7);
        withExtra[6] = "unseen";
        double[] vExtra = Arrays.copyOf(v, 7);
        vExtra[6] = 1e6;
        Prediction<Event> extra = model.predict(example(withExtra, vExtra));
        assertEquals(base.getOutput().getScore(), extra.getOutput().getScore());
        assertEquals(6, extra.getNumActiveFeatures());
        assertEquals(7, extra.getExampleSize());

        double[] zero = v.clone();
        zero[2] = 0.0;
        Prediction<Event> explicitZero = model.predict(example(NAMES, zero));
        String[] missingNames = {"f0", "f1", "f3", "f4", "f5"};
        double[] missingValues = {v[0], v[1], v[3], v[4], v[5]};
        Prediction<Event> missing = model.predict(example(missingNames, missingValues));
        assertEquals(explicitZero.getOutput().getScore(), missing.getOutput().getScore());
        assertEquals(5, missing.getNumActiveFeatures());
        // The missing feature matters: the score with f2 = 0.8 differs.
        assertNotEquals(base.getOutput().getScore(), missing.getOutput().getScore());
    }

    @Test
    public void invalidExamplesAreRejectedNamingExampleAndFeature() {
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> model.predict(example(new String[]{"a", "b"}, new double[]{1, 2})));
        assertTrue(none.getMessage().contains("Example 0") && none.getMessage().contains("no feature known"),
                none.getMessage());

        List<Example<Event>> batch = new ArrayList<>(test.subList(0, 5));
        batch.add(example(new String[]{"f0", "f3"}, new double[]{1.0, Double.POSITIVE_INFINITY}));
        IllegalArgumentException inf = assertThrows(IllegalArgumentException.class, () -> model.predict(batch));
        assertTrue(inf.getMessage().contains("Example 5") && inf.getMessage().contains("'f3'"), inf.getMessage());

        // NaN in an unknown feature is rejected too: it signals broken input.
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> model.predict(example(new String[]{"f0", "zz"}, new double[]{1.0, Double.NaN})));
        assertTrue(nan.getMessage().contains("'zz'"), nan.getMessage());

        // A value that overflows float32 is rejected, not turned into an infinite score.
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                () -> model.predict(example(new String[]{"f1"}, new double[]{1e300})));
        assertTrue(big.getMessage().contains("'f1'"), big.getMessage());
    }

    @Test
    public void thresholdDecidesTheEventType() {
        double[] s = scores(model.predict(test));
        double[] sorted = s.clone();
        Arrays.sort(sorted);
        double median = sorted[sorted.length / 2];
        try (IaeModel m = model.withThreshold(median)) {
            assertEquals(median, m.threshold());
            assertEquals(1.0, model.threshold());
            assertEquals(Double.toString(median), m.onnxMetadata().get(OnnxContract.META_THRESHOLD));
            assertNotEquals(model.sha256Hex(), m.sha256Hex());
            List<Prediction<Event>> p = m.predict(test);
            int anomalous = 0;
            for (int i = 0; i < p.size(); i++) {
                Event e = p.get(i).getOutput();
                assertEquals(s[i], e.getScore());
                assertEquals(e.getScore() > median ? Event.EventType.ANOMALOUS : Event.EventType.EXPECTED, e.getType());
                if (e.getType() == Event.EventType.ANOMALOUS) {
                    anomalous++;
                }
            }
            assertEquals(test.size() - test.size() / 2 - 1, anomalous);
            // The exported file carries the new threshold.
            assertEquals(Double.toString(median),
                    OnnxMetadata.read(m.exportONNXModel("x", 1)).get(OnnxContract.META_THRESHOLD));
            assertThrows(IllegalArgumentException.class, () -> model.withThreshold(Double.NaN));
        }
        assertEquals(ScoreKind.SVDD, model.scoreKind());
        String text = model.toString();
        assertTrue(text.contains("SVDD") && text.contains("threshold=1.0") && text.contains("features=6")
                && text.contains("CPU"), text);
    }

    @Test
    public void withThresholdRecordsTheOverrideInTheProvenance() throws Exception {
        ModelProvenance before = model.getProvenance();
        assertFalse(before.getInstanceProvenance().getMap().containsKey(IaeModel.PROVENANCE_THRESHOLD_OVERRIDE));
        try (IaeModel m = model.withThreshold(2.5); IaeModel twice = m.withThreshold(-0.75)) {
            ModelProvenance p = m.getProvenance();
            Map<String, ? extends Provenance> instance = p.getInstanceProvenance().getMap();
            assertEquals("2.5", instance.get(IaeModel.PROVENANCE_THRESHOLD_OVERRIDE).toString());
            assertEquals(Double.toString(model.threshold()),
                    instance.get(IaeModel.PROVENANCE_THRESHOLD_BEFORE_OVERRIDE).toString());
            // The rest of the provenance is kept, including the run's own instance entry and the system entries.
            assertEquals("base", instance.get("test-run").toString());
            assertEquals(before.getDatasetProvenance(), p.getDatasetProvenance());
            assertEquals(before.getTrainerProvenance(), p.getTrainerProvenance());
            assertEquals(before.getTrainingTime(), p.getTrainingTime());
            assertEquals(before.getJavaVersion(), p.getJavaVersion());
            assertNotEquals(before, p);
            // The ONNX metadata carries the new provenance, serialized and as text.
            assertEquals(p, ONNXExportable.SERIALIZER.deserializeAndUnmarshal(
                    OnnxMetadata.read(m.exportONNXModel("x", 1)).get(ONNXExportable.PROVENANCE_METADATA_FIELD)));
            assertEquals(p.toString(), m.onnxMetadata().get(OnnxContract.META_PROVENANCE_TEXT));
            // The metadata no longer names a rule the threshold does not follow (this fixture had none).
            assertEquals(IaeModel.THRESHOLD_RULE_OVERRIDE, m.onnxMetadata().get(IaeModel.META_THRESHOLD_RULE));
            // A second override replaces the new threshold and keeps the one from before the first.
            Map<String, ? extends Provenance> second = twice.getProvenance().getInstanceProvenance().getMap();
            assertEquals("-0.75", second.get(IaeModel.PROVENANCE_THRESHOLD_OVERRIDE).toString());
            assertEquals(Double.toString(model.threshold()),
                    second.get(IaeModel.PROVENANCE_THRESHOLD_BEFORE_OVERRIDE).toString());
            // Serialization round trips keep it.
            try (IaeModel back = (IaeModel) Model.deserialize(ModelProto.parseFrom(m.serialize().toByteArray()))) {
                assertEquals(p, back.getProvenance());
                assertEquals(2.5, back.threshold());
            }
            Model<Event> helper = Helpers.testModelProtoSerialization(m, Event.class, test.subList(0, 20));
            ((IaeModel) helper).close();
            Helpers.testModelSerialization(m, Event.class);
            Helpers.testProvenanceMarshalling(p);
        }
        assertEquals(before, model.getProvenance());
        // A trained model's rule is kept as what the override replaced, through repeated overrides.
        IaeNetworkDescription ruled = IaeModelFixtures.tabular(featureNames(), 42L, true, true, ScoreKind.SVDD, 1.0)
                .withMetadata(Map.of(IaeModel.META_THRESHOLD_RULE, ThresholdRule.QUANTILE.name()));
        try (IaeModel trained = create(ruled, ExecutionProvider.CPU); IaeModel m = trained.withThreshold(2.5);
             IaeModel twice = m.withThreshold(-0.75)) {
            assertEquals("QUANTILE", trained.onnxMetadata().get(IaeModel.META_THRESHOLD_RULE));
            assertEquals("OVERRIDE (was QUANTILE)", m.onnxMetadata().get(IaeModel.META_THRESHOLD_RULE));
            assertEquals("OVERRIDE (was QUANTILE)", twice.onnxMetadata().get(IaeModel.META_THRESHOLD_RULE));
            assertEquals("OVERRIDE (was QUANTILE)", OnnxMetadata.read(twice.exportONNXModel("x", 1))
                    .get(IaeModel.META_THRESHOLD_RULE));
        }
    }

    @Test
    public void graphsOfTheWrongTypeOrShapeAreRefusedAtLoad() {
        OnnxMl.TensorProto.DataType f32 = OnnxMl.TensorProto.DataType.FLOAT;
        OnnxMl.TensorProto.DataType f64 = OnnxMl.TensorProto.DataType.DOUBLE;
        // Control: a hand-built graph with the right signature (score = row sum) loads and runs.
        try (IaeModel sum = fromGraph(rowSum(f32, 6, f32))) {
            assertEquals(0.3 - 1.2 + 0.8 + 2.0 + 0.1 - 0.4,
                    sum.predict(example(NAMES, new double[]{0.3, -1.2, 0.8, 2.0, 0.1, -0.4})).getOutput().getScore(),
                    1e-6);
        }
        assertRefused(rowSum(f32, 5, f32), "input 'features' as FLOAT [N, 5], expected FLOAT [N, 6]");
        assertRefused(rowSum(f64, 6, f64), "input 'features' as DOUBLE [N, 6], expected FLOAT [N, 6]");
        // A graph for a fixed batch size.
        assertRefused(graph(valueInfo("features", f32, 1L, 6L), valueInfo("score", f32, 1L),
                        reduceSumNode("features", "score")),
                "input 'features' as FLOAT [1, 6], expected FLOAT [N, 6]");
        // A score of rank 2 (one per feature).
        assertRefused(graph(valueInfo("features", f32, null, 6L), valueInfo("score", f32, null, 6L),
                        OnnxMl.NodeProto.newBuilder().setOpType("Identity").addInput("features").addOutput("score")
                                .build()),
                "output 'score' as FLOAT [N, 6], expected FLOAT [N]");
        // A double score.
        assertRefused(graph(valueInfo("features", f32, null, 6L), valueInfo("score", f64, (Long) null),
                        reduceSumNode("features", "row_sum"),
                        OnnxMl.NodeProto.newBuilder().setOpType("Cast").addInput("row_sum").addOutput("score")
                                .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("to")
                                        .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(f64.getNumber()))
                                .build()),
                "output 'score' as DOUBLE [N], expected FLOAT [N]");
    }

    /** features [N or 1, d] of {@code in} → ReduceSum over axis 1 → score [N] of {@code out} (Cast if needed). */
    private static OnnxMl.GraphProto.Builder rowSum(OnnxMl.TensorProto.DataType in, long d,
                                                    OnnxMl.TensorProto.DataType out) {
        return graph(valueInfo("features", in, null, d), valueInfo("score", out, (Long) null),
                reduceSumNode("features", "score"));
    }

    private static OnnxMl.NodeProto reduceSumNode(String in, String out) {
        return OnnxMl.NodeProto.newBuilder().setOpType("ReduceSum").addInput(in).addInput("axes").addOutput(out)
                .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("keepdims")
                        .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(0))
                .build();
    }

    private static OnnxMl.GraphProto.Builder graph(OnnxMl.ValueInfoProto input, OnnxMl.ValueInfoProto output,
                                                   OnnxMl.NodeProto... nodes) {
        OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("hand_built").addInput(input)
                .addOutput(output);
        boolean axes = false;
        for (OnnxMl.NodeProto n : nodes) {
            g.addNode(n);
            axes |= n.getInputList().contains("axes");
        }
        if (axes) {
            g.addInitializer(OnnxMl.TensorProto.newBuilder().setName("axes")
                    .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber()).addDims(1).addInt64Data(1));
        }
        return g;
    }

    /** A tensor declaration; a null dimension is the symbolic batch dimension N. */
    private static OnnxMl.ValueInfoProto valueInfo(String name, OnnxMl.TensorProto.DataType type, Long... dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (Long dim : dims) {
            shape.addDim(dim == null ? OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("N")
                    : OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(dim));
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape)))
                .build();
    }

    /** The test model's ONNX file (metadata, opset) with its graph replaced, loaded as an IaeModel. */
    private IaeModel fromGraph(OnnxMl.GraphProto.Builder graph) {
        byte[] bytes = OnnxMetadata.parse(model.onnxBytes()).toBuilder().setGraph(graph).build().toByteArray();
        return IaeModel.fromOnnx("hand-built", provenance, dataset.getFeatureIDMap(), dataset.getOutputIDInfo(),
                bytes, ExecutionProvider.CPU);
    }

    private void assertRefused(OnnxMl.GraphProto.Builder graph, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fromGraph(graph).close());
        assertTrue(e.getMessage().contains(expected) && e.getMessage().contains("'hand-built'"), e.getMessage());
    }

    @Test
    public void excuseListsFeatureErrorsLargestFirst() {
        Example<Event> ex = test.get(3);
        Optional<Excuse<Event>> excuse = model.getExcuse(ex);
        assertTrue(excuse.isPresent());
        List<Pair<String, Double>> list = excuse.get().excuse(Model.ALL_OUTPUTS);
        assertEquals(6, list.size());
        float[] row = DenseFeatures.toDense(ex, model.getFeatureIDMap(), 0);
        Map<String, FloatTensor> out = model.outputs(new float[][]{row});
        FloatTensor fe = out.get(OnnxContract.OUTPUT_FEATURE_ERRORS);
        assertArrayEquals(new long[]{1, 6}, fe.shape());
        for (int k = 0; k < list.size(); k++) {
            Pair<String, Double> p = list.get(k);
            int id = model.getFeatureIDMap().getID(p.getA());
            assertEquals(fe.get(id), p.getB().floatValue());
            if (k > 0) {
                assertTrue(list.get(k - 1).getB() >= p.getB());
            }
        }
        assertEquals(6, list.stream().map(Pair::getA).distinct().count());
        // The errors sum to the reconstruction error output.
        double sum = list.stream().mapToDouble(Pair::getB).sum();
        assertEquals(out.get(OnnxContract.OUTPUT_RECONSTRUCTION_ERROR).get(0), sum, 1e-4 * Math.max(1, sum));
        assertEquals(model.predict(ex).getOutput().getScore(), excuse.get().getPrediction().getOutput().getScore());
        assertTrue(model.getTopFeatures(5).isEmpty());

        try (IaeModel noDecoder = create(IaeModelFixtures.tabular(featureNames(), 5L, false, false, ScoreKind.SVDD, 1.0),
                ExecutionProvider.CPU)) {
            assertFalse(noDecoder.hasDecoder());
            assertFalse(noDecoder.getExcuse(ex).isPresent());
            assertFalse(noDecoder.outputNames().contains(OnnxContract.OUTPUT_FEATURE_ERRORS));
        }
    }

    /** The first {@code n} test examples as dense rows in the model's feature order. */
    private float[][] firstTestRows(int n) {
        float[][] rows = new float[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = DenseFeatures.toDense(test.get(i), model.getFeatureIDMap(), i);
        }
        return rows;
    }

    @Test
    public void outputsExposeEveryGraphOutput() {
        float[][] rows = firstTestRows(3);
        Map<String, FloatTensor> out = model.outputs(rows);
        assertEquals(model.outputNames(), new ArrayList<>(out.keySet()));
        assertArrayEquals(new long[]{3, 4}, out.get(OnnxContract.OUTPUT_LATENT).shape());
        double[] s = scores(model.predict(test.subList(0, 3)));
        for (int i = 0; i < 3; i++) {
            assertEquals((float) s[i], out.get(OnnxContract.OUTPUT_SCORE).get(i));
            // SVDD score = distance output.
            assertEquals(out.get(OnnxContract.OUTPUT_DISTANCE).get(i), out.get(OnnxContract.OUTPUT_SCORE).get(i));
        }
        assertThrows(IllegalArgumentException.class, () -> model.outputs(new float[][]{new float[5]}));
    }

    @Test
    public void outputsByNameReturnOnlyThoseWithTheSameValues() {
        float[][] rows = firstTestRows(3);
        Map<String, FloatTensor> all = model.outputs(rows);
        // The answer holds exactly the names asked for, in graph order whatever order they were asked in.
        List<String> asked = List.of(OnnxContract.OUTPUT_SCORE, OnnxContract.OUTPUT_DISTANCE);
        List<String> graphOrder = model.outputNames().stream().filter(asked::contains).toList();
        assertEquals(2, graphOrder.size());
        Map<String, FloatTensor> two = model.outputs(rows, graphOrder.get(1), graphOrder.get(0));
        assertEquals(graphOrder, new ArrayList<>(two.keySet()));
        for (String name : two.keySet()) {
            assertArrayEquals(all.get(name).shape(), two.get(name).shape());
            assertArrayEquals(all.get(name).data(), two.get(name).data());
        }
        Map<String, FloatTensor> score = model.outputs(rows, OnnxContract.OUTPUT_SCORE);
        assertArrayEquals(all.get(OnnxContract.OUTPUT_SCORE).data(), score.get(OnnxContract.OUTPUT_SCORE).data());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> model.outputs(rows, "latnet"));
        assertTrue(unknown.getMessage().contains("'latnet'"), unknown.getMessage());
        assertTrue(unknown.getMessage().contains(OnnxContract.OUTPUT_LATENT), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> model.outputs(rows, new String[0]));
    }

    @Test
    public void imageNetworkServes() {
        String[] pix = new String[64];
        for (int i = 0; i < 64; i++) {
            pix[i] = String.format("p%02d", i);
        }
        MutableDataset<Event> ds = IaeModelFixtures.dataset(pix, 10, 3L);
        List<String> names = DenseFeatures.featureNames(ds.getFeatureIDMap());
        try (IaeModel m = IaeModel.create("image", IaeModelFixtures.provenance(ds, "image"), ds.getFeatureIDMap(),
                ds.getOutputIDInfo(), IaeModelFixtures.image(names, 9L, 0.5), ExecutionProvider.AUTO)) {
            List<Example<Event>> ex = IaeModelFixtures.examples(pix, 20, 4L);
            double[] batched = scores(m.predict(ex));
            double[] single = ex.stream().mapToDouble(e -> m.predict(e).getOutput().getScore()).toArray();
            assertClose(single, batched, 1e-5);
            assertTrue(Arrays.stream(batched).distinct().count() > 15);
            assertTrue(m.hasDecoder());
            assertEquals(64, m.getExcuse(ex.get(0)).get().excuse(Model.ALL_OUTPUTS).size());
            IaeModel back = (IaeModel) Model.deserialize(m.serialize());
            try {
                assertArrayEquals(batched, scores(back.predict(ex)));
            } finally {
                back.close();
            }
        }
    }

    // ------------------------------------------------------------------------------------------ round trips

    @Test
    public void tribuoProtobufRoundTripKeepsScores() throws Exception {
        ModelProto proto = model.serialize();
        assertEquals(IaeModel.class.getName(), proto.getClassName());
        assertEquals(IaeModel.CURRENT_VERSION, proto.getVersion());
        IaeModelProto data = proto.getSerializedData().unpack(IaeModelProto.class);
        assertEquals(model.sha256Hex(), java.util.HexFormat.of().formatHex(data.getOnnxSha256().toByteArray()));
        assertEquals(ExecutionProvider.CPU.name(), data.getExecutionProvider());

        // Through bytes, as a file would.
        IaeModel back = (IaeModel) Model.deserialize(ModelProto.parseFrom(proto.toByteArray()));
        try {
            assertArrayEquals(scores(model.predict(test)), scores(back.predict(test)));
            assertEquals(model.getProvenance(), back.getProvenance());
            assertEquals(model.getName(), back.getName());
            assertEquals(model.threshold(), back.threshold());
            assertEquals(model.chunkSize(), back.chunkSize());
            assertEquals(model.executionProvider(), back.executionProvider());
            assertArrayEquals(model.onnxBytes(), back.onnxBytes());
            assertEquals(model.getFeatureIDMap().size(), back.getFeatureIDMap().size());
        } finally {
            back.close();
        }
        // Tribuo's own helper (compares predictions; Event.equals ignores scores, checked above).
        Model<Event> helper = Helpers.testModelProtoSerialization(model, Event.class, test.subList(0, 20));
        ((IaeModel) helper).close();
        // Serializing a closed model still works.
        IaeModel closed = model.withChunkSize(100);
        closed.close();
        try (IaeModel reopened = (IaeModel) Model.deserialize(closed.serialize())) {
            assertEquals(100, reopened.chunkSize());
            assertArrayEquals(scores(model.predict(test.subList(0, 50))), scores(reopened.predict(test.subList(0, 50))));
        }
    }

    @Test
    public void javaSerializationRoundTripKeepsScores() throws Exception {
        byte[] bytes = javaSerialize(model);
        try (IaeModel back = (IaeModel) javaDeserialize(bytes)) {
            assertArrayEquals(scores(model.predict(test)), scores(back.predict(test)));
            assertEquals(model.getProvenance(), back.getProvenance());
            assertEquals(ExecutionProvider.CPU, back.activeExecutionProvider());
            assertFalse(back.isClosed());
        }
        Helpers.testModelSerialization(model, Event.class);
    }

    @Test
    public void onnxFileRunsInPlainOnnxRuntime(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("iae.onnx");
        model.saveONNXModel("org.example.iae", 7, file);
        OnnxMl.ModelProto saved = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(file));
        assertEquals("org.example.iae", saved.getDomain());
        assertEquals(7, saved.getModelVersion());
        Map<String, String> meta = OnnxMetadata.read(saved);

        // Provenance in the metadata, in Tribuo's own serialized form and as text.
        Provenance p = ONNXExportable.SERIALIZER.deserializeAndUnmarshal(meta.get(ONNXExportable.PROVENANCE_METADATA_FIELD));
        assertEquals(model.getProvenance(), p);
        assertEquals(model.getProvenance().toString(), meta.get(OnnxContract.META_PROVENANCE_TEXT));
        assertEquals(NAMES.length, OnnxMetadata.decodeStringList(meta.get(OnnxContract.META_FEATURE_NAMES)).size());

        // A plain ONNX Runtime session (no project classes) on the file gives the model's scores.
        int n = 300;
        float[] buf = new float[n * 6];
        List<String> names = OnnxMetadata.decodeStringList(meta.get(OnnxContract.META_FEATURE_NAMES));
        for (int i = 0; i < n; i++) {
            for (org.tribuo.Feature f : test.get(i)) {
                buf[i * 6 + names.indexOf(f.getName())] = (float) f.getValue();
            }
        }
        float[] fileScores;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(file.toString(), new OrtSession.SessionOptions());
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(buf), new long[]{n, 6});
             OrtSession.Result r = s.run(Map.of("features", in))) {
            assertEquals(Double.toString(model.threshold()),
                    s.getMetadata().getCustomMetadataValue(OnnxContract.META_THRESHOLD).orElseThrow());
            fileScores = (float[]) r.get("score").orElseThrow().getValue();
        }
        try (IaeModel oneChunk = model.withChunkSize(n)) {
            double[] modelScores = scores(oneChunk.predict(test.subList(0, n)));
            for (int i = 0; i < n; i++) {
                assertEquals((float) modelScores[i], fileScores[i], "example " + i);
            }
        }

        // The file loads back into Tribuo with fromOnnx.
        try (IaeModel reloaded = IaeModel.fromOnnx("reloaded", provenance, dataset.getFeatureIDMap(),
                dataset.getOutputIDInfo(), Files.readAllBytes(file), ExecutionProvider.CPU)) {
            assertArrayEquals(scores(model.predict(test)), scores(reloaded.predict(test)));
            // With the file's own provenance the bytes stay the file's.
            assertEquals(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(Files.readAllBytes(file))), reloaded.sha256Hex());
        }
        // Given another provenance, the model's ONNX metadata carries that one (never two provenances at once).
        ModelProvenance other = IaeModelFixtures.provenance(dataset, "another-run");
        assertFalse(other.equals(provenance));
        try (IaeModel relabelled = IaeModel.fromOnnx("relabelled", other, dataset.getFeatureIDMap(),
                dataset.getOutputIDInfo(), Files.readAllBytes(file), ExecutionProvider.CPU)) {
            String carried = OnnxMetadata.read(relabelled.exportONNXModel("dev.iae", 1L).toByteArray())
                    .get(ONNXExportable.PROVENANCE_METADATA_FIELD);
            assertEquals(other, ONNXExportable.SERIALIZER.deserializeAndUnmarshal(carried));
            assertArrayEquals(scores(model.predict(test)), scores(relabelled.predict(test)));
        }
        // writeONNXGraph is documented as unsupported.
        assertThrows(UnsupportedOperationException.class, () -> model.writeONNXGraph(null));
    }

    @Test
    public void copyKeepsBytesAndHasItsOwnSession() throws Exception {
        IaeModel copy = (IaeModel) model.copy();
        try {
            assertEquals(model.sha256Hex(), copy.sha256Hex());
            copy.close();
            assertTrue(copy.isClosed());
            assertFalse(model.isClosed());
            assertEquals(1, model.predict(test.subList(0, 1)).size());
        } finally {
            copy.close();
        }
        // A copy with new provenance carries that provenance in its ONNX metadata.
        ModelProvenance other = IaeModelFixtures.provenance(dataset, "other");
        try (IaeModel renamed = (IaeModel) model.copy("renamed", other)) {
            assertEquals("renamed", renamed.getName());
            Provenance p = ONNXExportable.SERIALIZER.deserializeAndUnmarshal(
                    renamed.onnxMetadata().get(ONNXExportable.PROVENANCE_METADATA_FIELD));
            assertEquals(other, p);
            assertArrayEquals(scores(model.predict(test)), scores(renamed.predict(test)));
        }
    }

    // ------------------------------------------------------------------------------------------ corruption

    @Test
    public void corruptProtobufIsRefused() throws Exception {
        byte[] good = model.serialize().toByteArray();
        byte[] onnx = model.onnxBytes();

        // Truncated: protobuf cannot parse it.
        byte[] truncated = Arrays.copyOf(good, good.length / 2);
        assertThrows(InvalidProtocolBufferException.class, () -> ModelProto.parseFrom(truncated));

        // A flipped bit inside the ONNX weights: the protobuf parses, the hash check refuses it.
        int at = indexOf(good, onnx);
        assertTrue(at > 0);
        byte[] flipped = good.clone();
        flipped[at + onnx.length - 100] ^= 0x10;
        ModelProto parsed = ModelProto.parseFrom(flipped);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Model.deserialize(parsed));
        assertInstanceOf(IllegalArgumentException.class, rootCause(e));
        assertTrue(rootCause(e).getMessage().contains("SHA-256"), rootCause(e).getMessage());

        // Tampered bytes with a matching hash but garbage content: not an ONNX model.
        IaeModelProto data = model.serialize().getSerializedData().unpack(IaeModelProto.class);
        byte[] garbage = Arrays.copyOf(onnx, 40);
        IaeModelProto tampered = data.toBuilder().setOnnxModel(ByteString.copyFrom(garbage))
                .setOnnxSha256(ByteString.copyFrom(java.security.MessageDigest.getInstance("SHA-256").digest(garbage)))
                .build();
        IllegalStateException e2 = assertThrows(IllegalStateException.class,
                () -> Model.deserialize(repack(tampered)));
        IllegalArgumentException notOnnx = causeOfType(e2, IllegalArgumentException.class);
        assertNotNull(notOnnx, String.valueOf(e2));
        assertTrue(notOnnx.getMessage().contains("Not an ONNX model"), notOnnx.getMessage());

        // Threshold disagreeing with the ONNX metadata.
        IllegalStateException e3 = assertThrows(IllegalStateException.class,
                () -> Model.deserialize(repack(data.toBuilder().setThreshold(99.0).build())));
        assertTrue(rootCause(e3).getMessage().contains("threshold"), rootCause(e3).getMessage());

        // Unknown version.
        ModelProto future = model.serialize().toBuilder().setVersion(IaeModel.CURRENT_VERSION + 1).build();
        IllegalStateException e4 = assertThrows(IllegalStateException.class, () -> Model.deserialize(future));
        assertTrue(rootCause(e4).getMessage().contains("Unknown version"), rootCause(e4).getMessage());

        // Bad ONNX bytes given directly.
        assertThrows(IllegalArgumentException.class, () -> IaeModel.fromOnnx("t", provenance,
                dataset.getFeatureIDMap(), dataset.getOutputIDInfo(), Arrays.copyOf(onnx, onnx.length / 2),
                ExecutionProvider.CPU));
        assertThrows(IllegalArgumentException.class, () -> IaeModel.fromOnnx("t", provenance,
                dataset.getFeatureIDMap(), dataset.getOutputIDInfo(), new byte[0], ExecutionProvider.CPU));
    }

    @Test
    public void corruptJavaSerializationIsRefused() throws Exception {
        byte[] good = javaSerialize(model);
        byte[] onnx = model.onnxBytes();
        int at = indexOf(good, onnx);
        assertTrue(at > 0);
        byte[] flipped = good.clone();
        flipped[at + onnx.length - 100] ^= 0x01;
        InvalidObjectException e = assertThrows(InvalidObjectException.class, () -> javaDeserialize(flipped));
        assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
        byte[] truncated = Arrays.copyOf(good, good.length - 10);
        assertThrows(IOException.class, () -> javaDeserialize(truncated));
    }

    @Test
    public void featureSetMismatchIsRefused() throws Exception {
        String[] others = IaeModelFixtures.names("g", 6);
        MutableDataset<Event> otherData = IaeModelFixtures.dataset(others, 20, 2L);
        // ONNX built for f0..f5 with the feature map g0..g5.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IaeModel.fromOnnx("t",
                provenance, otherData.getFeatureIDMap(), otherData.getOutputIDInfo(), model.onnxBytes(),
                ExecutionProvider.CPU));
        assertTrue(e.getMessage().contains("another feature set"), e.getMessage());
        assertTrue(e.getMessage().contains("'f0'") && e.getMessage().contains("'g0'"), e.getMessage());
        // A description whose names disagree with the feature map.
        IaeNetworkDescription d = IaeModelFixtures.tabular(List.of(others), 1L, false, true, ScoreKind.SVDD, 1.0);
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                () -> create(d, ExecutionProvider.CPU));
        assertTrue(e2.getMessage().contains("another feature set"), e2.getMessage());

        // A serialized model whose ONNX bytes (with a valid hash) come from a model for other features.
        try (IaeModel otherModel = IaeModel.create("other", IaeModelFixtures.provenance(otherData, "g"),
                otherData.getFeatureIDMap(), otherData.getOutputIDInfo(), d, ExecutionProvider.CPU)) {
            IaeModelProto mine = model.serialize().getSerializedData().unpack(IaeModelProto.class);
            IaeModelProto theirs = otherModel.serialize().getSerializedData().unpack(IaeModelProto.class);
            IaeModelProto mixed = mine.toBuilder().setOnnxModel(theirs.getOnnxModel())
                    .setOnnxSha256(theirs.getOnnxSha256()).build();
            IllegalStateException e3 = assertThrows(IllegalStateException.class, () -> Model.deserialize(repack(mixed)));
            assertTrue(rootCause(e3).getMessage().contains("another feature set"), rootCause(e3).getMessage());
        }
    }

    // ------------------------------------------------------------------------------------------ life cycle

    @Test
    public void closedModelRefusesPredictions() {
        IaeModel m = model.withChunkSize(16);
        assertFalse(m.isClosed());
        m.close();
        assertTrue(m.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.predict(test.get(0)));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> m.predict(test));
        assertThrows(IllegalStateException.class, () -> m.getExcuse(test.get(0)));
        m.close(); // idempotent
        assertTrue(m.toString().contains("closed"));
    }

    @Test
    public void executionProviders() {
        assumeFalse(OrtSessions.cudaAvailable(), "this machine's ONNX Runtime has CUDA");
        try (IaeModel auto = model.withExecutionProvider(ExecutionProvider.AUTO)) {
            assertEquals(ExecutionProvider.AUTO, auto.executionProvider());
            assertEquals(ExecutionProvider.CPU, auto.activeExecutionProvider());
            assertArrayEquals(scores(model.predict(test)), scores(auto.predict(test)));
            assertTrue(auto.toString().contains("AUTO->CPU"), auto.toString());
        }
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> model.withExecutionProvider(ExecutionProvider.CUDA));
        assertTrue(e.getMessage().contains("CUDA") && e.getMessage().contains("-Pgpu"), e.getMessage());
        // A CUDA model cannot be created from a description either.
        assertThrows(IllegalStateException.class, () -> create(
                IaeModelFixtures.tabular(featureNames(), 42L, true, true, ScoreKind.SVDD, 1.0), ExecutionProvider.CUDA));
        // Thread setting.
        try (IaeModel two = model.withIntraOpThreads(2)) {
            assertEquals(2, two.intraOpThreads());
            assertClose(scores(model.predict(test)), scores(two.predict(test)), 1e-5);
        }
        assertThrows(IllegalArgumentException.class, () -> model.withIntraOpThreads(-1));
        assertThrows(IllegalArgumentException.class, () -> model.withChunkSize(0));
    }

    /**
     * A model file saved where CUDA ran still loads on a machine without it: the session opens on the CPU (with a
     * warning), the model keeps CUDA as its requested provider (so it is CUDA again where CUDA exists), and it scores
     * exactly as the CPU model. Both Tribuo's protobuf and Java serialization.
     */
    @Test
    public void aModelSavedWithCudaLoadsOnTheCpuWhereCudaIsMissing() throws Exception {
        assumeFalse(OrtSessions.cudaAvailable(), "this machine's ONNX Runtime has CUDA");
        IaeModelProto data = model.serialize().getSerializedData().unpack(IaeModelProto.class);
        ModelProto cudaFile = repack(data.toBuilder().setExecutionProvider(ExecutionProvider.CUDA.name()).build());
        try (IaeModel restored = (IaeModel) Model.deserialize(cudaFile)) {
            assertEquals(ExecutionProvider.CUDA, restored.executionProvider());
            assertEquals(ExecutionProvider.CPU, restored.activeExecutionProvider());
            assertTrue(restored.toString().contains("CUDA->CPU"), restored.toString());
            assertArrayEquals(scores(model.predict(test)), scores(restored.predict(test)));
            // Models derived from it keep its request and its fall-back.
            try (IaeModel threshold = restored.withThreshold(1.5); IaeModel chunks = restored.withChunkSize(7);
                 IaeModel threads = restored.withIntraOpThreads(2);
                 IaeModel copy = (IaeModel) restored.copy("copy", restored.getProvenance())) {
                for (IaeModel derived : List.of(threshold, chunks, threads, copy)) {
                    assertEquals(ExecutionProvider.CUDA, derived.executionProvider());
                    assertEquals(ExecutionProvider.CPU, derived.activeExecutionProvider());
                }
            }
            // Saved again, it still records CUDA; Java serialization restores it on the CPU the same way.
            assertEquals(ExecutionProvider.CUDA.name(), restored.serialize().getSerializedData()
                    .unpack(IaeModelProto.class).getExecutionProvider());
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(restored);
            }
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()));
                 IaeModel again = (IaeModel) in.readObject()) {
                assertEquals(ExecutionProvider.CUDA, again.executionProvider());
                assertEquals(ExecutionProvider.CPU, again.activeExecutionProvider());
                assertArrayEquals(scores(model.predict(test)), scores(again.predict(test)));
            }
        }
        // Asking for CUDA now, rather than restoring a file, still fails with the message that says what is missing.
        assertThrows(IllegalStateException.class, () -> model.withExecutionProvider(ExecutionProvider.CUDA));
    }

    // ------------------------------------------------------------------------------------------ helpers

    private static ModelProto repack(IaeModelProto data) {
        return ModelProto.newBuilder().setClassName(IaeModel.class.getName()).setVersion(IaeModel.CURRENT_VERSION)
                .setSerializedData(Any.pack(data)).build();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static byte[] javaSerialize(Object o) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ObjectOutputStream oos = new ObjectOutputStream(bos)) {
            oos.writeObject(o);
        }
        return bos.toByteArray();
    }

    private static Object javaDeserialize(byte[] bytes) throws IOException, ClassNotFoundException {
        try (ObjectInputStream ois = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return ois.readObject();
        }
    }
}
