package dev.iae.examples.cli;

import dev.iae.examples.data.FashionMnistDataSource;
import dev.iae.tribuo.IaeModel;
import dev.iae.tribuo.evaluation.ScoreEvaluation;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.Prediction;
import org.tribuo.Trainer;
import org.tribuo.anomaly.Event;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code iae evaluate} on IDX input (the embedded Fashion-MNIST sample), run as a forked process like a user would:
 * a tiny model trained on the sample is evaluated on the sample's test split with the model's own AUROC, and
 * conflicting options are refused. (A model of another image shape is refused in {@link ImageInputTest}.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public class EvaluateCommandTest {
    @TempDir
    static Path dir;
    private Path base;
    private CliRunner.Run train;

    @BeforeAll
    public void trainOnce() throws Exception {
        base = dir.resolve("out/tshirt");
        train = CliRunner.iae(dir, null, "train", "--idx", DataOptions.SAMPLE, "--normal-class", "0",
                "--max-normal", "64", "--output", base.toString(), "--encoder-sizes", "4,8", "--lstm-hidden", "16",
                "--rep-dim", "49", "--pretrain-epochs", "1", "--epochs", "1", "--batch-size", "32", "--seed", "3");
    }

    @Test
    public void evaluateOnIdxSampleMatchesTheModel() throws Exception {
        assertEquals(0, train.exit(), train.toString());
        CliRunner.Run r = CliRunner.iae(dir, null, "evaluate", "--model", base + ".onnx", "--idx", DataOptions.SAMPLE,
                "--normal-class", "0", "--progress", "NONE");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("on 2000 examples: 1800 anomalous, 200 normal"), r.toString());
        Matcher m = Pattern.compile("AUROC (\\S+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        FashionMnistDataSource test = new FashionMnistDataSource(FashionMnistDataSource.EMBEDDED_SAMPLE,
                FashionMnistDataSource.Split.TEST, 0, 0.0, 0, Trainer.DEFAULT_SEED);
        try (IaeModel model = (IaeModel) Model.deserializeFromFile(Path.of(base + ".tribuo"))) {
            List<Example<Event>> examples = new ArrayList<>();
            test.forEach(examples::add);
            List<Prediction<Event>> preds = model.predict(examples);
            boolean[] truth = new boolean[preds.size()];
            double[] scores = new double[preds.size()];
            for (int i = 0; i < truth.length; i++) {
                truth[i] = examples.get(i).getOutput().getType() == Event.EventType.ANOMALOUS;
                scores[i] = preds.get(i).getOutput().getScore();
            }
            assertEquals(ScoreEvaluation.of(truth, scores).auroc(), Double.parseDouble(m.group(1)), 6e-5, r.out());
        }
    }

    @Test
    public void idxWithImageOptionsIsRefused() throws Exception {
        assertEquals(0, train.exit(), train.toString());
        CliRunner.Run r = CliRunner.iae(dir, null, "evaluate", "--model", base + ".onnx", "--idx", DataOptions.SAMPLE,
                "--channels", "RGB");
        assertEquals(IaeCli.EXIT_USER_ERROR, r.exit(), r.toString());
        assertTrue(r.err().contains("--image-subfolder and --channels apply to --images input only"), r.toString());
        assertFalse(r.err().contains("\tat "), "stack trace printed: " + r);
    }
}
