package dev.iae.examples.cli;

import dev.iae.examples.cli.CliRunner.Run;
import dev.iae.tribuo.IaeModel;
import dev.iae.tribuo.evaluation.ScoreEvaluation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.tribuo.Dataset;
import org.tribuo.Model;
import org.tribuo.Prediction;
import org.tribuo.anomaly.Event;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.BufferedWriter;
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
        assertOneSentenceError(t, IaeCli.EXIT_USER_ERROR, "Row 1, column 'x3': 'oops' is not a number");
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

    @Test
    public void nodeScoresEqualJavaScores() throws Exception {
        assertEquals(0, train.exit(), train.toString());
        Path nodeDir = Path.of("node").toAbsolutePath();
        assumeTrue(Files.isDirectory(nodeDir.resolve("node_modules/onnxruntime-node")),
                "onnxruntime-node is not installed: (cd examples/node && ONNXRUNTIME_NODE_INSTALL=skip npm ci)");
        Run version = exec(List.of("node", "--version"));
        assumeTrue(version.exit() == 0, "node is not on the PATH");
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
