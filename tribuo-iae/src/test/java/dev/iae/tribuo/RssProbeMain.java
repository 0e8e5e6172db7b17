package dev.iae.tribuo;

import dev.iae.onnx.ScoreKind;
import org.tribuo.Example;
import org.tribuo.MutableDataset;
import org.tribuo.anomaly.Event;

import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * Child-JVM entry point of {@link MemoryTest}: measures the resident set size (VmRSS) of a JVM with a fixed,
 * pre-touched heap, so that any growth is native memory (ONNX Runtime, libtorch) or metaspace, not the Java heap.
 * <ul>
 *     <li>{@code predict N}: after 20,000 warm-up predictions, N single-example predictions (every 100th a batch of
 *     10, every 1,000th an excuse) on one {@link IaeModel}; reports RSS before and after, and its peak.</li>
 *     <li>{@code train K}: K tiny IAE-LSTM-KL trainings (DJL) in a row, each model closed; reports RSS after DJL's
 *     engine start-up and after each training, and the number of native objects DJL still tracks (NDArrays,
 *     parameters, managers reachable from its system manager).</li>
 * </ul>
 * Output: {@code @@RSS_KB label value} lines and {@code @@DONE}.
 */
public final class RssProbeMain {

    private RssProbeMain() { }

    private static long settledRss() throws InterruptedException {
        System.gc();
        Thread.sleep(200);
        System.gc();
        return ReliabilityFixtures.rssKb();
    }

    /**
     * Live native objects DJL tracks: every resource (NDArray, parameter, child manager) reachable from the
     * engine's system manager, counted recursively through DJL's internal resource maps.
     */
    static int djlResources() throws ReflectiveOperationException {
        ai.djl.ndarray.NDManager probe = ai.djl.engine.Engine.getInstance().newBaseManager();
        ai.djl.ndarray.NDManager system = probe.getParentManager();
        probe.close();
        return count(system);
    }

    private static int count(Object manager) throws ReflectiveOperationException {
        java.lang.reflect.Field res = ai.djl.ndarray.BaseNDManager.class.getDeclaredField("resources");
        java.lang.reflect.Field temp = ai.djl.ndarray.BaseNDManager.class.getDeclaredField("tempResources");
        res.setAccessible(true);
        temp.setAccessible(true);
        int n = ((java.util.Map<?, ?>) temp.get(manager)).size();
        for (Object r : ((java.util.Map<?, ?>) res.get(manager)).values()) {
            n += 1 + (r instanceof ai.djl.ndarray.BaseNDManager ? count(r) : 0);
        }
        return n;
    }

    private static void report(String label, long kb) {
        System.out.println(ReliabilityFixtures.REPORT + "RSS_KB " + label + " " + kb);
    }

    private static void predict(int n) throws Exception {
        String[] names = IaeModelFixtures.names("f", 6);
        MutableDataset<Event> ds = IaeModelFixtures.dataset(names, 30, 1L);
        List<Example<Event>> examples = IaeModelFixtures.examples(names, 1000, 2L);
        report("start", settledRss());
        try (IaeModel m = IaeModel.create("rss", IaeModelFixtures.provenance(ds, "rss"), ds.getFeatureIDMap(),
                ds.getOutputIDInfo(), IaeModelFixtures.tabular(DenseFeatures.featureNames(ds.getFeatureIDMap()), 42L,
                        true, true, ScoreKind.SVDD, 1.0), ExecutionProvider.CPU)) {
            double sink = 0;
            for (int i = 0; i < 20_000; i++) {
                sink += m.predict(examples.get(i % examples.size())).getOutput().getScore();
            }
            long before = settledRss();
            report("before", before);
            long peak = before;
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                Example<Event> e = examples.get(i % examples.size());
                sink += m.predict(e).getOutput().getScore();
                if (i % 100 == 0) {
                    sink += m.predict(examples.subList(0, 10)).get(9).getOutput().getScore();
                }
                if (i % 1000 == 0) {
                    sink += m.getExcuse(e).isPresent() ? 1 : 0;
                }
                if (i % 10_000 == 0) {
                    peak = Math.max(peak, ReliabilityFixtures.rssKb());
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            long after = settledRss();
            report("after", after);
            report("peak", Math.max(peak, after));
            System.out.println(ReliabilityFixtures.REPORT + String.format(Locale.ROOT, "PREDICTIONS %d in %.2f s (%.1f us each), checksum %s",
                    n, secs, secs * 1e6 / n, Double.isFinite(sink) ? "finite" : "NOT FINITE"));
        }
        report("closed", settledRss());
    }

    private static void train(int k) throws Exception {
        String[] names = IaeModelFixtures.names("f", 8);
        MutableDataset<Event> data = ReliabilityFixtures.gaussian(names, 600, 3L, Event.EventType.EXPECTED);
        List<Example<Event>> test = IaeModelFixtures.examples(names, 20, 4L);
        report("start", settledRss());
        DjlRuntime.engine(1);
        report("engine", settledRss());
        System.out.println(ReliabilityFixtures.REPORT + "DJL_RESOURCES engine " + djlResources());
        // Control: the counter sees an array that is still open, and its release.
        try (ai.djl.ndarray.NDManager m = ai.djl.engine.Engine.getInstance().newBaseManager()) {
            m.create(new float[1000]);
            System.out.println(ReliabilityFixtures.REPORT + "DJL_RESOURCES control-open " + djlResources());
        }
        System.out.println(ReliabilityFixtures.REPORT + "DJL_RESOURCES control-closed " + djlResources());
        StringJoiner all = new StringJoiner(",");
        for (int i = 1; i <= k; i++) {
            IaeTrainer trainer = ReliabilityFixtures.tinyTrainer().encoderSizes(32, 16).lstmHidden(32).repDim(8)
                    .pretrainEpochs(2).epochs(4).seed(100L + i).build();
            try (IaeModel m = trainer.train(data)) {
                double s = m.predict(test.get(0)).getOutput().getScore();
                if (!Double.isFinite(s)) {
                    throw new IllegalStateException("non-finite score " + s);
                }
            }
            long rss = settledRss();
            report("training" + i, rss);
            System.out.println(ReliabilityFixtures.REPORT + "DJL_RESOURCES training" + i + " " + djlResources());
            all.add(Long.toString(rss));
        }
        System.out.println(ReliabilityFixtures.REPORT + "TRAININGS " + all);
    }

    private static void reopen(int k) throws Exception {
        String[] names = IaeModelFixtures.names("f", 6);
        MutableDataset<Event> ds = IaeModelFixtures.dataset(names, 30, 1L);
        List<Example<Event>> examples = IaeModelFixtures.examples(names, 10, 2L);
        IaeModel base = IaeModel.create("rss", IaeModelFixtures.provenance(ds, "rss"), ds.getFeatureIDMap(),
                ds.getOutputIDInfo(), IaeModelFixtures.tabular(DenseFeatures.featureNames(ds.getFeatureIDMap()), 42L,
                        true, true, ScoreKind.SVDD, 1.0), ExecutionProvider.CPU);
        StringJoiner all = new StringJoiner(",");
        for (int i = 1; i <= k; i++) {
            try (IaeModel m = base.withChunkSize(1 + i % 7)) {
                m.predict(examples);
            }
            if (i % Math.max(1, k / 10) == 0) {
                all.add(Long.toString(settledRss()));
            }
        }
        base.close();
        System.out.println(ReliabilityFixtures.REPORT + "REOPEN " + all);
    }

    /**
     * @param args {@code predict N}, {@code train K} or {@code reopen K}.
     * @throws Exception on failure (the parent checks the exit code).
     */
    public static void main(String[] args) throws Exception {
        String mode = args[0];
        int count = Integer.parseInt(args[1]);
        if (mode.equals("predict")) {
            predict(count);
        } else if (mode.equals("train")) {
            train(count);
        } else if (mode.equals("reopen")) {
            reopen(count);
        } else {
            throw new IllegalArgumentException("Unknown mode " + mode);
        }
        System.out.println(ReliabilityFixtures.REPORT + "DONE");
        System.out.flush();
        System.exit(0);
    }
}
