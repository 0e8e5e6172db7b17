package dev.iae.tribuo;

import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tribuo.Dataset;
import org.tribuo.Prediction;
import org.tribuo.anomaly.Event;
import org.tribuo.anomaly.example.GaussianAnomalyDataSource;
import org.tribuo.test.Helpers;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@link TrainingListener} hook of {@link IaeTrainer}: real (tiny) DJL trainings on Tribuo's synthetic Gaussian
 * data, checking the order and content of the events, that the hook stays out of configuration and provenance, and
 * that a listener that throws stops training without corrupting the trainer.
 */
public class TrainingListenerTest {

    /** 193 examples with batch size 48: four full batches; the single-example remainder is skipped. */
    private static final int EXAMPLES = 193;
    private static final int BATCH = 48;
    private static final int BATCHES = 4;

    private static Dataset<Event> train;

    @BeforeAll
    public static void data() {
        train = GaussianAnomalyDataSource.generateDataset(EXAMPLES,
                new double[]{1.0, 2.0, 1.0, 2.0, 5.0}, new double[]{1.0, 0.5, 0.25, 1.0, 0.1},
                new double[]{-2.0, 2.0, -2.0, 2.0, -10.0}, new double[]{1.0, 0.5, 0.25, 1.0, 0.1}, 0.0f, 3L);
    }

    private static IaeTrainer.Builder tiny() {
        return IaeTrainer.builder().preset(IaePreset.IAE_LSTM_KL).encoderSizes(8).lstmHidden(8).repDim(4)
                .pretrainEpochs(2).epochs(3).batchSize(BATCH).seed(11L).executionProvider(ExecutionProvider.CPU);
    }

    private static List<String> expectedEvents(int pretrain, int joint) {
        List<String> expected = new ArrayList<>();
        expected.add("start " + pretrain + " " + joint + " " + BATCHES + " " + EXAMPLES);
        for (TrainingListener.Phase phase : TrainingListener.Phase.values()) {
            int epochs = phase == TrainingListener.Phase.PRETRAINING ? pretrain : joint;
            for (int e = 1; e <= epochs; e++) {
                for (int b = 1; b <= BATCHES; b++) {
                    expected.add("batch " + phase + " " + e + "/" + epochs + " " + b + "/" + BATCHES);
                }
                expected.add("epoch " + phase + " " + e + "/" + epochs);
            }
        }
        return expected;
    }

    private static double[] scores(IaeModel model) {
        List<Prediction<Event>> preds = model.predict(train);
        double[] s = new double[preds.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = preds.get(i).getOutput().getScore();
        }
        return s;
    }

    @Test
    public void listenerSeesEveryBatchAndEpochInOrder() {
        RecordingListener recorder = new RecordingListener();
        IaeTrainer trainer = tiny().listener(recorder).build();
        assertSame(recorder, trainer.getListener());
        try (IaeModel model = trainer.train(train)) {
            assertEquals(EXAMPLES, model.predict(train).size());
        }
        assertEquals(expectedEvents(2, 3), recorder.events);
        assertEquals((2 + 3) * BATCHES, recorder.batchLosses.size());
        assertEquals(5, recorder.epochLosses.size());
        // Pre-training reduces the reconstruction loss on this easy data.
        assertTrue(recorder.epochLosses.get(1) < recorder.epochLosses.get(0), recorder.epochLosses.toString());

        // The trainer network path (no ONNX) reports too; a Deep SVDD network pre-trains its throw-away decoder.
        RecordingListener svdd = new RecordingListener();
        IaeTrainer deepSvdd = tiny().preset(IaePreset.DEEP_SVDD).pretrainEpochs(1).epochs(2).listener(svdd).build();
        try (IaeTrainer.TrainedNetwork net = deepSvdd.trainNetwork(train)) {
            assertEquals(EXAMPLES, net.trainingExamples());
        }
        assertEquals(expectedEvents(1, 2), svdd.events);
    }

    @Test
    public void listenerIsNeitherConfigurationNorProvenance() {
        IaeTrainer with = tiny().listener(new RecordingListener()).build();
        IaeTrainer without = tiny().build();
        assertEquals(TrainingListener.NONE, without.getListener());
        Map<String, Provenance> a = with.getProvenance().getConfiguredParameters();
        Map<String, Provenance> b = without.getProvenance().getConfiguredParameters();
        assertEquals(b, a);
        assertTrue(a.keySet().stream().noneMatch(k -> k.toLowerCase().contains("listener")), a.keySet().toString());
        Helpers.testConfigurableRoundtrip(with);
        with.setListener(null);
        assertEquals(TrainingListener.NONE, with.getListener());
    }

    @Test
    public void throwingListenerStopsTrainingCleanly() {
        CancellationException stop = new CancellationException("stop requested by the test");
        int[] batchesSeen = {0};
        TrainingListener failing = new TrainingListener() {
            @Override
            public void onBatch(Phase phase, int epoch, int epochs, int batch, int batches, double loss) {
                batchesSeen[0]++;
                if (phase == Phase.JOINT && batch == 2) {
                    throw stop;
                }
            }
        };
        IaeTrainer trainer = tiny().listener(failing).build();
        CancellationException thrown = assertThrows(CancellationException.class, () -> trainer.train(train));
        assertSame(stop, thrown, "the listener's exception propagates unchanged");
        assertEquals(2 * BATCHES + 2, batchesSeen[0], "training stopped at the throwing batch");
        assertEquals(1, trainer.getInvocationCount());

        // The trainer (and the global training state) is intact: invocation 1 equals a fresh trainer's invocation 1.
        trainer.setListener(null);
        double[] after;
        try (IaeModel model = trainer.train(train)) {
            after = scores(model);
        }
        IaeTrainer fresh = tiny().build();
        double[] reference;
        try (IaeModel model = fresh.train(train, Collections.emptyMap(), 1)) {
            reference = scores(model);
        }
        for (int i = 0; i < after.length; i++) {
            assertTrue(Double.isFinite(after[i]), "score " + i);
            assertEquals(reference[i], after[i], 1e-4 * Math.max(1, Math.abs(reference[i])), "score " + i);
        }
    }
}
