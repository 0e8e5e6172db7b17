package dev.iae.tribuo;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.StringProvenance;
import dev.iae.onnx.FloatTensor;
import dev.iae.onnx.OnnxContract;
import dev.iae.onnx.OnnxMetadata;
import dev.iae.onnx.OnnxScoreSum;
import dev.iae.onnx.ScoreKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.anomaly.AnomalyFactory;
import org.tribuo.anomaly.Event;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.EnsembleModelProvenance;
import org.tribuo.provenance.ModelProvenance;
import org.tribuo.provenance.SimpleDataSourceProvenance;
import org.tribuo.test.Helpers;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link IaeEnsembleTrainer}: real DJL trainings of two different members, served as one ONNX Runtime model whose
 * score is the sum of theirs; the threshold, provenance, serialization, ONNX export and refusals.
 */
public class IaeEnsembleTrainerTest {

    private static Dataset<Event> train;
    private static Dataset<Event> test;
    /** The ensemble trained by {@link IaeEnsembleTrainer#train}, invocation 0. */
    private static IaeModel trained;
    /** The same two members trained on their own (invocation 0), then {@link IaeEnsembleTrainer#combine}d. */
    private static IaeModel memberA;
    private static IaeModel memberB;
    private static IaeModel combined;

    /** Two members that differ in preset, score weight and seed. */
    private static List<IaeTrainer> members() {
        return List.of(
                IaeTrainerTest.small(IaePreset.IAE_LSTM_KL).pretrainEpochs(2).epochs(4).lrMilestone(3).scoreKind(ScoreKind.COMBINED)
                        .recWeight(0.5).build(),
                IaeTrainerTest.small(IaePreset.IAE_KL).pretrainEpochs(2).epochs(4).lrMilestone(3).scoreKind(ScoreKind.COMBINED)
                        .seed(11L).build());
    }

    @BeforeAll
    public static void trainModels() {
        train = IaeTrainerTest.gaussian(600, 0.0f, 1L);
        test = IaeTrainerTest.gaussian(400, 0.3f, 2L);
        IaeEnsembleTrainer trainer = new IaeEnsembleTrainer(members(), 0.05, ExecutionProvider.CPU);
        trained = trainer.train(train, Map.of("run", new StringProvenance("run", "ensemble-test")));
        List<IaeTrainer> own = members();
        memberA = own.get(0).train(train, Collections.emptyMap(), 0);
        memberB = own.get(1).train(train, Collections.emptyMap(), 0);
        combined = IaeEnsembleTrainer.combine("combined", List.of(memberA, memberB), train, 0.05,
                ExecutionProvider.CPU);
    }

    @AfterAll
    public static void close() {
        for (IaeModel m : new IaeModel[]{trained, memberA, memberB, combined}) {
            if (m != null) {
                m.close();
            }
        }
    }

    private static double[] scores(Model<Event> model, List<Example<Event>> examples) {
        List<Prediction<Event>> p = model.predict(examples);
        double[] s = new double[p.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = p.get(i).getOutput().getScore();
        }
        return s;
    }

    private static List<Example<Event>> list(Dataset<Event> d) {
        List<Example<Event>> out = new ArrayList<>();
        d.forEach(out::add);
        return out;
    }

    @Test
    public void scoreIsTheSumOfTheMembersScores() {
        List<Example<Event>> examples = list(test);
        double[] a = scores(memberA, examples);
        double[] b = scores(memberB, examples);
        double[] sum = scores(combined, examples);
        float[][] rows = new float[examples.size()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new float[5];
            DenseFeatures.fill(examples.get(i), combined.getFeatureIDMap(), 0, rows[i], 0);
        }
        FloatTensor columns = combined.outputs(rows, OnnxContract.OUTPUT_MEMBER_SCORES)
                .get(OnnxContract.OUTPUT_MEMBER_SCORES);
        for (int i = 0; i < sum.length; i++) {
            assertEquals(a[i] + b[i], sum[i], 1e-5 * Math.max(1, Math.abs(sum[i])), "example " + i);
            assertEquals(a[i], columns.data()[2 * i], 1e-6 * Math.max(1, Math.abs(a[i])), "member 0, example " + i);
            assertEquals(b[i], columns.data()[2 * i + 1], 1e-6 * Math.max(1, Math.abs(b[i])), "member 1, example " + i);
        }
        assertEquals(ScoreKind.SUM, combined.scoreKind());
        assertFalse(combined.hasDecoder());
        assertTrue(combined.getExcuse(examples.get(0)).isEmpty());
        // The sum still separates Tribuo's Gaussian anomalies from the normal data.
        double auroc = IaeTrainerTest.auroc(combined, test);
        assertTrue(auroc > 0.9, "AUROC of the sum " + auroc);
    }

    @Test
    public void trainEqualsTheCombinationOfIndependentlyTrainedMembers() {
        // Invocation k of the ensemble trains every member with invocation count k: the same members as trained
        // on their own (up to libtorch's float noise, about 1e-6 relative).
        List<Example<Event>> examples = list(test);
        double[] viaTrain = scores(trained, examples);
        double[] viaCombine = scores(combined, examples);
        for (int i = 0; i < viaTrain.length; i++) {
            assertEquals(viaCombine[i], viaTrain[i], 1e-4 * Math.max(1, Math.abs(viaCombine[i])), "example " + i);
        }
        assertEquals(combined.threshold(), trained.threshold(), 1e-4 * Math.max(1, Math.abs(combined.threshold())));
    }

    @Test
    public void aLaterInvocationTrainsEveryMemberWithThatInvocationCount() {
        // Invocation 2 of the ensemble = members trained with invocation count 2 (not their own counters, which a
        // fresh trainer has at 0), and the ensemble's trainer provenance records that count for every member.
        IaeEnsembleTrainer trainer = new IaeEnsembleTrainer(members(), 0.05, ExecutionProvider.CPU);
        List<IaeTrainer> own = members();
        List<Example<Event>> examples = list(test);
        try (IaeModel viaTrain = trainer.train(train, Collections.emptyMap(), 2);
             IaeModel a = own.get(0).train(train, Collections.emptyMap(), 2);
             IaeModel b = own.get(1).train(train, Collections.emptyMap(), 2);
             IaeModel viaCombine = IaeEnsembleTrainer.combine("c", List.of(a, b), train, 0.05, ExecutionProvider.CPU)) {
            assertEquals(3, trainer.getInvocationCount());
            double[] x = scores(viaTrain, examples);
            double[] y = scores(viaCombine, examples);
            double[] first = scores(trained, examples);
            boolean differsFromInvocation0 = false;
            for (int i = 0; i < x.length; i++) {
                assertEquals(y[i], x[i], 1e-4 * Math.max(1, Math.abs(y[i])), "example " + i);
                differsFromInvocation0 |= Math.abs(x[i] - first[i]) > 1e-3 * Math.max(1, Math.abs(first[i]));
            }
            assertTrue(differsFromInvocation0, "invocation 2 trained the same members as invocation 0");
            String members = viaTrain.getProvenance().getTrainerProvenance().getConfiguredParameters()
                    .get("members").toString();
            assertTrue(members.contains("train-invocation-count=2") && !members.contains("train-invocation-count=0"),
                    members);
        }
    }

    @Test
    public void combineReadsOnlyTheMembersGraphsSoClosedModelsAreFine() {
        IaeModel copy = memberA.withChunkSize(32);
        copy.close();
        List<Example<Event>> examples = list(test).subList(0, 50);
        try (IaeModel sum = IaeEnsembleTrainer.combine("closed", List.of(copy, memberB), train, 0.05,
                ExecutionProvider.CPU)) {
            double[] expected = scores(combined, examples);
            double[] got = scores(sum, examples);
            for (int i = 0; i < got.length; i++) {
                assertEquals(expected[i], got[i], 1e-6 * Math.max(1, Math.abs(expected[i])), "example " + i);
            }
        }
        assertTrue(copy.isClosed());
    }

    @Test
    public void thresholdIsTheContaminationQuantileOfTheServedTrainingScores() {
        for (IaeModel m : List.of(trained, combined)) {
            double[] s = scores(m, list(train));
            assertEquals(IaeLoss.quantile(s, 0.95), m.threshold(), 0.0);
            long above = java.util.Arrays.stream(s).filter(v -> v > m.threshold()).count();
            assertTrue(above <= 0.05 * s.length && above >= 0.05 * s.length - 1, above + " of " + s.length);
            assertEquals(ThresholdRule.QUANTILE.name(), m.onnxMetadata().get(IaeModel.META_THRESHOLD_RULE));
        }
    }

    @Test
    public void provenanceRecordsTheTrainerAndEveryMember() {
        ModelProvenance p = trained.getProvenance();
        EnsembleModelProvenance ep = assertInstanceOf(EnsembleModelProvenance.class, p);
        assertEquals(2, ep.getMemberProvenance().getList().size());
        assertEquals(IaeTrainer.class.getName(),
                ep.getMemberProvenance().getList().get(1).getTrainerProvenance().getClassName());
        assertEquals("11", ep.getMemberProvenance().getList().get(1).getTrainerProvenance()
                .getConfiguredParameters().get("seed").toString());
        assertEquals(IaeEnsembleTrainer.class.getName(), p.getTrainerProvenance().getClassName());
        Map<String, Provenance> conf = p.getTrainerProvenance().getConfiguredParameters();
        assertTrue(conf.containsKey("members"), conf.keySet().toString());
        assertEquals("0.05", conf.get("contamination").toString());
        assertEquals(train.getProvenance(), p.getDatasetProvenance());
        assertEquals("ensemble-test", p.getInstanceProvenance().getMap().get("run").toString());
        Helpers.testProvenanceMarshalling(p);
        // combine() records its contamination instead of a trainer's settings.
        assertEquals("0.05", combined.getProvenance().getInstanceProvenance().getMap()
                .get(IaeEnsembleTrainer.PROVENANCE_CONTAMINATION).toString());
        // A new threshold keeps the ensemble provenance (and with it the members).
        try (IaeModel moved = trained.withThreshold(trained.threshold() + 1)) {
            EnsembleModelProvenance mp = assertInstanceOf(EnsembleModelProvenance.class, moved.getProvenance());
            assertEquals(ep.getMemberProvenance(), mp.getMemberProvenance());
        }
        Map<String, String> meta = trained.onnxMetadata();
        assertEquals("2", meta.get(OnnxContract.META_MEMBER_COUNT));
        assertEquals("COMBINED", meta.get(OnnxScoreSum.memberKey(0, OnnxContract.META_SCORE_KIND)));
        assertTrue(trained.toString().contains("iae-lstm-kl-score-sum"), trained.toString());
    }

    @Test
    public void serializesAndExportsLikeASingleModel(@TempDir Path dir) throws Exception {
        List<Example<Event>> examples = list(test).subList(0, 20);
        Model<Event> viaProto = Helpers.testModelProtoSerialization(trained, Event.class, examples);
        assertInstanceOf(EnsembleModelProvenance.class, viaProto.getProvenance());
        ((IaeModel) viaProto).close();
        Helpers.testModelSerialization(trained, Event.class);

        // The exported file alone, in a raw ONNX Runtime session, gives the model's scores.
        Path file = dir.resolve("sum.onnx");
        trained.saveONNXModel("dev.iae.test", 1, file);
        double[] expected = scores(trained, examples);
        float[] flat = new float[examples.size() * 5];
        for (int i = 0; i < examples.size(); i++) {
            DenseFeatures.fill(examples.get(i), trained.getFeatureIDMap(), 0, flat, i * 5);
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(Files.readAllBytes(file), new OrtSession.SessionOptions());
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(flat), new long[]{examples.size(), 5});
             OrtSession.Result r = s.run(Map.of(OnnxContract.INPUT_FEATURES, in))) {
            float[] got = ((OnnxTensor) r.get(OnnxContract.OUTPUT_SCORE).get()).getFloatBuffer().array();
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], got[i], 1e-5 * Math.max(1, Math.abs(expected[i])), "example " + i);
            }
        }
        Map<String, String> meta = OnnxMetadata.read(Files.readAllBytes(file));
        assertEquals("SUM", meta.get(OnnxContract.META_SCORE_KIND));
        assertEquals(trained.threshold(), Double.parseDouble(meta.get(OnnxContract.META_THRESHOLD)), 0.0);
    }

    @Test
    public void configurationRoundTrips() {
        Helpers.testConfigurableRoundtrip(new IaeEnsembleTrainer(members(), 0.1, ExecutionProvider.CPU));
        String s = new IaeEnsembleTrainer(members(), 0.1, ExecutionProvider.CPU).toString();
        assertTrue(s.startsWith("IaeEnsembleTrainer(members=[IaeTrainer(preset=IAE_LSTM_KL") && s.contains("seed=11")
                && s.endsWith("contamination=0.1,executionProvider=CPU)"), s);
    }

    @Test
    public void refusesBadSettingsAndMembers() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new IaeEnsembleTrainer(members().subList(0, 1), 0.05, ExecutionProvider.CPU));
        assertTrue(e.getMessage().contains("at least two member trainers, found 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new IaeEnsembleTrainer(members(), 1.0, ExecutionProvider.CPU));
        assertTrue(e.getMessage().contains("contamination must be in [0, 1), found 1.0"), e.getMessage());
        List<IaeTrainer> withNull = new ArrayList<>(members());
        withNull.add(null);
        e = assertThrows(IllegalArgumentException.class,
                () -> new IaeEnsembleTrainer(withNull, 0.05, ExecutionProvider.CPU));
        assertTrue(e.getMessage().contains("Member trainer 2 is null"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> IaeTrainer.builder().scoreKind(ScoreKind.SUM).build());
        assertTrue(e.getMessage().contains("scoreKind SUM"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> IaeEnsembleTrainer.combine("x", List.of(memberA),
                train, 0.05, ExecutionProvider.CPU));
        assertTrue(e.getMessage().contains("at least two member models, found 1"), e.getMessage());

        // A member over other features.
        String[] names = IaeModelFixtures.names("g", 5);
        MutableDataset<Event> other = IaeModelFixtures.dataset(names, 200, 3L);
        try (IaeModel foreign = members().get(1).train(other)) {
            e = assertThrows(IllegalArgumentException.class, () -> IaeEnsembleTrainer.combine("x",
                    List.of(memberA, foreign), train, 0.05, ExecutionProvider.CPU));
            assertTrue(e.getMessage().contains("Member model 1") && e.getMessage().contains("feature map"),
                    e.getMessage());
        }
        // No EXPECTED example to fit the threshold on.
        AnomalyFactory factory = new AnomalyFactory();
        MutableDataset<Event> anomalies = new MutableDataset<>(new SimpleDataSourceProvenance("anomalies", factory),
                factory);
        for (Example<Event> ex : test) {
            if (ex.getOutput().getType() == Event.EventType.ANOMALOUS) {
                anomalies.add(ex);
            }
        }
        e = assertThrows(IllegalArgumentException.class, () -> IaeEnsembleTrainer.combine("x",
                List.of(memberA, memberB), anomalies, 0.05, ExecutionProvider.CPU));
        assertTrue(e.getMessage().contains("no EXPECTED example"), e.getMessage());

        // The same trainer twice would count one model twice.
        IaeTrainer one = members().get(0);
        e = assertThrows(IllegalArgumentException.class,
                () -> new IaeEnsembleTrainer(List.of(one, one), 0.05, ExecutionProvider.CPU));
        assertTrue(e.getMessage().contains("Member trainers 0 and 1 are the same trainer"), e.getMessage());

        // Bad input to the summed model is refused like any model's, naming the example.
        ArrayExample<Event> bad = new ArrayExample<>(new Event(Event.EventType.EXPECTED),
                new String[]{"A", "B", "C", "D", "E"}, new double[]{1, Double.NaN, 1, 1, 1});
        e = assertThrows(IllegalArgumentException.class, () -> combined.predict(bad));
        assertTrue(e.getMessage().contains("NaN") || e.getMessage().contains("finite"), e.getMessage());
    }
}
