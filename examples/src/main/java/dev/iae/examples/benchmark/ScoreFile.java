package dev.iae.examples.benchmark;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.GZIPOutputStream;

/**
 * The per-example scores of a benchmark run ({@code --save-scores true}): one gzipped CSV file beside the results
 * table, {@code NAME-scores.csv.gz}, with one line per scored example of every result row.
 * <p>
 * The file lets a later analysis combine the scores of different runs (e.g. add the scores of two models trained on
 * different pre-processings, {@code benchmarks/peers.py add-scores}) without training again. Columns:
 * {@link #HEADER}; {@code method}, {@code normal_class}, {@code seed} and {@code contamination} are written as in
 * the results CSV ({@link ResultTable}), so each block joins the row it belongs to; {@code index} is the example's
 * position in the scored (test or validation) set, the same order for every method of a run and for every run over
 * the same split; {@code anomalous} is 1 or 0; {@code score} is the method's anomaly score (higher = more anomalous,
 * the one-class SVM's already negated), written exactly ({@link Double#toString(double)}).
 * <p>
 * Each result row appends its block as a gzip member of its own (concatenated members are one valid gzip stream),
 * so a run stopped between two rows keeps every block written before, like the results table (a run killed while
 * writing leaves its last member cut, which readers refuse).
 */
final class ScoreFile {

    /** The CSV header line. */
    static final String HEADER = "method,normal_class,seed,contamination,index,anomalous,score";

    /** The file. */
    private final Path path;

    /** @param path the file, already started by {@link #create}. */
    private ScoreFile(Path path) {
        this.path = path;
    }

    /**
     * Starts a score file, replacing any earlier file of that name.
     * @param path the file ({@code NAME-scores.csv.gz}).
     * @return the file, holding the header line.
     * @throws IOException if it cannot be written.
     */
    static ScoreFile create(Path path) throws IOException {
        ScoreFile f = new ScoreFile(path);
        Files.deleteIfExists(path);
        f.appendMember(HEADER + "\n");
        return f;
    }

    /**
     * Appends the scores of one result row, keyed by the row's method, normal class, seed and contamination as
     * {@link ResultTable.Row#toCsv} writes them (the row has already refused a method name the CSV cannot hold).
     * @param row the result row the scores belong to.
     * @param isAnomalous the scored examples' labels.
     * @param scores the scores, one per example, in the same order.
     * @throws IOException if the file cannot be written.
     * @throws IllegalArgumentException if the numbers of labels, scores and the row's scored examples differ.
     */
    void append(ResultTable.Row row, boolean[] isAnomalous, double[] scores) throws IOException {
        if (isAnomalous.length != scores.length || scores.length != row.nTest()) {
            throw new IllegalArgumentException("Method " + row.method() + ": " + scores.length + " scores for "
                    + isAnomalous.length + " examples (the row scored " + row.nTest() + ")");
        }
        String prefix = String.join(",", row.method(), Integer.toString(row.normalClass()), Long.toString(row.seed()),
                ResultTable.fmt(row.contamination(), 4), "");
        StringBuilder sb = new StringBuilder(scores.length * 40);
        for (int i = 0; i < scores.length; i++) {
            sb.append(prefix).append(i).append(',').append(isAnomalous[i] ? '1' : '0').append(',')
                    .append(Double.toString(scores[i])).append('\n');
        }
        appendMember(sb.toString());
    }

    /** Appends the text as one gzip member (written and finished here, so the file is whole after each call). */
    private void appendMember(String text) throws IOException {
        try (OutputStream os = Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
             BufferedWriter w = new BufferedWriter(new OutputStreamWriter(new GZIPOutputStream(os, 1 << 16),
                     StandardCharsets.UTF_8))) {
            w.write(text);
        }
    }

    @Override
    public String toString() {
        return "ScoreFile(" + path + ")";
    }
}
