package dev.iae.tribuo;

import org.tribuo.Example;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.anomaly.AnomalyFactory;
import org.tribuo.anomaly.Event;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Shared helpers of the reliability tests (bad input, no network, concurrency, fuzzing, memory, reproducibility):
 * tiny trainer settings that keep DJL training to a second or two, small Tribuo datasets, a child-JVM launcher
 * (crash isolation and clean system properties) and the resident-memory reader.
 */
final class ReliabilityFixtures {

    /** Prefix of the lines a child JVM prints for the parent to parse. */
    static final String REPORT = "@@";

    private ReliabilityFixtures() { }

    /**
     * A tiny IAE-LSTM-KL configuration: MLP 8/4, LSTM 8, latent 4, 1 pre-training and 2 joint epochs, CPU serving.
     * @return a builder to adjust further.
     */
    static IaeTrainer.Builder tinyTrainer() {
        return IaeTrainer.builder().preset(IaePreset.IAE_LSTM_KL).encoderSizes(8, 4).lstmHidden(8).repDim(4)
                .pretrainEpochs(1).epochs(2).batchSize(32).learningRate(1e-3).seed(11L).threads(1)
                .executionProvider(ExecutionProvider.CPU);
    }

    /**
     * An empty anomaly dataset.
     * @param tag the data source description.
     * @return the dataset.
     */
    static MutableDataset<Event> emptyDataset(String tag) {
        AnomalyFactory factory = new AnomalyFactory();
        return new MutableDataset<>(new SimpleDataSourceProvenance(tag, factory), factory);
    }

    /**
     * A dataset of {@code n} examples of the given type, Gaussian values (mean 0.5, sd 1) over all the names.
     * @param names feature names.
     * @param n number of examples.
     * @param seed the random seed.
     * @param type the event type of every example.
     * @return the dataset.
     */
    static MutableDataset<Event> gaussian(String[] names, int n, long seed, Event.EventType type) {
        MutableDataset<Event> ds = emptyDataset("gaussian-" + n + "-" + seed + "-" + type);
        Random rng = new Random(seed);
        for (int i = 0; i < n; i++) {
            double[] v = new double[names.length];
            for (int j = 0; j < v.length; j++) {
                v[j] = 0.5 + rng.nextGaussian();
            }
            // Tribuo accepts only its singleton for UNKNOWN outputs.
            Event e = type == Event.EventType.UNKNOWN ? AnomalyFactory.UNKNOWN_EVENT : new Event(type);
            ds.add(new ArrayExample<>(e, names, v));
        }
        return ds;
    }

    /**
     * A dataset built from rows of values over the given names (all EXPECTED).
     * @param names feature names.
     * @param rows one value array per example.
     * @return the dataset.
     */
    static MutableDataset<Event> rows(String[] names, double[]... rows) {
        MutableDataset<Event> ds = emptyDataset("rows-" + rows.length);
        for (double[] r : rows) {
            ds.add(new ArrayExample<>(new Event(Event.EventType.EXPECTED), names, r));
        }
        return ds;
    }

    /**
     * An example over the given names and values.
     * @param names feature names.
     * @param values feature values.
     * @return the example (EXPECTED; prediction ignores the type).
     */
    static Example<Event> example(String[] names, double... values) {
        return new ArrayExample<>(new Event(Event.EventType.EXPECTED), names, values);
    }

    /**
     * The scores of a list of predictions.
     * @param predictions the predictions.
     * @return the scores in order.
     */
    static double[] scores(List<Prediction<Event>> predictions) {
        return predictions.stream().mapToDouble(p -> p.getOutput().getScore()).toArray();
    }

    /**
     * Resident set size of this process, from {@code /proc/self/status} (Linux).
     * @return VmRSS in KiB.
     */
    static long rssKb() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read /proc/self/status", e);
        }
        throw new IllegalStateException("No VmRSS line in /proc/self/status");
    }

    /**
     * What a child JVM did.
     */
    static final class ChildResult {
        final int exitCode;
        final boolean timedOut;
        final List<String> stdout;
        final String stderr;
        final double seconds;

        ChildResult(int exitCode, boolean timedOut, List<String> stdout, String stderr, double seconds) {
            this.exitCode = exitCode;
            this.timedOut = timedOut;
            this.stdout = stdout;
            this.stderr = stderr;
            this.seconds = seconds;
        }

        /**
         * The report lines with the given key: child lines {@code @@key rest} give {@code rest}.
         * @param key the key.
         * @return the rest of each matching line, in order.
         */
        List<String> reports(String key) {
            List<String> out = new ArrayList<>();
            String prefix = REPORT + key;
            for (String l : stdout) {
                if (l.equals(prefix)) {
                    out.add("");
                } else if (l.startsWith(prefix + " ")) {
                    out.add(l.substring(prefix.length() + 1));
                }
            }
            return out;
        }

        /**
         * The single report with the given key.
         * @param key the key.
         * @return its value.
         */
        String report(String key) {
            List<String> r = reports(key);
            if (r.size() != 1) {
                throw new AssertionError("Expected one '" + key + "' report from the child JVM, found " + r.size()
                        + "\n" + describe());
            }
            return r.get(0);
        }

        /** @return exit code, stdout and the tail of stderr, for assertion messages. */
        String describe() {
            String tail = stderr.length() > 6000 ? "..." + stderr.substring(stderr.length() - 6000) : stderr;
            return "child exit code " + exitCode + (timedOut ? " (timed out)" : "") + " after "
                    + String.format("%.1f", seconds) + " s\n--- stdout ---\n" + String.join("\n", stdout)
                    + "\n--- stderr (tail) ---\n" + tail;
        }
    }

    /**
     * Runs a main class of the test class path in a new JVM: same Java, same class path, none of the surefire
     * system properties (so the child sees only what the project itself sets), {@code OMP_WAIT_POLICY=PASSIVE}.
     * @param mainClass the class with {@code main}.
     * @param jvmArgs extra JVM arguments.
     * @param env changes to the environment: a null value removes the variable.
     * @param timeout how long to wait before killing the child.
     * @param args program arguments.
     * @return the result.
     */
    static ChildResult runChild(Class<?> mainClass, List<String> jvmArgs, Map<String, String> env, Duration timeout,
                                String... args) {
        return runChild(mainClass, jvmArgs, env, timeout, pb -> { }, args);
    }

    /**
     * As {@link #runChild(Class, List, Map, Duration, String...)}, with a hook to adjust the process builder.
     */
    static ChildResult runChild(Class<?> mainClass, List<String> jvmArgs, Map<String, String> env, Duration timeout,
                                Consumer<ProcessBuilder> adjust, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass.getName());
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        pb.environment().put("OMP_NUM_THREADS", "1");
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (e.getValue() == null) {
                pb.environment().remove(e.getKey());
            } else {
                pb.environment().put(e.getKey(), e.getValue());
            }
        }
        adjust.accept(pb);
        Path out = null;
        Path err = null;
        long start = System.nanoTime();
        try {
            out = Files.createTempFile("iae-child-", ".out");
            err = Files.createTempFile("iae-child-", ".err");
            pb.redirectOutput(out.toFile());
            pb.redirectError(err.toFile());
            Process p = pb.start();
            boolean finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            int code = finished ? p.exitValue() : -1;
            return new ChildResult(code, !finished, Files.readAllLines(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8), (System.nanoTime() - start) / 1e9);
        } catch (IOException e) {
            throw new IllegalStateException("Could not run the child JVM " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the child JVM", e);
        } finally {
            delete(out);
            delete(err);
        }
    }

    private static void delete(Path p) {
        if (p != null) {
            File f = p.toFile();
            if (!f.delete()) {
                f.deleteOnExit();
            }
        }
    }
}
