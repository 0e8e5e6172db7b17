package dev.iae.examples.benchmark;

import dev.iae.onnx.FloatTensor;
import dev.iae.onnx.OnnxContract;
import dev.iae.tribuo.DenseFeatures;
import dev.iae.tribuo.IaeModel;
import org.tribuo.Dataset;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.anomaly.Event;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Re-scores one trained model with several weights of the reconstruction part of the combined score, so that a
 * validation run can compare them without training once per weight.
 * <p>
 * The combined score ({@code ScoreKind.COMBINED}) adds the squared distance to the centre and the reconstruction
 * error, each standardised by its mean and spread over the training set, the second part weighted by the model's
 * {@code recWeight} W_m: {@code (d − m_d)/s_d + W_m · (r − m_r)/s_r}. The sweep scores
 * {@code (d − m_d)/s_d + w · (r − m_r)/s_r} for each weight {@code w}, whatever the model's own W_m:
 * {@code w = 0} ranks like the paper's score ‖z − c‖², {@code w = ∞} (written {@code inf}) like the reconstruction
 * error alone, and {@code w = W_m} reproduces a COMBINED model's own score (W_m is 1 unless configured; CIFAR-10's
 * benchmark setting is 0.25). The two parts are the model's own ONNX outputs
 * ({@link OnnxContract#OUTPUT_DISTANCE}, {@link OnnxContract#OUTPUT_RECONSTRUCTION_ERROR}) and the statistics are
 * the trainer's, from the model's metadata ({@link OnnxContract#META_SCORE_STATS}).
 * <p>
 * A benchmark tool, not a model setting: its rows are marked {@code wrec=W} in the method name, and the weight that
 * wins on validation data becomes a setting only through the usual route (a decision rule written before the
 * runs).
 */
final class ScoreSweep {

    /** Rows scored per ONNX Runtime call, to bound the memory of the intermediate activations. */
    private static final int CHUNK = 1000;

    private final double[] weights;

    private ScoreSweep(double[] weights) {
        this.weights = weights;
    }

    /**
     * Parses a comma-separated list of weights, e.g. {@code 0,0.5,1,2,inf}.
     * @param text the list.
     * @param option the option name, for the error message.
     * @return the sweep.
     * @throws IllegalArgumentException if a weight is negative, not a number, or repeated.
     */
    static ScoreSweep parse(String text, String option) {
        String[] parts = text.split(",");
        double[] w = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].trim().toLowerCase(Locale.ROOT);
            try {
                w[i] = p.equals("inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(p);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " expects weights >= 0 or inf, found '" + parts[i] + "'");
            }
            if (!(w[i] >= 0)) {
                throw new IllegalArgumentException(option + " expects weights >= 0 or inf, found '" + parts[i] + "'");
            }
        }
        if (Arrays.stream(w).distinct().count() != w.length) {
            throw new IllegalArgumentException(option + " lists a weight twice: " + text);
        }
        return new ScoreSweep(w);
    }

    /** @return the weights, in the order given. */
    double[] weights() {
        return weights.clone();
    }

    /**
     * The label of weight {@code w} in row names, e.g. {@code wrec=0.5} or {@code wrec=inf}.
     * @param w the weight.
     * @return the label.
     */
    static String label(double w) {
        if (Double.isInfinite(w)) {
            return "wrec=inf";
        }
        return "wrec=" + (w == Math.rint(w) ? Long.toString((long) w) : Double.toString(w));
    }

    /**
     * @param model a trained model.
     * @return whether the model has both parts of the combined score (the hypersphere and the decoder), i.e. whether
     *     a sweep can re-score it.
     */
    static boolean appliesTo(IaeModel model) {
        List<String> names = model.outputNames();
        return names.contains(OnnxContract.OUTPUT_DISTANCE) && names.contains(OnnxContract.OUTPUT_RECONSTRUCTION_ERROR);
    }

    /**
     * The two parts of the combined score for every example of a data set, from the model's ONNX outputs.
     * @param model a model with both the hypersphere and the decoder.
     * @param data the examples.
     * @return {distances, reconstruction errors}, one value per example in iteration order.
     * @throws IllegalArgumentException if the model lacks either output.
     */
    static double[][] parts(IaeModel model, Dataset<Event> data) {
        if (!appliesTo(model)) {
            throw new IllegalArgumentException("A score sweep needs a model with both '" + OnnxContract.OUTPUT_DISTANCE
                    + "' and '" + OnnxContract.OUTPUT_RECONSTRUCTION_ERROR + "' outputs; this one has "
                    + model.outputNames());
        }
        ImmutableFeatureMap fm = model.getFeatureIDMap();
        int n = data.size();
        double[] d = new double[n];
        double[] r = new double[n];
        List<float[]> chunk = new ArrayList<>(CHUNK);
        int done = 0;
        int index = 0;
        for (var e : data) {
            chunk.add(DenseFeatures.toDense(e, fm, index++));
            if (chunk.size() == CHUNK || index == n) {
                var out = model.outputs(chunk.toArray(new float[0][]), OnnxContract.OUTPUT_DISTANCE,
                        OnnxContract.OUTPUT_RECONSTRUCTION_ERROR);
                FloatTensor dist = out.get(OnnxContract.OUTPUT_DISTANCE);
                FloatTensor rec = out.get(OnnxContract.OUTPUT_RECONSTRUCTION_ERROR);
                for (int i = 0; i < chunk.size(); i++) {
                    d[done + i] = dist.get(i);
                    r[done + i] = rec.get(i);
                }
                done += chunk.size();
                chunk.clear();
            }
        }
        return new double[][]{d, r};
    }

    /**
     * The trainer's standardisation of the two parts, from the model's metadata.
     * @param model the model.
     * @return {m_d, s_d, m_r, s_r}.
     * @throws IllegalArgumentException if the metadata entry is missing or malformed, or a spread is not positive.
     */
    static double[] scoreStats(IaeModel model) {
        String text = model.onnxMetadata().get(OnnxContract.META_SCORE_STATS);
        if (text == null) {
            throw new IllegalArgumentException("The model has no '" + OnnxContract.META_SCORE_STATS + "' metadata "
                    + "(written by this version's trainer); a score sweep needs it");
        }
        String[] p = text.split(",");
        if (p.length != 4) {
            throw new IllegalArgumentException("Metadata '" + OnnxContract.META_SCORE_STATS + "' must hold four "
                    + "numbers, found '" + text + "'");
        }
        double[] st = new double[4];
        for (int i = 0; i < 4; i++) {
            st[i] = Double.parseDouble(p[i].trim());
        }
        if (!(st[1] > 0 && st[3] > 0)) {
            throw new IllegalArgumentException("Metadata '" + OnnxContract.META_SCORE_STATS + "' has a spread that is "
                    + "not positive: '" + text + "'");
        }
        return st;
    }

    /**
     * Scores every example with every weight.
     * @param stats {m_d, s_d, m_r, s_r} ({@link #scoreStats}).
     * @param parts the parts on the scored data ({@link #parts}).
     * @return one score array per weight, in {@link #weights()} order ({@link #combine}).
     */
    List<double[]> scores(double[] stats, double[][] parts) {
        List<double[]> out = new ArrayList<>();
        for (double w : weights) {
            out.add(combine(parts, stats, w));
        }
        return out;
    }

    /**
     * The weighted score of every example.
     * @param parts {distances, reconstruction errors}.
     * @param stats {m_d, s_d, m_r, s_r}.
     * @param w the reconstruction weight; infinite = the reconstruction part alone.
     * @return the scores.
     */
    static double[] combine(double[][] parts, double[] stats, double w) {
        int n = parts[0].length;
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            double dz = (parts[0][i] - stats[0]) / stats[1];
            double rz = (parts[1][i] - stats[2]) / stats[3];
            s[i] = Double.isInfinite(w) ? rz : dz + w * rz;
        }
        return s;
    }

    @Override
    public String toString() {
        List<String> w = new ArrayList<>();
        for (double x : weights) {
            w.add(label(x).substring("wrec=".length()));
        }
        return "ScoreSweep(wrec " + String.join(",", w) + ")";
    }
}
