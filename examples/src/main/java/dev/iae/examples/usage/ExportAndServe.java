package dev.iae.examples.usage;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Serves an exported IAE-LSTM-KL ONNX file with plain ONNX Runtime — no Tribuo and no class of this project — as a
 * service in any JVM would.
 * <pre>
 * examples/bin/run dev.iae.examples.usage.ExportAndServe [model.onnx data.csv]
 * </pre>
 * Without arguments it first trains and exports a small model ({@link #exportSampleModel()}, the only part that
 * uses the project); then {@link #serve} does everything from the file alone: the feature names (input order) and
 * the threshold come from the file's metadata, the pre-processing is inside the graph, so raw values go in.
 * <p>
 * The CSV file needs a header line; the model's feature columns are found by name, in any order, and the other
 * columns (an id, a label) are not read as numbers (a {@code label} column is printed next to each row). Fields may
 * be quoted ({@code "a,b"}, {@code ""} for a quote) but may not span lines. Bad input is refused with a message, never
 * scored: a missing feature column, a cell that is not a number (named by line, row and column), a NaN or infinite
 * value or score (named by row). A service must refuse them too: {@code score > threshold} is false for a NaN score,
 * so it would pass as EXPECTED.
 * <p>
 * Note: ONNX Runtime 1.29's native library needs more than the JVM's default 1 MiB of thread stack while it loads
 * (measured: the JVM dies otherwise); {@code examples/bin/run} passes {@code -Xss4m}.
 */
public final class ExportAndServe {
    private ExportAndServe() { }

    /**
     * One scored row.
     * @param score the anomaly score (finite).
     * @param anomalous whether the score is above the model's threshold.
     */
    public record Scored(float score, boolean anomalous) { }

    /**
     * Opens the ONNX file on the CPU with one intra-op thread; a service opens it once and keeps the session.
     * @param onnxFile the exported model.
     * @return the session; the caller closes it.
     * @throws OrtException if ONNX Runtime cannot load the file.
     */
    public static OrtSession open(Path onnxFile) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            return OrtEnvironment.getEnvironment().createSession(onnxFile.toString(), options);
        }
    }

    /**
     * The model's feature names, in input order, from the file's metadata.
     * @param session the open model.
     * @return the names.
     * @throws OrtException if ONNX Runtime cannot read the metadata.
     * @throws IllegalArgumentException if the file is not an IAE-LSTM-KL model (no feature-name metadata).
     */
    public static List<String> featureNames(OrtSession session) throws OrtException {
        return parseJsonStrings(metadata(session, "iae.feature_names"));
    }

    private static String metadata(OrtSession session, String key) throws OrtException {
        String value = session.getMetadata().getCustomMetadata().get(key);
        if (value == null) {
            throw new IllegalArgumentException("The ONNX file has no metadata '" + key
                    + "': it is not an IAE-LSTM-KL model exported by this project");
        }
        return value;
    }

    /**
     * Scores rows with the ONNX file only (opens it, scores, closes it).
     * @param onnxFile the exported model.
     * @param columns the column names of {@code rows}.
     * @param rows raw values, one array per row, aligned with {@code columns}.
     * @return the score and decision per row.
     * @throws OrtException if ONNX Runtime fails.
     * @throws IllegalArgumentException if a feature column is missing, or a feature value or a score is NaN or
     *     infinite (the message names the row and column).
     */
    public static List<Scored> serve(Path onnxFile, List<String> columns, List<double[]> rows) throws OrtException {
        try (OrtSession session = open(onnxFile)) {
            return serve(session, columns, rows);
        }
    }

    /**
     * Scores rows with an open model (see {@link #serve(Path, List, List)}).
     * @param session the open model.
     * @param columns the column names of {@code rows}.
     * @param rows raw values, one array per row (row numbers in messages count from 0), aligned with
     *     {@code columns}.
     * @return the score and decision per row.
     * @throws OrtException if ONNX Runtime fails.
     * @throws IllegalArgumentException if a feature column is missing, a row is shorter than {@code columns}, or a
     *     feature value (as float32) or a score is NaN or infinite.
     */
    public static List<Scored> serve(OrtSession session, List<String> columns, List<double[]> rows)
            throws OrtException {
        List<String> features = featureNames(session);
        double threshold = Double.parseDouble(metadata(session, "iae.threshold"));
        int d = features.size();
        if (rows.isEmpty()) {
            return List.of();
        }
        int[] col = new int[d];
        for (int j = 0; j < d; j++) {
            col[j] = columns.indexOf(features.get(j));
            if (col[j] < 0) {
                throw new IllegalArgumentException("The data has no column '" + features.get(j) + "' (the model's "
                        + "features: " + features + ")");
            }
        }
        float[] input = new float[rows.size() * d];
        for (int i = 0; i < rows.size(); i++) {
            double[] row = rows.get(i);
            if (row.length != columns.size()) {
                throw new IllegalArgumentException("Row " + i + " has " + row.length + " values for " + columns.size()
                        + " columns");
            }
            for (int j = 0; j < d; j++) {
                float v = (float) row[col[j]];
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException("Row " + i + ", column '" + features.get(j) + "': "
                            + row[col[j]] + " is not a finite float32 number; the model scores finite values only");
                }
                input[i * d + j] = v;
            }
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), new long[]{rows.size(), d});
             OrtSession.Result result = session.run(Map.of("features", x))) {
            float[] scores = (float[]) result.get("score").orElseThrow().getValue();
            List<Scored> out = new ArrayList<>();
            for (int i = 0; i < scores.length; i++) {
                if (!Float.isFinite(scores[i])) {
                    // NaN > threshold is false: without this check the row would be reported as EXPECTED.
                    throw new IllegalArgumentException("Row " + i + ": the model's score is " + scores[i]
                            + ", not a finite number; its values are probably far outside the training data's range");
                }
                out.add(new Scored(scores[i], scores[i] > threshold));
            }
            return out;
        }
    }

    /**
     * A CSV file read as text, and the model's feature columns of it as numbers.
     * @param header the column names.
     * @param cells the fields of each data row, as text.
     * @param values the feature values of each row, in the order of the feature names given to {@link #readCsv}.
     */
    public record Table(List<String> header, List<List<String>> cells, List<double[]> values) { }

    /**
     * Reads a CSV file with a header line; only the feature columns are parsed as numbers.
     * @param csv the file.
     * @param features the model's feature names.
     * @return the table.
     * @throws IOException if the file cannot be read.
     * @throws IllegalArgumentException if the file is empty, a feature column is missing or repeated, a line has a
     *     different number of fields than the header, a quote is not closed, or a feature cell is not a number (named
     *     by line, row and column).
     */
    public static Table readCsv(Path csv, List<String> features) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        if (lines.isEmpty()) {
            throw new IllegalArgumentException(csv + " is empty; it needs a header line");
        }
        List<String> header = fields(csv, 1, lines.get(0).replaceFirst("^\uFEFF", ""));
        int[] col = new int[features.size()];
        List<String> missing = new ArrayList<>();
        for (int j = 0; j < col.length; j++) {
            col[j] = header.indexOf(features.get(j));
            if (col[j] < 0) {
                missing.add(features.get(j));
            } else if (header.lastIndexOf(features.get(j)) != col[j]) {
                throw new IllegalArgumentException(csv + ": the header has the column '" + features.get(j) + "' twice");
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(csv + " lacks the model's feature column(s) " + missing + " (header: "
                    + header + ")");
        }
        List<List<String>> cells = new ArrayList<>();
        List<double[]> values = new ArrayList<>();
        for (int i = 0; i + 1 < lines.size(); i++) {
            int line = i + 2;
            List<String> f = fields(csv, line, lines.get(i + 1));
            if (f.size() != header.size()) {
                throw new IllegalArgumentException(csv + " line " + line + " (row " + i + ") has " + f.size()
                        + " field(s), the header " + header.size());
            }
            double[] v = new double[col.length];
            for (int j = 0; j < col.length; j++) {
                String cell = f.get(col[j]).trim();
                try {
                    v[j] = Double.parseDouble(cell);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(csv + " line " + line + " (row " + i + "), column '"
                            + features.get(j) + "': '" + cell + "' is not a number");
                }
            }
            cells.add(f);
            values.add(v);
        }
        return new Table(header, cells, values);
    }

    /** Splits one CSV line: commas separate fields, {@code "..."} quotes a field, {@code ""} inside is a quote. */
    private static List<String> fields(Path csv, int line, String text) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted && c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                cur.append('"');
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException(csv + " line " + line + ": a quoted field is not closed (fields that "
                    + "span lines are not supported)");
        }
        out.add(cur.toString());
        return out;
    }

    /**
     * Parses a JSON array of strings such as {@code ["a","b\"c"]} (the feature-name metadata).
     * @param json the text.
     * @return the strings.
     */
    public static List<String> parseJsonStrings(String json) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = null;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (cur == null) {
                if (c == '"') {
                    cur = new StringBuilder();
                }
            } else if (c == '\\') {
                char n = json.charAt(++i);
                switch (n) {
                    case 'n' -> cur.append('\n');
                    case 't' -> cur.append('\t');
                    case 'r' -> cur.append('\r');
                    case 'b' -> cur.append('\b');
                    case 'f' -> cur.append('\f');
                    case 'u' -> {
                        cur.append((char) Integer.parseInt(json.substring(i + 1, i + 5), 16));
                        i += 4;
                    }
                    default -> cur.append(n);
                }
            } else if (c == '"') {
                out.add(cur.toString());
                cur = null;
            } else {
                cur.append(c);
            }
        }
        return out;
    }

    /**
     * Trains a small model on synthetic CSV data and exports it (uses the project; {@link #serve} does not).
     * @return the ONNX file and the CSV it can score.
     * @throws IOException if files cannot be written.
     */
    static Path[] exportSampleModel() throws IOException {
        Path dir = Files.createTempDirectory("iae-serve-example");
        Path train = dir.resolve("train.csv");
        Path data = dir.resolve("data.csv");
        TrainOnCsv.writeSyntheticCsv(train, 2000, 0.0, 1);
        TrainOnCsv.writeSyntheticCsv(data, 20, 0.25, 3);
        List<String> features = List.of("f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7");
        dev.iae.tribuo.IaeTrainer trainer = dev.iae.tribuo.IaeTrainer.builder()
                .encoderSizes(32, 16).lstmHidden(16).repDim(8).pretrainEpochs(5).epochs(10).seed(1).build();
        Path onnx = dir.resolve("model.onnx");
        try (dev.iae.tribuo.IaeModel model = trainer.train(TrainOnCsv.load(train, features))) {
            model.saveONNXModel("com.example", 1, onnx);
        }
        System.out.println("Exported " + onnx);
        return new Path[]{onnx, data};
    }

    /**
     * Runs the example.
     * @param args optional: the ONNX file and a CSV file with a header line.
     * @throws Exception if something fails.
     */
    public static void main(String[] args) throws Exception {
        Path onnx;
        Path csv;
        if (args.length == 0) {
            Path[] sample = exportSampleModel();
            onnx = sample[0];
            csv = sample[1];
        } else if (args.length == 2) {
            onnx = Path.of(args[0]);
            csv = Path.of(args[1]);
            for (Path p : new Path[]{onnx, csv}) {
                if (!Files.isRegularFile(p)) {
                    System.err.println("error: no such file: " + p);
                    System.exit(1);
                }
            }
        } else {
            System.err.println("usage: ExportAndServe [model.onnx data.csv]");
            System.exit(2);
            return;
        }
        try (OrtSession session = open(onnx)) {
            List<String> features = featureNames(session);
            Table table = readCsv(csv, features);
            List<Scored> scored = serve(session, features, table.values());
            int label = table.header().indexOf("label");
            for (int i = 0; i < scored.size(); i++) {
                System.out.printf(Locale.ROOT, "row %2d  score %.6f  %-9s%s%n", i, scored.get(i).score(),
                        scored.get(i).anomalous() ? "ANOMALOUS" : "EXPECTED",
                        label < 0 ? "" : "  (label " + table.cells().get(i).get(label) + ")");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
        }
    }
}
