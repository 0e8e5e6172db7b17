package dev.iae.tribuo.evaluation;

import org.junit.jupiter.api.Test;
import org.tribuo.classification.evaluation.LabelEvaluationUtil;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ScoreEvaluationTest {

    /** Mann–Whitney U over all (anomalous, expected) pairs, ties counted one half: the definition of AUROC. */
    private static double mannWhitney(boolean[] y, double[] s) {
        double u = 0;
        long pairs = 0;
        for (int i = 0; i < y.length; i++) {
            if (!y[i]) {
                continue;
            }
            for (int j = 0; j < y.length; j++) {
                if (y[j]) {
                    continue;
                }
                pairs++;
                if (s[i] > s[j]) {
                    u += 1;
                } else if (s[i] == s[j]) {
                    u += 0.5;
                }
            }
        }
        return u / pairs;
    }

    /** Average precision by its definition: mean over positives of the precision at that positive's score. */
    private static double averagePrecisionByDefinition(boolean[] y, double[] s) {
        double sum = 0;
        int pos = 0;
        for (int i = 0; i < y.length; i++) {
            if (!y[i]) {
                continue;
            }
            pos++;
            int tp = 0;
            int all = 0;
            for (int j = 0; j < y.length; j++) {
                if (s[j] >= s[i]) {
                    all++;
                    if (y[j]) {
                        tp++;
                    }
                }
            }
            sum += tp / (double) all;
        }
        return sum / pos;
    }

    @Test
    void aurocMatchesMannWhitneyWithManyTies() {
        Random rng = new Random(7);
        for (int trial = 0; trial < 50; trial++) {
            int n = 20 + rng.nextInt(200);
            boolean[] y = new boolean[n];
            double[] s = new double[n];
            for (int i = 0; i < n; i++) {
                y[i] = rng.nextDouble() < 0.3;
                // Few distinct values: many ties, some across classes.
                s[i] = rng.nextInt(6) + (y[i] ? rng.nextInt(3) : 0);
            }
            y[0] = true;
            y[1] = false;
            ScoreEvaluation e = ScoreEvaluation.of(y, s);
            assertEquals(mannWhitney(y, s), e.auroc(), 1e-12, "trial " + trial);
            assertEquals(averagePrecisionByDefinition(y, s), e.averagePrecision(), 1e-12, "trial " + trial);
            assertEquals(LabelEvaluationUtil.binaryAUCROC(y, s), e.auroc(), 1e-9, "trial " + trial);
        }
    }

    @Test
    void handWorkedExample() {
        // Scores: anomalies 0.9, 0.5 (tied with a normal), 0.2; normals 0.5, 0.1.
        boolean[] y = {true, true, false, true, false};
        double[] s = {0.9, 0.5, 0.5, 0.2, 0.1};
        ScoreEvaluation e = ScoreEvaluation.of(y, s);
        // Pairs: (0.9>0.5,0.9>0.1), (0.5=0.5 -> 1/2, 0.5>0.1), (0.2<0.5, 0.2>0.1) = 1+1+0.5+1+0+1 = 4.5 of 6.
        assertEquals(0.75, e.auroc(), 1e-12);
        // AP: at 0.9 precision 1 (recall 1/3); group at 0.5 adds 1 positive at precision 2/3; at 0.2 precision 3/4.
        assertEquals((1.0 + 2.0 / 3 + 3.0 / 4) / 3, e.averagePrecision(), 1e-12);
        assertArrayEquals(new double[]{0, 0, 0.5, 0.5, 1.0}, e.falsePositiveRates(), 1e-12);
        assertArrayEquals(new double[]{0, 1.0 / 3, 2.0 / 3, 1.0, 1.0}, e.truePositiveRates(), 1e-12);
        assertEquals(Double.POSITIVE_INFINITY, e.thresholds()[0]);
    }

    @Test
    void perfectAndInvertedRankings() {
        boolean[] y = {false, false, true, true};
        assertEquals(1.0, ScoreEvaluation.of(y, new double[]{1, 2, 3, 4}).auroc(), 0);
        assertEquals(0.0, ScoreEvaluation.of(y, new double[]{4, 3, 2, 1}).auroc(), 0);
        assertEquals(0.5, ScoreEvaluation.of(y, new double[]{1, 1, 1, 1}).auroc(), 0);
        // -0.0 and 0.0 are one score (a negated decision value of 0 is -0.0): a tie, one ROC point for the pair.
        ScoreEvaluation zeros = ScoreEvaluation.of(new boolean[]{true, false}, new double[]{-0.0, 0.0});
        assertEquals(0.5, zeros.auroc(), 0);
        assertEquals(2, zeros.thresholds().length, "(0, 0) and one point for the tied zeros");
        assertEquals(0.5, ScoreEvaluation.of(new boolean[]{false, true}, new double[]{-0.0, 0.0}).auroc(), 0);
    }

    @Test
    void rejectsBadInput() {
        assertThrows(IllegalArgumentException.class, () -> ScoreEvaluation.of(new boolean[]{true}, new double[]{1, 2}));
        assertThrows(IllegalArgumentException.class, () -> ScoreEvaluation.of(new boolean[]{true, true}, new double[]{1, 2}));
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> ScoreEvaluation.of(new boolean[]{true, false}, new double[]{1, Double.NaN}));
        assertEquals("Score of example 1 is NaN", nan.getMessage());
    }
}
