package dev.iae.examples.perf;

import dev.iae.tribuo.IaeModel;
import org.tribuo.Example;
import org.tribuo.Prediction;
import org.tribuo.anomaly.AnomalyFactory;
import org.tribuo.anomaly.Event;
import org.tribuo.impl.ArrayExample;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Streams {@code rows} synthetic tabular rows (100 features) through {@code IaeModel.predict} in chunks, never
 * holding more than one chunk, and prints the peak heap (sum of the heap pools' peak usage), the peak resident
 * set (VmHWM) and the throughput. Run it with {@code -Xmx256m} to check constant-memory scoring.
 * <p>Usage: {@code ScoreMemory rows chunk [model.pb]}. With a model file that exists, the model is loaded from it
 * (Tribuo protobuf) and DJL is never loaded, so VmHWM is the scoring process alone; with a file that does not
 * exist, the tabular fixture is trained, saved there, and the process exits (the preparation step).
 */
public final class ScoreMemory {

    private ScoreMemory() { }

    /**
     * Runs the check.
     * @param args rows, chunk size and optionally the model file.
     * @throws IOException if the model file cannot be read or written.
     */
    public static void main(String[] args) throws IOException {
        PerfSetup.init();
        long rows = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000L;
        int chunk = args.length > 1 ? Integer.parseInt(args[1]) : 4096;
        double hwmBeforeModel = PerfSetup.vmHwmMiB();
        Path file = args.length > 2 ? Paths.get(args[2]) : null;
        if (file != null && !Files.exists(file)) {
            try (PerfFixtures.Fixture f = PerfFixtures.build(PerfFixtures.Config.TABULAR)) {
                try (OutputStream os = Files.newOutputStream(file)) {
                    f.model.serialize().writeTo(os);
                }
            }
            System.out.println("SCOREMEM-MODEL saved " + file);
            return;
        }
        try (IaeModel model = file == null ? PerfFixtures.build(PerfFixtures.Config.TABULAR).model
                : IaeModel.loadProtobuf(file)) {
            double hwmAfterTraining = PerfSetup.vmHwmMiB();
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                pool.resetPeakUsage();
            }
            String[] names = PerfFixtures.names(PerfFixtures.Config.TABULAR);
            Random rng = new Random(5L);
            long done = 0;
            long anomalous = 0;
            double sum = 0;
            long t0 = System.nanoTime();
            List<Example<Event>> batch = new ArrayList<>(chunk);
            while (done < rows) {
                batch.clear();
                int b = (int) Math.min(chunk, rows - done);
                for (int i = 0; i < b; i++) {
                    double[] v = new double[names.length];
                    for (int j = 0; j < v.length; j++) {
                        v[j] = rng.nextGaussian() + (j % 7);
                    }
                    batch.add(new ArrayExample<>(AnomalyFactory.UNKNOWN_EVENT, names, v));
                }
                for (Prediction<Event> p : model.predict(batch)) {
                    sum += p.getOutput().getScore();
                    if (p.getOutput().getType() == Event.EventType.ANOMALOUS) {
                        anomalous++;
                    }
                }
                done += b;
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            long peakHeap = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    peakHeap += pool.getPeakUsage().getUsed();
                }
            }
            System.out.printf("SCOREMEM rows=%d chunk=%d seconds=%.1f rows_per_s=%.0f mean_score=%.6g anomalous=%d "
                            + "max_heap_mib=%.0f peak_heap_used_mib=%.1f vmhwm_mib=%.1f vmhwm_before_model_mib=%.1f "
                            + "vmhwm_after_model_mib=%.1f model=%s%n", done, chunk, secs, done / secs, sum / done, anomalous,
                    Runtime.getRuntime().maxMemory() / 1048576.0, peakHeap / 1048576.0, PerfSetup.vmHwmMiB(),
                    hwmBeforeModel, hwmAfterTraining, file == null ? "trained-in-process" : "loaded-from-file");
        }
    }
}
