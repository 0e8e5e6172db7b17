package dev.iae.tribuo;

import dev.iae.onnx.IaeNetworkDescription;
import dev.iae.onnx.ScoreKind;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tribuo.Example;
import org.tribuo.Excuse;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.anomaly.Event;
import org.tribuo.protos.core.ModelProto;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link IaeModel} under concurrent use, on real ONNX Runtime sessions: 16 threads predicting at once (batches,
 * single examples, excuses, raw outputs, serialization) get bit-for-bit the scores of sequential calls of the same
 * shape, for tabular and image graphs; {@code close()} racing with 16 predicting threads (and with other
 * {@code close()} calls) gives every caller either a complete, correct result or an {@link IllegalStateException}
 * — never a partial result, another exception or a crash — and every later call an {@link IllegalStateException}.
 */
public class ConcurrencyTest {

    private static final int THREADS = 16;

    /** A model built from a fixture network, with its own dataset and test examples. */
    static final class Fixture {
        final Function<List<String>, IaeNetworkDescription> network;
        final String[] names;

        Fixture(String[] names, Function<List<String>, IaeNetworkDescription> network) {
            this.names = names;
            this.network = network;
        }

        IaeModel open(int chunkSize) {
            MutableDataset<Event> ds = IaeModelFixtures.dataset(names, 30, 1L);
            IaeNetworkDescription d = network.apply(DenseFeatures.featureNames(ds.getFeatureIDMap()));
            return IaeModel.create("concurrency", IaeModelFixtures.provenance(ds, "c"), ds.getFeatureIDMap(),
                    ds.getOutputIDInfo(), d, ExecutionProvider.CPU).withChunkSize(chunkSize);
        }

        List<Example<Event>> examples(int n) {
            return IaeModelFixtures.examples(names, n, 17L);
        }
    }

    private static String[] pixels(int n) {
        String[] p = new String[n];
        for (int i = 0; i < n; i++) {
            p[i] = String.format(Locale.ROOT, "px%03d", i);
        }
        return p;
    }

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of(Named.of("tabular LSTM+decoder, SVDD score", new Fixture(IaeModelFixtures.names("f", 6),
                        n -> IaeModelFixtures.tabular(n, 3L, true, true, ScoreKind.SVDD, 1.0)))),
                Arguments.of(Named.of("tabular, combined score", new Fixture(IaeModelFixtures.names("f", 6),
                        n -> IaeModelFixtures.tabular(n, 4L, true, true, ScoreKind.COMBINED, 2.0)))),
                Arguments.of(Named.of("image 1x8x8 conv+LSTM", new Fixture(pixels(64),
                        n -> IaeModelFixtures.image(n, 5L, 1.0)))));
    }

    /** Sequential reference results for every kind of call the workers make. */
    private static final class Reference {
        final double[] batch;
        final double[] singles;
        final List<Excuse<Event>> excuses;
        final float[] latent;

        Reference(IaeModel m, List<Example<Event>> examples, float[][] rows) {
            batch = ReliabilityFixtures.scores(m.predict(examples));
            singles = examples.stream().mapToDouble(e -> m.predict(e).getOutput().getScore()).toArray();
            excuses = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Optional<Excuse<Event>> ex = m.getExcuse(examples.get(i));
                ex.ifPresent(excuses::add);
            }
            latent = m.outputs(rows).get("latent").data();
        }
    }

    private static float[][] rows(IaeModel m, List<Example<Event>> examples, int n) {
        float[][] r = new float[n][];
        for (int i = 0; i < n; i++) {
            r[i] = DenseFeatures.toDense(examples.get(i), m.getFeatureIDMap(), i);
        }
        return r;
    }

    /** One worker's call: thread t does kind t % 5, and checks it against the sequential reference. */
    private static void call(int t, int round, IaeModel m, List<Example<Event>> examples, float[][] rows, Reference ref) {
        switch (t % 5) {
            case 0:
            case 1:
                assertArrayEquals(ref.batch, ReliabilityFixtures.scores(m.predict(examples)), "batch, thread " + t);
                break;
            case 2: {
                int i = (t * 7 + round) % examples.size();
                assertEquals(ref.singles[i], m.predict(examples.get(i)).getOutput().getScore(), 0.0,
                        "single example " + i + ", thread " + t);
                break;
            }
            case 3: {
                int i = round % 4;
                Optional<Excuse<Event>> e = m.getExcuse(examples.get(i));
                assertEquals(4, ref.excuses.size(), "reference excuses (every fixture has a decoder)");
                assertEquals(ref.excuses.get(i).getScores(), e.orElseThrow().getScores(), "excuse " + i);
                assertEquals(ref.excuses.get(i).getPrediction().getOutput().getScore(),
                        e.orElseThrow().getPrediction().getOutput().getScore(), 0.0);
                break;
            }
            default:
                assertArrayEquals(ref.latent, m.outputs(rows).get("latent").data(), "latent, thread " + t);
                break;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    public void sixteenThreadsGiveTheSequentialScores(Fixture fixture) throws Exception {
        List<Example<Event>> examples = fixture.examples(300);
        try (IaeModel m = fixture.open(64)) {
            float[][] rows = rows(m, examples, 8);
            Reference ref = new Reference(m, examples, rows);
            int rounds = 6;
            CyclicBarrier start = new CyclicBarrier(THREADS);
            AtomicInteger inFlight = new AtomicInteger();
            AtomicInteger maxInFlight = new AtomicInteger();
            AtomicInteger calls = new AtomicInteger();
            Map<Integer, Throwable> failures = new ConcurrentHashMap<>();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                final int id = t;
                Thread w = new Thread(() -> {
                    try {
                        start.await(30, TimeUnit.SECONDS);
                        // At least `rounds` calls, more (up to 300) until two calls have been seen in flight at once.
                        for (int r = 0; r < rounds || (maxInFlight.get() < 2 && r < 300); r++) {
                            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                            try {
                                call(id, r, m, examples, rows, ref);
                            } finally {
                                inFlight.decrementAndGet();
                            }
                            calls.incrementAndGet();
                        }
                    } catch (Throwable e) {
                        failures.put(id, e);
                    }
                }, "predict-" + t);
                workers.add(w);
                w.start();
            }
            for (Thread w : workers) {
                w.join(120_000);
                assertFalse(w.isAlive(), w.getName() + " is stuck");
            }
            assertTrue(failures.isEmpty(), () -> "worker failures: " + failures);
            assertTrue(calls.get() >= THREADS * rounds, "calls " + calls.get());
            assertTrue(maxInFlight.get() >= 2, "the calls never overlapped (max in flight " + maxInFlight.get() + ")");
            // Serialization while others predict is covered below; the model still predicts the reference now.
            assertArrayEquals(ref.batch, ReliabilityFixtures.scores(m.predict(examples)));
        }
    }

    /** How the close is provoked. */
    enum CloseTiming {
        /** close() as soon as the workers are released. */
        IMMEDIATELY(0, 1),
        /** close() after a few milliseconds of load. */
        AFTER_5_MS(5, 1),
        /** close() after 60 ms, from four threads at once. */
        STORM_AFTER_60_MS(60, 4);

        final int delayMs;
        final int closers;

        CloseTiming(int delayMs, int closers) {
            this.delayMs = delayMs;
            this.closers = closers;
        }
    }

    static Stream<Arguments> closeCases() {
        List<Arguments> out = new ArrayList<>();
        models().forEach(m -> {
            for (CloseTiming t : CloseTiming.values()) {
                Named<?> named = (Named<?>) m.get()[0];
                out.add(Arguments.of(Named.of(named.getName() + ", close " + t, new Object[]{named.getPayload(), t})));
            }
        });
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("closeCases")
    public void closeDuringPredictionGivesIllegalStateExceptionOnly(Object[] testCase) throws Exception {
        Fixture fixture = (Fixture) testCase[0];
        CloseTiming timing = (CloseTiming) testCase[1];
        List<Example<Event>> examples = fixture.examples(200);
        // Small chunks: a batch needs several ONNX Runtime calls, so close() can land between two of them.
        IaeModel m = fixture.open(16);
        float[][] rows = rows(m, examples, 8);
        Reference ref = new Reference(m, examples, rows);
        byte[] serializedBefore = m.serialize().toByteArray();

        CyclicBarrier start = new CyclicBarrier(THREADS + timing.closers);
        AtomicInteger completed = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger serialized = new AtomicInteger();
        Map<Integer, Throwable> unexpected = new ConcurrentHashMap<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            final int id = t;
            Thread w = new Thread(() -> {
                try {
                    start.await(30, TimeUnit.SECONDS);
                    for (int r = 0; ; r++) {
                        if (id == THREADS - 1) {
                            // Serialization never needs the session: it works before, during and after close().
                            assertArrayEquals(serializedBefore, m.serialize().toByteArray());
                            serialized.incrementAndGet();
                            if (m.isClosed()) {
                                return;
                            }
                            continue;
                        }
                        try {
                            call(id, r, m, examples, rows, ref);
                            completed.incrementAndGet();
                        } catch (IllegalStateException e) {
                            if (!String.valueOf(e.getMessage()).contains("closed")) {
                                throw e;
                            }
                            refused.incrementAndGet();
                            return;
                        }
                    }
                } catch (Throwable e) {
                    unexpected.put(id, e);
                }
            }, "close-race-" + t);
            threads.add(w);
        }
        AtomicReference<Throwable> closeFailure = new AtomicReference<>();
        for (int c = 0; c < timing.closers; c++) {
            threads.add(new Thread(() -> {
                try {
                    start.await(30, TimeUnit.SECONDS);
                    if (timing.delayMs > 0) {
                        Thread.sleep(timing.delayMs);
                    }
                    m.close();
                } catch (Throwable e) {
                    closeFailure.set(e);
                }
            }, "closer-" + c));
        }
        threads.forEach(Thread::start);
        for (Thread w : threads) {
            w.join(120_000);
            assertFalse(w.isAlive(), w.getName() + " is stuck");
        }
        assertNull(closeFailure.get(), () -> "close() failed: " + closeFailure.get());
        assertTrue(unexpected.isEmpty(), () -> "unexpected failures: " + unexpected);
        assertEquals(THREADS - 1, refused.get(), "every predicting worker ends with IllegalStateException");
        assertTrue(serialized.get() >= 1);
        assertTrue(m.isClosed());

        // Every later call of every kind is refused the same way.
        List<Runnable> later = List.of(() -> m.predict(examples), () -> m.predict(examples.get(0)),
                () -> m.getExcuse(examples.get(0)), () -> m.outputs(rows));
        for (Runnable r : later) {
            IllegalStateException e = assertThrows(IllegalStateException.class, r::run);
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
        m.close();
        // The closed model's serialized form loads into a working model with the same scores.
        try (IaeModel reloaded = (IaeModel) Model.deserialize(ModelProto.parseFrom(m.serialize().toByteArray()))) {
            assertArrayEquals(ref.batch, ReliabilityFixtures.scores(reloaded.predict(examples)));
        }
        System.out.printf(Locale.ROOT, "close %s: %d calls completed before close, %d refused after%n",
                timing, completed.get(), refused.get());
    }
}
