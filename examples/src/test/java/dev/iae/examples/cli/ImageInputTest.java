package dev.iae.examples.cli;

import dev.iae.examples.data.ImageFolderSource;
import dev.iae.tribuo.IaeModel;
import dev.iae.tribuo.evaluation.ScoreEvaluation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.Prediction;
import org.tribuo.anomaly.Event;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Image input of the {@code iae} tool, run as a user would (forked {@code java} processes): {@code train} on a folder
 * of grey PNGs (one subfolder per class, written with {@link ImageIO} here) with the live progress bar forced on,
 * {@code evaluate} on a {@code .tar.gz} of the same folder (made by the system's {@code tar}), {@code score} of the
 * folder, each checked against the model's own predictions, and the one-sentence errors for image mistakes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public class ImageInputTest {
    private static final int SIZE = 16;

    private Path dir;
    private Path root;
    private Path archive;
    private Path base;
    private CliRunner.Run train;

    /** Normal images: a smooth diagonal gradient with a little noise; anomalies: a checkerboard. */
    static void writeImage(Path file, boolean anomaly, Random rng) throws IOException {
        BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                int v = anomaly ? (((x / 2 + y / 2) % 2 == 0) ? 230 : 20)
                        : (int) Math.round(8 * (x + y) + 10 * rng.nextGaussian());
                img.getRaster().setSample(x, y, 0, Math.max(0, Math.min(255, v)));
            }
        }
        Files.createDirectories(file.getParent());
        assertTrue(ImageIO.write(img, "png", file.toFile()));
    }

    @BeforeAll
    public void trainOnce() throws Exception {
        dir = Files.createTempDirectory("iae-cli-images");
        root = dir.resolve("pictures");
        Random rng = new Random(5);
        for (int i = 0; i < 64; i++) {
            writeImage(root.resolve(String.format("train/normal/%03d.png", i)), false, rng);
        }
        for (int i = 0; i < 20; i++) {
            writeImage(root.resolve(String.format("test/normal/%03d.png", i)), false, rng);
        }
        for (int i = 0; i < 10; i++) {
            writeImage(root.resolve(String.format("test/odd/%03d.png", i)), true, rng);
        }
        archive = dir.resolve("pictures.tar.gz");
        Process tar = new ProcessBuilder("tar", "-czf", archive.toString(), "-C", dir.toString(), "pictures")
                .redirectErrorStream(true).start();
        assertTrue(tar.waitFor(60, TimeUnit.SECONDS) && tar.exitValue() == 0, "tar failed");
        base = dir.resolve("out/pictures");
        train = iae("train", "--images", root.toString(), "--image-subfolder", "train", "--normal-class", "normal",
                "--output", base.toString(), "--encoder-sizes", "4,8", "--lstm-hidden", "16", "--rep-dim", "16",
                "--pretrain-epochs", "2", "--epochs", "2", "--batch-size", "16", "--seed", "3", "--progress", "BAR");
    }

    @AfterAll
    public void cleanUp() throws IOException {
        if (dir != null) {
            try (var paths = Files.walk(dir)) {
                paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
            }
        }
    }

    CliRunner.Run iae(String... args) throws IOException, InterruptedException {
        return CliRunner.iae(dir, null, args);
    }

    private static void assertOneSentenceError(CliRunner.Run r, String mustContain) {
        assertEquals(IaeCli.EXIT_USER_ERROR, r.exit(), r.toString());
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertTrue(lines.get(0).startsWith("error: ") && lines.get(0).contains(mustContain),
                "expected '" + mustContain + "' in " + r);
        assertFalse(r.err().contains("\tat "), "stack trace printed: " + r);
    }

    private Map<String, Double> modelScores(Model<Event> model, ImageFolderSource source) {
        Map<String, Double> out = new HashMap<>();
        List<Example<Event>> examples = new ArrayList<>();
        source.forEach(examples::add);
        List<Prediction<Event>> preds = model.predict(examples);
        for (int i = 0; i < examples.size(); i++) {
            out.put((String) examples.get(i).getMetadataValue(ImageFolderSource.METADATA_PATH).orElseThrow(),
                    preds.get(i).getOutput().getScore());
        }
        return out;
    }

    @Test
    public void trainOnImageFolderShowsLiveBatchProgress() throws Exception {
        assertEquals(0, train.exit(), train.toString());
        assertTrue(train.err().contains("Read 64 images of 1x16x16"), train.toString());
        // The live bar (forced with --progress BAR): carriage-return redraws with batch, loss and ETA from the
        // trainer's listener; each epoch end is drawn too.
        assertTrue(train.err().contains("\rtraining ["), train.toString());
        assertTrue(Pattern.compile("pre-training 1/2 batch \\d/4 L_rec=[0-9.e+-]+ \\d+:\\d\\d ETA \\d+:\\d\\d")
                .matcher(train.err()).find(), train.toString());
        assertTrue(train.err().contains("epoch 2/2 L="), train.toString());
        try (IaeModel model = (IaeModel) Model.deserializeFromFile(Path.of(base + ".tribuo"))) {
            assertEquals(SIZE * SIZE, model.featureNames().size());
            assertEquals("px000", model.featureNames().get(0));
            assertArrayEquals(new int[]{1, SIZE, SIZE}, DataOptions.modelImageShape(model));
        }
        assertTrue(Files.size(Path.of(base + ".onnx")) > 0);
    }

    @Test
    public void evaluateOnArchiveMatchesTheModel() throws Exception {
        CliRunner.Run r = iae("evaluate", "--model", base + ".onnx", "--images", archive.toString(),
                "--image-subfolder", "test", "--normal-class", "normal", "--progress", "NONE");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("on 30 examples: 10 anomalous, 20 normal"), r.toString());
        Matcher m = Pattern.compile("AUROC (\\S+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        ImageFolderSource source = new ImageFolderSource(archive.toString(), "test", List.of("normal"), false,
                ImageFolderSource.Channels.GRAYSCALE);
        try (IaeModel model = (IaeModel) Model.deserializeFromFile(Path.of(base + ".tribuo"))) {
            List<Prediction<Event>> preds = new ArrayList<>();
            List<Example<Event>> examples = new ArrayList<>();
            source.forEach(examples::add);
            preds.addAll(model.predict(examples));
            boolean[] truth = new boolean[preds.size()];
            double[] scores = new double[preds.size()];
            for (int i = 0; i < truth.length; i++) {
                truth[i] = examples.get(i).getOutput().getType() == Event.EventType.ANOMALOUS;
                scores[i] = preds.get(i).getOutput().getScore();
            }
            double auroc = ScoreEvaluation.of(truth, scores).auroc();
            assertEquals(auroc, Double.parseDouble(m.group(1)), 6e-5, r.out());
            System.out.printf("image evaluate: AUROC %.4f on the checkerboard anomalies%n", auroc);
        }
        // Without --normal-class there is nothing to tell anomalies by.
        CliRunner.Run noLabels = iae("evaluate", "--model", base + ".onnx", "--images", archive.toString());
        assertOneSentenceError(noLabels, "--normal-class");
    }

    @Test
    public void evaluateOnIdxImagesOfAnotherShapeNamesBothShapes() throws Exception {
        // The embedded Fashion-MNIST sample is 1x28x28; the model was trained on 1x16x16 images. Without the check
        // Tribuo would score the 256 pixels the names share and silently ignore the rest.
        CliRunner.Run r = iae("evaluate", "--model", base + ".onnx", "--idx", "sample", "--normal-class", "0",
                "--progress", "NONE");
        assertOneSentenceError(r, "1x28x28 (784 features), but the model expects [1, 16, 16] (256 features)");
        assertTrue(r.err().contains("embedded IDX sample"), r.toString());
    }

    @Test
    public void scoreStreamsImagesWithTheModelsScores() throws Exception {
        Path out = dir.resolve("scores.csv");
        CliRunner.Run r = iae("score", "--model", base + ".tribuo", "--images", root.toString(),
                "--image-subfolder", "test", "--output", out.toString(), "--chunk-size", "7");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.err().contains("Scored 30 images"), r.toString());
        List<String> lines = Files.readAllLines(out);
        assertEquals("path,class,row,score,type", lines.get(0));
        assertEquals(31, lines.size());
        ImageFolderSource source = new ImageFolderSource(root.toString(), "test", List.of(), false,
                ImageFolderSource.Channels.AUTO);
        try (IaeModel model = (IaeModel) Model.deserializeFromFile(Path.of(base + ".tribuo"))) {
            Map<String, Double> expected = modelScores(model, source);
            for (int i = 1; i < lines.size(); i++) {
                String[] f = lines.get(i).split(",");
                assertEquals(i - 1, Integer.parseInt(f[2]));
                assertEquals(f[0].contains("/odd/") ? "odd" : "normal", f[1]);
                double want = expected.get(f[0]);
                assertEquals(want, Double.parseDouble(f[3]), 1e-5 * Math.max(1, Math.abs(want)), lines.get(i));
                assertEquals(want > model.threshold() ? "ANOMALOUS" : "EXPECTED", f[4], lines.get(i));
            }
        }
        // Images of the wrong shape for the model: one sentence naming both shapes.
        CliRunner.Run wrong = iae("score", "--model", base + ".onnx", "--images", archive.toString(),
                "--channels", "RGB");
        assertOneSentenceError(wrong, "model expects [1, 16, 16]");
    }
}
