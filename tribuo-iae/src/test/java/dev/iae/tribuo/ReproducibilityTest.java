package dev.iae.tribuo;

import com.oracle.labs.mlrg.olcut.config.ConfigurationData;
import com.oracle.labs.mlrg.olcut.config.ConfigurationManager;
import com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil;
import com.oracle.labs.mlrg.olcut.provenance.primitives.IntProvenance;
import dev.iae.onnx.ScoreKind;
import org.junit.jupiter.api.Test;
import org.tribuo.MutableDataset;
import org.tribuo.anomaly.Event;
import org.tribuo.anomaly.example.GaussianAnomalyDataSource;
import org.tribuo.provenance.TrainerProvenance;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reproducibility: the same data and seed give scores within 1e-4 across JVM runs, a training that Java's garbage
 * collector keeps interrupting gives bit-identical batch losses, and a model's provenance alone (Tribuo's provenance →
 * OLCUT configuration route) rebuilds its trainer — and its data source — and retrains to scores within 1e-4.
 */
public class ReproducibilityTest {

    static final double TOLERANCE = 1e-4;

    static void assertWithin(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(expected[i] - actual[i]);
            assertTrue(err <= TOLERANCE || err <= TOLERANCE * Math.abs(expected[i]),
                    what + ": score " + i + " " + expected[i] + " vs " + actual[i]);
        }
    }

    private static double[] parse(String csv) {
        return java.util.Arrays.stream(csv.split(",")).mapToDouble(Double::parseDouble).toArray();
    }

    @Test
    public void sameSeedGivesTheSameScoresAcrossJvms() {
        // Two fresh JVMs train the same tiny model on the same data with the same seed (NetworkGuardMain's
        // train-predict scenario, which also round-trips the model through protobuf, Java serialization and ONNX).
        ReliabilityFixtures.ChildResult a = ReliabilityFixtures.runChild(NetworkGuardMain.class, List.of("-Xmx512m"),
                Map.of(), Duration.ofMinutes(3), "train-predict");
        ReliabilityFixtures.ChildResult b = ReliabilityFixtures.runChild(NetworkGuardMain.class, List.of("-Xmx512m"),
                Map.of(), Duration.ofMinutes(3), "train-predict");
        assertEquals(0, a.exitCode, a::describe);
        assertEquals(0, b.exitCode, b::describe);
        double[] first = parse(a.report("SCORES"));
        double[] second = parse(b.report("SCORES"));
        assertWithin(first, second, "second JVM");
        // The scores are not trivially equal (e.g. all zero).
        assertTrue(java.util.Arrays.stream(first).distinct().count() > first.length / 2);
        double maxDiff = 0;
        for (int i = 0; i < first.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(first[i] - second[i]));
        }
        System.out.printf("Two JVM runs, same seed: max score difference %.3g over %d scores%n", maxDiff, first.length);
    }

    private static double[] batchLosses(MutableDataset<Event> data) {
        RecordingListener recorder = new RecordingListener();
        IaeTrainer trainer = ReliabilityFixtures.tinyTrainer().lambdaKl(1e-2).pretrainEpochs(2).epochs(6)
                .batchSize(8).listener(recorder).build();
        try (IaeModel ignored = trainer.train(data)) {
            return recorder.batchLossValues();
        }
    }

    @Test
    public void garbageCollectionDuringTrainingChangesNothing() throws InterruptedException {
        // A regression test for a use-after-free: DJL turns a Java number in arithmetic (a.mul(0.5f)) into a tensor
        // over a direct buffer that it closes straight away, while autograd keeps that tensor for the backward pass;
        // a collection in between freed the memory, and a seeded training sometimes gave other losses or NaN. Here a
        // second thread collects garbage without pause and refills freed native memory with NaN bytes (0xFF) while
        // the same seeded training runs again; every batch loss must be identical.
        MutableDataset<Event> data = new MutableDataset<>(new GaussianAnomalyDataSource(240, 0.0f, 31L));
        double[] quiet = batchLosses(data);
        Thread collector = new Thread(() -> {
            List<ByteBuffer> churn = new ArrayList<>();
            while (!Thread.currentThread().isInterrupted()) {
                System.gc();
                for (int i = 0; i < 64; i++) {
                    ByteBuffer b = ByteBuffer.allocateDirect(4 + i % 16);
                    while (b.hasRemaining()) {
                        b.put((byte) 0xFF);
                    }
                    churn.add(b);
                }
                if (churn.size() > 1024) {
                    churn.clear();
                }
            }
        }, "gc-hammer");
        collector.setDaemon(true);
        collector.start();
        double[] collected;
        try {
            collected = batchLosses(data);
        } finally {
            collector.interrupt();
            collector.join(10_000);
        }
        assertEquals(2 * 30 + 6 * 30, quiet.length);
        assertTrue(java.util.Arrays.stream(quiet).allMatch(Double::isFinite));
        assertArrayEquals(quiet, collected, "batch losses with the garbage collector running");
    }

    @Test
    public void provenanceRebuildsTrainerAndDataAndRetrains() {
        GaussianAnomalyDataSource source = new GaussianAnomalyDataSource(400, 0.1f, 21L);
        MutableDataset<Event> train = new MutableDataset<>(source);
        // Test data from the same generator: normal examples and anomalies (30 %).
        MutableDataset<Event> test = new MutableDataset<>(new GaussianAnomalyDataSource(100, 0.3f, 22L));
        IaeTrainer trainer = ReliabilityFixtures.tinyTrainer().preset(IaePreset.IAE_LSTM_KL)
                .scoreKind(ScoreKind.COMBINED).lambdaKl(2e-3).contamination(0.1).seed(1234L).build();
        double[] original;
        IaeModel model;
        // Use the second invocation, so that the invocation count must be restored too.
        try (IaeModel ignored = trainer.train(train)) {
            model = trainer.train(train);
        }
        try (IaeModel m = model) {
            original = ReliabilityFixtures.scores(m.predict(test));

            List<ConfigurationData> config = ProvenanceUtil.extractConfiguration(m.getProvenance());
            ConfigurationManager cm = new ConfigurationManager();
            cm.addConfiguration(config);
            String trainerName = nameOf(config, IaeTrainer.class);
            String sourceName = nameOf(config, GaussianAnomalyDataSource.class);
            IaeTrainer rebuilt = (IaeTrainer) cm.lookup(trainerName);
            GaussianAnomalyDataSource rebuiltSource = (GaussianAnomalyDataSource) cm.lookup(sourceName);
            assertEquals(trainer.toString(), rebuilt.toString());

            int invocation = ((IntProvenance) m.getProvenance().getTrainerProvenance().getInstanceValues()
                    .get(TrainerProvenance.TRAIN_INVOCATION_COUNT)).getValue();
            assertEquals(1, invocation);
            MutableDataset<Event> rebuiltData = new MutableDataset<>(rebuiltSource);
            assertEquals(train.size(), rebuiltData.size());
            try (IaeModel again = rebuilt.train(rebuiltData, Collections.emptyMap(), invocation)) {
                double[] retrained = ReliabilityFixtures.scores(again.predict(test));
                double maxRel = 0;
                for (int i = 0; i < retrained.length; i++) {
                    maxRel = Math.max(maxRel, Math.abs(retrained[i] - original[i]) / Math.max(1, Math.abs(original[i])));
                }
                System.out.printf("Retrained from provenance: max score difference %.3g (relative to max(1, |score|))%n",
                        maxRel);
                assertWithin(original, retrained, "retrained from provenance");
                assertEquals(m.threshold(), again.threshold(), TOLERANCE * Math.max(1, Math.abs(m.threshold())));
                assertEquals(m.getProvenance().getTrainerProvenance(), again.getProvenance().getTrainerProvenance());
            }
            // The rebuilt trainer at another invocation gives another model: the count matters.
            try (IaeModel other = rebuilt.train(rebuiltData, Collections.emptyMap(), 0)) {
                double[] s = ReliabilityFixtures.scores(other.predict(test));
                double maxDiff = 0;
                for (int i = 0; i < s.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(s[i] - original[i]));
                }
                assertTrue(maxDiff > TOLERANCE, "invocation 0 should differ from invocation 1");
            }
        }
    }

    private static String nameOf(List<ConfigurationData> config, Class<?> type) {
        List<String> names = config.stream().filter(c -> c.getClassName().equals(type.getName()))
                .map(ConfigurationData::getName).collect(Collectors.toList());
        assertEquals(1, names.size(), () -> "components of " + type.getName() + " in "
                + config.stream().map(c -> c.getName() + "=" + c.getClassName()).collect(Collectors.toList()));
        return names.get(0);
    }
}
