package dev.iae.tribuo.evaluation;

import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.Prediction;
import org.tribuo.anomaly.Event;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Score-based evaluation of an anomaly detector, which Tribuo's {@code AnomalyEvaluator} (it counts event types
 * only) does not provide: the area under the ROC curve, the average precision (area under the precision-recall
 * curve, step-wise as in scikit-learn) and the ROC curve points. ANOMALOUS is the positive class; a higher score
 * means more anomalous. Tied scores are handled exactly: the AUROC equals the Mann–Whitney U statistic with ties
 * counted as one half, and tied scores form a single point on each curve.
 * <p>
 * Instances are immutable results; build them with {@link #of(boolean[], double[])}, {@link #of(List)} or
 * {@link #of(Model, Iterable)}.
 */
public final class ScoreEvaluation {

    private final int positives;
    private final int negatives;
    private final double auroc;
    private final double averagePrecision;
    private final double[] falsePositiveRates;
    private final double[] truePositiveRates;
    private final double[] thresholds;

    private ScoreEvaluation(int positives, int negatives, double auroc, double averagePrecision,
                            double[] fpr, double[] tpr, double[] thresholds) {
        this.positives = positives;
        this.negatives = negatives;
        this.auroc = auroc;
        this.averagePrecision = averagePrecision;
        this.falsePositiveRates = fpr;
        this.truePositiveRates = tpr;
        this.thresholds = thresholds;
    }

    /**
     * Evaluates scores against ground truth.
     * @param isAnomalous the ground truth per example (true = ANOMALOUS, the positive class).
     * @param scores the anomaly score per example (higher = more anomalous).
     * @return the evaluation.
     * @throws IllegalArgumentException if the lengths differ, a score is NaN, or either class is absent.
     */
    public static ScoreEvaluation of(boolean[] isAnomalous, double[] scores) {
        Objects.requireNonNull(isAnomalous, "isAnomalous");
        Objects.requireNonNull(scores, "scores");
        if (isAnomalous.length != scores.length) {
            throw new IllegalArgumentException("Got " + isAnomalous.length + " labels but " + scores.length + " scores");
        }
        int n = scores.length;
        int pos = 0;
        // -0.0 + 0.0 is 0.0: the two zeros are one score (Double.compare would order them and split the tie, e.g.
        // a negated decision value of 0).
        double[] score = new double[n];
        for (int i = 0; i < n; i++) {
            if (Double.isNaN(scores[i])) {
                throw new IllegalArgumentException("Score of example " + i + " is NaN");
            }
            score[i] = scores[i] + 0.0;
            if (isAnomalous[i]) {
                pos++;
            }
        }
        int neg = n - pos;
        if (pos == 0 || neg == 0) {
            throw new IllegalArgumentException("Score evaluation needs both ANOMALOUS and EXPECTED examples, found "
                    + pos + " anomalous and " + neg + " expected");
        }
        // Sort indices by descending score, then sweep groups of tied scores.
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(score[b], score[a]));
        List<double[]> points = new ArrayList<>();
        List<Double> thr = new ArrayList<>();
        points.add(new double[]{0, 0});
        thr.add(Double.POSITIVE_INFINITY);
        long tp = 0;
        long fp = 0;
        double area = 0;
        double ap = 0;
        int i = 0;
        while (i < n) {
            double s = score[order[i]];
            long groupTp = 0;
            long groupFp = 0;
            while (i < n && Double.compare(score[order[i]], s) == 0) {
                if (isAnomalous[order[i]]) {
                    groupTp++;
                } else {
                    groupFp++;
                }
                i++;
            }
            // Trapezoid for the tied group: each (negative, positive) tie pair counts one half.
            area += groupFp * (tp + groupTp / 2.0);
            tp += groupTp;
            fp += groupFp;
            if (groupTp > 0) {
                ap += (groupTp / (double) pos) * (tp / (double) (tp + fp));
            }
            points.add(new double[]{fp / (double) neg, tp / (double) pos});
            thr.add(s);
        }
        double[] fpr = new double[points.size()];
        double[] tpr = new double[points.size()];
        double[] th = new double[points.size()];
        for (int k = 0; k < fpr.length; k++) {
            fpr[k] = points.get(k)[0];
            tpr[k] = points.get(k)[1];
            th[k] = thr.get(k);
        }
        return new ScoreEvaluation(pos, neg, area / ((double) pos * neg), ap, fpr, tpr, th);
    }

    /**
     * Evaluates predictions whose examples carry the ground-truth event type.
     * @param predictions predictions from an anomaly model (score in {@link Event#getScore()}).
     * @return the evaluation.
     * @throws IllegalArgumentException if a ground truth is UNKNOWN or a score is NaN.
     */
    public static ScoreEvaluation of(List<Prediction<Event>> predictions) {
        boolean[] truth = new boolean[predictions.size()];
        double[] scores = new double[predictions.size()];
        for (int i = 0; i < truth.length; i++) {
            Prediction<Event> p = predictions.get(i);
            Event.EventType t = p.getExample().getOutput().getType();
            if (t == Event.EventType.UNKNOWN) {
                throw new IllegalArgumentException("Example " + i + " has ground truth UNKNOWN; score evaluation needs "
                        + "ANOMALOUS or EXPECTED");
            }
            truth[i] = t == Event.EventType.ANOMALOUS;
            scores[i] = p.getOutput().getScore();
        }
        return of(truth, scores);
    }

    /**
     * Predicts and evaluates.
     * @param model the anomaly model.
     * @param examples labelled examples.
     * @return the evaluation.
     */
    public static ScoreEvaluation of(Model<Event> model, Iterable<Example<Event>> examples) {
        return of(model.predict(examples));
    }

    /** @return the area under the ROC curve (0.5 = chance, 1 = perfect ranking). */
    public double auroc() {
        return auroc;
    }

    /** @return the average precision: sum over recall steps of precision × recall increase. */
    public double averagePrecision() {
        return averagePrecision;
    }

    /** @return the number of ANOMALOUS examples. */
    public int positives() {
        return positives;
    }

    /** @return the number of EXPECTED examples. */
    public int negatives() {
        return negatives;
    }

    /** @return the ROC curve's false positive rates, from (0,0) to (1,1), one point per distinct score. */
    public double[] falsePositiveRates() {
        return falsePositiveRates.clone();
    }

    /** @return the ROC curve's true positive rates (recalls), aligned with {@link #falsePositiveRates()}. */
    public double[] truePositiveRates() {
        return truePositiveRates.clone();
    }

    /** @return the score threshold of each curve point (+∞ for the first): score ≥ threshold counts as anomalous. */
    public double[] thresholds() {
        return thresholds.clone();
    }

    /** @return the curve points as an unmodifiable list of {fpr, tpr, threshold}. */
    public List<double[]> rocCurve() {
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < thresholds.length; i++) {
            out.add(new double[]{falsePositiveRates[i], truePositiveRates[i], thresholds[i]});
        }
        return Collections.unmodifiableList(out);
    }

    @Override
    public String toString() {
        return String.format("ScoreEvaluation(AUROC=%.4f, AP=%.4f, anomalous=%d, expected=%d)",
                auroc, averagePrecision, positives, negatives);
    }
}
