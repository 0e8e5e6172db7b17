package dev.iae.examples.benchmark;

import dev.iae.onnx.Normalization;
import dev.iae.onnx.ScoreKind;
import dev.iae.tribuo.IaePreset;
import dev.iae.tribuo.IaeTrainer;
import dev.iae.tribuo.WeightInit;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The hyper-parameters of the one-class benchmarks, fixed once per data set (never per class, never on test labels).
 * <p>
 * <b>How they were chosen.</b> From the design notes' defaults (DESIGN §3: the Deep SVDD LeNet autoencoder with
 * BatchNorm without affine parameters, GCN-l1 + min-max pre-processing, Adam with weight decay 0.5e-6, a ×0.1
 * learning-rate milestone, the hard one-class objective and the paper's score {@code ||z - c||²}) and its early
 * evidence (DESIGN §11: λ_kl = 1e-3 — larger values hurt —, λ_rec = 1, a freshly initialised LSTM after
 * autoencoder pre-training), scaled down to what the two-core CPU budget allows (DESIGN §4/§11 timings): a quarter
 * of the paper's convolution channels and an LSTM of 256 instead of 2048 on Fashion-MNIST; the paper's channels
 * and LSTM 512 on CIFAR-10. No setting was tuned on test data. Any later change must be chosen on training data
 * only — {@code OneClassBenchmark --validate} scores held-out normal training images against other classes'
 * training images ({@link ValidationSplit}) and never reads the test set — and must be recorded here.
 * <p>
 * Learning rate 1e-3 rather than Deep SVDD's 1e-4, because the epoch budget here is tens of epochs, not hundreds.
 * <p>
 * <b>Changed on validation data</b> (each time {@code --validate 0.1}: IAE-LSTM-KL, seed 1, 10 + 20 epochs, normal
 * classes 0–4, the first five; {@code benchmarks/results/fashion-mnist-validation-normalization.md}, and for the
 * score {@code fashion-mnist-validation-score.md}):
 * <ol>
 *   <li>Fashion-MNIST pre-processing, GCN-l1 + min-max → per-pixel min-max: validation AUROC 0.909 vs 0.878,
 *   0.981 vs 0.979, 0.882 vs 0.869, 0.931 vs 0.911, 0.909 vs 0.890 — better on all five, mean 0.922 vs 0.906.</li>
 *   <li>Then per-pixel → one global min-max range ({@link Normalization#GLOBAL_MIN_MAX}, ≈ pixels / 255, what the
 *   PyTorch Deep SVDD peer's best variant uses; per-pixel min-max leaves pixels that are constant in training at
 *   scale 1): 0.911 vs 0.909, 0.9815 vs 0.9812, 0.895 vs 0.882, 0.935 vs 0.931, 0.922 vs 0.909 — better on all five,
 *   mean 0.929 vs 0.922. This is {@link #FASHION_NORMALIZATION}.</li>
 *   <li>Then the full model's score ‖z − c‖² → the combined score ({@link ScoreKind#COMBINED}: SVDD distance and
 *   reconstruction error, each standardised by its training-set mean and spread, then added; DESIGN §11 had found
 *   it the best score of the full model at small budgets): 0.925 vs 0.911, 0.989 vs 0.9815, 0.904 vs 0.895,
 *   0.956 vs 0.935, 0.928 vs 0.922 — better on all five, mean 0.940 vs 0.929 (the Deep SVDD ablation: 0.935).
 *   This is {@link #FASHION_SCORE}. Tried
 *   in the same round and dropped after class 0: λ_rec 0.1 instead of 1 (0.904 vs 0.911) and pre-training the
 *   autoencoder through the LSTM ({@code pretrainLstm}; 0.877 vs 0.911).</li>
 *   <li>Then, with the combined score, λ_kl 1e-3 → 1e-2: 0.927 vs 0.925, 0.989 vs 0.989, 0.906 vs 0.904, 0.955 vs
 *   0.956, 0.931 vs 0.928 — better on four of five, mean 0.9417 vs 0.9402 (a small step: the rule was "beats the
 *   current mean"). This is {@link #FASHION_LAMBDA_KL}. Dropped after class 0: λ_kl 1e-1 (0.912); after classes 0
 *   and 1, both level with the current setting: a bias-free LSTM ({@code lstmBias=false}; 0.925, 0.989).</li>
 * </ol>
 * <b>CIFAR-10, changed on validation data</b> ({@code --validate 0.1}: IAE-LSTM-KL, seed 1, the reduced 5 + 10
 * epochs of the CIFAR-10 table, normal classes 0–4; {@code benchmarks/results/cifar10-validation.md}): the three
 * Fashion-MNIST choices above taken together — global min-max, the combined score, λ_kl 1e-2 — against DESIGN §3's
 * GCN-l1 + min-max, ‖z − c‖² and λ_kl 1e-3 (not varied one at a time, for the compute). The rule, fixed before
 * the runs: adopt the Fashion-MNIST set if its mean beats. It did: 0.683 vs 0.531, 0.436 vs 0.641, 0.712 vs
 * 0.465, 0.524 vs 0.563, 0.737 vs 0.604 — better on three of five, mean 0.619 vs 0.561. The classes move in both
 * directions (automobile and cat lose), the pattern of IsolationForest on raw pixels against the GCN-based model in
 * the CIFAR-10 test table. On the test set (3 seeds) the choice held on classes 0–4 and not on 5–9, which the
 * validation run never saw: mean 0.611 against the earlier settings' 0.621 (one seed); see the README.
 * <p>
 * <b>CIFAR-10, second round, on all ten classes</b> (same protocol; rule fixed before the runs: the highest mean
 * over all ten classes wins, the current setting stays unless beaten by more than 0.003): GCN-l1 + min-max with the
 * combined score and λ_kl 1e-2 — the pre-processing alone changed back — scored 0.622, the global range (the
 * first round's winner) 0.611 and the first round's GCN-l1 + min-max, ‖z − c‖², λ_kl 1e-3 also 0.611. The two
 * pre-processings split the classes: the global range wins airplane, bird, deer and frog, GCN the other six. So
 * {@link #CIFAR_NORMALIZATION} was GCN-l1 + min-max again, with {@link #CIFAR_SCORE} and {@link #CIFAR_LAMBDA_KL}
 * kept from the first round.
 * <p>
 * <b>CIFAR-10, third round</b> (same protocol and rule, fixed before the runs): because the two pre-processings
 * split the classes, the network was given both side by side ({@link Normalization#GCN_L1_AND_GLOBAL_MIN_MAX}, 2C
 * input channels; score and λ_kl unchanged). It scored 0.703, 0.476, 0.717, 0.541, 0.754, 0.544, 0.733, 0.543,
 * 0.767, 0.541 — mean 0.632 against GCN-l1 + min-max's 0.622 —, above the global range alone on all ten classes
 * and above GCN alone on the four the global range wins (airplane, bird, deer, frog). So
 * {@link #CIFAR_NORMALIZATION} was the two-view pre-processing (until the fold rounds below). On the test set (seed
 * 1) it scored 0.620 against
 * 0.636 for GCN alone; kept, since that comparison uses test labels.
 * <p>
 * <b>CIFAR-10, fourth round</b> (validation seed 2; rules fixed before the runs): GCN alone against the two views
 * again — two views kept iff their mean over validation seeds 1 and 2 beats GCN's by more than 0.003: 0.630 against
 * 0.623, kept — and the weight of the reconstruction part in the combined score, from the same models re-scored
 * (the runner's {@code --rec-weights}; adopt the best iff it beats 1 by more than 0.002): for the two views 0.25
 * scored 0.632 against 0.628 for 1 (0 0.628, 0.5 0.632, 2 0.621, the reconstruction error alone 0.601), so
 * {@link #CIFAR_REC_WEIGHT} was 0.25 (until the fold rounds below). On Fashion-MNIST the same sweep (seed 1, ten classes) kept equal weights
 * (0.932; 0.5 0.931, 2 0.929).
 * <p>
 * <b>CIFAR-10, four sets of validation images</b> (folds 0–3 of {@code --validate-fold}, no image shared; rule
 * fixed before the fourth: folds weigh equally, switch to GCN alone iff the mean over the folds favours it by more
 * than 0.003 at equal weights, then take GCN's best reconstruction weight iff it beats 1 by more than 0.002): GCN
 * alone minus the two views per fold −0.0066, +0.0010, +0.0127, +0.0065, mean +0.0034, so
 * {@link #CIFAR_NORMALIZATION} is GCN-l1 + min-max again; its weights averaged over the folds (fold 0: seeds 2 and
 * 3) were 0 0.619, 0.25 0.629, 0.5 0.631, 1 0.628, 2 0.619, so {@link #CIFAR_REC_WEIGHT} is 0.5
 * ({@code benchmarks/README.md}, step 16).
 * <p>
 * The weight initialisation stays DJL's default
 * ({@link #WEIGHT_INIT}): PyTorch's ({@code --weight-init PYTORCH}) scored lower on class 0 with per-pixel min-max
 * (0.890 vs 0.909) and with the global range (0.905 vs 0.911), and the same on class 1 (0.982 vs 0.981).
 */
public final class BenchmarkConfig {

    /** Fashion-MNIST: convolution channels per LeNet block (the paper: 32, 64, 128). */
    public static final int[] FASHION_CHANNELS = {16, 32, 64};
    /** Fashion-MNIST: latent dimension. */
    public static final int FASHION_REP_DIM = 64;
    /**
     * Fashion-MNIST: LSTM hidden size (the paper: 2048). On validation data with these settings (ten classes, seed
     * 1) 2048 scored 0.9323 against 256's 0.9320 at twice the training time, short of the +0.003 a change needed.
     */
    public static final int FASHION_LSTM = 256;
    /** Fashion-MNIST: input pre-processing, one global min-max range (chosen on validation data, see above). */
    public static final Normalization FASHION_NORMALIZATION = Normalization.GLOBAL_MIN_MAX;
    /**
     * Fashion-MNIST: the anomaly score of the full model, IAE-LSTM-KL (chosen on validation data, see above). The
     * ablations keep their preset's score (‖z − c‖², CAE: reconstruction error), which was not compared.
     */
    public static final ScoreKind FASHION_SCORE = ScoreKind.COMBINED;
    /** Weight initialisation of every network (DJL's default, compared with PyTorch's on validation data). */
    public static final WeightInit WEIGHT_INIT = WeightInit.DJL;
    /**
     * CIFAR-10: input pre-processing, GCN-l1 + min-max (chosen on four disjoint sets of validation images, above; the
     * third round had chosen GCN-l1 + min-max and the global range side by side on one set of images, the first, on
     * five classes, the global range alone).
     */
    public static final Normalization CIFAR_NORMALIZATION = Normalization.GCN_L1_MIN_MAX;
    /**
     * CIFAR-10: the anomaly score of the full model (chosen on validation data, see above). The ablations keep their
     * preset's score.
     */
    public static final ScoreKind CIFAR_SCORE = ScoreKind.COMBINED;
    /**
     * CIFAR-10: the weight of the reconstruction part in the full model's combined score (chosen on validation data
     * for GCN-l1 + min-max over four sets of images, above; 0.25 for the two views in the fourth round;
     * Fashion-MNIST keeps equal weights, 1).
     */
    public static final double CIFAR_REC_WEIGHT = 0.5;
    /** CIFAR-10: convolution channels per LeNet block (the paper's). */
    public static final int[] CIFAR_CHANNELS = {32, 64, 128};
    /** CIFAR-10: latent dimension (the paper's). */
    public static final int CIFAR_REP_DIM = 128;
    /** CIFAR-10: LSTM hidden size (the paper: 2048). */
    public static final int CIFAR_LSTM = 512;
    /** Autoencoder pre-training epochs of the full runs. */
    public static final int PRETRAIN_EPOCHS = 20;
    /** Joint-training epochs of the full runs. */
    public static final int EPOCHS = 30;
    /** Joint epoch after which the learning rate drops ×0.1 (of the full runs). */
    public static final int LR_MILESTONE = 20;
    /** Mini-batch size. */
    public static final int BATCH_SIZE = 128;
    /** Adam learning rate. */
    public static final double LEARNING_RATE = 1e-3;
    /** L2 weight decay (Deep SVDD's). */
    public static final double WEIGHT_DECAY = 0.5e-6;
    /**
     * Fashion-MNIST: KL weight (chosen on validation data, see above). In the joint phase the SVDD and KL terms
     * balance where each latent coordinate's variance is about λ_kl / (2 · repDim), so λ_kl sets the spread the
     * latents keep around the centre.
     */
    public static final double FASHION_LAMBDA_KL = 1e-2;
    /** CIFAR-10: KL weight (chosen on validation data with the pre-processing and score, see above). */
    public static final double CIFAR_LAMBDA_KL = 1e-2;
    /** Reconstruction weight in the joint loss. */
    public static final double LAMBDA_REC = 1.0;
    /** ν of the one-class SVM peers. */
    public static final double OCSVM_NU = 0.1;

    private BenchmarkConfig() { }

    /**
     * The trainer of one method on one data set.
     * @param dataset "fashion-mnist" or "cifar10".
     * @param preset the method (ablation).
     * @param imageShape the raw image shape {C, H, W}.
     * @param seed the training seed.
     * @param pretrainEpochs pre-training epochs, or a negative value for the configured {@link #PRETRAIN_EPOCHS}.
     * @param epochs joint epochs, or a negative value for the configured {@link #EPOCHS}.
     * @param lstmHidden LSTM hidden size, or a value below 1 for the configured width of the data set
     *                   ({@link #FASHION_LSTM} / {@link #CIFAR_LSTM}).
     * @param threads libtorch threads.
     * @return the trainer.
     * @throws IllegalArgumentException for an unknown data set.
     */
    public static IaeTrainer trainer(String dataset, IaePreset preset, int[] imageShape, long seed,
                                     int pretrainEpochs, int epochs, int lstmHidden, int threads) {
        return builder(dataset, preset, imageShape, seed, pretrainEpochs, epochs, lstmHidden, threads).build();
    }

    /**
     * The same settings as {@link #trainer}, as a builder, for runs that override more of them
     * ({@code OneClassBenchmark --normalization/--score/--lambda-rec/--lambda-kl/--weight-init}).
     * @param dataset "fashion-mnist" or "cifar10".
     * @param preset the method (ablation).
     * @param imageShape the raw image shape {C, H, W}.
     * @param seed the training seed.
     * @param pretrainEpochs pre-training epochs, or a negative value for the configured {@link #PRETRAIN_EPOCHS}.
     * @param epochs joint epochs, or a negative value for the configured {@link #EPOCHS}.
     * @param lstmHidden LSTM hidden size, or a value below 1 for the data set's configured width.
     * @param threads libtorch threads.
     * @return the builder.
     * @throws IllegalArgumentException for an unknown data set.
     */
    public static IaeTrainer.Builder builder(String dataset, IaePreset preset, int[] imageShape, long seed,
                                             int pretrainEpochs, int epochs, int lstmHidden, int threads) {
        boolean cifar = isCifar(dataset);
        int pre = pretrainEpochs >= 0 ? pretrainEpochs : PRETRAIN_EPOCHS;
        int joint = epochs >= 0 ? epochs : EPOCHS;
        // The milestone scales with a shortened schedule (smoke runs) so it stays at 2/3 of the joint epochs.
        int milestone = epochs >= 0 ? (int) Math.round(joint * (double) LR_MILESTONE / EPOCHS) : LR_MILESTONE;
        return IaeTrainer.builder()
                .preset(preset)
                .imageShape(imageShape)
                .encoderSizes(cifar ? CIFAR_CHANNELS : FASHION_CHANNELS)
                .repDim(cifar ? CIFAR_REP_DIM : FASHION_REP_DIM)
                .lstmHidden(lstmHidden >= 1 ? lstmHidden : cifar ? CIFAR_LSTM : FASHION_LSTM)
                .lambdaKl(cifar ? CIFAR_LAMBDA_KL : FASHION_LAMBDA_KL)
                .lambdaRec(LAMBDA_REC)
                .normalization(cifar ? CIFAR_NORMALIZATION : FASHION_NORMALIZATION)
                .pretrainEpochs(pre)
                .epochs(Math.max(joint, 1))
                // A milestone at or after the last joint epoch would never fire: 0 says so (same training).
                .lrMilestone(milestone > 0 && milestone < joint ? milestone : 0)
                .batchSize(BATCH_SIZE)
                .learningRate(LEARNING_RATE)
                .weightDecay(WEIGHT_DECAY)
                .weightInit(WEIGHT_INIT)
                .scoreKind(preset == IaePreset.IAE_LSTM_KL ? (cifar ? CIFAR_SCORE : FASHION_SCORE) : null)
                .recWeight(preset == IaePreset.IAE_LSTM_KL && cifar ? CIFAR_REC_WEIGHT : 1.0)
                .seed(seed)
                .threads(threads);
    }

    /**
     * @param dataset a data set name.
     * @return true for CIFAR-10 ("cifar10" / "cifar-10", any case).
     * @throws IllegalArgumentException if the name is neither Fashion-MNIST nor CIFAR-10.
     */
    public static boolean isCifar(String dataset) {
        String d = dataset.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        if (d.equals("cifar10")) {
            return true;
        }
        if (d.equals("fashionmnist") || d.equals("mnist")) {
            return false;
        }
        throw new IllegalArgumentException("Unknown dataset '" + dataset + "': use fashion-mnist or cifar10");
    }

    /**
     * Written from the constants above, so a result header always names the settings that ran.
     * @return a one-line description of the fixed settings, for result headers.
     */
    public static String describe() {
        return "LeNet autoencoder, weight initialisation " + WEIGHT_INIT + "; Fashion-MNIST " + FASHION_NORMALIZATION
                + ", channels " + join(FASHION_CHANNELS) + ", repDim " + FASHION_REP_DIM + ", LSTM " + FASHION_LSTM
                + "; CIFAR-10 " + CIFAR_NORMALIZATION + ", channels " + join(CIFAR_CHANNELS) + ", repDim "
                + CIFAR_REP_DIM + ", LSTM " + CIFAR_LSTM + "; pretrain " + PRETRAIN_EPOCHS + " + joint "
                + EPOCHS + " epochs (lr x0.1 after joint epoch " + LR_MILESTONE + "), batch " + BATCH_SIZE
                + ", Adam lr " + LEARNING_RATE + ", weight decay " + WEIGHT_DECAY + ", lambda_kl " + FASHION_LAMBDA_KL
                + " (CIFAR-10 " + CIFAR_LAMBDA_KL + ")"
                + ", lambda_rec " + LAMBDA_REC + ", hard one-class objective, score ||z-c||^2 (CAE: reconstruction "
                + "error; IAE-LSTM-KL: Fashion-MNIST " + FASHION_SCORE + ", CIFAR-10 " + CIFAR_SCORE + " with reconstruction "
                + "weight " + CIFAR_REC_WEIGHT
                + "); one-class SVM: RBF, nu " + OCSVM_NU
                + ", gamma 1/(D var(X_train)) (scikit-learn's 'scale')";
    }

    private static String join(int[] sizes) {
        return Arrays.stream(sizes).mapToObj(Integer::toString).collect(Collectors.joining("/"));
    }

    @Override
    public String toString() {
        return "BenchmarkConfig(" + describe() + ")";
    }
}
