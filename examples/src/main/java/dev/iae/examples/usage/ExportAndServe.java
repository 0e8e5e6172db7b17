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
import java.util.Optional;

/**
 * Serves an exported IAE-LSTM-KL ONNX file with plain ONNX Runtime — no Tribuo and no class of this project — as a
 * service in any JVM would.
 * <pre>
 * examples/bin/run dev.iae.examples.usage.ExportAndServe [model.onnx [data.csv]]
 * </pre>
 * Without arguments it first trains and exports a small model ({@link #exportSampleModel()}, the only part that
 * uses the project); then {@link #serve} does everything from the file alone: the feature names (input order) and
 * the threshold come from the file's metadata, the pre-processing is inside the graph, so raw values go in.
 * <p>
 * Note: ONNX Runtime 1.29's native library needs more than the JVM's default 1 MiB of thread stack while it loads
 * (measured: the JVM dies otherwise); {@code examples/bin/run} passes {@code -Xss4m}.
 */
public final class ExportAndServe {
    private ExportAndServe() { }

    /** One scored row. */
    public record Scored(float score, boolean anomalous) { }

    /**
     * Scores rows with the ONNX file only.
     * @param onnxFile the exported model.
     * @param columns the column names of {@code rows}.
     * @param rows raw values, one array per row, aligned with {@code columns}.
     * @return the score and decision per row.
     * @throws OrtException if ONNX Runtime fails.
     */
    public static List<Scored> serve(Path onnxFile, List<String> columns, List<double[]> rows) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(onnxFile.toString(), options)) {
                Map<String, String> meta = session.getMetadata().getCustomMetadata();
                List<String> features = parseJsonStrings(meta.get("iae.feature_names"));
                double threshold = Double.parseDouble(meta.get("iae.threshold"));
                int d = features.size();
                float[] input = new float[rows.size() * d];
                for (int j = 0; j < d; j++) {
                    int col = columns.indexOf(features.get(j));
                    if (col < 0) {
                        throw new IllegalArgumentException("The data has no column '" + features.get(j) + "'");
                    }
                    for (int i = 0; i < rows.size(); i++) {
                        input[i * d + j] = (float) rows.get(i)[col];
                    }
                }
                try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), new long[]{rows.size(), d});
                     OrtSession.Result result = session.run(Map.of("features", x))) {
                    Optional<ai.onnxruntime.OnnxValue> scoreValue = result.get("score");
                    float[] scores = (float[]) scoreValue.orElseThrow().getValue();
                    List<Scored> out = new ArrayList<>();
                    for (float s : scores) {
                        out.add(new Scored(s, s > threshold));
                    }
                    return out;
                }
            }
        }
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
        } else {
            System.err.println("usage: ExportAndServe [model.onnx data.csv]");
            System.exit(2);
            return;
        }
        List<String> lines = Files.readAllLines(csv);
        List<String> columns = List.of(lines.get(0).split(","));
        List<double[]> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            double[] v = new double[columns.size()];
            for (int j = 0; j < v.length; j++) {
                v[j] = Double.parseDouble(f[j]);
            }
            rows.add(v);
        }
        List<Scored> scored = serve(onnx, columns, rows);
        int label = columns.indexOf("label");
        for (int i = 0; i < scored.size(); i++) {
            System.out.printf(Locale.ROOT, "row %2d  score %.6f  %-9s%s%n", i, scored.get(i).score(),
                    scored.get(i).anomalous() ? "ANOMALOUS" : "EXPECTED",
                    label < 0 ? "" : "  (label " + (int) rows.get(i)[label] + ")");
        }
    }
}
