package dev.iae.examples.plot;

import dev.iae.tribuo.evaluation.ScoreEvaluation;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Draws the evaluation plots of an anomaly detector as PNG files: the ROC curve, the precision-recall curve (both
 * with the operating point of the model's threshold marked) and the histograms of the scores of normal and anomalous
 * examples with the threshold drawn as a vertical line (on a log axis when positive scores span more than two
 * orders of magnitude). ANOMALOUS is the positive class; a score strictly above the
 * threshold is predicted anomalous (Tribuo's {@code Event} convention in this project).
 * <p>
 * Build it from ground truth and scores with {@link #of(boolean[], double[], double, String)}, then call
 * {@link #writeAll(Path)} or the single plots.
 */
public final class EvaluationPlots {
    /** File name of the ROC plot. */
    public static final String ROC_FILE = "roc.png";
    /** File name of the precision-recall plot. */
    public static final String PR_FILE = "precision-recall.png";
    /** File name of the score histogram. */
    public static final String HISTOGRAM_FILE = "score-histogram.png";

    private static final int WIDTH = 720;
    private static final int HEIGHT = 540;
    private static final Color NORMAL = new Color(31, 119, 180);
    private static final Color ANOMALOUS = new Color(214, 39, 40);
    private static final Color THRESHOLD = new Color(40, 40, 40);
    private static final Color CHANCE = new Color(150, 150, 150);
    private static final int BINS = 40;

    private final boolean[] truth;
    private final double[] scores;
    private final double threshold;
    private final String subtitle;
    private final ScoreEvaluation evaluation;
    private final int positives;
    private final int negatives;

    private EvaluationPlots(boolean[] truth, double[] scores, double threshold, String subtitle) {
        this.truth = truth.clone();
        this.scores = scores.clone();
        this.threshold = threshold;
        this.subtitle = subtitle == null ? "" : subtitle;
        this.evaluation = ScoreEvaluation.of(truth, scores);
        this.positives = evaluation.positives();
        this.negatives = evaluation.negatives();
    }

    /**
     * Prepares the plots.
     * @param isAnomalous ground truth per example.
     * @param scores anomaly scores (higher = more anomalous), finite.
     * @param threshold the model's decision threshold.
     * @param subtitle a short description for the titles (model and data), may be empty.
     * @return the plots.
     * @throws IllegalArgumentException if the lengths differ, a score is not finite, or one class is absent.
     */
    public static EvaluationPlots of(boolean[] isAnomalous, double[] scores, double threshold, String subtitle) {
        Objects.requireNonNull(isAnomalous, "isAnomalous");
        Objects.requireNonNull(scores, "scores");
        for (int i = 0; i < scores.length; i++) {
            if (!Double.isFinite(scores[i])) {
                throw new IllegalArgumentException("Score " + i + " is not finite: " + scores[i]);
            }
        }
        return new EvaluationPlots(isAnomalous, scores, threshold, subtitle);
    }

    /** @return the score evaluation the curves are drawn from. */
    public ScoreEvaluation evaluation() {
        return evaluation;
    }

    /**
     * Writes the three plots into a directory (created if needed).
     * @param dir the directory.
     * @return the written files: ROC, precision-recall, histogram.
     * @throws IOException if a file cannot be written.
     */
    public List<Path> writeAll(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> files = List.of(dir.resolve(ROC_FILE), dir.resolve(PR_FILE), dir.resolve(HISTOGRAM_FILE));
        write(rocChart(), files.get(0));
        write(precisionRecallChart(), files.get(1));
        write(histogramChart(), files.get(2));
        return files;
    }

    /**
     * Writes a chart as PNG.
     * @param chart the chart.
     * @param file the file.
     * @throws IOException if it cannot be written.
     */
    public static void write(XYChart chart, Path file) throws IOException {
        try (OutputStream os = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, os, BitmapEncoder.BitmapFormat.PNG);
        }
    }

    private int[] confusion() {
        int tp = 0;
        int fp = 0;
        for (int i = 0; i < scores.length; i++) {
            if (scores[i] > threshold) {
                if (truth[i]) {
                    tp++;
                } else {
                    fp++;
                }
            }
        }
        return new int[]{tp, fp};
    }

    /**
     * The ROC curve with the chance diagonal and the threshold's operating point.
     * @return the chart.
     */
    public XYChart rocChart() {
        XYChart chart = base("ROC curve", "False positive rate (normal flagged)", "True positive rate (anomalies found)");
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        fixedUnitAxes(chart);
        XYSeries chance = chart.addSeries("chance (AUROC 0.5)", new double[]{0, 1}, new double[]{0, 1});
        chance.setMarker(SeriesMarkers.NONE);
        chance.setLineColor(CHANCE);
        chance.setLineStyle(SeriesLines.DASH_DASH);
        XYSeries roc = chart.addSeries(String.format(Locale.ROOT, "ROC (AUROC %.4f)", evaluation.auroc()),
                evaluation.falsePositiveRates(), evaluation.truePositiveRates());
        roc.setMarker(SeriesMarkers.NONE);
        roc.setLineColor(ANOMALOUS);
        roc.setLineStyle(new BasicStroke(2.5f));
        int[] c = confusion();
        double tpr = positives == 0 ? 0 : (double) c[0] / positives;
        double fpr = negatives == 0 ? 0 : (double) c[1] / negatives;
        XYSeries op = chart.addSeries(String.format(Locale.ROOT, "threshold %s: TPR %.3f, FPR %.3f",
                fmt(threshold), tpr, fpr), new double[]{fpr}, new double[]{tpr});
        operatingPoint(op);
        return chart;
    }

    /**
     * The precision-recall curve, the prevalence baseline and the threshold's operating point.
     * @return the chart.
     */
    public XYChart precisionRecallChart() {
        XYChart chart = base("Precision-recall curve", "Recall (anomalies found)", "Precision (flagged that are anomalies)");
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSW);
        fixedUnitAxes(chart);
        double prevalence = (double) positives / (positives + negatives);
        XYSeries base = chart.addSeries(String.format(Locale.ROOT, "chance (prevalence %.3f)", prevalence),
                new double[]{0, 1}, new double[]{prevalence, prevalence});
        base.setMarker(SeriesMarkers.NONE);
        base.setLineColor(CHANCE);
        base.setLineStyle(SeriesLines.DASH_DASH);
        double[][] pr = precisionRecallSteps();
        XYSeries curve = chart.addSeries(String.format(Locale.ROOT, "PR (average precision %.4f)",
                evaluation.averagePrecision()), pr[0], pr[1]);
        curve.setMarker(SeriesMarkers.NONE);
        curve.setLineColor(ANOMALOUS);
        curve.setLineStyle(new BasicStroke(2.5f));
        int[] c = confusion();
        double recall = positives == 0 ? 0 : (double) c[0] / positives;
        double precision = c[0] + c[1] == 0 ? 1 : (double) c[0] / (c[0] + c[1]);
        XYSeries op = chart.addSeries(String.format(Locale.ROOT, "threshold %s: precision %.3f, recall %.3f",
                fmt(threshold), precision, recall), new double[]{recall}, new double[]{precision});
        operatingPoint(op);
        return chart;
    }

    /**
     * Precision-recall curve as a step function (recall on x), one step per distinct score, from recall 0.
     * @return {recalls, precisions}.
     */
    double[][] precisionRecallSteps() {
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(scores[b], scores[a]));
        List<double[]> pts = new ArrayList<>();
        int tp = 0;
        int fp = 0;
        double prevRecall = 0;
        double firstPrecision = Double.NaN;
        int i = 0;
        while (i < order.length) {
            double s = scores[order[i]];
            while (i < order.length && scores[order[i]] == s) {
                if (truth[order[i]]) {
                    tp++;
                } else {
                    fp++;
                }
                i++;
            }
            double recall = (double) tp / positives;
            double precision = (double) tp / (tp + fp);
            if (Double.isNaN(firstPrecision)) {
                firstPrecision = precision;
                pts.add(new double[]{0, precision});
            }
            // Vertical then horizontal segment: the step a PR curve takes.
            pts.add(new double[]{prevRecall, precision});
            pts.add(new double[]{recall, precision});
            prevRecall = recall;
        }
        double[] x = new double[pts.size()];
        double[] y = new double[pts.size()];
        for (int k = 0; k < x.length; k++) {
            x[k] = pts.get(k)[0];
            y[k] = pts.get(k)[1];
        }
        return new double[][]{x, y};
    }

    /**
     * Histograms of the scores of normal and anomalous examples (each normalised to fractions of its class, so that
     * classes of different sizes compare), with the threshold as a vertical line. When a few extreme scores would
     * squash the plot, the x axis stops at the 99.5th percentile (or just past the threshold) and says how many
     * scores lie beyond; they are counted in the last bin.
     * @return the chart.
     */
    public XYChart histogramChart() {
        double[] sorted = scores.clone();
        Arrays.sort(sorted);
        double min = Math.min(sorted[0], threshold);
        double max = Math.max(sorted[sorted.length - 1], threshold);
        // Positive scores spanning orders of magnitude (distances) are binned on a log scale; otherwise linear
        // bins, with the axis stopped at the 99th percentile when a few extreme scores would squash the plot.
        boolean log = min > 0 && max / min > 100;
        double lo = log ? Math.log10(min) : min;
        double hi = log ? Math.log10(max) : max;
        int beyond = 0;
        if (!log) {
            double p99 = sorted[(int) Math.floor(0.99 * (sorted.length - 1))];
            if (max - lo > 3 * (p99 - lo) && p99 > lo) {
                hi = Math.max(p99, threshold + 0.1 * (p99 - lo));
                for (double sc : sorted) {
                    if (sc > hi) {
                        beyond++;
                    }
                }
            }
        }
        if (hi <= lo) {
            hi = lo + 1e-9 + Math.abs(lo) * 1e-6;
        }
        double width = (hi - lo) / BINS;
        double[] normal = new double[BINS];
        double[] anomalous = new double[BINS];
        for (int i = 0; i < scores.length; i++) {
            double v = log ? Math.log10(scores[i]) : scores[i];
            int b = (int) Math.floor((v - lo) / width);
            b = Math.max(0, Math.min(BINS - 1, b));
            if (truth[i]) {
                anomalous[b]++;
            } else {
                normal[b]++;
            }
        }
        double top = 0;
        for (int b = 0; b < BINS; b++) {
            normal[b] /= Math.max(1, negatives);
            anomalous[b] /= Math.max(1, positives);
            top = Math.max(top, Math.max(normal[b], anomalous[b]));
        }
        String xTitle = "Anomaly score" + (log ? " (log scale)" : "") + (beyond > 0
                ? String.format(Locale.ROOT, " (%d scores above %s counted in the last bin)", beyond, fmt(hi)) : "");
        XYChart chart = base("Score distribution", xTitle, "Fraction of the class per bin");
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setXAxisLogarithmic(log);
        chart.getStyler().setXAxisMin(log ? Math.pow(10, lo) : lo);
        chart.getStyler().setXAxisMax(log ? Math.pow(10, hi) : hi);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(top * 1.4);
        chart.getStyler().setYAxisDecimalPattern("0.00");
        double span = hi - lo;
        if (!log) {
            chart.getStyler().setXAxisDecimalPattern(span < 1e-3 || Math.max(Math.abs(hi), Math.abs(lo)) >= 1e5
                    ? "0.0##E0" : span < 0.1 ? "0.0####" : "0.0##");
        }
        addStairs(chart, String.format(Locale.ROOT, "normal (n=%d)", negatives), normal, lo, width, log, NORMAL);
        addStairs(chart, String.format(Locale.ROOT, "anomalous (n=%d)", positives), anomalous, lo, width, log,
                ANOMALOUS);
        int[] c = confusion();
        XYSeries t = chart.addSeries(String.format(Locale.ROOT, "threshold %s (%d of %d anomalies above)",
                fmt(threshold), c[0], positives), new double[]{threshold, threshold}, new double[]{0, top * 1.4});
        t.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        t.setMarker(SeriesMarkers.NONE);
        t.setLineColor(THRESHOLD);
        t.setLineStyle(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                new float[]{8f, 5f}, 0f));
        return chart;
    }

    private static void addStairs(XYChart chart, String name, double[] heights, double lo, double width, boolean log,
                                  Color color) {
        int n = heights.length;
        double[] x = new double[2 * n + 2];
        double[] y = new double[2 * n + 2];
        x[0] = lo;
        y[0] = 0;
        for (int b = 0; b < n; b++) {
            x[1 + 2 * b] = lo + b * width;
            y[1 + 2 * b] = heights[b];
            x[2 + 2 * b] = lo + (b + 1) * width;
            y[2 + 2 * b] = heights[b];
        }
        x[2 * n + 1] = lo + n * width;
        y[2 * n + 1] = 0;
        if (log) {
            for (int k = 0; k < x.length; k++) {
                x[k] = Math.pow(10, x[k]);
            }
        }
        XYSeries s = chart.addSeries(name, x, y);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Area);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(color);
        s.setFillColor(new Color(color.getRed(), color.getGreen(), color.getBlue(), 90));
        s.setLineStyle(new BasicStroke(1.5f));
    }

    private XYChart base(String title, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title(subtitle.isEmpty() ? title : title + " — " + subtitle)
                .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        Styler s = chart.getStyler();
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderColor(new Color(200, 200, 200));
        s.setLegendBorderColor(new Color(200, 200, 200));
        s.setLegendBackgroundColor(new Color(255, 255, 255, 230));
        s.setChartTitleBoxVisible(false);
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setAntiAlias(true);
        chart.getStyler().setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        chart.getStyler().setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        chart.getStyler().setPlotGridLinesColor(new Color(230, 230, 230));
        return chart;
    }

    private static void fixedUnitAxes(XYChart chart) {
        chart.getStyler().setXAxisMin(0.0);
        chart.getStyler().setXAxisMax(1.0);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.02);
        chart.getStyler().setXAxisDecimalPattern("0.0");
        chart.getStyler().setYAxisDecimalPattern("0.0");
    }

    private static void operatingPoint(XYSeries op) {
        op.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        op.setMarker(SeriesMarkers.CIRCLE);
        op.setMarkerColor(THRESHOLD);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4g", v);
    }

    @Override
    public String toString() {
        return "EvaluationPlots(examples=" + scores.length + ", anomalous=" + positives + ", threshold="
                + fmt(threshold) + ")";
    }
}
