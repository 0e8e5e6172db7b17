package dev.iae.examples.benchmark;

import dev.iae.tribuo.IaePreset;
import dev.iae.tribuo.IaeTrainer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tests {@link BenchmarkConfig}: the per-data-set settings reach the trainer, and the schedule and LSTM-width
 * overrides of the benchmark command replace exactly what they name.
 */
public class BenchmarkConfigTest {

    private static final int[] FASHION = {1, 28, 28};
    private static final int[] CIFAR = {3, 32, 32};

    @Test
    public void dataSetDefaultsReachTheTrainer() {
        String f = BenchmarkConfig.trainer("fashion-mnist", IaePreset.IAE_LSTM_KL, FASHION, 3, -1, -1, -1, 1)
                .toString();
        assertTrue(f.contains("lstmHidden=" + BenchmarkConfig.FASHION_LSTM) && f.contains("encoderSizes=[16, 32, 64]")
                && f.contains("pretrainEpochs=" + BenchmarkConfig.PRETRAIN_EPOCHS)
                && f.contains("epochs=" + BenchmarkConfig.EPOCHS) && f.contains("seed=3"), f);
        // Pre-processing per data set, each chosen on validation data: global min-max on both.
        assertTrue(f.contains("normalization=GLOBAL_MIN_MAX,") && f.contains("weightInit=DJL"), f);
        String c = BenchmarkConfig.trainer("CIFAR-10", IaePreset.IAE_LSTM_KL, CIFAR, 1, -1, -1, 0, 1).toString();
        assertTrue(c.contains("lstmHidden=" + BenchmarkConfig.CIFAR_LSTM) && c.contains("encoderSizes=[32, 64, 128]")
                && c.contains("normalization=" + BenchmarkConfig.CIFAR_NORMALIZATION + ","), c);
        // Score: the full model uses each data set's score chosen on validation data; the ablations keep their
        // preset's score.
        assertTrue(f.contains("scoreKind=" + BenchmarkConfig.FASHION_SCORE + ","), f);
        assertTrue(c.contains("scoreKind=" + BenchmarkConfig.CIFAR_SCORE + ","), c);
        // The reconstruction weight of the combined score: CIFAR-10's chosen on validation data, Fashion-MNIST's 1.
        assertTrue(c.contains(",recWeight=" + BenchmarkConfig.CIFAR_REC_WEIGHT + ","), c);
        assertTrue(!f.contains("recWeight"), f);
        // KL weight per data set, each chosen on validation data.
        assertTrue(f.contains("lambdaKl=" + BenchmarkConfig.FASHION_LAMBDA_KL + ","), f);
        assertTrue(c.contains("lambdaKl=" + BenchmarkConfig.CIFAR_LAMBDA_KL + ","), c);
        for (IaePreset p : IaePreset.values()) {
            if (p != IaePreset.IAE_LSTM_KL) {
                String a = BenchmarkConfig.trainer("fashion-mnist", p, FASHION, 1, -1, -1, -1, 1).toString();
                assertTrue(a.contains("scoreKind=" + p.defaultScoreKind() + ","), a);
                String ac = BenchmarkConfig.trainer("cifar10", p, CIFAR, 1, -1, -1, -1, 1).toString();
                assertTrue(ac.contains("scoreKind=" + p.defaultScoreKind() + ",")
                        && ac.contains("normalization=" + BenchmarkConfig.CIFAR_NORMALIZATION + ","), ac);
            }
        }
    }

    @Test
    public void overridesReplaceOnlyWhatTheyName() {
        IaeTrainer t = BenchmarkConfig.trainer("fashion-mnist", IaePreset.IAE_LSTM_KL, FASHION, 1, 10, 20, 2048, 1);
        String s = t.toString();
        // The learning-rate milestone keeps its place at 2/3 of the shortened joint schedule.
        long milestone = Math.round(20.0 * BenchmarkConfig.LR_MILESTONE / BenchmarkConfig.EPOCHS);
        assertTrue(s.contains("lstmHidden=2048") && s.contains("pretrainEpochs=10") && s.contains(",epochs=20")
                && s.contains("lrMilestone=" + milestone) && s.contains("encoderSizes=[16, 32, 64]"), s);
        // Presets without an LSTM ignore the width.
        String d = BenchmarkConfig.trainer("fashion-mnist", IaePreset.DEEP_SVDD, FASHION, 1, -1, -1, 2048, 1)
                .toString();
        assertTrue(d.contains("lstmHidden=0"), d);
    }

    @Test
    public void descriptionNamesTheConfiguredSettings() {
        String d = BenchmarkConfig.describe();
        assertTrue(d.contains("Fashion-MNIST " + BenchmarkConfig.FASHION_NORMALIZATION + ", channels 16/32/64, repDim "
                + BenchmarkConfig.FASHION_REP_DIM + ", LSTM " + BenchmarkConfig.FASHION_LSTM), d);
        assertTrue(d.contains("CIFAR-10 " + BenchmarkConfig.CIFAR_NORMALIZATION + ", channels 32/64/128"), d);
        assertTrue(d.contains("weight initialisation " + BenchmarkConfig.WEIGHT_INIT), d);
        assertTrue(d.contains("IAE-LSTM-KL: Fashion-MNIST " + BenchmarkConfig.FASHION_SCORE + ", CIFAR-10 "
                + BenchmarkConfig.CIFAR_SCORE), d);
    }

    @Test
    public void unknownDataSetIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BenchmarkConfig.trainer("mvtec", IaePreset.IAE, FASHION, 1, -1, -1, -1, 1));
        assertTrue(e.getMessage().contains("mvtec"), e.getMessage());
    }
}
