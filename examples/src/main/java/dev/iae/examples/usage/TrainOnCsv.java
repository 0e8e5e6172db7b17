package dev.iae.examples.usage;

import dev.iae.tribuo.IaeModel;
import dev.iae.tribuo.IaePreset;
import dev.iae.tribuo.IaeTrainer;
import dev.iae.tribuo.evaluation.ScoreEvaluation;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.anomaly.AnomalyFactory;
import org.tribuo.anomaly.Event;
import org.tribuo.anomaly.evaluation.AnomalyEvaluation;
import org.tribuo.anomaly.evaluation.AnomalyEvaluator;
import org.tribuo.data.columnar.FieldProcessor;
import org.tribuo.data.columnar.RowProcessor;
import org.tribuo.data.columnar.processors.field.DoubleFieldProcessor;
import org.tribuo.data.columnar.processors.response.BinaryResponseProcessor;
import org.tribuo.data.csv.CSVDataSource;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Train and evaluate IAE-LSTM-KL on CSV files with plain Tribuo data loading.
 * <pre>
 * examples/bin/run dev.iae.examples.usage.TrainOnCsv [train.csv test.csv]
 * </pre>
 * The CSVs have numeric feature columns and a {@code label} column with {@code 1} for an anomaly and {@code 0}
 * for a normal row. Without arguments the program writes such files (8 Gaussian features) to a temporary
 * directory first.
 * <p>
 * The pitfall this shows: Tribuo's {@code AnomalyFactory} reads every label other than {@code ANOMALOUS} /
 * {@code EXPECTED} as {@code EXPECTED}, so 0/1 labels loaded with {@code CSVLoader} silently become "all normal".
 * A {@link BinaryResponseProcessor} that maps {@code "1"} to {@code ANOMALOUS} and everything else to
 * {@code EXPECTED} fixes it.
 */
public final class TrainOnCsv {
    private TrainOnCsv() { }

    /**
     * Loads a labelled CSV: every column but {@code label} is a numeric feature named after its column.
     * @param csv the file.
     * @param columns the feature columns.
     * @return the dataset.
     * @throws IOException if the file cannot be read.
     */
    public static MutableDataset<Event> load(Path csv, List<String> columns) throws IOException {
        Map<String, FieldProcessor> features = new LinkedHashMap<>();
        for (String c : columns) {
            features.put(c, new DoubleFieldProcessor(c, true, true));
        }
        // "1" -> ANOMALOUS, anything else -> EXPECTED (the names Tribuo's AnomalyFactory understands).
        BinaryResponseProcessor<Event> labels = new BinaryResponseProcessor<>(List.of("label"), List.of("1"),
                new AnomalyFactory(), "ANOMALOUS", "EXPECTED", false);
        return new MutableDataset<>(new CSVDataSource<>(csv, new RowProcessor<>(labels, features), true));
    }

    /**
     * Runs the example.
     * @param args optional: the training CSV and the test CSV.
     * @throws IOException if a file cannot be read or written.
     */
    public static void main(String[] args) throws IOException {
        Path train;
        Path test;
        if (args.length == 2) {
            train = Path.of(args[0]);
            test = Path.of(args[1]);
        } else {
            Path dir = Files.createTempDirectory("iae-csv-example");
            train = dir.resolve("train.csv");
            test = dir.resolve("test.csv");
            writeSyntheticCsv(train, 2000, 0.0, 1);
            writeSyntheticCsv(test, 1000, 0.1, 2);
            System.out.println("Wrote synthetic data to " + dir);
        }
        String headerLine;
        try (java.util.stream.Stream<String> lines = Files.lines(train)) {
            headerLine = lines.findFirst().orElse(null);
        }
        if (headerLine == null || headerLine.isBlank()) {
            System.err.println("error: " + train + " is empty; it needs a header line naming its columns");
            System.exit(1);
        }
        List<String> header = List.of(headerLine.split(","));
        if (!header.contains("label")) {
            System.err.println("error: " + train + " has no 'label' column (1 = anomaly, 0 = normal)");
            System.exit(1);
        }
        // Every other column is a numeric feature (an id or text column would fail to parse: drop it first).
        List<String> featureColumns = header.stream().filter(c -> !c.equals("label")).toList();
        MutableDataset<Event> trainData = load(train, featureColumns);
        MutableDataset<Event> testData = load(test, featureColumns);

        IaeTrainer trainer = IaeTrainer.builder()
                .preset(IaePreset.IAE_LSTM_KL)
                .encoderSizes(32, 16).lstmHidden(16).repDim(8)
                .pretrainEpochs(5).epochs(10)
                .contamination(0.05)          // threshold: 95 % of the training scores are below it
                .seed(1)
                .build();
        try (IaeModel model = trainer.train(trainData)) {
            List<Prediction<Event>> predictions = model.predict(testData);
            AnomalyEvaluation tribuo = new AnomalyEvaluator().evaluate(model, predictions, testData.getProvenance());
            ScoreEvaluation scores = ScoreEvaluation.of(predictions);
            System.out.println(tribuo);
            System.out.printf(Locale.ROOT, "AUROC %.4f, average precision %.4f%n", scores.auroc(),
                    scores.averagePrecision());
            Path dir = train.toAbsolutePath().getParent();
            model.serializeToFile(dir.resolve("csv-model.tribuo"));
            model.saveONNXModel("com.example", 1, dir.resolve("csv-model.onnx"));
            System.out.println("Saved " + dir.resolve("csv-model.tribuo") + " and " + dir.resolve("csv-model.onnx"));
        }
    }

    /**
     * Writes a CSV with 8 features: normal rows from N(0, 1), anomalies shifted by ±2.5.
     * @param file the file.
     * @param rows the number of rows.
     * @param anomalyFraction the fraction of anomalies.
     * @param seed the random seed.
     * @throws IOException if the file cannot be written.
     */
    public static void writeSyntheticCsv(Path file, int rows, double anomalyFraction, long seed) throws IOException {
        Random rng = new Random(seed);
        try (BufferedWriter w = Files.newBufferedWriter(file)) {
            w.write("f0,f1,f2,f3,f4,f5,f6,f7,label\n");
            for (int i = 0; i < rows; i++) {
                boolean anomaly = rng.nextDouble() < anomalyFraction;
                StringBuilder sb = new StringBuilder();
                for (int j = 0; j < 8; j++) {
                    double shift = anomaly ? (j % 2 == 0 ? 2.5 : -2.5) : 0;
                    sb.append(String.format(Locale.ROOT, "%.5f,", shift + rng.nextGaussian()));
                }
                w.write(sb.append(anomaly ? "1" : "0").append('\n').toString());
            }
        }
    }
}
