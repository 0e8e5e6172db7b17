package dev.iae.tribuo;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Resident memory under load, measured in child JVMs ({@link RssProbeMain}) with a fixed, pre-touched 96 MB heap
 * and {@code MALLOC_ARENA_MAX=2}, so growth of VmRSS is native memory (ONNX Runtime, libtorch) rather than the
 * Java heap filling up.
 * <ul>
 *     <li>100,000 predictions (after 20,000 warm-up ones) grow RSS by at most {@value #PREDICTION_BOUND_KB} KiB;</li>
 *     <li>200 model copies opened and closed (one ONNX Runtime session each) grow RSS by at most
 *     {@value #REOPEN_BOUND_KB} KiB;</li>
 *     <li>after each of several DJL trainings, DJL tracks exactly as many live native objects as before the first
 *     (its baseline; a control shows the count sees an open array), and RSS grows by at most
 *     {@value #TRAINING_BOUND_KB} KiB from the first to the last training.</li>
 * </ul>
 * Longer measurement: {@code -Diae.memory.predictions=1000000 -Diae.memory.trainings=60} (see the README).
 */
public class MemoryTest {

    /** Measured: +40 KiB over 100,000 predictions; 8 MiB is about 84 bytes per prediction. */
    static final long PREDICTION_BOUND_KB = 8 * 1024;
    static final long REOPEN_BOUND_KB = 32 * 1024;
    static final long TRAINING_BOUND_KB = 64 * 1024;

    private static final List<String> JVM = List.of("-Xms96m", "-Xmx96m", "-XX:+AlwaysPreTouch");
    private static final Map<String, String> ENV = Map.of("MALLOC_ARENA_MAX", "2");

    private static long kb(ReliabilityFixtures.ChildResult r, String label) {
        return r.reports("RSS_KB").stream().filter(s -> s.startsWith(label + " ")).findFirst()
                .map(s -> Long.parseLong(s.substring(label.length() + 1)))
                .orElseThrow(() -> new AssertionError("no RSS for " + label + "\n" + r.describe()));
    }

    @Test
    public void predictionsDoNotGrowResidentMemory() {
        int n = Integer.getInteger("iae.memory.predictions", 100_000);
        ReliabilityFixtures.ChildResult r = ReliabilityFixtures.runChild(RssProbeMain.class, JVM, ENV,
                Duration.ofSeconds(120 + n / 1000), "predict", Integer.toString(n));
        assertEquals(0, r.exitCode, r::describe);
        long before = kb(r, "before");
        long after = kb(r, "after");
        long peak = kb(r, "peak");
        System.out.printf("RSS over %,d predictions: %,d KiB -> %,d KiB (growth %+,d KiB, peak %,d KiB); %s%n",
                n, before, after, after - before, peak, r.report("PREDICTIONS"));
        assertTrue(r.report("PREDICTIONS").contains("checksum finite"), r::describe);
        assertTrue(after - before <= PREDICTION_BOUND_KB, "RSS grew by " + (after - before) + " KiB over " + n
                + " predictions (bound " + PREDICTION_BOUND_KB + " KiB)");
    }

    @Test
    public void openingAndClosingSessionsDoesNotLeak() {
        ReliabilityFixtures.ChildResult r = ReliabilityFixtures.runChild(RssProbeMain.class, JVM, ENV,
                Duration.ofMinutes(3), "reopen", "200");
        assertEquals(0, r.exitCode, r::describe);
        long[] samples = Arrays.stream(r.report("REOPEN").split(",")).mapToLong(Long::parseLong).toArray();
        assertEquals(10, samples.length);
        long growth = samples[samples.length - 1] - samples[0];
        System.out.printf("RSS over 200 session open/close cycles (every 20): %s KiB (growth %+,d KiB)%n",
                Arrays.toString(samples), growth);
        assertTrue(growth <= REOPEN_BOUND_KB, "RSS grew by " + growth + " KiB over 200 sessions");
    }

    @Test
    public void djlNativeMemoryReturnsToBaselineAfterTraining() {
        int k = Integer.getInteger("iae.memory.trainings", 4);
        ReliabilityFixtures.ChildResult r = ReliabilityFixtures.runChild(RssProbeMain.class, JVM, ENV,
                Duration.ofSeconds(120 + 10L * k), "train", Integer.toString(k));
        assertEquals(0, r.exitCode, r::describe);
        List<String> counts = r.reports("DJL_RESOURCES");
        int baseline = Integer.parseInt(counts.get(0).split(" ")[1]);
        assertTrue(counts.get(0).startsWith("engine "), counts::toString);
        assertTrue(Integer.parseInt(counts.get(1).replace("control-open ", "")) > baseline,
                "the resource counter does not see an open array: " + counts);
        for (String c : counts.subList(2, counts.size())) {
            assertEquals(baseline, Integer.parseInt(c.split(" ")[1]), "DJL native objects left behind: " + counts);
        }
        assertEquals(k + 3, counts.size(), counts::toString);
        long first = kb(r, "training1");
        long last = kb(r, "training" + k);
        System.out.printf("RSS: start %,d KiB, DJL engine %,d KiB, trainings %s KiB (first->last %+,d KiB); "
                        + "DJL live native objects %s%n", kb(r, "start"), kb(r, "engine"), r.report("TRAININGS"),
                last - first, counts);
        assertTrue(last - first <= TRAINING_BOUND_KB, "RSS grew by " + (last - first) + " KiB over " + k
                + " trainings");
    }
}
