package dev.iae.examples.perf;

import dev.iae.tribuo.IaeTrainer;
import org.tribuo.MutableDataset;
import org.tribuo.anomaly.Event;

/**
 * Training throughput of the project (DJL, PyTorch engine, 1 thread): examples per second over autoencoder
 * pre-training, the centre pass and joint training, as timed by the training loop itself (the same span
 * {@code benchmarks/perf_torch.py train} times). Prints one {@code TRAIN} line per run; the first {@code warmup}
 * runs are labelled as warm-up.
 * <p>Usage: {@code TrainThroughput TABULAR|IMAGE examples pretrainEpochs epochs warmupRuns measuredRuns}.
 */
public final class TrainThroughput {

    private TrainThroughput() { }

    /**
     * Runs the measurement.
     * @param args see the class comment.
     */
    public static void main(String[] args) {
        PerfSetup.init();
        if (args.length != 6) {
            System.err.println("usage: TrainThroughput TABULAR|IMAGE examples pretrainEpochs epochs warmupRuns "
                    + "measuredRuns");
            System.exit(2);
        }
        PerfFixtures.Config config = PerfFixtures.Config.valueOf(args[0]);
        int n = Integer.parseInt(args[1]);
        int pre = Integer.parseInt(args[2]);
        int ep = Integer.parseInt(args[3]);
        int warm = Integer.parseInt(args[4]);
        int runs = Integer.parseInt(args[5]);
        MutableDataset<Event> data = PerfFixtures.data(config, n, 3L);
        for (int r = 0; r < warm + runs; r++) {
            IaeTrainer trainer = PerfFixtures.trainer(config, pre, ep, 100L + r);
            try (IaeTrainer.TrainedNetwork t = trainer.trainNetwork(data)) {
                System.out.printf("TRAIN impl=project config=%s run=%s examples=%d pretrain=%d epochs=%d "
                                + "examples_per_s=%.1f%n", config, r < warm ? "warmup" : Integer.toString(r - warm),
                        n, pre, ep, t.examplesPerSecond());
            }
        }
    }
}
