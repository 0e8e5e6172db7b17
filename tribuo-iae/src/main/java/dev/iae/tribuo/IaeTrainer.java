package dev.iae.tribuo;

import com.oracle.labs.mlrg.olcut.config.Config;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import dev.iae.onnx.IaeArchitecture;
import dev.iae.onnx.IaeNetworkDescription;
import dev.iae.onnx.Normalization;
import dev.iae.onnx.ScoreKind;
import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Prediction;
import org.tribuo.Trainer;
import org.tribuo.anomaly.Event;
import org.tribuo.provenance.ModelProvenance;
import org.tribuo.provenance.TrainerProvenance;
import org.tribuo.provenance.impl.TrainerProvenanceImpl;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.logging.Logger;

/**
 * A Tribuo {@link Trainer} for the IAE-LSTM-KL deep anomaly detector (Huang et al., "Improved AutoEncoder with LSTM
 * module and Kullback-Leibler divergence for anomaly detection", 2024), trained with DJL on the PyTorch engine and
 * served as an ONNX Runtime-backed {@link IaeModel}.
 * <p>
 * The network (see {@link IaeNetwork}) is an autoencoder whose latent vector z is pulled towards a fixed centre c
 * (Deep SVDD), optionally through a one-step LSTM and with a KL penalty that keeps the latents spread out. Training
 * (see {@link IaeTrainingLoop}) pre-trains the autoencoder, sets c, then minimises
 * {@code L_svdd + λ_kl·L_kl + λ_rec·L_rec}. The anomaly score is {@code ||z − c||²}, the reconstruction error or
 * their standardised sum ({@link ScoreKind}); a score above the fitted threshold is {@code ANOMALOUS}. The paper's
 * ablations are {@link IaePreset}s of this one trainer.
 * <p>
 * <b>Training data.</b> Only {@code EXPECTED} examples are used (one-class training); {@code ANOMALOUS} and
 * {@code UNKNOWN} examples are dropped with a warning that gives their counts. Example weights are ignored (every
 * example counts once; a warning says how many had a weight other than 1). A dataset with no {@code EXPECTED}
 * example is rejected. Features are taken in the feature map's id order, which Tribuo sorts by feature name; a
 * missing feature counts as 0, and a NaN or infinite value is rejected with an exception naming the example and the
 * feature.
 * <p>
 * <b>Images.</b> With {@code imageShape} = {C, H, W} the network is the convolutional LeNet autoencoder; the dataset
 * must have exactly C·H·W features, and <em>their names must sort into pixel order</em> (channel, row, column,
 * row-major), e.g. zero-padded names such as {@code px0000 … px0783}.
 * <p>
 * <b>Resources.</b> DJL is configured by the trainer itself before its engine loads: no telemetry, offline mode and
 * {@code threads} libtorch threads (see {@link DjlRuntime}). Trainings in one JVM run one at a time, because
 * libtorch's random number generator is global. Reproducibility: the same seed and invocation count give the same
 * scores up to floating-point noise (about 1e-6 relative).
 * <p>
 * <b>Progress.</b> A {@link TrainingListener} ({@link Builder#listener}, {@link #setListener}) is told of every
 * mini-batch and epoch of both phases. It is a transient runtime hook, not a setting: it is not configurable through
 * OLCUT, not recorded in provenance and has no effect on the model. A listener that throws stops training cleanly
 * (native memory released, the exception propagated unchanged, no model produced).
 * <p>
 * Use {@link #builder()} in code, or configure the fields through OLCUT.
 */
public final class IaeTrainer implements Trainer<Event> {
    private static final Logger logger = Logger.getLogger(IaeTrainer.class.getName());

    /** The name given to trained models. */
    public static final String MODEL_NAME = "iae-lstm-kl";

    /** The default {@code warmUpEpochs}: Deep SVDD's soft-boundary warm-up. */
    public static final int DEFAULT_WARM_UP_EPOCHS = 5;

    @Config(description = "Which modules the network has (the paper's ablations): CAE, DEEP_SVDD, IAE, IAE_LSTM, "
            + "IAE_KL or IAE_LSTM_KL.")
    private IaePreset preset = IaePreset.IAE_LSTM_KL;

    @Config(description = "Input image shape {C, H, W} for the convolutional network; empty for tabular data (MLP). "
            + "Feature names must sort into pixel order.")
    private int[] imageShape = new int[0];

    @Config(description = "MLP hidden layer sizes (tabular) or convolution channels per block (image).")
    private int[] encoderSizes = new int[]{64, 32};

    @Config(description = "Hidden size of the one-step LSTM module (used by presets with the LSTM).")
    private int lstmHidden = 32;

    @Config(description = "Dimension of the latent vector z.")
    private int repDim = 16;

    @Config(description = "Hypersphere objective: ONE_CLASS (hard) or SOFT_BOUNDARY.")
    private SvddObjective objective = SvddObjective.ONE_CLASS;

    @Config(description = "nu of the soft-boundary objective, in (0, 1]: the fraction of training data allowed "
            + "outside the sphere.")
    private double nu = 0.1;

    @Config(description = "Weight of the KL penalty (used by presets with KL).")
    private double lambdaKl = 1e-3;

    @Config(description = "Weight of the reconstruction loss in the joint loss (presets with decoder and hypersphere). "
            + "0 leaves the decoder out of joint training: it is then only pre-trained (not trained at all with "
            + "pretrainEpochs 0), yet still exported and used for the reconstruction_error and feature_errors "
            + "outputs and for excuses, which then describe the pre-trained decoder, not the final encoder; so 0 is "
            + "refused with scoreKind RECONSTRUCTION or COMBINED. Ignored by CAE (its loss is the reconstruction "
            + "error alone, weight 1) and DEEP_SVDD (no decoder).")
    private double lambdaRec = 1.0;

    @Config(description = "Input pre-processing fitted on the training data: NONE, MIN_MAX (per feature), GLOBAL_MIN_MAX (one range for all features), GCN_L1_MIN_MAX, or GCN_L1_AND_GLOBAL_MIN_MAX (both of the last two side by side, twice the input channels).")
    private Normalization normalization = Normalization.MIN_MAX;

    @Config(description = "Autoencoder pre-training epochs (reconstruction loss only).")
    private int pretrainEpochs = 10;

    @Config(description = "Pre-train the autoencoder through the LSTM module (encoder -> LSTM -> latent map -> "
            + "decoder), so the joint phase starts from a trained LSTM, instead of inserting a freshly initialised "
            + "LSTM after plain autoencoder pre-training (presets with the LSTM only).")
    private boolean pretrainLstm = false;

    @Config(description = "Give the LSTM module trainable gate biases (true, a standard LSTM). false zeroes them and "
            + "never trains them, so the whole path to z is bias-free as Deep SVDD asks of its network (a bias is one "
            + "way to map every input onto the centre; saturated gates remain another). Presets with the LSTM only.")
    private boolean lstmBias = true;

    @Config(description = "Smallest absolute value of a centre coordinate: a mean latent coordinate closer to 0 "
            + "becomes +/- this value (Deep SVDD's rule against trivial solutions, 0.1). 0 keeps the mean latent as "
            + "it is. Presets with the SVDD term only.")
    private double minCentre = IaeTrainingLoop.MIN_CENTRE;

    @Config(description = "Joint training epochs.")
    private int epochs = 20;

    @Config(description = "Mini-batch size (at least 2).")
    private int batchSize = 128;

    @Config(description = "Adam learning rate.")
    private double learningRate = 1e-3;

    @Config(description = "Joint-training epoch after which the learning rate is multiplied by 0.1 (0 = never).")
    private int lrMilestone = 0;

    @Config(description = "L2 weight decay applied by the optimiser.")
    private double weightDecay = 0.5e-6;

    @Config(description = "Soft-boundary warm-up: joint epochs with radius 0 before the radius is updated. With "
            + "warmUpEpochs >= epochs R is never updated and stays 0, so the soft-boundary loss is the one-class loss "
            + "scaled by 1/nu (accepted, with a logged warning; the RADIUS threshold does not depend on it).")
    private int warmUpEpochs = DEFAULT_WARM_UP_EPOCHS;

    @Config(description = "Initial weights: PYTORCH (PyTorch's defaults, as in the reference implementations: "
            + "uniform in +-1/sqrt(fan_in)) or DJL (DJL's defaults: He-normal weights, zero biases).")
    private WeightInit weightInit = WeightInit.DJL;

    @Config(description = "Anomaly score: SVDD, RECONSTRUCTION or COMBINED; unset = the preset's default.")
    private ScoreKind scoreKind = null;

    @Config(description = "Weight of the reconstruction part in the COMBINED score, (d - m_d)/s_d + recWeight * "
            + "(r - m_r)/s_r with both parts standardised on the training set: 1 = equal weights; below 1 leans on "
            + "the distance to the centre, above 1 on the reconstruction error; 0.25 when the training data may be "
            + "polluted (the reconstruction error learns the pollution). Used by the COMBINED score only.")
    private double recWeight = 1.0;

    @Config(description = "Threshold rule: QUANTILE (contamination quantile of training scores) or RADIUS (R^2 with "
            + "R the (1 - nu)-quantile of the training distances ||z - c|| of the final network, recomputed over "
            + "all training examples after training; soft-boundary objective and SVDD score only).")
    private ThresholdRule thresholdRule = ThresholdRule.QUANTILE;

    @Config(description = "Fraction of training scores above the QUANTILE threshold, in [0, 1).")
    private double contamination = 0.05;

    @Config(description = "Seed of the random number generators (weights, shuffling).")
    private long seed = Trainer.DEFAULT_SEED;

    @Config(description = "Number of libtorch threads used for training.")
    private int threads = 1;

    @Config(description = "Where ONNX Runtime runs the trained model: AUTO, CPU or CUDA.")
    private ExecutionProvider executionProvider = ExecutionProvider.AUTO;

    private SplittableRandom rng;

    private int trainInvocationCounter = 0;

    /** Progress hook: not a {@code @Config} field, so neither configurable nor part of the provenance. */
    private transient volatile TrainingListener listener = TrainingListener.NONE;

    /**
     * For OLCUT. Code should use {@link #builder()}.
     */
    private IaeTrainer() { }

    /**
     * A builder with the default settings (the full IAE-LSTM-KL model on tabular data).
     * @return the builder.
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Used by the OLCUT configuration system, and should not be called by external code. Validates the settings.
     * @throws IllegalArgumentException naming the first invalid setting.
     */
    @Override
    public synchronized void postConfig() {
        Objects.requireNonNull(preset, "preset must be set");
        Objects.requireNonNull(objective, "objective must be set");
        Objects.requireNonNull(normalization, "normalization must be set");
        Objects.requireNonNull(thresholdRule, "thresholdRule must be set");
        Objects.requireNonNull(weightInit, "weightInit must be set");
        Objects.requireNonNull(executionProvider, "executionProvider must be set");
        if (imageShape == null) {
            imageShape = new int[0];
        }
        if (encoderSizes == null) {
            encoderSizes = new int[0];
        }
        if (imageShape.length != 0 && imageShape.length != 3) {
            throw new IllegalArgumentException("imageShape must be empty (tabular) or {C, H, W}, found "
                    + Arrays.toString(imageShape));
        }
        for (int s : imageShape) {
            if (s <= 0) {
                throw new IllegalArgumentException("imageShape values must be positive, found " + Arrays.toString(imageShape));
            }
        }
        for (int s : encoderSizes) {
            if (s <= 0) {
                throw new IllegalArgumentException("encoderSizes must be positive, found " + Arrays.toString(encoderSizes));
            }
        }
        if (imageShape.length == 3 && encoderSizes.length == 0) {
            throw new IllegalArgumentException("encoderSizes must list at least one channel count for an image network");
        }
        if (preset.useLstm() && lstmHidden <= 0) {
            throw new IllegalArgumentException("lstmHidden must be positive for preset " + preset + ", found " + lstmHidden);
        }
        if (repDim <= 0) {
            throw new IllegalArgumentException("repDim must be positive, found " + repDim);
        }
        if (!(nu > 0 && nu <= 1)) {
            throw new IllegalArgumentException("nu must be in (0, 1], found " + nu);
        }
        if (!(minCentre >= 0) || Double.isInfinite(minCentre)) {
            throw new IllegalArgumentException("minCentre must be a finite value >= 0, found " + minCentre);
        }
        if (!(lambdaKl >= 0) || Double.isInfinite(lambdaKl)) {
            throw new IllegalArgumentException("lambdaKl must be a finite value >= 0, found " + lambdaKl);
        }
        if (!(lambdaRec >= 0) || Double.isInfinite(lambdaRec)) {
            throw new IllegalArgumentException("lambdaRec must be a finite value >= 0, found " + lambdaRec);
        }
        if (pretrainEpochs < 0) {
            throw new IllegalArgumentException("pretrainEpochs must be >= 0, found " + pretrainEpochs);
        }
        if (epochs < 0) {
            throw new IllegalArgumentException("epochs must be >= 0, found " + epochs);
        }
        if (epochs == 0 && (preset.useSvdd() || pretrainEpochs == 0)) {
            throw new IllegalArgumentException("epochs must be positive for preset " + preset + ", found " + epochs);
        }
        if (batchSize < 2) {
            throw new IllegalArgumentException("batchSize must be at least 2, found " + batchSize);
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learningRate must be a positive finite value, found " + learningRate);
        }
        if (lrMilestone < 0) {
            throw new IllegalArgumentException("lrMilestone must be >= 0 (0 = no milestone), found " + lrMilestone);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay must be a finite value >= 0, found " + weightDecay);
        }
        if (warmUpEpochs < 0) {
            throw new IllegalArgumentException("warmUpEpochs must be >= 0, found " + warmUpEpochs);
        }
        if (!(contamination >= 0 && contamination < 1)) {
            throw new IllegalArgumentException("contamination must be in [0, 1), found " + contamination);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, found " + threads);
        }
        ScoreKind kind = effectiveScoreKind();
        if (kind == ScoreKind.SUM) {
            throw new IllegalArgumentException("scoreKind SUM is the score of a sum of models (IaeEnsembleTrainer), "
                    + "not of one network; use SVDD, RECONSTRUCTION or COMBINED");
        }
        if ((kind == ScoreKind.SVDD || kind == ScoreKind.COMBINED) && !preset.useSvdd()) {
            throw new IllegalArgumentException("scoreKind " + kind + " needs the hypersphere, which preset " + preset
                    + " does not have");
        }
        if ((kind == ScoreKind.RECONSTRUCTION || kind == ScoreKind.COMBINED) && !preset.useDecoder()) {
            throw new IllegalArgumentException("scoreKind " + kind + " needs the decoder, which preset " + preset
                    + " does not have");
        }
        if (!(recWeight > 0) || Double.isInfinite(recWeight)) {
            throw new IllegalArgumentException("recWeight must be positive and finite, found " + recWeight
                    + " (for the distance or the reconstruction error alone use scoreKind SVDD or RECONSTRUCTION)");
        }
        if (thresholdRule == ThresholdRule.RADIUS && (objective != SvddObjective.SOFT_BOUNDARY
                || !preset.useSvdd() || kind != ScoreKind.SVDD)) {
            throw new IllegalArgumentException("thresholdRule RADIUS needs objective SOFT_BOUNDARY, a preset with the"
                    + " hypersphere and scoreKind SVDD (found objective " + objective + ", preset " + preset
                    + ", scoreKind " + kind + ")");
        }
        if (lambdaRec == 0 && preset.useSvdd() && preset.useDecoder()
                && (kind == ScoreKind.RECONSTRUCTION || kind == ScoreKind.COMBINED)) {
            throw new IllegalArgumentException("lambdaRec 0 leaves the decoder of preset " + preset + " out of joint "
                    + "training, but scoreKind " + kind + " uses its reconstruction error, which would then come "
                    + "from a decoder that does not match the trained encoder; set lambdaRec > 0 or use scoreKind "
                    + "SVDD");
        }
        for (String warning : warnings()) {
            logger.warning(warning);
        }
        if (imageShape.length == 3) {
            // Let the architecture check the image geometry (e.g. repDim against the decoder's first feature map).
            try {
                architecture(imageShape[0] * imageShape[1] * imageShape[2]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Invalid IaeTrainer settings: " + e.getMessage(), e);
            }
        }
        this.rng = new SplittableRandom(seed);
    }

    /**
     * Valid settings that probably do not do what the user meant, each as a sentence; {@link #postConfig()} logs
     * them as warnings.
     * @return the warnings (empty for the usual settings).
     */
    List<String> warnings() {
        List<String> out = new ArrayList<>();
        if (lambdaRec == 0 && preset.useSvdd() && preset.useDecoder()) {
            out.add("lambdaRec 0 leaves the decoder of preset " + preset + " out of joint training: it is only "
                    + "pre-trained" + (pretrainEpochs == 0 ? " (here not at all, pretrainEpochs 0)" : "")
                    + ", so the model's reconstruction_error and feature_errors outputs and its excuses describe "
                    + "that decoder, not the final encoder");
        }
        if (lrMilestone > 0 && lrMilestone >= epochs) {
            out.add("lrMilestone " + lrMilestone + " >= epochs " + epochs + ": the learning rate is never lowered "
                    + "(the drop comes after joint epoch " + lrMilestone + ")");
        }
        IaeArchitecture arch = null;
        if (pretrainEpochs > 0 && imageShape.length == 3 && !preset.useDecoder()) {
            try {
                arch = architecture(imageShape[0] * imageShape[1] * imageShape[2]);
            } catch (IllegalArgumentException invalid) {
                // postConfig reports an invalid geometry itself; no warning to give about it here.
            }
        }
        if (arch != null && !arch.canBuildDecoder()) {
            int cells = arch.bottomHeight() * arch.bottomWidth();
            out.add("pretrainEpochs " + pretrainEpochs + " are skipped: preset " + preset + " builds a decoder "
                    + "only for pre-training, and an image decoder needs repDim (" + repDim + ") to be a multiple "
                    + "of the bottom feature map's " + arch.bottomHeight() + "x" + arch.bottomWidth() + " = "
                    + cells + " cells; the network starts from its initial weights");
        }
        if (recWeight != 1.0 && effectiveScoreKind() != ScoreKind.COMBINED) {
            out.add("recWeight " + recWeight + " is ignored: it weighs the reconstruction part of the COMBINED score,"
                    + " and this trainer's score is " + effectiveScoreKind() + " (set scoreKind COMBINED)");
        }
        if (warmUpEpochs != DEFAULT_WARM_UP_EPOCHS && !(preset.useSvdd() && objective == SvddObjective.SOFT_BOUNDARY)) {
            out.add("warmUpEpochs " + warmUpEpochs + " is ignored: only the soft-boundary objective has a radius to "
                    + "warm up" + (preset.useSvdd() ? " (this trainer's objective is " + objective + ")"
                    : " (preset " + preset + " has no hypersphere)"));
        }
        if (preset.useSvdd() && objective == SvddObjective.SOFT_BOUNDARY && warmUpEpochs >= epochs) {
            out.add("warmUpEpochs " + warmUpEpochs + " >= epochs " + epochs + ": the soft-boundary radius R is never "
                    + "updated and stays 0 for the whole run, so the objective is the one-class objective scaled "
                    + "by 1/nu");
        }
        return out;
    }

    /**
     * Sets the listener told of training progress (every batch and epoch) by later calls to {@code train} and
     * {@link #trainNetwork}. Not a setting: it is not recorded in provenance and does not change the model.
     * @param listener the listener, or null for none.
     */
    public void setListener(TrainingListener listener) {
        this.listener = listener == null ? TrainingListener.NONE : listener;
    }

    /** @return the training progress listener ({@link TrainingListener#NONE} when none is set). */
    public TrainingListener getListener() {
        return listener;
    }

    /** @return the score kind in use: the configured one, or the preset's default. */
    public ScoreKind effectiveScoreKind() {
        return scoreKind != null ? scoreKind : preset.defaultScoreKind();
    }

    /** @return the reconstruction weight in use: the configured one for the COMBINED score, 1 for the others. */
    private double effectiveRecWeight() {
        return effectiveScoreKind() == ScoreKind.COMBINED ? recWeight : 1.0;
    }

    private IaeArchitecture architecture(int inputDim) {
        return IaeArchitecture.builder()
                .inputDim(inputDim)
                .imageShape(imageShape.length == 3 ? imageShape : null)
                .encoderSizes(encoderSizes)
                .lstmHidden(preset.useLstm() ? lstmHidden : 0)
                .repDim(repDim)
                .decoder(preset.useDecoder())
                .svdd(preset.useSvdd())
                .normalization(normalization)
                .scoreKind(effectiveScoreKind())
                .recWeight((float) effectiveRecWeight())
                .build();
    }

    /**
     * Checks that the trained model could be served on the configured execution provider: CUDA needs an ONNX Runtime
     * build with the CUDA provider. {@link #train} calls it before training, so that a run is not wasted; callers
     * that load data first (the command-line tool) can call it before that.
     * @throws IllegalStateException if the provider is CUDA and this ONNX Runtime build has none.
     */
    public void checkExecutionProvider() {
        if (executionProvider == ExecutionProvider.CUDA) {
            OrtSessions.requireCudaBuild(" to serve the trained model (checked before training)");
        }
    }

    // ------------------------------------------------------------------------------------------------ training

    @Override
    public IaeModel train(Dataset<Event> examples) {
        return train(examples, Collections.emptyMap());
    }

    @Override
    public IaeModel train(Dataset<Event> examples, Map<String, Provenance> runProvenance) {
        return train(examples, runProvenance, INCREMENT_INVOCATION_COUNT);
    }

    /**
     * Trains a model and returns it served by ONNX Runtime.
     * @param examples the training data (only {@code EXPECTED} examples are used).
     * @param runProvenance extra provenance for this run.
     * @param invocationCount the invocation count to use, or {@link Trainer#INCREMENT_INVOCATION_COUNT}.
     * @return the trained model (AutoCloseable: close it to free its ONNX Runtime session).
     * @throws IllegalArgumentException if the data has no usable example, a non-finite value, or the wrong number
     *     of features for the image shape.
     * @throws IllegalStateException if training diverges (non-finite loss), or if the execution provider is CUDA
     *     and this ONNX Runtime build has none (checked before training, which it would otherwise waste).
     */
    @Override
    public IaeModel train(Dataset<Event> examples, Map<String, Provenance> runProvenance, int invocationCount) {
        checkExecutionProvider();
        SplittableRandom localRng;
        TrainerProvenance trainerProvenance;
        synchronized (this) {
            if (invocationCount != INCREMENT_INVOCATION_COUNT) {
                setInvocationCount(invocationCount);
            }
            localRng = rng.split();
            trainerProvenance = getProvenance();
            trainInvocationCounter++;
        }
        try (TrainedNetwork trained = trainNetwork(examples, localRng)) {
            ModelProvenance provenance = new ModelProvenance(IaeModel.class.getName(), OffsetDateTime.now(),
                    examples.getProvenance(), trainerProvenance, runProvenance);
            IaeNetworkDescription description = trained.description();
            IaeModel model = IaeModel.create(MODEL_NAME, provenance, trained.featureMap(),
                    examples.getOutputIDInfo(), description, executionProvider);
            // The threshold was fitted on DJL's training scores; the model serves ONNX Runtime's, which differ in
            // the last float digits. Refit it on the served scores, so that the model's own decisions on its
            // training data follow the rule exactly (an example at the order statistic a quantile lands on could
            // otherwise flip). For RADIUS the served score is the squared distance (the rule needs the SVDD score).
            double served;
            try {
                served = servedThreshold(model, examples);
            } catch (RuntimeException | Error e) {
                model.close();
                throw e;
            }
            if (Double.compare(served, description.threshold()) == 0) {
                return model;
            }
            model.close();  // before the replacement opens its own session: one native session at a time
            logger.info(String.format(Locale.ROOT, "Threshold refitted on ONNX Runtime's training scores: %.9g "
                    + "(DJL's: %.9g)", served, description.threshold()));
            return IaeModel.create(MODEL_NAME, provenance, trained.featureMap(), examples.getOutputIDInfo(),
                    description.withThreshold(served), executionProvider);
        }
    }

    /**
     * The threshold rule applied to the served model's training scores (for RADIUS the served score is the squared
     * distance, from which R is taken as in {@link #trainNetwork}).
     */
    private double servedThreshold(IaeModel model, Dataset<Event> examples) {
        double[] scores = servedTrainingScores(model, examples);
        float[] squaredDistances = null;
        if (thresholdRule == ThresholdRule.RADIUS) {
            squaredDistances = new float[scores.length];
            for (int i = 0; i < scores.length; i++) {
                squaredDistances[i] = (float) scores[i];
            }
        }
        return fitThreshold(scores, squaredDistances);
    }

    /**
     * The threshold rule, in one place for DJL's and the served scores.
     * @param scores the training scores.
     * @param squaredDistances the training examples' squared distances ||z − c||² (used by RADIUS only; null
     *     otherwise).
     * @return R² for RADIUS ({@link IaeLoss#squaredRadius}), the (1 − contamination)-quantile of the scores for
     *     QUANTILE.
     */
    private double fitThreshold(double[] scores, float[] squaredDistances) {
        return thresholdRule == ThresholdRule.RADIUS ? IaeLoss.squaredRadius(squaredDistances, nu)
                : IaeLoss.quantile(scores, 1.0 - contamination);
    }

    /** The served model's scores of the training examples it was fitted on (the EXPECTED ones, in order). */
    static double[] servedTrainingScores(IaeModel model, Dataset<Event> examples) {
        List<Example<Event>> expected = new ArrayList<>(examples.size());
        for (Example<Event> ex : examples) {
            if (ex.getOutput().getType() == Event.EventType.EXPECTED) {
                expected.add(ex);
            }
        }
        List<Prediction<Event>> predictions = model.predict(expected);
        double[] scores = new double[predictions.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = predictions.get(i).getOutput().getScore();
        }
        return scores;
    }

    /**
     * Trains the DJL network without going through ONNX, e.g. to compare the DJL forward pass with the exported
     * graph. Counts as one invocation of this trainer (it uses and advances the same random stream as
     * {@link #train(Dataset)}).
     * @param examples the training data.
     * @return the trained network, its description and training statistics; close it to free native memory.
     */
    public TrainedNetwork trainNetwork(Dataset<Event> examples) {
        SplittableRandom localRng;
        synchronized (this) {
            localRng = rng.split();
            trainInvocationCounter++;
        }
        return trainNetwork(examples, localRng);
    }

    private TrainedNetwork trainNetwork(Dataset<Event> examples, SplittableRandom localRng) {
        DjlRuntime.engine(threads);
        ImmutableFeatureMap featureMap = examples.getFeatureIDMap();
        int d = featureMap.size();
        if (examples.size() == 0 || d == 0) {
            throw new IllegalArgumentException("The training dataset is empty (" + examples.size() + " examples, "
                    + d + " features)");
        }
        if (imageShape.length == 3 && imageShape[0] * imageShape[1] * imageShape[2] != d) {
            throw new IllegalArgumentException("imageShape " + Arrays.toString(imageShape) + " needs "
                    + (imageShape[0] * imageShape[1] * imageShape[2]) + " features but the dataset has " + d);
        }
        // Dense EXPECTED rows in feature-id order. The normalised copy has views·D values per row and is copied to
        // native memory whole, so it is the largest buffer of the run.
        int views = normalization.views();
        DenseFeatures.floatCount(examples.size(), (long) d * views, "The training dataset (" + examples.size()
                + " examples of " + d + " features" + (views > 1 ? ", " + views + " normalisation views" : "") + ")",
                "train on a sample of the examples or on fewer features");
        float[] rows = new float[examples.size() * d];
        int n = 0;
        int anomalous = 0;
        int unknown = 0;
        int weighted = 0;
        long index = 0;
        for (Example<Event> ex : examples) {
            Event.EventType type = ex.getOutput().getType();
            if (type == Event.EventType.EXPECTED) {
                DenseFeatures.fill(ex, featureMap, index, rows, n * d);
                n++;
                if (ex.getWeight() != 1.0f) {
                    weighted++;
                }
            } else if (type == Event.EventType.ANOMALOUS) {
                anomalous++;
            } else {
                unknown++;
            }
            index++;
        }
        if (weighted > 0) {
            logger.warning("IaeTrainer ignores example weights: " + weighted + " of the " + n + " EXPECTED examples "
                    + "have a weight other than 1, and every example counts once");
        }
        if (anomalous + unknown > 0) {
            logger.warning("IaeTrainer trains on EXPECTED examples only: dropped " + anomalous + " ANOMALOUS and "
                    + unknown + " UNKNOWN examples, kept " + n);
        }
        if (n == 0) {
            throw new IllegalArgumentException("The training dataset has no EXPECTED example (" + anomalous
                    + " ANOMALOUS, " + unknown + " UNKNOWN)");
        }
        if (n < 2) {
            throw new IllegalArgumentException("Training needs at least 2 EXPECTED examples, found " + n);
        }
        if (n * d != rows.length) {
            rows = Arrays.copyOf(rows, n * d);
        }
        long djlSeed = localRng.nextLong();
        long shuffleSeed = localRng.nextLong();

        IaeArchitecture arch = architecture(d);
        FeatureNormalizer normalizer = FeatureNormalizer.fit(normalization, rows, n, d);
        float[] x = normalizer.apply(rows);
        boolean pretrainDecoder = pretrainEpochs > 0 && arch.canBuildDecoder();
        IaeLoss loss = new IaeLoss(preset.useSvdd(), objective, (float) nu,
                preset.useKl() ? (float) lambdaKl : 0f, preset.useDecoder() ? (float) lambdaRec : 0f);
        IaeTrainingLoop.Settings settings = new IaeTrainingLoop.Settings(pretrainEpochs, epochs, batchSize,
                (float) learningRate, lrMilestone, (float) weightDecay, warmUpEpochs, pretrainLstm, lstmBias,
                (float) minCentre);
        logger.info("Training " + this + " on " + n + " examples of " + d + " features: " + arch);
        TrainingListener progressListener = listener;

        IaeNetwork net = null;
        try {
            IaeTrainingLoop.Result result;
            synchronized (DjlRuntime.TRAINING_LOCK) {
                DjlRuntime.seed(djlSeed);
                net = new IaeNetwork(arch, normalizer, pretrainDecoder, weightInit);
                result = new IaeTrainingLoop(net, loss, settings, new Random(shuffleSeed), progressListener)
                        .run(x, n);
            }
            // Training scores, their standardisation and the threshold.
            IaeNetwork.Outputs out = net.infer(rows, n);
            float[] stats = new float[]{0f, 1f, 0f, 1f};
            if (out.svddDistance != null) {
                double[] ms = meanStd(out.svddDistance);
                stats[0] = (float) ms[0];
                stats[1] = (float) ms[1];
            }
            if (out.reconstructionError != null) {
                double[] ms = meanStd(out.reconstructionError);
                stats[2] = (float) ms[0];
                stats[3] = (float) ms[1];
            }
            net.setScoreStats(stats);
            if (arch.scoreKind() == ScoreKind.COMBINED) {
                out = net.infer(rows, n);
            }
            double[] scores = new double[n];
            for (int i = 0; i < n; i++) {
                scores[i] = out.score[i];
            }
            // R for the RADIUS rule: the soft-boundary update rule applied to the whole training set with the final
            // network (inference mode), not the last batch's R from the training loop (see ThresholdRule.RADIUS).
            double radius = 0;
            if (out.svddDistance != null) {
                radius = IaeLoss.radiusQuantile(out.svddDistance, nu);
            }
            double threshold = fitThreshold(scores, out.svddDistance);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("iae.preset", preset.name());
            meta.put("iae.objective", objective.name());
            meta.put(IaeModel.META_THRESHOLD_RULE, thresholdRule.name());
            List<String> names = DenseFeatures.featureNames(featureMap);
            IaeNetworkDescription description = net.describe(names, threshold, meta);
            logger.info(String.format(Locale.ROOT, "Trained %s: threshold %.6g (%s), training throughput %.0f examples/s",
                    preset, threshold, thresholdRule, result.examplesPerSecond));
            TrainedNetwork t = new TrainedNetwork(net, description, featureMap, scores, n, result.examplesPerSecond,
                    (float) radius);
            net = null;
            return t;
        } finally {
            if (net != null) {
                net.close();
            }
        }
    }

    private static double[] meanStd(float[] v) {
        double sum = 0;
        for (float f : v) {
            sum += f;
        }
        double mean = sum / v.length;
        double ss = 0;
        for (float f : v) {
            ss += (f - mean) * (f - mean);
        }
        return new double[]{mean, Math.sqrt(ss / v.length)};
    }

    /**
     * A trained DJL network with what the trainer derived from it. Closing it frees the network's native memory.
     */
    public static final class TrainedNetwork implements AutoCloseable {
        private final IaeNetwork network;
        private final IaeNetworkDescription description;
        private final ImmutableFeatureMap featureMap;
        private final double[] trainingScores;
        private final int trainingExamples;
        private final double examplesPerSecond;
        private final float radius;

        TrainedNetwork(IaeNetwork network, IaeNetworkDescription description, ImmutableFeatureMap featureMap,
                       double[] trainingScores, int trainingExamples, double examplesPerSecond, float radius) {
            this.network = network;
            this.description = description;
            this.featureMap = featureMap;
            this.trainingScores = trainingScores;
            this.trainingExamples = trainingExamples;
            this.examplesPerSecond = examplesPerSecond;
            this.radius = radius;
        }

        /** @return the trained DJL network (owned by this object). */
        public IaeNetwork network() {
            return network;
        }

        /** @return the framework-free description handed to the ONNX writer (threshold and feature names set). */
        public IaeNetworkDescription description() {
            return description;
        }

        /** @return the training data's feature map (defines the input order). */
        public ImmutableFeatureMap featureMap() {
            return featureMap;
        }

        /**
         * @return a copy of DJL's scores of the EXPECTED training examples, in dataset order (the description's
         * threshold is fitted on them; a model from {@code train} refits its threshold, QUANTILE or RADIUS, on ONNX
         * Runtime's).
         */
        public double[] trainingScores() {
            return trainingScores.clone();
        }

        /** @return the number of EXPECTED training examples used. */
        public int trainingExamples() {
            return trainingExamples;
        }

        /** @return training throughput over both phases, in examples per second. */
        public double examplesPerSecond() {
            return examplesPerSecond;
        }

        /** @return the (1 − ν)-quantile of the training distances ||z − c|| (0 without the hypersphere). */
        public float radius() {
            return radius;
        }

        @Override
        public void close() {
            network.close();
        }

        @Override
        public String toString() {
            return "TrainedNetwork(" + description + ")";
        }
    }

    // ------------------------------------------------------------------------------------------------ provenance

    @Override
    public int getInvocationCount() {
        return trainInvocationCounter;
    }

    @Override
    public synchronized void setInvocationCount(int invocationCount) {
        if (invocationCount < 0) {
            throw new IllegalArgumentException("The supplied invocationCount is less than zero.");
        }
        rng = new SplittableRandom(seed);
        for (trainInvocationCounter = 0; trainInvocationCounter < invocationCount; trainInvocationCounter++) {
            rng.split();
        }
    }

    @Override
    public TrainerProvenance getProvenance() {
        return new TrainerProvenanceImpl(this);
    }

    @Override
    public String toString() {
        return "IaeTrainer(preset=" + preset
                + ",imageShape=" + (imageShape.length == 0 ? "tabular" : Arrays.toString(imageShape))
                + ",encoderSizes=" + Arrays.toString(encoderSizes)
                + ",lstmHidden=" + (preset.useLstm() ? lstmHidden : 0)
                + ",repDim=" + repDim
                + ",objective=" + objective
                + (objective == SvddObjective.SOFT_BOUNDARY ? ",nu=" + nu + ",warmUpEpochs=" + warmUpEpochs : "")
                + ",lambdaKl=" + (preset.useKl() ? lambdaKl : 0)
                + ",lambdaRec=" + lambdaRec
                + ",normalization=" + normalization
                + ",pretrainEpochs=" + pretrainEpochs
                + (preset.useLstm() && pretrainLstm ? ",pretrainLstm=true" : "")
                + (preset.useLstm() && !lstmBias ? ",lstmBias=false" : "")
                + (preset.useSvdd() && minCentre != IaeTrainingLoop.MIN_CENTRE ? ",minCentre=" + minCentre : "")
                + ",epochs=" + epochs
                + ",batchSize=" + batchSize + ",learningRate=" + learningRate
                + ",lrMilestone=" + lrMilestone + ",weightDecay=" + weightDecay
                + ",weightInit=" + weightInit
                + ",scoreKind=" + effectiveScoreKind()
                + (effectiveRecWeight() != 1.0 ? ",recWeight=" + recWeight : "")
                + ",thresholdRule=" + thresholdRule
                + (thresholdRule == ThresholdRule.QUANTILE ? ",contamination=" + contamination : "")
                + ",seed=" + seed + ",threads=" + threads + ",executionProvider=" + executionProvider + ")";
    }

    // ------------------------------------------------------------------------------------------------ builder

    /**
     * Fluent construction of an {@link IaeTrainer}; {@link #build()} validates the settings. Every method sets the
     * {@code @Config} field of the same name (see the trainer's field descriptions).
     */
    public static final class Builder {
        private final IaeTrainer t = new IaeTrainer();

        private Builder() { }

        /**
         * @param p the module configuration.
         * @return this builder.
         */
        public Builder preset(IaePreset p) {
            t.preset = p;
            return this;
        }

        /**
         * @param chw {C, H, W} for the image network; no values (or null) for tabular data.
         * @return this builder.
         */
        public Builder imageShape(int... chw) {
            t.imageShape = chw == null ? new int[0] : chw.clone();
            return this;
        }

        /**
         * @param sizes MLP hidden sizes (tabular) or convolution channels per block (image).
         * @return this builder.
         */
        public Builder encoderSizes(int... sizes) {
            t.encoderSizes = sizes.clone();
            return this;
        }

        /**
         * @param h LSTM hidden size.
         * @return this builder.
         */
        public Builder lstmHidden(int h) {
            t.lstmHidden = h;
            return this;
        }

        /**
         * @param r latent dimension.
         * @return this builder.
         */
        public Builder repDim(int r) {
            t.repDim = r;
            return this;
        }

        /**
         * @param o hypersphere objective.
         * @return this builder.
         */
        public Builder objective(SvddObjective o) {
            t.objective = o;
            return this;
        }

        /**
         * @param v ν of the soft-boundary objective.
         * @return this builder.
         */
        public Builder nu(double v) {
            t.nu = v;
            return this;
        }

        /**
         * @param v weight of the KL term.
         * @return this builder.
         */
        public Builder lambdaKl(double v) {
            t.lambdaKl = v;
            return this;
        }

        /**
         * @param v weight of the reconstruction term in the joint loss of presets with decoder and hypersphere
         *     (ignored by CAE and DEEP_SVDD). 0 leaves the decoder out of joint training, so it is only
         *     pre-trained; refused with the RECONSTRUCTION and COMBINED scores, which would then use that stale
         *     decoder.
         * @return this builder.
         */
        public Builder lambdaRec(double v) {
            t.lambdaRec = v;
            return this;
        }

        /**
         * @param n input pre-processing.
         * @return this builder.
         */
        public Builder normalization(Normalization n) {
            t.normalization = n;
            return this;
        }

        /**
         * @param e autoencoder pre-training epochs.
         * @return this builder.
         */
        public Builder pretrainEpochs(int e) {
            t.pretrainEpochs = e;
            return this;
        }

        /**
         * @param e joint-training epochs.
         * @return this builder.
         */
        public Builder epochs(int e) {
            t.epochs = e;
            return this;
        }

        /**
         * @param b mini-batch size.
         * @return this builder.
         */
        public Builder batchSize(int b) {
            t.batchSize = b;
            return this;
        }

        /**
         * @param lr Adam learning rate.
         * @return this builder.
         */
        public Builder learningRate(double lr) {
            t.learningRate = lr;
            return this;
        }

        /**
         * @param epoch joint epoch after which the learning rate drops ×0.1 (0 = never).
         * @return this builder.
         */
        public Builder lrMilestone(int epoch) {
            t.lrMilestone = epoch;
            return this;
        }

        /**
         * @param wd L2 weight decay.
         * @return this builder.
         */
        public Builder weightDecay(double wd) {
            t.weightDecay = wd;
            return this;
        }

        /**
         * @param e soft-boundary warm-up epochs (joint epochs with R = 0); at least {@code epochs} means R is never
         *     updated (a warning is logged).
         * @return this builder.
         */
        public Builder warmUpEpochs(int e) {
            t.warmUpEpochs = e;
            return this;
        }

        /**
         * @param p true to pre-train the autoencoder through the LSTM module (see the trainer's field description).
         * @return this builder.
         */
        public Builder pretrainLstm(boolean p) {
            t.pretrainLstm = p;
            return this;
        }

        /**
         * @param b false for a bias-free LSTM module (see the trainer's field description).
         * @return this builder.
         */
        public Builder lstmBias(boolean b) {
            t.lstmBias = b;
            return this;
        }

        /**
         * @param v the smallest absolute centre coordinate (see the trainer's field description; 0.1 by default).
         * @return this builder.
         */
        public Builder minCentre(double v) {
            t.minCentre = v;
            return this;
        }

        /**
         * @param w how the initial weights are drawn.
         * @return this builder.
         */
        public Builder weightInit(WeightInit w) {
            t.weightInit = w;
            return this;
        }

        /**
         * @param k the score kind (null = the preset's default).
         * @return this builder.
         */
        public Builder scoreKind(ScoreKind k) {
            t.scoreKind = k;
            return this;
        }

        /**
         * @param w the weight of the reconstruction part in the COMBINED score (1 = equal weights). When the training
         *     data may hold anomalies, 0.25 is better: an autoencoder trained on polluted data learns to reconstruct
         *     the pollution (Fashion-MNIST validation, 10 % and 20 % pollution: +0.020 and +0.027 AUROC over 1, at a
         *     cost of 0.004 on clean data; benchmarks/README.md, step 14).
         * @return this builder.
         */
        public Builder recWeight(double w) {
            t.recWeight = w;
            return this;
        }

        /**
         * @param r the threshold rule.
         * @return this builder.
         */
        public Builder thresholdRule(ThresholdRule r) {
            t.thresholdRule = r;
            return this;
        }

        /**
         * @param c fraction of training scores above the QUANTILE threshold.
         * @return this builder.
         */
        public Builder contamination(double c) {
            t.contamination = c;
            return this;
        }

        /**
         * @param s the seed.
         * @return this builder.
         */
        public Builder seed(long s) {
            t.seed = s;
            return this;
        }

        /**
         * @param n libtorch threads for training.
         * @return this builder.
         */
        public Builder threads(int n) {
            t.threads = n;
            return this;
        }

        /**
         * @param p where the trained model runs.
         * @return this builder.
         */
        public Builder executionProvider(ExecutionProvider p) {
            t.executionProvider = p;
            return this;
        }

        /**
         * Sets the progress listener (a runtime hook, not a setting: see {@link TrainingListener}).
         * @param l the listener, or null for none.
         * @return this builder.
         */
        public Builder listener(TrainingListener l) {
            t.listener = l == null ? TrainingListener.NONE : l;
            return this;
        }

        /**
         * Validates the settings and returns a new trainer (the builder may be reused).
         * @return the trainer.
         * @throws IllegalArgumentException naming the first invalid setting.
         */
        public IaeTrainer build() {
            IaeTrainer out = new IaeTrainer();
            out.preset = t.preset;
            out.imageShape = t.imageShape.clone();
            out.encoderSizes = t.encoderSizes.clone();
            out.lstmHidden = t.lstmHidden;
            out.repDim = t.repDim;
            out.objective = t.objective;
            out.nu = t.nu;
            out.lambdaKl = t.lambdaKl;
            out.lambdaRec = t.lambdaRec;
            out.normalization = t.normalization;
            out.pretrainEpochs = t.pretrainEpochs;
            out.epochs = t.epochs;
            out.batchSize = t.batchSize;
            out.learningRate = t.learningRate;
            out.lrMilestone = t.lrMilestone;
            out.weightDecay = t.weightDecay;
            out.warmUpEpochs = t.warmUpEpochs;
            out.pretrainLstm = t.pretrainLstm;
            out.lstmBias = t.lstmBias;
            out.minCentre = t.minCentre;
            out.weightInit = t.weightInit;
            out.scoreKind = t.scoreKind;
            out.recWeight = t.recWeight;
            out.thresholdRule = t.thresholdRule;
            out.contamination = t.contamination;
            out.seed = t.seed;
            out.threads = t.threads;
            out.executionProvider = t.executionProvider;
            out.listener = t.listener;
            out.postConfig();
            return out;
        }
    }
}
