package dev.iae.tribuo;

/**
 * Receives progress events from an {@link IaeTrainer} while it trains: the start of training, the end of every
 * mini-batch and the end of every epoch, for the autoencoder pre-training phase and the joint phase. Use it to drive
 * a progress bar, record loss curves or stop training early, without parsing log output.
 * <p>
 * A listener is a transient runtime hook, not a setting: it is set with {@link IaeTrainer.Builder#listener} or
 * {@link IaeTrainer#setListener}, is not an OLCUT {@code @Config} field and is not recorded in provenance, so it
 * never changes the trained model or its provenance.
 * <p>
 * <b>Threading.</b> Callbacks run synchronously on the training thread, between optimiser steps, while the trainer
 * holds its global training lock (trainings in one JVM run one at a time). Keep them quick; never wait in a callback
 * for another training to finish.
 * <p>
 * <b>Exceptions.</b> A callback that throws stops training: the exception propagates unchanged out of
 * {@link IaeTrainer#train} (or {@link IaeTrainer#trainNetwork}), after the batch's tensors and the network's native
 * memory have been released; no model is produced. The trainer stays usable (its invocation count has advanced, as
 * for any other training). Throwing, e.g., a {@link java.util.concurrent.CancellationException} is therefore the way
 * to cancel a training run.
 * <p>
 * Every method has an empty default implementation; override the ones you need. Epochs and batches are counted from
 * 1.
 */
public interface TrainingListener {

    /** The training phases. */
    enum Phase {
        /** Autoencoder pre-training on the reconstruction loss alone ("L_rec"). */
        PRETRAINING("pre-training"),
        /** Joint training on the full loss {@code L_svdd + λ_kl·L_kl + λ_rec·L_rec} ("L"). */
        JOINT("joint");

        private final String label;

        Phase(String label) {
            this.label = label;
        }

        /** @return a short human-readable name, as used in the trainer's log ("pre-training", "joint"). */
        public String label() {
            return label;
        }
    }

    /** A listener that does nothing. */
    TrainingListener NONE = new TrainingListener() {
        @Override
        public String toString() {
            return "TrainingListener.NONE";
        }
    };

    /**
     * Called once before the first batch, with the amount of work ahead (for percentages and ETAs).
     * @param pretrainEpochs the pre-training epochs that will actually run (0 if pre-training is off or skipped
     *     because the network has no decoder to pre-train).
     * @param epochs the joint-training epochs.
     * @param batchesPerEpoch the mini-batches per epoch (the same in both phases).
     * @param examples the number of (EXPECTED) training examples.
     */
    default void onStart(int pretrainEpochs, int epochs, int batchesPerEpoch, int examples) { }

    /**
     * Called after each mini-batch's optimiser step.
     * @param phase the phase.
     * @param epoch the epoch within the phase, from 1.
     * @param epochs the number of epochs of the phase.
     * @param batch the batch within the epoch, from 1.
     * @param batches the number of batches per epoch.
     * @param loss the batch's loss (the phase's loss: L_rec in pre-training, the total joint loss L in the joint
     *     phase); always finite (a non-finite loss stops training before this call).
     */
    default void onBatch(Phase phase, int epoch, int epochs, int batch, int batches, double loss) { }

    /**
     * Called at the end of each epoch.
     * @param phase the phase.
     * @param epoch the epoch within the phase, from 1.
     * @param epochs the number of epochs of the phase.
     * @param meanLoss the mean of the epoch's batch losses.
     * @param elapsedMillis milliseconds since training started (both phases).
     */
    default void onEpoch(Phase phase, int epoch, int epochs, double meanLoss, long elapsedMillis) { }
}
