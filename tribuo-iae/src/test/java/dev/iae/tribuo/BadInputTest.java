package dev.iae.tribuo;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.Feature;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.anomaly.AnomalyFactory;
import org.tribuo.anomaly.Event;
import org.tribuo.impl.ArrayExample;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The bad-input table of issue 6, for training and for prediction. Each row is either a clear exception (its type
 * and the words its message must contain: the example, feature or setting at fault) or a documented behaviour
 * that the row checks (never a native crash, never a NaN score). Training is tiny (1 + 2 epochs, MLP 8/4) so the
 * whole table runs in seconds.
 * <p>
 * Decisions recorded here (and in the README's Guarantees section):
 * <ul>
 *     <li>Training uses the {@code EXPECTED} examples only; {@code ANOMALOUS} and {@code UNKNOWN} ones are dropped
 *     with a warning, and the result is the same model as training on the {@code EXPECTED} examples alone.
 *     A dataset with none, or just one, {@code EXPECTED} example is refused.</li>
 *     <li>Non-finite values (NaN, ±Infinity) and values beyond float32 are refused, naming the example and the
 *     feature, in training and in prediction — also for features the model does not know.</li>
 *     <li>A finite extreme value (±1e38) is accepted; if the network's output overflows, the prediction is refused
 *     ("not finite") instead of returning a NaN or infinite score.</li>
 *     <li>Constant features get scale 1 in the normalisation (no division by zero).</li>
 *     <li>A batch size larger than the dataset trains on one full batch per epoch; a last batch of a single
 *     example is skipped.</li>
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public class BadInputTest {

    private static final String[] NAMES = IaeModelFixtures.names("f", 5);

    private MutableDataset<Event> test;
    private IaeModel model;

    @BeforeAll
    public void trainOnce() {
        test = ReliabilityFixtures.gaussian(NAMES, 40, 99L, Event.EventType.EXPECTED);
        model = ReliabilityFixtures.tinyTrainer().build().train(expected(200, 1L));
    }

    @AfterAll
    public void close() {
        if (model != null) {
            model.close();
        }
    }

    // ------------------------------------------------------------------------------------------- data helpers

    private static MutableDataset<Event> expected(int n, long seed) {
        return ReliabilityFixtures.gaussian(NAMES, n, seed, Event.EventType.EXPECTED);
    }

    /** Sets a value after the example was added (Tribuo refuses NaN on add, and the feature map is already built). */
    private static MutableDataset<Event> withValue(MutableDataset<Event> ds, int index, String feature, double v) {
        ds.getExample(index).set(new Feature(feature, v));
        return ds;
    }

    private static MutableDataset<Event> constantFeature(int n, long seed, String feature, double value) {
        MutableDataset<Event> ds = expected(n, seed);
        for (int i = 0; i < n; i++) {
            ds.getExample(i).set(new Feature(feature, value));
        }
        return ds;
    }

    /** EXPECTED examples (seed 5) with ANOMALOUS (far away) and UNKNOWN examples interleaved. */
    private static MutableDataset<Event> mixed() {
        MutableDataset<Event> normal = expected(150, 5L);
        MutableDataset<Event> anomalies = ReliabilityFixtures.gaussian(NAMES, 30, 6L, Event.EventType.ANOMALOUS);
        MutableDataset<Event> unknown = ReliabilityFixtures.gaussian(NAMES, 20, 7L, Event.EventType.UNKNOWN);
        MutableDataset<Event> out = ReliabilityFixtures.emptyDataset("mixed");
        int a = 0;
        int u = 0;
        for (int i = 0; i < normal.size(); i++) {
            out.add(normal.getExample(i));
            if (i % 5 == 0 && a < anomalies.size()) {
                Example<Event> ex = anomalies.getExample(a++);
                double[] v = new double[NAMES.length];
                Arrays.fill(v, 8.0 + a);
                out.add(new ArrayExample<>(ex.getOutput(), NAMES, v));
            }
            if (i % 7 == 0 && u < unknown.size()) {
                out.add(unknown.getExample(u++));
            }
        }
        return out;
    }

    private static void assertFiniteScores(IaeModel m, Dataset<Event> data) {
        List<Prediction<Event>> p = m.predict(data);
        assertEquals(data.size(), p.size());
        for (int i = 0; i < p.size(); i++) {
            double s = p.get(i).getOutput().getScore();
            assertTrue(Double.isFinite(s), "score " + i + " is " + s);
        }
        assertTrue(Double.isFinite(m.threshold()), "threshold " + m.threshold());
    }

    private static void assertMessage(Throwable e, List<String> parts) {
        String msg = String.valueOf(e.getMessage());
        for (String p : parts) {
            assertTrue(msg.contains(p), "message should contain '" + p + "': " + msg);
        }
    }

    // ------------------------------------------------------------------------------------------- training table

    /**
     * One row of the training table.
     */
    static final class TrainCase {
        final Supplier<MutableDataset<Event>> data;
        final UnaryOperator<IaeTrainer.Builder> settings;
        final Class<? extends RuntimeException> error;
        final List<String> message;
        final BiConsumer<IaeModel, BadInputTest> check;

        private TrainCase(Supplier<MutableDataset<Event>> data, UnaryOperator<IaeTrainer.Builder> settings,
                          Class<? extends RuntimeException> error, List<String> message,
                          BiConsumer<IaeModel, BadInputTest> check) {
            this.data = data;
            this.settings = settings;
            this.error = error;
            this.message = message;
            this.check = check;
        }
    }

    private static Arguments refused(String name, Supplier<MutableDataset<Event>> data,
                                     UnaryOperator<IaeTrainer.Builder> settings,
                                     Class<? extends RuntimeException> error, String... message) {
        return Arguments.of(Named.of(name, new TrainCase(data, settings, error, List.of(message), null)));
    }

    private static Arguments trains(String name, Supplier<MutableDataset<Event>> data,
                                    UnaryOperator<IaeTrainer.Builder> settings, BiConsumer<IaeModel, BadInputTest> check) {
        return Arguments.of(Named.of(name, new TrainCase(data, settings, null, List.of(), check)));
    }

    static Stream<Arguments> trainingCases() {
        UnaryOperator<IaeTrainer.Builder> same = b -> b;
        RecordingListener oneBatch = new RecordingListener();
        RecordingListener twoBatches = new RecordingListener();
        return Stream.of(
                refused("empty dataset", () -> ReliabilityFixtures.emptyDataset("empty"), same,
                        IllegalArgumentException.class, "empty"),
                refused("all ANOMALOUS", () -> ReliabilityFixtures.gaussian(NAMES, 30, 2L, Event.EventType.ANOMALOUS),
                        same, IllegalArgumentException.class, "no EXPECTED example", "30 ANOMALOUS"),
                refused("all UNKNOWN", () -> ReliabilityFixtures.gaussian(NAMES, 30, 2L, Event.EventType.UNKNOWN),
                        same, IllegalArgumentException.class, "no EXPECTED example", "30 UNKNOWN"),
                trains("ANOMALOUS and UNKNOWN examples are dropped: same model as EXPECTED only", BadInputTest::mixed,
                        same, (m, t) -> {
                            try (IaeModel ref = ReliabilityFixtures.tinyTrainer().build().train(expected(150, 5L))) {
                                double[] a = ReliabilityFixtures.scores(ref.predict(t.test));
                                double[] b = ReliabilityFixtures.scores(m.predict(t.test));
                                for (int i = 0; i < a.length; i++) {
                                    assertEquals(a[i], b[i], 1e-5 * Math.max(1, Math.abs(a[i])), "score " + i);
                                }
                                assertEquals(ref.threshold(), m.threshold(), 1e-5 * Math.max(1, ref.threshold()));
                            }
                        }),
                refused("NaN value", () -> withValue(expected(50, 3L), 7, "f2", Double.NaN), same,
                        IllegalArgumentException.class, "Example 7", "'f2'", "NaN"),
                refused("+Infinity value", () -> withValue(expected(50, 3L), 4, "f1", Double.POSITIVE_INFINITY), same,
                        IllegalArgumentException.class, "Example 4", "'f1'", "Infinity"),
                refused("-Infinity value", () -> withValue(expected(50, 3L), 49, "f0", Double.NEGATIVE_INFINITY), same,
                        IllegalArgumentException.class, "Example 49", "'f0'", "-Infinity"),
                refused("1e39 (beyond float32)", () -> withValue(expected(50, 3L), 11, "f3", 1e39), same,
                        IllegalArgumentException.class, "Example 11", "'f3'", "float32"),
                trains("1e38 (extreme but float32): accepted, finite scores", () -> withValue(expected(50, 3L), 11, "f3", 1e38),
                        same, (m, t) -> {
                            assertFiniteScores(m, t.test);
                            double s = m.predict(ReliabilityFixtures.example(NAMES, 0.5, 0.5, 0.5, 1e38, 0.5))
                                    .getOutput().getScore();
                            assertTrue(Double.isFinite(s), "score of the extreme example " + s);
                        }),
                trains("one constant feature: no division by zero", () -> constantFeature(60, 4L, "f2", 3.0), same,
                        (m, t) -> {
                            assertFiniteScores(m, t.test);
                            // A value the model never saw for the constant feature still scores finitely.
                            double s = m.predict(ReliabilityFixtures.example(NAMES, 0.5, 0.5, 1e6, 0.5, 0.5))
                                    .getOutput().getScore();
                            assertTrue(Double.isFinite(s), "score " + s);
                        }),
                trains("all features constant (identical examples)", () -> {
                    MutableDataset<Event> ds = ReliabilityFixtures.emptyDataset("constant");
                    for (int i = 0; i < 40; i++) {
                        ds.add(ReliabilityFixtures.example(NAMES, 1, 2, 3, 4, 5));
                    }
                    return ds;
                }, same, (m, t) -> {
                    assertFiniteScores(m, t.test);
                    double[] s = ReliabilityFixtures.scores(m.predict(Collections.nCopies(3,
                            ReliabilityFixtures.example(NAMES, 1, 2, 3, 4, 5))));
                    assertEquals(s[0], s[2], 0.0);
                }),
                refused("a single example", () -> expected(1, 3L), same,
                        IllegalArgumentException.class, "at least 2 EXPECTED", "found 1"),
                refused("a single EXPECTED example among anomalies", () -> {
                    MutableDataset<Event> ds = ReliabilityFixtures.gaussian(NAMES, 10, 2L, Event.EventType.ANOMALOUS);
                    ds.add(ReliabilityFixtures.example(NAMES, 1, 2, 3, 4, 5));
                    return ds;
                }, same, IllegalArgumentException.class, "at least 2 EXPECTED", "found 1"),
                trains("two examples (the minimum)", () -> expected(2, 3L), same,
                        (m, t) -> assertFiniteScores(m, t.test)),
                trains("sparse examples: missing features count as 0", () -> sparse(false), same, (m, t) -> {
                    // The same examples with the zeros written out train the same model.
                    try (IaeModel ref = ReliabilityFixtures.tinyTrainer().build().train(sparse(true))) {
                        assertArrayEquals(ReliabilityFixtures.scores(ref.predict(t.test)),
                                ReliabilityFixtures.scores(m.predict(t.test)));
                    }
                }),
                refused("imageShape not matching the feature count", () -> expected(20, 3L),
                        b -> b.imageShape(1, 4, 4).encoderSizes(2).repDim(4),
                        IllegalArgumentException.class, "imageShape", "16 features", "has 5"),
                trains("batch size larger than the dataset: one full batch per epoch", () -> expected(40, 3L),
                        b -> b.batchSize(1000).listener(oneBatch), (m, t) -> {
                            assertFiniteScores(m, t.test);
                            oneBatch.assertBatchesPerEpoch(1);
                        }),
                trains("batch size leaving a last batch of one example: it is skipped", () -> expected(41, 3L),
                        b -> b.batchSize(20).listener(twoBatches), (m, t) -> {
                            assertFiniteScores(m, t.test);
                            twoBatches.assertBatchesPerEpoch(2);
                        }),
                refused("absurd learning rate: pre-training diverges", () -> expected(200, 3L),
                        b -> b.learningRate(1e30).pretrainEpochs(3).epochs(3),
                        IllegalStateException.class, "diverged", "epoch 1"),
                refused("absurd learning rate: joint training diverges", () -> expected(200, 3L),
                        b -> b.learningRate(1e30).pretrainEpochs(0).epochs(3),
                        IllegalStateException.class, "diverged", "joint training", "epoch 1"));
    }

    /**
     * Forty examples of f0 to f4 plus fourteen that carry only f1 and f4, the other features either absent (sparse)
     * or written out as 0.
     */
    static MutableDataset<Event> sparse(boolean explicitZeros) {
        MutableDataset<Event> ds = expected(40, 3L);
        for (int i = 0; i < 40; i += 3) {
            ds.add(explicitZeros ? ReliabilityFixtures.example(NAMES, 0, 0.2 * i, 0, 0, -0.1 * i)
                    : ReliabilityFixtures.example(new String[]{"f1", "f4"}, 0.2 * i, -0.1 * i));
        }
        return ds;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("trainingCases")
    public void training(TrainCase c) {
        IaeTrainer trainer = c.settings.apply(ReliabilityFixtures.tinyTrainer()).build();
        MutableDataset<Event> data = c.data.get();
        if (c.error != null) {
            RuntimeException e = assertThrows(c.error, () -> {
                try (IaeModel m = trainer.train(data)) {
                    fail("training should have been refused, got " + m);
                }
            });
            assertMessage(e, c.message);
        } else {
            try (IaeModel m = trainer.train(data)) {
                c.check.accept(m, this);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ prediction table

    /**
     * One row of the prediction table.
     */
    static final class PredictCase {
        final Supplier<List<Example<Event>>> input;
        final Class<? extends RuntimeException> error;
        final List<String> message;
        final BiConsumer<IaeModel, List<Prediction<Event>>> check;

        private PredictCase(Supplier<List<Example<Event>>> input, Class<? extends RuntimeException> error,
                            List<String> message, BiConsumer<IaeModel, List<Prediction<Event>>> check) {
            this.input = input;
            this.error = error;
            this.message = message;
            this.check = check;
        }
    }

    private static Arguments refusedPrediction(String name, Supplier<List<Example<Event>>> input,
                                               Class<? extends RuntimeException> error, String... message) {
        return Arguments.of(Named.of(name, new PredictCase(input, error, List.of(message), null)));
    }

    private static Arguments predicts(String name, Supplier<List<Example<Event>>> input,
                                      BiConsumer<IaeModel, List<Prediction<Event>>> check) {
        return Arguments.of(Named.of(name, new PredictCase(input, null, List.of(), check)));
    }

    private static Supplier<List<Example<Event>>> one(String[] names, double... values) {
        return () -> List.of(ReliabilityFixtures.example(names, values));
    }

    /** 400 good examples with a bad one at the given index (chunks of 256: index 300 is in the second call). */
    private static Supplier<List<Example<Event>>> badAt(int index, double bad) {
        return () -> {
            List<Example<Event>> list = new ArrayList<>(IaeModelFixtures.examples(NAMES, 400, 8L));
            list.get(index).set(new Feature("f3", bad));
            return list;
        };
    }

    static Stream<Arguments> predictionCases() {
        String[] withUnseen = {"f0", "f1", "f2", "f3", "f4", "zz_unseen"};
        return Stream.of(
                refusedPrediction("NaN value", one(NAMES, 0.1, Double.NaN, 0.3, 0.4, 0.5),
                        IllegalArgumentException.class, "Example 0", "'f1'", "NaN"),
                refusedPrediction("+Infinity value", one(NAMES, 0.1, 0.2, Double.POSITIVE_INFINITY, 0.4, 0.5),
                        IllegalArgumentException.class, "Example 0", "'f2'", "Infinity"),
                refusedPrediction("-Infinity value", one(NAMES, Double.NEGATIVE_INFINITY, 0.2, 0.3, 0.4, 0.5),
                        IllegalArgumentException.class, "Example 0", "'f0'", "-Infinity"),
                refusedPrediction("1e39 (beyond float32)", one(NAMES, 0.1, 0.2, 0.3, 1e39, 0.5),
                        IllegalArgumentException.class, "Example 0", "'f3'", "float32"),
                refusedPrediction("bad value at index 300 of a 400-example batch", badAt(300, Double.NaN),
                        IllegalArgumentException.class, "Example 300", "'f3'"),
                refusedPrediction("a known feature twice (Tribuo's datasets refuse it at training)",
                        one(new String[]{"f0", "f1", "f1", "f2", "f3", "f4"}, 0.1, 0.2, 9.0, 0.3, 0.4, 0.5),
                        IllegalArgumentException.class, "Example 0", "'f1'", "more than once"),
                refusedPrediction("a known feature twice at index 300 of a 400-example batch", () -> {
                    List<Example<Event>> list = new ArrayList<>(IaeModelFixtures.examples(NAMES, 400, 8L));
                    list.get(300).add(new Feature("f3", 1.0));
                    return list;
                }, IllegalArgumentException.class, "Example 300", "'f3'", "more than once"),
                predicts("an unseen feature twice is ignored", one(new String[]{"f0", "f1", "f2", "f3", "f4", "zz", "zz"},
                        0.1, 0.2, 0.3, 0.4, 0.5, 1.0, 2.0), (m, p) -> {
                            double ref = m.predict(ReliabilityFixtures.example(NAMES, 0.1, 0.2, 0.3, 0.4, 0.5))
                                    .getOutput().getScore();
                            assertEquals(ref, p.get(0).getOutput().getScore(), 0.0);
                        }),
                refusedPrediction("only unseen features", one(new String[]{"a", "b"}, 1, 2),
                        IllegalArgumentException.class, "Example 0", "no feature known"),
                refusedPrediction("no feature at all", () -> List.of(new ArrayExample<>(AnomalyFactory.EXPECTED_EVENT)),
                        IllegalArgumentException.class, "Example 0", "no feature known"),
                refusedPrediction("NaN in an unseen feature (a data error even if unused)",
                        one(withUnseen, 0.1, 0.2, 0.3, 0.4, 0.5, Double.NaN),
                        IllegalArgumentException.class, "Example 0", "'zz_unseen'"),
                predicts("unseen feature next to known ones is ignored", one(withUnseen, 0.1, 0.2, 0.3, 0.4, 0.5, 42.0),
                        (m, p) -> {
                            double ref = m.predict(ReliabilityFixtures.example(NAMES, 0.1, 0.2, 0.3, 0.4, 0.5))
                                    .getOutput().getScore();
                            assertEquals(ref, p.get(0).getOutput().getScore(), 0.0);
                            assertEquals(5, p.get(0).getNumActiveFeatures());
                        }),
                predicts("missing features count as 0", one(new String[]{"f1", "f3"}, 0.7, -0.2), (m, p) -> {
                    double ref = m.predict(ReliabilityFixtures.example(NAMES, 0, 0.7, 0, -0.2, 0)).getOutput().getScore();
                    assertEquals(ref, p.get(0).getOutput().getScore(), 0.0);
                    assertEquals(2, p.get(0).getNumActiveFeatures());
                }),
                predicts("empty input gives no predictions", Collections::emptyList,
                        (m, p) -> assertTrue(p.isEmpty())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("predictionCases")
    public void prediction(PredictCase c) {
        List<Example<Event>> input = c.input.get();
        if (c.error != null) {
            RuntimeException e = assertThrows(c.error, () -> model.predict(input));
            assertMessage(e, c.message);
            if (input.size() == 1) {
                // The single-example path gives the same answer as the batch path.
                RuntimeException e1 = assertThrows(c.error, () -> model.predict(input.get(0)));
                assertMessage(e1, c.message);
            }
        } else {
            // Every row here must predict: a refusal (e.g. an input turned into a non-finite score) fails the row.
            List<Prediction<Event>> p = model.predict(input);
            assertEquals(input.size(), p.size());
            for (Prediction<Event> pr : p) {
                assertFalse(Double.isNaN(pr.getOutput().getScore()), "NaN score");
            }
            c.check.accept(model, p);
        }
    }

    @Test
    public void predictionExtremesNeverGiveNaN() {
        // Sweep huge finite values through every feature: each prediction is finite or refused as "not finite".
        double[] extremes = {1e38, -1e38, 3.4e38, -3.4e38, 1e30, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-38};
        int refusals = 0;
        int finite = 0;
        for (int f = 0; f < NAMES.length; f++) {
            for (double x : extremes) {
                double[] v = {0.5, 0.5, 0.5, 0.5, 0.5};
                v[f] = x;
                try {
                    double s = model.predict(ReliabilityFixtures.example(NAMES, v)).getOutput().getScore();
                    assertTrue(Double.isFinite(s), "feature " + f + " = " + x + " gave " + s);
                    finite++;
                } catch (IllegalArgumentException e) {
                    // Only a huge value may be refused; a tiny one (subnormal, 1e-38) is an ordinary input.
                    assertTrue(Math.abs(x) >= 1.0, "feature " + f + " = " + x + " was refused: " + e.getMessage());
                    assertMessage(e, List.of("Example 0", "not finite"));
                    refusals++;
                }
            }
        }
        assertEquals(NAMES.length * extremes.length, finite + refusals);
        System.out.printf(Locale.ROOT, "extreme inputs: %d finite scores, %d refused as not finite%n", finite, refusals);
    }

    @Test
    public void outputsRejectsRowsOfTheWrongShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.outputs(new float[][]{{1f, 2f, 3f, 4f}}));
        assertMessage(e, List.of("Row 0", "4 values", "5 features"));
        assertThrows(IllegalArgumentException.class, () -> model.outputs(new float[0][]));
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> model.outputs(new float[][]{{1f, 2f, 3f, 4f, 5f}, {1f, Float.NaN, 3f, 4f, 5f}}));
        assertMessage(nan, List.of("Row 1", "'f1'"));
    }

    // ------------------------------------------------------------------------------------------- training faults

    /**
     * An interrupted training thread must stop within about one batch (not run to the end) and free its native
     * memory: {@code IaeTrainingLoop} checks {@link Thread#isInterrupted()} before every batch.
     */
    @Test
    public void interruptedTrainingStopsWithinABatch() throws Exception {
        // About 400 batches of 16: tens of seconds if not interrupted, a few milliseconds per batch.
        IaeTrainer trainer = ReliabilityFixtures.tinyTrainer().pretrainEpochs(0).epochs(200).batchSize(16).build();
        MutableDataset<Event> data = expected(400, 9L);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> flagKept = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try (IaeModel m = trainer.train(data)) {
                thrown.set(new AssertionError("training finished despite the interrupt: " + m));
            } catch (Throwable t) {
                thrown.set(t);
                flagKept.set(Thread.currentThread().isInterrupted());
            }
        }, "interrupted-training");
        worker.start();
        Thread.sleep(1500);
        assertTrue(worker.isAlive(), "training finished before it could be interrupted");
        long t0 = System.nanoTime();
        worker.interrupt();
        worker.join(5000);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertFalse(worker.isAlive(), "training did not stop within 5 s of the interrupt");
        Throwable t = thrown.get();
        assertNotNull(t);
        boolean mentionsInterrupt = false;
        for (Throwable c = t; c != null; c = c.getCause()) {
            mentionsInterrupt |= c instanceof InterruptedException
                    || String.valueOf(c.getMessage()).toLowerCase(Locale.ROOT).contains("interrupt");
        }
        assertTrue(mentionsInterrupt, "the exception should say the training was interrupted: " + t);
        assertTrue(Boolean.TRUE.equals(flagKept.get()) || t.getCause() instanceof InterruptedException,
                "the interrupt status should be kept (or the InterruptedException passed on): " + t);
        System.out.printf(Locale.ROOT, "training stopped %.3f s after the interrupt%n", seconds);
    }
}
