package dev.iae.examples.cli;

import dev.iae.tribuo.TrainingListener;

import java.util.Locale;

/**
 * Drives a {@link Progress} display from the trainer's {@link TrainingListener} events: the bar advances after every
 * mini-batch (phase, epoch, batch, batch loss, elapsed time, ETA over both phases) and each finished epoch is a
 * milestone (its own line in log mode: {@code pre-training epoch 2/10 L_rec=…} or {@code epoch 3/20 L=…}).
 * <p>
 * The fraction done counts batches of both phases (pre-training and joint batches weigh the same), so the ETA is
 * right as soon as a few batches have run.
 */
public final class TrainingProgress implements TrainingListener {
    private final Progress progress;
    private final int member;
    private final int members;
    private int pretrainEpochs;
    private int batchesPerEpoch = 1;
    private long totalBatches = 1;
    private volatile int examples = -1;

    /**
     * @param progress the display to drive (already started).
     */
    public TrainingProgress(Progress progress) {
        this(progress, 0, 1);
    }

    /**
     * The listener of one member of a score sum: its batches fill the member's share of the bar, and its lines name
     * it ({@code model 2/2 epoch 3/20 ...}).
     * @param progress the display to drive (already started).
     * @param member the member index (0-based).
     * @param members the number of members trained one after the other.
     */
    public TrainingProgress(Progress progress, int member, int members) {
        if (members < 1 || member < 0 || member >= members) {
            throw new IllegalArgumentException("member " + member + " of " + members);
        }
        this.progress = progress;
        this.member = member;
        this.members = members;
    }

    @Override
    public void onStart(int pretrainEpochs, int epochs, int batchesPerEpoch, int examples) {
        this.pretrainEpochs = pretrainEpochs;
        this.batchesPerEpoch = Math.max(1, batchesPerEpoch);
        this.totalBatches = Math.max(1L, (long) (pretrainEpochs + epochs) * this.batchesPerEpoch);
        this.examples = examples;
    }

    /**
     * The number of examples the trainer actually trains on (the EXPECTED ones: it drops the others), as it reported
     * when training started; the command's summary shows this rather than the size of the whole dataset.
     * @return the count, or -1 before training has started.
     */
    public int examples() {
        return examples;
    }

    private double fraction(Phase phase, int epoch, int batch) {
        long before = phase == Phase.PRETRAINING ? 0 : (long) pretrainEpochs * batchesPerEpoch;
        double own = Math.min(1.0, (before + (long) (epoch - 1) * batchesPerEpoch + batch) / (double) totalBatches);
        return (member + own) / members;
    }

    @Override
    public void onBatch(Phase phase, int epoch, int epochs, int batch, int batches, double loss) {
        String detail = phase == Phase.PRETRAINING
                ? String.format(Locale.ROOT, "pre-training %d/%d batch %d/%d L_rec=%.6g", epoch, epochs, batch,
                        batches, loss)
                : String.format(Locale.ROOT, "epoch %d/%d batch %d/%d L=%.6g", epoch, epochs, batch, batches, loss);
        progress.tick(fraction(phase, epoch, batch), prefix() + detail);
    }

    @Override
    public void onEpoch(Phase phase, int epoch, int epochs, double meanLoss, long elapsedMillis) {
        String detail = phase == Phase.PRETRAINING
                ? String.format(Locale.ROOT, "pre-training epoch %d/%d L_rec=%.6g", epoch, epochs, meanLoss)
                : String.format(Locale.ROOT, "epoch %d/%d L=%.6g", epoch, epochs, meanLoss);
        progress.update(fraction(phase, epoch, batchesPerEpoch), prefix() + detail, true);
    }

    private String prefix() {
        return members == 1 ? "" : "model " + (member + 1) + "/" + members + " ";
    }

    @Override
    public String toString() {
        return "TrainingProgress(" + progress.mode() + ")";
    }
}
