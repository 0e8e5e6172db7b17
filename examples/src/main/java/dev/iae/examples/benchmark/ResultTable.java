package dev.iae.examples.benchmark;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The results of a one-class benchmark: one {@link Row} per (method, normal class, seed, contamination), written as
 * CSV (one line per row, {@link #CSV_HEADER}) and as a Markdown report (AUROC per class as mean ± std over seeds,
 * the mean over classes, average precision, and train / scoring times per method).
 * <p>
 * The Python peer script ({@code benchmarks/peers.py}) writes the same CSV columns and the same Markdown layout, so
 * the two sets of results can be combined into one table. Instances are not thread-safe.
 */
public final class ResultTable {

    /** The CSV header, shared with {@code benchmarks/peers.py}. */
    public static final String CSV_HEADER = "implementation,dataset,method,normal_class,seed,contamination,max_normal,"
            + "n_train,n_test,auroc,average_precision,train_seconds,score_seconds";

    /**
     * One run: a method trained on one normal class with one seed, scored on the full test set.
     * @param implementation who ran it ("java" or "python").
     * @param dataset the data set name.
     * @param method the method name.
     * @param normalClass the normal class.
     * @param seed the seed.
     * @param contamination the contamination ratio r.
     * @param maxNormal the cap on normal training images (0 = all).
     * @param nTrain training set size.
     * @param nTest test set size.
     * @param auroc area under the ROC curve (anomalous = positive).
     * @param averagePrecision average precision (area under the precision–recall curve).
     * @param trainSeconds wall-clock training time.
     * @param scoreSeconds wall-clock time to score the test set.
     * @throws IllegalArgumentException if a text field holds a comma, a quote or a line break (the CSV is written
     *                                  without quoting, so such a field would shift every later column).
     */
    public record Row(String implementation, String dataset, String method, int normalClass, long seed,
                      double contamination, int maxNormal, int nTrain, int nTest, double auroc,
                      double averagePrecision, double trainSeconds, double scoreSeconds) {
        /** Refuses text that the unquoted CSV cannot hold. */
        public Row {
            for (String[] field : new String[][]{{"implementation", implementation}, {"dataset", dataset},
                    {"method", method}}) {
                if (field[1] == null || field[1].matches("(?s).*[,\"\r\n].*")) {
                    throw new IllegalArgumentException("The " + field[0] + " of a result row may not be null or hold "
                            + "a comma, quote or line break: " + field[1]);
                }
            }
        }

        /** @return this row as a CSV line (no newline). */
        public String toCsv() {
            return String.join(",", implementation, dataset, method, Integer.toString(normalClass),
                    Long.toString(seed), fmt(contamination, 4), Integer.toString(maxNormal),
                    Integer.toString(nTrain), Integer.toString(nTest), fmt(auroc, 6), fmt(averagePrecision, 6),
                    fmt(trainSeconds, 3), fmt(scoreSeconds, 3));
        }
    }

    private final List<Row> rows = new ArrayList<>();

    /**
     * Adds a row.
     * @param row the row.
     */
    public void add(Row row) {
        rows.add(row);
    }

    /** @return the rows added so far (unmodifiable view). */
    public List<Row> rows() {
        return Collections.unmodifiableList(rows);
    }

    /**
     * Writes the CSV file.
     * @param path the output path.
     * @throws IOException if it cannot be written.
     */
    public void writeCsv(Path path) throws IOException {
        StringBuilder sb = new StringBuilder(CSV_HEADER).append('\n');
        for (Row r : rows) {
            sb.append(r.toCsv()).append('\n');
        }
        Files.writeString(path, sb.toString(), StandardCharsets.UTF_8);
    }

    /**
     * Renders the Markdown report.
     * @param title the title line.
     * @param headerLines bullet lines for the header (command, machine, settings), already formatted.
     * @return the Markdown text.
     */
    public String toMarkdown(String title, List<String> headerLines) {
        StringBuilder sb = new StringBuilder();
        sb.append("# ").append(title).append("\n\n");
        for (String h : headerLines) {
            sb.append("- ").append(h).append('\n');
        }
        sb.append('\n');
        TreeSet<Integer> classes = new TreeSet<>();
        Map<String, List<Row>> byKey = new LinkedHashMap<>();
        boolean multiR = rows.stream().map(Row::contamination).distinct().count() > 1;
        for (Row r : rows) {
            classes.add(r.normalClass());
            String key = r.implementation() + ":" + r.method() + (multiR ? " r=" + fmt(r.contamination(), 2) : "");
            byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
        }
        sb.append("## AUROC per normal class (mean ± std over seeds; last column: mean over classes ± std over "
                + "seeds of the class-mean)\n\n");
        metricTable(sb, classes, byKey, true);
        sb.append("\n## Average precision (anomalous = positive), same layout\n\n");
        metricTable(sb, classes, byKey, false);
        sb.append("\n## Time per run (one class, one seed; wall clock)\n\n");
        sb.append("| method | runs | train s (mean) | score s (mean, full test set) | train n | test n |\n");
        sb.append("|---|---|---|---|---|---|\n");
        for (Map.Entry<String, List<Row>> e : byKey.entrySet()) {
            List<Row> rs = e.getValue();
            double train = rs.stream().mapToDouble(Row::trainSeconds).average().orElse(Double.NaN);
            double score = rs.stream().mapToDouble(Row::scoreSeconds).average().orElse(Double.NaN);
            double nTrain = rs.stream().mapToInt(Row::nTrain).average().orElse(Double.NaN);
            double nTest = rs.stream().mapToInt(Row::nTest).average().orElse(Double.NaN);
            sb.append("| ").append(e.getKey()).append(" | ").append(rs.size()).append(" | ").append(fmt(train, 1))
                    .append(" | ").append(fmt(score, 2)).append(" | ").append(fmt(nTrain, 0)).append(" | ")
                    .append(fmt(nTest, 0)).append(" |\n");
        }
        return sb.toString();
    }

    private static void metricTable(StringBuilder sb, TreeSet<Integer> classes, Map<String, List<Row>> byKey,
                                    boolean auroc) {
        sb.append("| method |");
        for (int c : classes) {
            sb.append(' ').append(c).append(" |");
        }
        sb.append(" mean |\n|---|");
        for (int i = 0; i < classes.size(); i++) {
            sb.append("---|");
        }
        sb.append("---|\n");
        for (Map.Entry<String, List<Row>> e : byKey.entrySet()) {
            sb.append("| ").append(e.getKey()).append(" |");
            List<Row> rs = e.getValue();
            List<Double> classMeans = new ArrayList<>();
            for (int c : classes) {
                List<Double> v = new ArrayList<>();
                for (Row r : rs) {
                    if (r.normalClass() == c) {
                        v.add(auroc ? r.auroc() : r.averagePrecision());
                    }
                }
                if (v.isEmpty()) {
                    sb.append(" – |");
                } else {
                    double m = mean(v);
                    classMeans.add(m);
                    sb.append(' ').append(meanStd(m, std(v), v.size())).append(" |");
                }
            }
            // Std of the class-averaged metric over seeds (only seeds that ran every class of this method).
            Map<Long, List<Double>> bySeed = new LinkedHashMap<>();
            for (Row r : rs) {
                bySeed.computeIfAbsent(r.seed(), k -> new ArrayList<>()).add(auroc ? r.auroc() : r.averagePrecision());
            }
            List<Double> seedMeans = new ArrayList<>();
            for (List<Double> v : bySeed.values()) {
                if (v.size() == classMeans.size()) {
                    seedMeans.add(mean(v));
                }
            }
            // A mean over some of the classes says so (as the Python peers' tables do): it does not compare with a
            // mean over all of them.
            String partial = classMeans.size() == classes.size() ? ""
                    : " (" + classMeans.size() + " of " + classes.size() + " classes)";
            sb.append(' ').append(meanStd(mean(classMeans), std(seedMeans), seedMeans.size())).append(partial)
                    .append(" |\n");
        }
    }

    private static String meanStd(double mean, double std, int n) {
        return n > 1 ? fmt(mean, 3) + " ± " + fmt(std, 3) : fmt(mean, 3);
    }

    static double mean(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** Sample standard deviation (n − 1); 0 for fewer than two values. */
    static double std(List<Double> v) {
        if (v.size() < 2) {
            return 0.0;
        }
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / (v.size() - 1));
    }

    static String fmt(double v, int digits) {
        return String.format(Locale.ROOT, "%." + digits + "f", v);
    }

    @Override
    public String toString() {
        return "ResultTable(rows=" + rows.size() + ")";
    }
}
