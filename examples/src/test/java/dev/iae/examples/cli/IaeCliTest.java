package dev.iae.examples.cli;

import dev.iae.examples.cli.CliRunner.Run;
import com.google.protobuf.Any;
import dev.iae.onnx.ScoreKind;
import dev.iae.tribuo.ExecutionProvider;
import dev.iae.tribuo.IaeModel;
import dev.iae.tribuo.OrtSessions;
import dev.iae.tribuo.protos.IaeModelProto;
import dev.iae.tribuo.evaluation.ScoreEvaluation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.TestInstance;
import org.tribuo.Dataset;
import org.tribuo.Model;
import org.tribuo.Prediction;
import org.tribuo.anomaly.Event;
import org.tribuo.protos.core.ModelProto;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs the {@code iae} tool as a user would: each command in a forked {@code java} process on the test class path,
 * checking the exit code, the files written and the output read back, on small generated CSV files (8 features,
 * normal rows N(0, 1), anomalies shifted). One tiny model (2 + 2 epochs) is trained in {@link #trainOnce()} and
 * shared by the other tests.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public class IaeCliTest {
    private static final int FEATURES = 8;

    private Path dir;
    private Path trainCsv;
    private Path testCsv;
    private Path base;
    private Run train;

    @BeforeAll
    public void trainOnce() throws Exception {
        dir = Files.createTempDirectory("iae-cli-test");
        trainCsv = dir.resolve("train.csv");
        testCsv = dir.resolve("test.csv");
        writeCsv(trainCsv, 400, 0.05, new Random(1));
        writeCsv(testCsv, 300, 0.2, new Random(2));
        base = dir.resolve("out/model");
        train = iae(null, "train", "--csv", trainCsv.toString(), "--label-column", "label", "--anomaly-label", "1",
                "--ignore-column", "id", "--output", base.toString(), "--encoder-sizes", "16,8", "--lstm-hidden", "8",
                "--rep-dim", "4", "--pretrain-epochs", "2", "--epochs", "2", "--batch-size", "64", "--seed", "7");
    }

    @AfterAll
    public void cleanUp() throws IOException {
        if (dir != null) {
            try (var paths = Files.walk(dir)) {
                paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Rows: id, x0..x7, label (0 normal, 1 anomaly). */
    static void writeCsv(Path file, int rows, double anomalyFraction, Random rng) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            StringBuilder head = new StringBuilder("id");
            for (int j = 0; j < FEATURES; j++) {
                head.append(",x").append(j);
            }
            w.write(head.append(",label\n").toString());
            for (int i = 0; i < rows; i++) {
                boolean anomaly = rng.nextDouble() < anomalyFraction;
                StringBuilder sb = new StringBuilder("r").append(i);
                for (int j = 0; j < FEATURES; j++) {
                    double v = anomaly ? (j % 2 == 0 ? 3.0 : -3.0) + rng.nextGaussian() : rng.nextGaussian();
                    sb.append(',').append(String.format(Locale.ROOT, "%.5f", v));
                }
                w.write(sb.append(',').append(anomaly ? 1 : 0).append('\n').toString());
            }
        }
    }

    /** Runs {@code java -cp <test class path> IaeCli args} (heap: default or {@code xmx}). */
    Run iae(String xmx, String... args) throws IOException, InterruptedException {
        return CliRunner.iae(dir, xmx, args);
    }

    Run exec(List<String> cmd) throws IOException, InterruptedException {
        return CliRunner.exec(dir, cmd);
    }

    private IaeModel loadModel() throws IOException {
        return (IaeModel) Model.deserializeFromFile(Path.of(base + ".tribuo"));
    }

    private static void assertOneSentenceError(Run r, int exit, String mustContain) {
        assertEquals(exit, r.exit(), r.toString());
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertTrue(lines.get(0).startsWith("error: "), r.toString());
        assertTrue(lines.get(0).contains(mustContain), "expected '" + mustContain + "' in " + r);
        assertFalse(r.err().contains("\tat "), "stack trace printed: " + r);
        assertFalse(r.err().contains("Exception"), "exception name printed: " + r);
    }

    @Test
    public void trainWritesBothModelFilesAndLogsProgress() throws Exception {
        assertEquals(0, train.exit(), train.toString());
        assertTrue(Files.size(Path.of(base + ".tribuo")) > 0);
        assertTrue(Files.size(Path.of(base + ".onnx")) > 0);
        // Not a terminal: progress falls back to log lines, one per epoch, with the loss.
        assertTrue(train.err().contains("pre-training epoch 2/2 L_rec="), train.toString());
        assertTrue(train.err().contains("epoch 2/2 L="), train.toString());
        // The 0/1 labels were mapped: the 5 % anomalies were dropped from training, with a warning.
        assertTrue(train.err().contains("warning: IaeTrainer trains on EXPECTED examples only"), train.toString());
        try (IaeModel model = loadModel()) {
            assertEquals(FEATURES, model.getFeatureIDMap().size());
            assertEquals(List.of("x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7"), model.featureNames());
            Matcher m = Pattern.compile("threshold (\\S+)").matcher(train.out());
            assertTrue(m.find(), train.out());
            assertEquals(model.threshold(), Double.parseDouble(m.group(1)), 1e-6 * Math.abs(model.threshold()));
        }
    }

    @Test
    public void trainRefusesZeroOneLabelsWithoutAMapping() throws Exception {
        Run r = iae(null, "train", "--csv", trainCsv.toString(), "--label-column", "label", "--ignore-column", "id",
                "--output", dir.resolve("never").toString());
        assertOneSentenceError(r, IaeCli.EXIT_USER_ERROR, "--anomaly-label");
        assertFalse(Files.exists(dir.resolve("never.tribuo")));
    }

    @Test
    public void trainFromShippedConfigurationWithOverrides() throws Exception {
        Path out = dir.resolve("svdd");
        Run r = iae(null, "train", "--config", "classpath:/config/deep-svdd-tabular.xml", "--csv", trainCsv.toString(),
                "--label-column", "label", "--anomaly-label", "1", "--ignore-column", "id", "--output", out.toString(),
                "--set", "epochs=1", "--pretrain-epochs", "1", "--set", "encoderSizes=8,4", "--rep-dim", "4",
                "--weight-init", "pytorch", "--pretrain-lstm");
        assertEquals(0, r.exit(), r.toString());
        Run inspect = iae(null, "inspect", out + ".onnx");
        assertEquals(0, inspect.exit(), inspect.toString());
        String text = inspect.out();
        assertTrue(text.contains("Preset:         DEEP_SVDD"), text);
        assertTrue(text.contains("Threshold rule: RADIUS"), text);
        // Deep SVDD has no decoder: the reconstruction part of the score statistics is the neutral 0, 1.
        assertTrue(Pattern.compile("Score stats:\\s+[0-9.E-]+,[0-9.E-]+,0\\.0,1\\.0\\n").matcher(text).find(), text);
        assertTrue(Pattern.compile("epochs\\s+1\\n").matcher(text).find(), text);
        assertTrue(Pattern.compile("encoderSizes\\s+\\[8, 4\\]").matcher(text).find(), text);
        assertTrue(Pattern.compile("objective\\s+SOFT_BOUNDARY").matcher(text).find(), text);
        assertTrue(Pattern.compile("weightInit\\s+PYTORCH").matcher(text).find(), text);
        assertTrue(Pattern.compile("pretrainLstm\\s+true").matcher(text).find(), text);
        // A component name that the file lacks is a one-sentence error.
        Run bad = iae(null, "train", "--config", "classpath:/config/deep-svdd-tabular.xml", "--config-name", "nope",
                "--csv", trainCsv.toString(), "--output", dir.resolve("never2").toString());
        assertOneSentenceError(bad, IaeCli.EXIT_USER_ERROR, "no component named 'nope'");
    }

    @Test
    public void evaluateReportsMetricsAndWritesPlots() throws Exception {
        assertEquals(0, train.exit(), train.toString());
        Path plots = dir.resolve("plots");
        Run r = iae(null, "evaluate", "--model", base + ".tribuo", "--csv", testCsv.toString(), "--label-column",
                "label", "--anomaly-label", "1", "--ignore-column", "id", "--plots", plots.toString());
        assertEquals(0, r.exit(), r.toString());
        Matcher auroc = Pattern.compile("AUROC (\\S+)").matcher(r.out());
        Matcher ap = Pattern.compile("average precision\\) (\\S+)").matcher(r.out());
        assertTrue(auroc.find() && ap.find(), r.out());
        assertTrue(r.out().contains("Tribuo AnomalyEvaluator"), r.out());
        // The same numbers computed here from the model and the same CSV.
        EventResponseProcessor labels = new EventResponseProcessor("label", List.of("1"), List.of());
        Dataset<Event> test = CsvInput.load(testCsv, ',', labels, List.of("id"));
        try (IaeModel model = loadModel()) {
            List<Prediction<Event>> predictions = model.predict(test);
            ScoreEvaluation expected = ScoreEvaluation.of(predictions);
            assertEquals(expected.auroc(), Double.parseDouble(auroc.group(1)), 1e-4);
            assertEquals(expected.averagePrecision(), Double.parseDouble(ap.group(1)), 1e-4);
            assertTrue(expected.auroc() > 0.9, "AUROC " + expected.auroc());
            long tp = predictions.stream().filter(p -> p.getOutput().getType() == Event.EventType.ANOMALOUS
                    && p.getExample().getOutput().getType() == Event.EventType.ANOMALOUS).count();
            assertTrue(r.out().contains("TP " + tp + " "), r.out());
        }
        for (String name : List.of("roc.png", "precision-recall.png", "score-histogram.png")) {
            BufferedImage img = ImageIO.read(plots.resolve(name).toFile());
            assertTrue(img != null && img.getWidth() == 720 && img.getHeight() == 540, name);
        }
    }

    @Test
    public void evaluateNeedsLabels() throws Exception {
        Run r = iae(null, "evaluate", "--model", base + ".onnx", "--csv", testCsv.toString());
        assertOneSentenceError(r, IaeCli.EXIT_USER_ERROR, "--label-column");
    }

    @Test
    public void scoreWritesOneRowPerInputRowWithTheModelsScores() throws Exception {
        assertEquals(0, train.exit(), train.toString());
        Path scores = dir.resolve("scores.csv");
        Run r = iae(null, "score", "--model", base + ".onnx", "--csv", testCsv.toString(), "--keep-column", "id",
                "--output", scores.toString(), "--chunk-size", "64");
        assertEquals(0, r.exit(), r.toString());
        List<String> lines = Files.readAllLines(scores);
        assertEquals("id,row,score,type", lines.get(0));
        assertEquals(301, lines.size());
        EventResponseProcessor labels = new EventResponseProcessor("label", List.of("1"), List.of());
        Dataset<Event> test = CsvInput.load(testCsv, ',', labels, List.of("id"));
        try (IaeModel model = loadModel()) {
            List<Prediction<Event>> predictions = model.predict(test);
            for (int i = 0; i < predictions.size(); i++) {
                String[] f = lines.get(i + 1).split(",");
                assertEquals("r" + i, f[0]);
                assertEquals(Integer.toString(i), f[1]);
                Event e = predictions.get(i).getOutput();
                assertEquals(e.getScore(), Double.parseDouble(f[2]), 1e-6 * Math.max(1, Math.abs(e.getScore())));
                assertEquals(e.getType().name(), f[3]);
            }
        }
        assertTrue(r.err().contains("Scored 300 rows"), r.err());
    }

    @Test
    public void scoreStreamsAMillionCellsInASmallHeap() throws Exception {
        assertEquals(0, train.exit(), train.toString());
        // 150,000 rows (1.2 M feature values, ~12 MB) scored with a 48 MB heap: only streaming fits.
        Path big = dir.resolve("big.csv");
        int rows = 150_000;
        Random rng = new Random(3);
        try (BufferedWriter w = Files.newBufferedWriter(big)) {
            w.write("x0,x1,x2,x3,x4,x5,x6,x7\n");
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < rows; i++) {
                sb.setLength(0);
                for (int j = 0; j < FEATURES; j++) {
                    sb.append(j == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.4f", rng.nextGaussian()));
                }
                w.write(sb.append('\n').toString());
            }
        }
        Path out = dir.resolve("big-scores.csv");
        Run r = iae("48m", "score", "--model", base + ".tribuo", "--csv", big.toString(), "--output", out.toString());
        assertEquals(0, r.exit(), r.toString());
        long count;
        try (var lines = Files.lines(out)) {
            count = lines.count();
        }
        assertEquals(rows + 1, count);
        Files.delete(big);
        Files.delete(out);
    }

    @Test
    public void inspectShowsSettingsFeaturesThresholdAndProvenance() throws Exception {
        assertEquals(0, train.exit(), train.toString());
        try (IaeModel model = loadModel()) {
            for (String file : List.of(base + ".tribuo", base + ".onnx")) {
                Run r = iae(null, "inspect", file);
                assertEquals(0, r.exit(), r.toString());
                String text = r.out();
                assertTrue(text.contains("Threshold:      " + model.threshold()), text);
                assertTrue(text.contains("Features:       8: x0, x1, x2, x3, x4, x5, x6, x7"), text);
                assertTrue(text.contains("Preset:         IAE_LSTM_KL"), text);
                assertTrue(text.contains("Score:          SVDD"), text);
                assertTrue(Pattern.compile("lstmHidden\\s+8\\n").matcher(text).find(), text);
                assertTrue(text.contains("Training data:  400 examples, 8 features"), text);
                assertTrue(text.contains(trainCsv.toString()), text);
            }
        }
    }

    @Test
    public void trainSavesAScoreSumThatScoresAndInspectsLikeAnyModel() throws Exception {
        Path sumBase = dir.resolve("out/sum");
        Run t = iae(null, "train", "--csv", trainCsv.toString(), "--label-column", "label", "--anomaly-label", "1",
                "--ignore-column", "id", "--output", sumBase.toString(), "--encoder-sizes", "16,8", "--lstm-hidden",
                "8", "--rep-dim", "4", "--pretrain-epochs", "2", "--epochs", "2", "--batch-size", "64", "--seed", "7",
                "--score", "COMBINED", "--sum-normalizations", "MIN_MAX,NONE");
        assertEquals(0, t.exit(), t.toString());
        assertTrue(t.err().contains("Training a score sum of 2 IAE_LSTM_KL models (MIN_MAX + NONE) on 400 examples"),
                t.toString());
        // Both members' epochs are logged, each named.
        assertTrue(t.err().contains("model 1/2 epoch 2/2 L=") && t.err().contains("model 2/2 epoch 2/2 L="),
                t.toString());
        assertTrue(t.out().contains("score SUM, threshold"), t.toString());

        Path scores = dir.resolve("sum-scores.csv");
        Run r = iae(null, "score", "--model", sumBase + ".onnx", "--csv", testCsv.toString(), "--output",
                scores.toString());
        assertEquals(0, r.exit(), r.toString());
        List<String> lines = Files.readAllLines(scores);
        assertEquals(301, lines.size());
        EventResponseProcessor labels = new EventResponseProcessor("label", List.of("1"), List.of());
        Dataset<Event> test = CsvInput.load(testCsv, ',', labels, List.of("id"));
        try (IaeModel model = (IaeModel) Model.deserializeFromFile(Path.of(sumBase + ".tribuo"))) {
            assertEquals(ScoreKind.SUM, model.scoreKind());
            List<Prediction<Event>> predictions = model.predict(test);
            for (int i = 0; i < predictions.size(); i++) {
                double expected = predictions.get(i).getOutput().getScore();
                assertEquals(expected, Double.parseDouble(lines.get(i + 1).split(",")[1]),
                        1e-6 * Math.max(1, Math.abs(expected)), lines.get(i + 1));
            }
            Run inspect = iae(null, "inspect", sumBase + ".tribuo");
            assertEquals(0, inspect.exit(), inspect.toString());
            assertTrue(inspect.out().contains("Score:          SUM"), inspect.out());
            assertTrue(inspect.out().contains("Member 0:       COMBINED, threshold "), inspect.out());
            assertTrue(inspect.out().contains("normalization=NONE"), inspect.out());
            assertTrue(inspect.out().contains("Trainer:        dev.iae.tribuo.IaeEnsembleTrainer"), inspect.out());
            assertTrue(inspect.out().contains("Outputs:        score, member_scores"), inspect.out());
        }

        Run both = iae(null, "train", "--csv", trainCsv.toString(), "--label-column", "label", "--anomaly-label", "1",
                "--ignore-column", "id", "--output", dir.resolve("out/x").toString(), "--normalization", "NONE",
                "--sum-normalizations", "MIN_MAX,NONE");
        assertOneSentenceError(both, IaeCli.EXIT_USER_ERROR, "drop --normalization");
        Run one = iae(null, "train", "--csv", trainCsv.toString(), "--output", dir.resolve("out/y").toString(),
                "--sum-normalizations", "MIN_MAX");
        assertOneSentenceError(one, IaeCli.EXIT_USER_ERROR, "at least two different pre-processings");
    }

    /**
     * Devices: a model file recorded with CUDA loads and scores on a machine without CUDA (on the CPU), and asking
     * for CUDA there is one clear error for both kinds of model file.
     */
    @Test
    public void deviceChoiceOnAMachineWithoutCuda() throws Exception {
        assertEquals(0, train.exit(), train.toString());
        assumeTrue(!OrtSessions.cudaAvailable(), "this machine's ONNX Runtime has CUDA");
        Path cudaFile = dir.resolve("cuda.tribuo");
        try (IaeModel model = loadModel(); var out = Files.newOutputStream(cudaFile)) {
            ModelProto proto = model.serialize();
            IaeModelProto data = proto.getSerializedData().unpack(IaeModelProto.class);
            proto.toBuilder().setSerializedData(Any.pack(data.toBuilder()
                    .setExecutionProvider(ExecutionProvider.CUDA.name()).build())).build().writeTo(out);
        }
        Path cpuScores = dir.resolve("cpu-model-scores.csv");
        Run ref = iae(null, "score", "--model", base + ".tribuo", "--csv", testCsv.toString(),
                "--output", cpuScores.toString());
        assertEquals(0, ref.exit(), ref.toString());
        for (String device : List.of("cpu", "auto")) {
            Path out = dir.resolve("cuda-scores-" + device + ".csv");
            Run r = iae(null, "score", "--model", cudaFile.toString(), "--device", device, "--csv", testCsv.toString(),
                    "--output", out.toString());
            assertEquals(0, r.exit(), r.toString());
            assertEquals(Files.readAllLines(cpuScores), Files.readAllLines(out), "scores of the CUDA-saved file");
        }
        Run inspect = iae(null, "inspect", cudaFile.toString());
        assertEquals(0, inspect.exit(), inspect.toString());
        for (String file : List.of(base + ".tribuo", base + ".onnx", cudaFile.toString())) {
            Run r = iae(null, "score", "--model", file, "--device", "cuda", "--csv", testCsv.toString());
            assertOneSentenceError(r, IaeCli.EXIT_USER_ERROR, "CUDA");
            assertFalse(r.err().contains("warning"), r.toString());
        }
        // Training for a CUDA model fails before the training, not after it.
        Run t = iae(null, "train", "--csv", trainCsv.toString(), "--label-column", "label", "--anomaly-label", "1",
                "--ignore-column", "id", "--device", "cuda", "--output", dir.resolve("cuda-model").toString());
        assertOneSentenceError(t, IaeCli.EXIT_USER_ERROR, "checked before training");
    }

    @Test
    public void helpEverywhereAndUsageErrors() throws Exception {
        for (String cmd : new String[]{"", "train", "evaluate", "score", "inspect"}) {
            Run r = cmd.isEmpty() ? iae(null, "--help") : iae(null, cmd, "--help");
            assertEquals(0, r.exit(), r.toString());
            assertTrue(r.out().startsWith("Usage: iae" + (cmd.isEmpty() ? "" : " " + cmd)), r.out());
        }
        Run unknown = iae(null, "score", "--modle", "x");
        assertEquals(IaeCli.EXIT_USAGE, unknown.exit(), unknown.toString());
        assertTrue(unknown.err().startsWith("error: "), unknown.toString());
        assertTrue(unknown.err().contains("iae score --help"), unknown.toString());
        Run missing = iae(null, "score", "--model", dir.resolve("nothing.onnx").toString(), "--csv", testCsv.toString());
        assertOneSentenceError(missing, IaeCli.EXIT_USER_ERROR, "File not found");
        Run notAModel = iae(null, "inspect", testCsv.toString());
        assertOneSentenceError(notAModel, IaeCli.EXIT_USER_ERROR, "neither a Tribuo model file nor");
    }

    @Test
    public void scoreNamesMissingColumnsAndBadValues() throws Exception {
        assertEquals(0, train.exit(), train.toString());
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "x0,x1,x2\n1,2,3\n");
        Run r = iae(null, "score", "--model", base + ".onnx", "--csv", bad.toString());
        assertOneSentenceError(r, IaeCli.EXIT_USER_ERROR, "lacks 5 of the model's 8 feature columns");
        Path text = dir.resolve("text.csv");
        Files.writeString(text, "x0,x1,x2,x3,x4,x5,x6,x7\n1,2,3,4,5,6,7,8\n1,2,3,oops,5,6,7,8\n");
        Run t = iae(null, "score", "--model", base + ".onnx", "--csv", text.toString(), "--output",
                dir.resolve("t.csv").toString());
        assertOneSentenceError(t, IaeCli.EXIT_USER_ERROR,
                text + ", data row 2 (output row 1), column 'x3': 'oops' is not a number");
    }

    /**
     * A copy of a generated CSV file with some cells replaced.
     * @param source the file (no quoted fields).
     * @param name the copy's file name in the test directory.
     * @param cells data row (1-based: the first row below the header is 1) → column → new value.
     */
    private Path withCells(Path source, String name, java.util.Map<Integer, java.util.Map<String, String>> cells)
            throws IOException {
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(source));
        List<String> header = List.of(lines.get(0).split(",", -1));
        cells.forEach((row, values) -> {
            String[] f = lines.get(row).split(",", -1);
            values.forEach((column, value) -> f[header.indexOf(column)] = value);
            lines.set(row, String.join(",", f));
        });
        Path copy = dir.resolve(name);
        Files.write(copy, lines);
        return copy;
    }

    private Path withCell(Path source, String name, int row, String column, String value) throws IOException {
        return withCells(source, name, java.util.Map.of(row, java.util.Map.of(column, value)));
    }

    @Test
    public void evaluateRefusesAModelFeatureThatIsIgnoredOrIsTheLabel() throws Exception {
        assertEquals(0, train.exit(), train.toString());
        // Ignoring a column the model uses would score every row with x3 = 0.
        Run ignored = iae(null, "evaluate", "--model", base + ".onnx", "--csv", testCsv.toString(), "--label-column",
                "label", "--anomaly-label", "1", "--ignore-column", "id,x3");
        assertOneSentenceError(ignored, IaeCli.EXIT_USER_ERROR, "'x3'");
        assertTrue(ignored.err().contains("--ignore-column"), ignored.toString());
        // The label column holding one of the model's features: x7 replaced by the labels.
        List<String> lines = Files.readAllLines(testCsv);
        List<String> relabelled = new java.util.ArrayList<>();
        for (String line : lines) {
            String[] f = line.split(",");
            if (!relabelled.isEmpty()) {
                f[FEATURES] = f[FEATURES + 1];
            }
            relabelled.add(String.join(",", java.util.Arrays.copyOf(f, FEATURES + 1)));
        }
        Path labelled = dir.resolve("x7-is-label.csv");
        Files.write(labelled, relabelled);
        Run label = iae(null, "evaluate", "--model", base + ".onnx", "--csv", labelled.toString(), "--label-column",
                "x7", "--anomaly-label", "1", "--ignore-column", "id");
        assertOneSentenceError(label, IaeCli.EXIT_USER_ERROR, "'x7'");
        assertTrue(label.err().contains("--label-column"), label.toString());
    }

    @Test
    public void evaluateReadsOnlyTheModelsColumns() throws Exception {
        assertEquals(0, train.exit(), train.toString());
        // The text column id (r0, r1, …) is not one of the model's features: no --ignore-column needed, as for score.
        Run without = iae(null, "evaluate", "--model", base + ".onnx", "--csv", testCsv.toString(), "--label-column",
                "label", "--anomaly-label", "1", "--progress", "NONE");
        assertEquals(0, without.exit(), without.toString());
        Run with = iae(null, "evaluate", "--model", base + ".onnx", "--csv", testCsv.toString(), "--label-column",
                "label", "--anomaly-label", "1", "--ignore-column", "id", "--progress", "NONE");
        assertEquals(0, with.exit(), with.toString());
        assertEquals(with.out(), without.out());
        assertTrue(without.out().contains("AUROC "), without.out());
    }

    @Test
    public void scoreFailsWhenStandardOutputCannotBeWritten() throws Exception {
        assertEquals(0, train.exit(), train.toString());
        File full = new File("/dev/full");
        assumeTrue(full.exists() && full.canWrite(), "/dev/full is absent");
        Run r = CliRunner.iaeWithStdout(dir, full, "score", "--model", base + ".onnx", "--csv", testCsv.toString(),
                "--progress", "NONE");
        assertOneSentenceError(r, IaeCli.EXIT_USER_ERROR, "Could not write the scores to standard output");
        assertFalse(r.err().contains("Scored "), r.toString());
    }

    @Test
    public void scoreRefusesToOverwriteItsInput() throws Exception {
        assertEquals(0, train.exit(), train.toString());
        Path input = dir.resolve("same.csv");
        Files.copy(testCsv, input, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        byte[] before = Files.readAllBytes(input);
        for (String spelling : List.of(input.toString(), dir.resolve("out/../same.csv").toString())) {
            Run r = iae(null, "score", "--model", base + ".onnx", "--csv", input.toString(), "--output", spelling);
            assertOneSentenceError(r, IaeCli.EXIT_USER_ERROR, "is the input file");
            assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(input)), "input changed: " + spelling);
        }
    }

    @Test
    public void scoreRefusesToOverwriteItsModel() throws Exception {
        assertEquals(0, train.exit(), train.toString());
        Path models = Files.createDirectories(dir.resolve("own-model"));
        for (String ext : List.of(".onnx", ".tribuo")) {
            Path model = models.resolve("model" + ext);
            Files.copy(Path.of(base + ext), model, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            byte[] before = Files.readAllBytes(model);
            for (String spelling : List.of(model.toString(), models.resolve("../own-model/model" + ext).toString())) {
                Run r = iae(null, "score", "-m", model.toString(), "--csv", testCsv.toString(), "-o", spelling,
                        "--progress", "NONE");
                assertOneSentenceError(r, IaeCli.EXIT_USER_ERROR, "is the model file");
                assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(model)), "model changed: " + spelling);
            }
        }
        try (var files = Files.list(models)) {
            assertEquals(2, files.count(), "temporary files left behind");
        }
    }

    @Test
    public void aFailedScoreEndsTheProgressBarBeforeTheError() throws Exception {
        assertEquals(0, train.exit(), train.toString());
        Path bad = withCell(testCsv, "bad-row-250-bar.csv", 250, "x3", "oops");
        // Chunks of 16: the bar is drawn after the first chunk, long before the bad row is read.
        Run r = iae(null, "score", "--model", base + ".onnx", "--csv", bad.toString(), "--output",
                dir.resolve("never-bar.csv").toString(), "--chunk-size", "16", "--progress", "BAR");
        assertEquals(IaeCli.EXIT_USER_ERROR, r.exit(), r.toString());
        assertTrue(r.err().contains("\rscoring ["), "no bar drawn: " + r);
        assertTrue(r.err().contains("\nerror: The CSV file " + bad + ", data row 250"),
                "error not on a line of its own: " + r);
        String errorLine = r.err().lines().filter(l -> l.contains("error: ")).findFirst().orElseThrow();
        assertFalse(errorLine.contains("scoring ["), "error printed onto the bar: " + r);
    }

    @Test
    public void verboseShowsTheStackTraceOfAUserError() throws Exception {
        Run quiet = iae(null, "score", "--model", dir.resolve("nothing.onnx").toString(), "--csv", testCsv.toString());
        assertOneSentenceError(quiet, IaeCli.EXIT_USER_ERROR, "File not found");
        Run r = iae(null, "score", "--model", dir.resolve("nothing.onnx").toString(), "--csv", testCsv.toString(),
                "--verbose");
        assertEquals(IaeCli.EXIT_USER_ERROR, r.exit(), r.toString());
        int error = r.err().indexOf("error: File not found");
        assertTrue(error == 0 || (error > 0 && r.err().charAt(error - 1) == '\n'), r.toString());
        int trace = r.err().indexOf(CliException.class.getName());
        assertTrue(trace > error && r.err().indexOf("\tat ", trace) > trace, "no stack trace with --verbose: " + r);
    }

    @Test
    public void trainReportsTheNumberOfExamplesItTrainedOn() throws Exception {
        assertEquals(0, train.exit(), train.toString());
        // 400 rows, of which the labelled anomalies are dropped: the summary counts the kept ones.
        Matcher kept = Pattern.compile("kept (\\d+)").matcher(train.err());
        assertTrue(kept.find(), train.toString());
        int n = Integer.parseInt(kept.group(1));
        assertTrue(n > 0 && n < 400, train.toString());
        assertTrue(train.out().contains("Trained IAE_LSTM_KL on " + n + " examples x 8 features"), train.toString());
        // The model files were written through temporary files, none of which is left.
        try (var files = Files.list(base.getParent())) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(List.of("model.onnx", "model.tribuo"), names);
        }
    }

    @Test
    public void trainRefusesAnOutputBelowAFileBeforeReadingTheData() throws Exception {
        // The data file does not exist: an output check that waited for the data (or the training) would report
        // that instead.
        String missing = dir.resolve("no-such-data.csv").toString();
        Path file = dir.resolve("a-file");
        Files.writeString(file, "not a folder\n");
        Run r = iae(null, "train", "--csv", missing, "--output", file.resolve("sub/model").toString());
        assertOneSentenceError(r, IaeCli.EXIT_USER_ERROR, file + " is a file, not a folder");
    }

    @Test
    public void trainRefusesAReadOnlyOutputFolderBeforeReadingTheData() throws Exception {
        String missing = dir.resolve("no-such-data.csv").toString();
        Path readOnly = Files.createDirectories(dir.resolve("read-only"));
        try {
            Files.setPosixFilePermissions(readOnly, java.nio.file.attribute.PosixFilePermissions.fromString("r-xr-xr-x"));
            // root may write anywhere: then there is nothing to refuse (the /proc test below covers root).
            assumeTrue(!Files.isWritable(readOnly), "the read-only folder is writable (running as root?)");
            Run ro = iae(null, "train", "--csv", missing, "--output", readOnly.resolve("model").toString());
            assertOneSentenceError(ro, IaeCli.EXIT_USER_ERROR, "Cannot write " + readOnly.resolve("model.tribuo"));
            assertTrue(ro.err().contains("not writable"), ro.toString());
        } finally {
            Files.setPosixFilePermissions(readOnly, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    /**
     * /proc refuses new files even to root, where permission bits do not: this reaches the check that really tries
     * to create a file in the output folder, whichever user runs the tests (CI runs as root).
     */
    @Test
    @EnabledOnOs(OS.LINUX)
    public void trainRefusesAnOutputFolderThatCannotTakeNewFilesBeforeReadingTheData() throws Exception {
        String missing = dir.resolve("no-such-data.csv").toString();
        Path proc = Path.of("/proc");
        Run p = iae(null, "train", "--csv", missing, "--output", proc.resolve("iae-model").toString());
        assertOneSentenceError(p, IaeCli.EXIT_USER_ERROR, "Cannot write " + proc.resolve("iae-model.tribuo"));
        assertTrue(p.err().contains(Files.isWritable(proc) ? "cannot create a file in the folder /proc"
                : "the folder /proc is not writable"), p.toString());
    }

    @Test
    public void trainAndEvaluateNameTheDataRowOfARaggedLine() throws Exception {
        assertEquals(0, train.exit(), train.toString());
        Path ragged = dir.resolve("ragged-train.csv");
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(testCsv));
        lines.set(100, lines.get(100) + ",extra");
        Files.write(ragged, lines);
        String expected = ragged + ", data row 100: cannot be parsed (it has 11 fields, the header 10)";
        String[] small = {"--encoder-sizes", "8", "--rep-dim", "4", "--lstm-hidden", "4", "--pretrain-epochs", "1",
                "--epochs", "1", "--progress", "NONE"};
        // With a label column (read first for the label check) and without one (read by Tribuo's CSVDataSource).
        Run labelled = iae(null, concat(new String[]{"train", "--csv", ragged.toString(), "--label-column", "label",
                "--anomaly-label", "1", "--ignore-column", "id", "--output", dir.resolve("never5").toString()}, small));
        assertOneSentenceError(labelled, IaeCli.EXIT_USER_ERROR, expected);
        Run unlabelled = iae(null, concat(new String[]{"train", "--csv", ragged.toString(), "--ignore-column", "id",
                "--output", dir.resolve("never5").toString()}, small));
        assertEquals(IaeCli.EXIT_USER_ERROR, unlabelled.exit(), unlabelled.toString());
        // (After the warning that the column 'label' is read as a feature.)
        assertTrue(unlabelled.err().lines().anyMatch(l -> l.startsWith("error: ") && l.contains(expected)),
                unlabelled.toString());
        Run evaluate = iae(null, "evaluate", "--model", base + ".onnx", "--csv", ragged.toString(), "--label-column",
                "label", "--anomaly-label", "1", "--progress", "NONE");
        assertOneSentenceError(evaluate, IaeCli.EXIT_USER_ERROR, expected);
        assertFalse(Files.exists(dir.resolve("never5.tribuo")));
    }

    @Test
    public void duplicateColumnNamesAreRefused() throws Exception {
        assertEquals(0, train.exit(), train.toString());
        // x2 renamed x1: Tribuo would read the second x1 column as x1 and drop the first without a word.
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(testCsv));
        lines.set(0, lines.get(0).replace(",x2,", ",x1,"));
        Path twice = dir.resolve("x1-twice.csv");
        Files.write(twice, lines);
        String expected = "The header of the CSV file " + twice + " names a column more than once: 'x1' (columns 3, 4)";
        Run t = iae(null, "train", "--csv", twice.toString(), "--label-column", "label", "--anomaly-label", "1",
                "--ignore-column", "id", "--output", dir.resolve("never6").toString(), "--encoder-sizes", "8",
                "--rep-dim", "4", "--lstm-hidden", "4", "--pretrain-epochs", "1", "--epochs", "1");
        assertOneSentenceError(t, IaeCli.EXIT_USER_ERROR, expected);
        assertFalse(Files.exists(dir.resolve("never6.tribuo")));
        Run s = iae(null, "score", "--model", base + ".onnx", "--csv", twice.toString(), "--output",
                dir.resolve("never6.csv").toString());
        assertOneSentenceError(s, IaeCli.EXIT_USER_ERROR, expected);
        Run e = iae(null, "evaluate", "--model", base + ".onnx", "--csv", twice.toString(), "--label-column", "label",
                "--anomaly-label", "1");
        assertOneSentenceError(e, IaeCli.EXIT_USER_ERROR, expected);
    }

    @Test
    public void aFailedScoreLeavesNoPartialOutput() throws Exception {
        assertEquals(0, train.exit(), train.toString());
        Path bad = withCell(testCsv, "bad-row-250.csv", 250, "x3", "oops");
        Path outDir = Files.createDirectories(dir.resolve("failed-score"));
        Path fresh = outDir.resolve("fresh.csv");
        Path existing = outDir.resolve("existing.csv");
        Files.writeString(existing, "an earlier run\n");
        for (Path out : List.of(fresh, existing)) {
            // Chunks of 16: 15 chunks of scores are written before the bad row is read.
            Run r = iae(null, "score", "--model", base + ".onnx", "--csv", bad.toString(), "--output", out.toString(),
                    "--chunk-size", "16", "--progress", "NONE");
            assertOneSentenceError(r, IaeCli.EXIT_USER_ERROR, "'oops' is not a number");
        }
        assertFalse(Files.exists(fresh), "partial output left behind");
        assertEquals("an earlier run\n", Files.readString(existing));
        try (var files = Files.list(outDir)) {
            assertEquals(List.of(existing), files.toList(), "temporary files left behind");
        }
        // A run that succeeds replaces the earlier output, and leaves nothing else.
        Run ok = iae(null, "score", "--model", base + ".onnx", "--csv", testCsv.toString(), "--output",
                existing.toString(), "--chunk-size", "16", "--progress", "NONE");
        assertEquals(0, ok.exit(), ok.toString());
        assertEquals(301, Files.readAllLines(existing).size());
        try (var files = Files.list(outDir)) {
            assertEquals(List.of(existing), files.toList(), "temporary files left behind");
        }
    }

    @Test
    public void csvValueErrorsNameTheFileRowAndColumn() throws Exception {
        assertEquals(0, train.exit(), train.toString());
        String[] labels = {"--label-column", "label", "--anomaly-label", "1", "--ignore-column", "id",
                "--progress", "NONE"};
        Path empty = withCell(testCsv, "empty-cell.csv", 3, "x2", "");
        Run r = iae(null, concat(new String[]{"evaluate", "--model", base + ".onnx", "--csv", empty.toString()},
                labels));
        assertOneSentenceError(r, IaeCli.EXIT_USER_ERROR, empty + ", data row 3, column 'x2': no value");
        Run t = iae(null, "train", "--csv", empty.toString(), "--label-column", "label", "--anomaly-label", "1",
                "--ignore-column", "id", "--output", dir.resolve("never3").toString());
        assertOneSentenceError(t, IaeCli.EXIT_USER_ERROR, empty + ", data row 3, column 'x2': no value");
        Path text = withCell(testCsv, "text-cell.csv", 5, "x1", "abc");
        r = iae(null, concat(new String[]{"evaluate", "--model", base + ".onnx", "--csv", text.toString()}, labels));
        assertOneSentenceError(r, IaeCli.EXIT_USER_ERROR, text + ", data row 5, column 'x1': 'abc' is not a number");
        Path nan = withCell(testCsv, "nan-cell.csv", 7, "x4", "NaN");
        r = iae(null, concat(new String[]{"evaluate", "--model", base + ".onnx", "--csv", nan.toString()}, labels));
        assertOneSentenceError(r, IaeCli.EXIT_USER_ERROR, nan + ", data row 7, column 'x4': 'NaN' is not a finite");
        Path inf = withCell(testCsv, "inf-cell.csv", 8, "x6", "-Infinity");
        r = iae(null, concat(new String[]{"evaluate", "--model", base + ".onnx", "--csv", inf.toString()}, labels));
        assertOneSentenceError(r, IaeCli.EXIT_USER_ERROR, inf + ", data row 8, column 'x6': '-Infinity' is not a");
        // Past the first chunk of 4,096 examples: a value the model cannot take (outside float32) in data row 4,500.
        Path big = dir.resolve("big-labelled.csv");
        writeCsv(big, 5000, 0.2, new Random(4));
        Path huge = withCell(big, "huge-cell.csv", 4500, "x5", "1e300");
        r = iae(null, concat(new String[]{"evaluate", "--model", base + ".onnx", "--csv", huge.toString()}, labels));
        assertOneSentenceError(r, IaeCli.EXIT_USER_ERROR, "data row 4500");
        assertTrue(r.err().contains("x5"), r.toString());
        // score: the exact row of a malformed line and of an unusable value, not the start of the chunk.
        Path ragged = dir.resolve("ragged.csv");
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(testCsv));
        lines.set(100, lines.get(100) + ",extra");
        Files.write(ragged, lines);
        Run s = iae(null, "score", "--model", base + ".onnx", "--csv", ragged.toString(), "--chunk-size", "64",
                "--output", dir.resolve("never.csv").toString(), "--progress", "NONE");
        assertOneSentenceError(s, IaeCli.EXIT_USER_ERROR, ragged + ", data row 100");
        Path hugeScore = withCell(testCsv, "huge-score.csv", 70, "x5", "1e300");
        s = iae(null, "score", "--model", base + ".onnx", "--csv", hugeScore.toString(), "--chunk-size", "64",
                "--output", dir.resolve("never.csv").toString(), "--progress", "NONE");
        assertOneSentenceError(s, IaeCli.EXIT_USER_ERROR, hugeScore + ", data row 70 (output row 69)");
        assertTrue(s.err().contains("x5"), s.toString());
        assertFalse(Files.exists(dir.resolve("never.csv")));
    }

    @Test
    public void blankLabelsAreRefused() throws Exception {
        assertEquals(0, train.exit(), train.toString());
        Path blank = withCells(testCsv, "blank-labels.csv",
                java.util.Map.of(4, java.util.Map.of("label", " "), 9, java.util.Map.of("label", "")));
        Run r = iae(null, "evaluate", "--model", base + ".onnx", "--csv", blank.toString(), "--label-column",
                "label", "--anomaly-label", "1", "--ignore-column", "id", "--progress", "NONE");
        assertOneSentenceError(r, IaeCli.EXIT_USER_ERROR, blank + ", data row 4, has no label in column 'label'");
        assertTrue(r.err().contains("2 rows"), r.toString());
        Run t = iae(null, "train", "--csv", blank.toString(), "--label-column", "label", "--normal-label", "0",
                "--ignore-column", "id", "--output", dir.resolve("never4").toString(), "--epochs", "1",
                "--pretrain-epochs", "1", "--encoder-sizes", "8", "--rep-dim", "4", "--lstm-hidden", "4");
        assertOneSentenceError(t, IaeCli.EXIT_USER_ERROR, blank + ", data row 4, has no label in column 'label'");
        assertFalse(Files.exists(dir.resolve("never4.tribuo")));
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    public void exportedOnnxPassesTheOnnxChecker() throws Exception {
        assertEquals(0, train.exit(), train.toString());
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python), "/usr/bin/python3 is absent: install python3-onnx to run this check");
        Run probe = exec(List.of(python.toString(), "-c", "import onnx"));
        assumeTrue(probe.exit() == 0, "Python module onnx is not importable (apt-get install -y python3-onnx)");
        Run r = exec(List.of(python.toString(), "-c", "import sys, onnx; m = onnx.load(sys.argv[1]); "
                + "onnx.checker.check_model(m, full_check=True); print('ok', m.ir_version)", base + ".onnx"));
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().startsWith("ok 8"), r.toString());
    }

    /**
     * The Node.js scorer's folder, after checking that the model trained; skips the test where onnxruntime-node is not
     * installed or node is not on the PATH.
     */
    private Path nodeScorerDir() throws Exception {
        assertEquals(0, train.exit(), train.toString());
        Path nodeDir = Path.of("node").toAbsolutePath();
        assumeTrue(Files.isDirectory(nodeDir.resolve("node_modules/onnxruntime-node")),
                "onnxruntime-node is not installed: (cd examples/node && ONNXRUNTIME_NODE_INSTALL=skip npm ci)");
        assumeTrue(exec(List.of("node", "--version")).exit() == 0, "node is not on the PATH");
        return nodeDir;
    }

    /** Refusals of the Node.js scorer: what the Java tool refuses, with the data row and column named. */
    @Test
    public void nodeRefusesWhatJavaRefuses() throws Exception {
        Path nodeDir = nodeScorerDir();
        List<String> lines = Files.readAllLines(testCsv);
        // Header: id,x0..x7,label; data row 5 is line 5; x2 is field 3.
        String[][] cases = {
            {"", "data row 5 (output row 4), column 'x2': no value"},
            {"0x10", "column 'x2': '0x10' is not a finite number"},
            {"NaN", "column 'x2': 'NaN' is not a finite number"},
            {"1e39", "column 'x2': 1e39 is outside the float32 range"},
            {"EXTRA", "data row 5 (output row 4): it has 11 fields, the header 10"},
        };
        for (int c = 0; c < cases.length; c++) {
            List<String> edited = new java.util.ArrayList<>(lines);
            String[] f = edited.get(5).split(",", -1);
            if (cases[c][0].equals("EXTRA")) {
                edited.set(5, edited.get(5) + ",7");
            } else {
                f[3] = cases[c][0];
                edited.set(5, String.join(",", f));
            }
            Path bad = dir.resolve("node-bad-" + c + ".csv");
            Files.write(bad, edited);
            Run node = exec(List.of("node", nodeDir.resolve("score.js").toString(), base + ".onnx", bad.toString()));
            assertOneSentenceError(node, 1, cases[c][1]);
            // The Java tool refuses the same file.
            Run java = iae(null, "score", "--model", base + ".onnx", "--csv", bad.toString());
            assertEquals(IaeCli.EXIT_USER_ERROR, java.exit(), java.toString());
        }
        List<String> twice = new java.util.ArrayList<>(lines);
        twice.set(0, twice.get(0).replace(",label", ",x1"));
        Path dup = dir.resolve("node-dup.csv");
        Files.write(dup, twice);
        Run node = exec(List.of("node", nodeDir.resolve("score.js").toString(), base + ".onnx", dup.toString()));
        assertOneSentenceError(node, 1, "names a column more than once: x1");
    }

    @Test
    public void nodeScoresEqualJavaScores() throws Exception {
        Path nodeDir = nodeScorerDir();
        Path javaScores = dir.resolve("java-scores.csv");
        Run java = iae(null, "score", "--model", base + ".onnx", "--csv", testCsv.toString(), "--output",
                javaScores.toString());
        assertEquals(0, java.exit(), java.toString());
        Run node = exec(List.of("node", nodeDir.resolve("score.js").toString(), base + ".onnx", testCsv.toString()));
        assertEquals(0, node.exit(), node.toString());
        List<String> j = Files.readAllLines(javaScores);
        List<String> n = node.out().lines().toList();
        assertEquals(j.size(), n.size());
        assertEquals("row,score,type", n.get(0));
        for (int i = 1; i < j.size(); i++) {
            String[] a = j.get(i).split(",");
            String[] b = n.get(i).split(",");
            assertEquals(a[0], b[0]);
            assertEquals(Double.parseDouble(a[1]), Double.parseDouble(b[1]), 1e-5, "row " + a[0]);
            assertEquals(a[2], b[2], "row " + a[0]);
        }
    }
}
