package dev.iae.tribuo;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.logging.Logger;

/**
 * The IAE-LSTM-KL training schedule (DESIGN §3, Deep SVDD's schedule):
 * <ol>
 *     <li><b>Autoencoder pre-training</b> on the reconstruction loss alone, through encoder → pre-training latent
 *     map → decoder, <em>without</em> the LSTM by default. This runs for every preset, including Deep SVDD, whose
 *     decoder is then dropped (as in Ruff et al.'s Deep SVDD). By default the LSTM is left out: a prototype of this
 *     model scored better when a freshly initialised LSTM (and its latent map) was inserted after plain autoencoder
 *     pre-training than when the LSTM was pre-trained inside the autoencoder (DESIGN §11). With
 *     {@link Settings#pretrainLstm} the autoencoder is pre-trained through the LSTM and its latent map instead, so
 *     the centre and the joint phase start from a trained LSTM whose latents have a learned scale.</li>
 *     <li><b>Centre</b>: c = the mean latent over the training data (inference mode, joint-phase path, i.e. with the
 *     inserted LSTM); every |c_j| &lt; 0.1 becomes ±0.1 with its sign kept (0 becomes +0.1) — Deep SVDD's floor,
 *     {@link Settings#minCentre} sets another (0: none). The log says how many coordinates the floor raised.</li>
 *     <li><b>Joint training</b> on {@link IaeLoss} with a new Adam optimiser; the learning rate drops ×0.1 after
 *     the milestone epoch. For the soft-boundary objective, R stays 0 for the warm-up epochs, then after each
 *     batch becomes the (1 − ν)-quantile of that batch's distances ||z − c||.</li>
 * </ol>
 * Both phases use Adam with the configured weight decay; batches are reshuffled every epoch with a seeded
 * {@link Random}; a final batch of a single example is skipped (BatchNorm and the KL term need two). The
 * normalised training matrix is copied to native memory once per run (n × D floats, freed when the run ends) and
 * every batch is gathered from it natively; the loss terms a batch reports are read back in one copy. Every batch
 * runs in its own {@link NDManager} that is closed afterwards, and gradients are released after each update, so
 * native memory does not grow with the number of steps. Per-epoch losses and elapsed time are logged, and a
 * {@link TrainingListener} hears of every batch and epoch; it is called after the batch's tensors are released, so a
 * listener that throws stops training at a batch boundary (the caller closes the network). A loss that is not
 * finite stops training with an {@link IllegalStateException} naming the phase, epoch and batch.
 */
final class IaeTrainingLoop {
    private static final Logger logger = Logger.getLogger(IaeTrainingLoop.class.getName());

    /**
     * The default smallest absolute value of a centre coordinate (Deep SVDD's rule against trivial solutions). A
     * double, so the trainer's option holds exactly 0.1 (a float constant would widen to 0.10000000149…).
     */
    static final double MIN_CENTRE = 0.1;

    /**
     * The optimisation settings of one training run.
     */
    static final class Settings {
        final int pretrainEpochs;
        final int epochs;
        final int batchSize;
        final float learningRate;
        final int lrMilestone;
        final float weightDecay;
        final int warmUpEpochs;
        final boolean pretrainLstm;
        final boolean lstmBias;
        final float minCentre;

        /**
         * @param pretrainEpochs autoencoder pre-training epochs (0 skips it).
         * @param epochs joint-training epochs.
         * @param batchSize mini-batch size.
         * @param learningRate Adam's learning rate.
         * @param lrMilestone joint epoch after which the learning rate is multiplied by 0.1 (0 = never).
         * @param weightDecay L2 weight decay.
         * @param warmUpEpochs soft-boundary epochs with R = 0 before R is updated.
         * @param pretrainLstm true to pre-train the autoencoder through the LSTM module (when the network has one).
         * @param lstmBias false to zero the LSTM's gate biases and never train them (a bias-free latent path).
         * @param minCentre the smallest absolute centre coordinate ({@link #MIN_CENTRE} is Deep SVDD's; 0 = none).
         */
        Settings(int pretrainEpochs, int epochs, int batchSize, float learningRate, int lrMilestone,
                 float weightDecay, int warmUpEpochs, boolean pretrainLstm, boolean lstmBias, float minCentre) {
            this.pretrainEpochs = pretrainEpochs;
            this.epochs = epochs;
            this.batchSize = batchSize;
            this.learningRate = learningRate;
            this.lrMilestone = lrMilestone;
            this.weightDecay = weightDecay;
            this.warmUpEpochs = warmUpEpochs;
            this.pretrainLstm = pretrainLstm;
            this.lstmBias = lstmBias;
            this.minCentre = minCentre;
        }
    }

    /**
     * What the loop produced besides the trained weights.
     */
    static final class Result {
        /**
         * The soft-boundary radius R after the last batch (0 for the hard objective): logged, not used for the
         * threshold (the trainer recomputes R over the whole training set, see {@link ThresholdRule#RADIUS}).
         */
        final float radius;
        /** The total loss of the last joint epoch (mean over batches). */
        final double finalLoss;
        /** Examples processed per second over both phases. */
        final double examplesPerSecond;

        Result(float radius, double finalLoss, double examplesPerSecond) {
            this.radius = radius;
            this.finalLoss = finalLoss;
            this.examplesPerSecond = examplesPerSecond;
        }
    }

    private final IaeNetwork net;
    private final IaeLoss loss;
    private final Settings settings;
    private final Random rng;
    private final TrainingListener listener;

    /**
     * @param net the network (initialised, untrained).
     * @param loss the joint loss.
     * @param settings the optimisation settings.
     * @param rng the batch-shuffling generator.
     * @param listener told of every batch and epoch (null = none).
     */
    IaeTrainingLoop(IaeNetwork net, IaeLoss loss, Settings settings, Random rng, TrainingListener listener) {
        this.net = net;
        this.loss = loss;
        this.settings = settings;
        this.rng = rng;
        this.listener = listener == null ? TrainingListener.NONE : listener;
    }

    /**
     * Trains the network on normalised rows and sets its centre.
     * @param x normalised training rows, row-major {@code n × views·D}.
     * @param n the number of rows (at least 2).
     * @return the radius and statistics.
     */
    Result run(float[] x, int n) {
        if (n < 2) {
            throw new IllegalArgumentException("Training needs at least 2 examples, found " + n);
        }
        long start = System.nanoTime();
        int batchesPerEpoch = n / settings.batchSize + (n % settings.batchSize >= 2 ? 1 : 0);
        boolean pretrain = settings.pretrainEpochs > 0 && net.decoderBuilt();
        listener.onStart(pretrain ? settings.pretrainEpochs : 0, settings.epochs, batchesPerEpoch, n);
        // The normalised training matrix lives in native memory for the whole run; each batch is gathered from it
        // with one native index operation instead of being copied row by row into a fresh direct buffer.
        try (NDManager runManager = net.manager().newSubManager()) {
            NDArray data = runManager.create(x, new Shape(n, net.architecture().networkInputDim()));
            return run(x, n, data, runManager, start, pretrain, batchesPerEpoch);
        }
    }

    private Result run(float[] x, int n, NDArray data, NDManager runManager, long start, boolean pretrain,
                       int batchesPerEpoch) {
        long processed = 0;
        boolean svdd = net.architecture().hasSvdd();
        if (!settings.lstmBias) {
            net.zeroLstmBiases();
        }
        // Phase 1: autoencoder pre-training, without the LSTM unless the settings put it in.
        if (pretrain) {
            boolean withLstm = settings.pretrainLstm;
            List<Parameter> params = new ArrayList<>(net.encoderParameters());
            params.addAll(net.latentParameters(withLstm, settings.lstmBias));
            params.addAll(net.decoderParameters());
            Optimizer opt = adam(0);
            for (int epoch = 1; epoch <= settings.pretrainEpochs; epoch++) {
                double sum = 0;
                int batches = 0;
                for (int[] batch : batches(n)) {
                    checkInterrupted("pre-training", epoch, batches);
                    float value;
                    try (NDManager sub = net.manager().newSubManager()) {
                        NDArray in = batchArray(sub, data, batch);
                        NDArray l;
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            NDArray z = net.toLatent(net.encode(in, true), true, withLstm);
                            l = IaeLoss.reconstructionTerm(in, net.decode(z, true));
                            gc.backward(l);
                        }
                        // Read after the backward pass; a non-finite loss still stops training before the update.
                        value = l.getFloat();
                        check(value, "pre-training", epoch, batches);
                        update(opt, params);
                        sum += value;
                    }
                    batches++;
                    processed += batch.length;
                    listener.onBatch(TrainingListener.Phase.PRETRAINING, epoch, settings.pretrainEpochs, batches,
                            batchesPerEpoch, value);
                }
                double mean = sum / Math.max(1, batches);
                logger.info(String.format(Locale.ROOT, "pre-training epoch %d/%d: L_rec=%.6g (%.1f s)",
                        epoch, settings.pretrainEpochs, mean, seconds(start)));
                listener.onEpoch(TrainingListener.Phase.PRETRAINING, epoch, settings.pretrainEpochs, mean,
                        millis(start));
            }
        } else if (settings.pretrainEpochs > 0) {
            logger.info("No decoder could be built for this network; autoencoder pre-training skipped");
        }
        // Centre.
        float[] c = null;
        if (svdd) {
            c = centre(x, n);
            net.setCentre(c);
        }
        // Phase 2: joint training with the LSTM inserted.
        boolean useRec = net.architecture().hasDecoder() && loss.usesReconstruction();
        List<Parameter> params = new ArrayList<>(net.encoderParameters());
        params.addAll(net.latentParameters(true, settings.lstmBias));
        if (useRec) {
            params.addAll(net.decoderParameters());
        }
        Optimizer opt = adam(settings.lrMilestone > 0 ? settings.lrMilestone * batchesPerEpoch : 0);
        float radius = 0f;
        double lastLoss = Double.NaN;
        NDArray centre = c == null ? null : runManager.create(c);
        for (int epoch = 1; epoch <= settings.epochs; epoch++) {
            double sum = 0;
            double sumSvdd = 0;
            double sumKl = 0;
            double sumRec = 0;
            int batches = 0;
            for (int[] batch : batches(n)) {
                checkInterrupted("joint", epoch, batches);
                float value;
                try (NDManager sub = net.manager().newSubManager()) {
                    NDArray in = batchArray(sub, data, batch);
                    IaeLoss.Terms terms;
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray z = net.toLatent(net.encode(in, true), true, true);
                        NDArray xHat = useRec ? net.decode(z, true) : null;
                        terms = loss.joint(in, z, xHat, centre, radius);
                        gc.backward(terms.total);
                    }
                    // One read of every value the host needs (loss terms, and the distances when R is updated):
                    // each read of a native value is a separate copy out of libtorch.
                    boolean needDistances = terms.distances != null && loss.isSoftBoundary()
                            && epoch > settings.warmUpEpochs;
                    float[] v = readValues(terms, needDistances);
                    value = v[0];
                    check(value, "joint training", epoch, batches);
                    update(opt, params);
                    sum += value;
                    sumSvdd += v[1];
                    sumKl += v[2];
                    sumRec += v[3];
                    if (needDistances) {
                        radius = IaeLoss.radiusQuantile(Arrays.copyOfRange(v, 4, v.length), loss.nu());
                    }
                }
                batches++;
                processed += batch.length;
                listener.onBatch(TrainingListener.Phase.JOINT, epoch, settings.epochs, batches, batchesPerEpoch,
                        value);
            }
            int b = Math.max(1, batches);
            lastLoss = sum / b;
            logger.info(String.format(Locale.ROOT,
                    "joint epoch %d/%d: L=%.6g (L_svdd=%.6g, L_kl=%.6g, L_rec=%.6g, R=%.4g, lr=%.3g) (%.1f s)",
                    epoch, settings.epochs, lastLoss, sumSvdd / b, sumKl / b, sumRec / b, radius,
                    currentLr(epoch), seconds(start)));
            listener.onEpoch(TrainingListener.Phase.JOINT, epoch, settings.epochs, lastLoss, millis(start));
        }
        double secs = Math.max(1e-9, seconds(start));
        return new Result(radius, lastLoss, processed / secs);
    }

    /**
     * Copies the loss terms (and optionally the batch's squared distances) to the host in one native read.
     * @param terms the joint loss terms of a batch.
     * @param distances true to append the squared distances.
     * @return {total, svdd, kl, rec, distances...}; an absent term is 0.
     */
    private static float[] readValues(IaeLoss.Terms terms, boolean distances) {
        NDArray[] scalars = {terms.total, terms.svdd, terms.kl, terms.rec};
        NDList parts = new NDList(4);
        for (NDArray a : scalars) {
            if (a != null) {
                parts.add(a.reshape(1));
            }
        }
        if (distances) {
            parts.add(terms.distances);
        }
        float[] read = NDArrays.concat(parts).toFloatArray();
        float[] out = new float[4 + (distances ? read.length - parts.size() + 1 : 0)];
        int k = 0;
        for (int i = 0; i < scalars.length; i++) {
            if (scalars[i] != null) {
                out[i] = read[k++];
            }
        }
        if (distances) {
            System.arraycopy(read, k, out, 4, read.length - k);
        }
        return out;
    }

    private float currentLr(int epoch) {
        return settings.lrMilestone > 0 && epoch > settings.lrMilestone
                ? settings.learningRate * 0.1f : settings.learningRate;
    }

    private Optimizer adam(int milestoneStep) {
        float lr = settings.learningRate;
        Tracker tracker = milestoneStep > 0
                ? numUpdate -> numUpdate > milestoneStep ? lr * 0.1f : lr
                : Tracker.fixed(lr);
        return Adam.builder().optLearningRateTracker(tracker).optWeightDecays(settings.weightDecay).build();
    }

    private static void update(Optimizer opt, List<Parameter> params) {
        for (Parameter p : params) {
            NDArray w = p.getArray();
            if (!w.hasGradient()) {
                continue;
            }
            try (NDArray g = w.getGradient()) {
                opt.update(p.getId(), w, g);
            }
        }
    }

    /**
     * Stops training between batches when the training thread has been interrupted. The interrupt status is left
     * set, so callers up the stack still see it; the caller's {@code finally} releases the native memory.
     */
    private static void checkInterrupted(String phase, int epoch, int batch) {
        if (Thread.currentThread().isInterrupted()) {
            throw new IllegalStateException("Training interrupted in the " + phase + " phase, epoch " + epoch
                    + " (before batch " + (batch + 1) + ")");
        }
    }

    private static void check(float value, String phase, int epoch, int batch) {
        if (!Float.isFinite(value)) {
            throw new IllegalStateException("Training diverged: the " + phase + " loss became " + value + " in epoch "
                    + epoch + " (batch " + (batch + 1) + "); lower the learning rate or check the input scaling");
        }
    }

    private float[] centre(float[] x, int n) {
        int d = net.architecture().networkInputDim();
        int r = net.architecture().repDim();
        double[] sum = new double[r];
        int chunk = 256;
        for (int startRow = 0; startRow < n; startRow += chunk) {
            int b = Math.min(chunk, n - startRow);
            float[] buf = new float[b * d];
            System.arraycopy(x, startRow * d, buf, 0, b * d);
            try (NDManager sub = net.manager().newSubManager()) {
                NDArray in = sub.create(buf, new Shape(b, d));
                float[] z = net.toLatent(net.encode(in, false), false, true).toFloatArray();
                for (int i = 0; i < b; i++) {
                    for (int j = 0; j < r; j++) {
                        sum[j] += z[i * r + j];
                    }
                }
            }
        }
        float[] c = new float[r];
        int clamped = 0;
        double meanAbs = 0;
        for (int j = 0; j < r; j++) {
            float mean = (float) (sum[j] / n);
            meanAbs += Math.abs(mean) / r;
            c[j] = clampCentre(mean, settings.minCentre);
            if (c[j] != mean) {
                clamped++;
            }
        }
        // How much the floor moves the centre depends on the latents' scale, which the LSTM changes: log it.
        logger.info(String.format(Locale.ROOT, "centre: mean |c_j| before the %g floor %.4g; %d of %d coordinates "
                + "raised to the floor", settings.minCentre, meanAbs, clamped, r));
        return c;
    }

    /**
     * Deep SVDD's rule with a configurable floor ({@link #MIN_CENTRE} by default): a coordinate closer to 0 than
     * {@code floor} becomes ±floor with its sign (0 becomes +floor); a floor of 0 leaves every coordinate as it is.
     * @param v the mean latent coordinate.
     * @param floor the smallest absolute value, at least 0.
     * @return the clamped coordinate.
     */
    static float clampCentre(float v, float floor) {
        if (Math.abs(v) < floor) {
            return v < 0 ? -floor : floor;
        }
        return v;
    }

    private List<int[]> batches(int n) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        List<int[]> out = new ArrayList<>();
        for (int s = 0; s < n; s += settings.batchSize) {
            int e = Math.min(n, s + settings.batchSize);
            if (e - s < 2) {
                break;
            }
            int[] b = new int[e - s];
            System.arraycopy(idx, s, b, 0, b.length);
            out.add(b);
        }
        return out;
    }

    /**
     * Gathers a batch's rows from the training matrix (one native index operation); the result belongs to
     * {@code sub}.
     */
    private static NDArray batchArray(NDManager sub, NDArray data, int[] batch) {
        long[] idx = new long[batch.length];
        for (int i = 0; i < batch.length; i++) {
            idx[i] = batch[i];
        }
        return data.get(sub, new NDIndex("{}", sub.create(idx)));
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private static long millis(long start) {
        return (System.nanoTime() - start) / 1_000_000L;
    }
}
