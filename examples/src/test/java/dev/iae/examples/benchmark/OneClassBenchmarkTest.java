package dev.iae.examples.benchmark;

import dev.iae.examples.data.FashionMnistDataSource;
import dev.iae.tribuo.evaluation.ScoreEvaluation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tests {@link OneClassBenchmark}'s validation mode end to end on the embedded Fashion-MNIST sample (real DJL
 * training, real ONNX Runtime scoring, Tribuo's one-class SVM), and the parsing of the setting overrides.
 */
public class OneClassBenchmarkTest {

    @Test
    public void validationRunScoresHeldOutTrainingImagesAndMarksItsRows(@TempDir Path tmp) throws Exception {
        OneClassBenchmark.main(new String[]{"--data", FashionMnistDataSource.EMBEDDED_SAMPLE, "--classes", "0",
                "--seeds", "1", "--max-normal", "100", "--pretrain-epochs", "1", "--epochs", "1",
                "--methods", "IAE,OCSVM", "--normalization", "min-max", "--validate", "0.2",
                "--out", tmp.toString(), "--name", "val"});
        List<String> lines = Files.readAllLines(tmp.resolve("val.csv"));
        assertEquals(ResultTable.CSV_HEADER, lines.get(0));
        assertEquals(3, lines.size(), String.join("\n", lines));
        for (String line : lines.subList(1, 3)) {
            String[] f = line.split(",");
            assertEquals("fashion-mnist-validation", f[1], line);
            // 100 normal images, 20 held out: 80 to train on; 20 held-out normals + 20 images of each of 9 classes.
            assertEquals("80", f[7], line);
            assertEquals("200", f[8], line);
        }
        // The scores rank the held-out images: the one-class SVM is deterministic (0.9253 measured), the IAE after
        // one + one epochs on 80 images measured 0.845 (libtorch's kernels move it a little between machines).
        assertEquals(0.9253, Double.parseDouble(lines.get(2).split(",")[9]), 5e-4, lines.get(2));
        assertTrue(Double.parseDouble(lines.get(1).split(",")[9]) >= 0.75, lines.get(1));
        // The override names the IAE row; the one-class SVM has no such setting and keeps its name.
        assertTrue(lines.get(1).startsWith("java,fashion-mnist-validation,IAE@norm=MIN_MAX,0,1,"), lines.get(1));
        assertTrue(lines.get(2).startsWith("java,fashion-mnist-validation,OCSVM_TRIBUO,0,1,"), lines.get(2));
        String md = Files.readString(tmp.resolve("val.md"));
        assertTrue(md.contains("VALIDATION run (training data only; the test set was not read)"), md);
        assertTrue(md.contains("OVERRIDDEN for this run (IAE presets): [norm=MIN_MAX]"), md);
    }

    @Test
    public void recWeightRowsRescoreTheSameModelAndWeightOneIsTheCombinedScore(@TempDir Path tmp) throws Exception {
        OneClassBenchmark.main(new String[]{"--data", FashionMnistDataSource.EMBEDDED_SAMPLE, "--classes", "1",
                "--seeds", "2", "--max-normal", "100", "--pretrain-epochs", "1", "--epochs", "2",
                "--methods", "IAE_LSTM_KL", "--score", "combined", "--rec-weights", "0,1,inf", "--validate", "0.2",
                "--save-scores", "true", "--out", tmp.toString(), "--name", "sweep"});
        List<String> lines = Files.readAllLines(tmp.resolve("sweep.csv"));
        assertEquals(5, lines.size(), String.join("\n", lines));
        String[] own = lines.get(1).split(",");
        assertEquals("IAE_LSTM_KL@score=COMBINED", own[2]);
        String[] labels = {"wrec=0", "wrec=1", "wrec=inf"};
        double[] auroc = new double[3];
        for (int i = 0; i < 3; i++) {
            String[] f = lines.get(2 + i).split(",");
            assertEquals("IAE_LSTM_KL@score=COMBINED;" + labels[i], f[2], lines.get(2 + i));
            assertEquals(own[7], f[7]);
            assertEquals(own[8], f[8]);
            auroc[i] = Double.parseDouble(f[9]);
        }
        // Weight 1 recomputes the model's own combined score from its two ONNX outputs and the trainer's statistics
        // in the metadata: the same ranking (the graph adds in float, the sweep in double).
        assertEquals(Double.parseDouble(own[9]), auroc[1], 1e-6, String.join("\n", lines));
        // The distance alone and the reconstruction error alone rank differently from their sum.
        assertTrue(auroc[0] != auroc[2], String.join("\n", lines));
        String md = Files.readString(tmp.resolve("sweep.md"));
        assertTrue(md.contains("Rows marked wrec=W re-score the model"), md);
        assertSavedScoresReproduceTheRows(tmp.resolve("sweep-scores.csv.gz"), lines.subList(1, lines.size()));
    }

    @Test
    public void aScoreSumRowScoresTheSumOfTheSingleModelsScores(@TempDir Path tmp) throws Exception {
        String[] common = {"--data", FashionMnistDataSource.EMBEDDED_SAMPLE, "--classes", "2", "--seeds", "3",
                "--max-normal", "100", "--pretrain-epochs", "1", "--epochs", "2", "--methods", "IAE_LSTM_KL",
                "--score", "combined", "--validate", "0.2", "--save-scores", "true", "--out", tmp.toString()};
        OneClassBenchmark.main(concat(common, "--sum-normalizations", "min-max,global-min-max", "--name", "sum"));
        OneClassBenchmark.main(concat(common, "--normalization", "min-max", "--name", "a"));
        OneClassBenchmark.main(concat(common, "--normalization", "global-min-max", "--name", "b"));
        List<String> rows = Files.readAllLines(tmp.resolve("sum.csv"));
        assertEquals(2, rows.size(), String.join("\n", rows));
        assertTrue(rows.get(1).startsWith("java,fashion-mnist-validation,IAE_LSTM_KL@sum=MIN_MAX+GLOBAL_MIN_MAX;"
                + "score=COMBINED,2,3,"), rows.get(1));
        assertSavedScoresReproduceTheRows(tmp.resolve("sum-scores.csv.gz"), rows.subList(1, 2));
        // The ensemble trainer trains each member as the single-model run trains it (same seed, invocation 0), so
        // the summed model's score is the sum of the single models' scores (the graph adds in float).
        double[] sum = savedScores(tmp.resolve("sum-scores.csv.gz"));
        double[] a = savedScores(tmp.resolve("a-scores.csv.gz"));
        double[] b = savedScores(tmp.resolve("b-scores.csv.gz"));
        assertEquals(Integer.parseInt(rows.get(1).split(",")[8]), sum.length);
        assertEquals(sum.length, a.length);
        assertEquals(sum.length, b.length);
        for (int i = 0; i < sum.length; i++) {
            assertEquals(a[i] + b[i], sum[i], 1e-4 * Math.max(1, Math.abs(sum[i])), "example " + i);
        }
        assertTrue(Files.readString(tmp.resolve("sum.md")).contains("sum=MIN_MAX+GLOBAL_MIN_MAX"));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OneClassBenchmark.parse(
                new String[]{"--sum-normalizations", "min-max", "--name", "x"}));
        assertTrue(e.getMessage().contains("at least two pre-processings"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OneClassBenchmark.parse(
                new String[]{"--sum-normalizations", "min-max,min-max"}));
        assertTrue(e.getMessage().contains("lists MIN_MAX twice"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OneClassBenchmark.parse(
                new String[]{"--sum-normalizations", "min-max,none", "--normalization", "none"}));
        assertTrue(e.getMessage().contains("cannot be combined with --normalization"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OneClassBenchmark.parse(
                new String[]{"--sum-normalizations", "min-max,none", "--methods", "DEEP_SVDD"}));
        assertTrue(e.getMessage().contains("Method DEEP_SVDD cannot run with these options: a score sum adds its "
                + "members' scores, which must be standardised"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OneClassBenchmark.parse(
                new String[]{"--sum-normalizations", "min-max,none", "--score", "combined", "--rec-weights", "0,1"}));
        assertTrue(e.getMessage().contains("a score sum (--sum-normalizations) has neither"), e.getMessage());
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The scores of a score file with one block, in example order. */
    private static double[] savedScores(Path file) throws Exception {
        List<String> lines = ScoreFileTest.readLines(file);
        double[] s = new double[lines.size() - 1];
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(",");
            assertEquals(i - 1, Integer.parseInt(f[4]));
            s[i - 1] = Double.parseDouble(f[6]);
        }
        return s;
    }

    /**
     * The score file holds one block per result row, in the rows' order: every scored example once, with the same
     * labels in every block, and scores whose AUROC and average precision are the row's.
     */
    private static void assertSavedScoresReproduceTheRows(Path file, List<String> rows) throws Exception {
        List<String> lines = ScoreFileTest.readLines(file);
        assertEquals(ScoreFile.HEADER, lines.get(0));
        int n = Integer.parseInt(rows.get(0).split(",")[8]);
        assertEquals(1 + rows.size() * n, lines.size());
        boolean[] firstLabels = null;
        for (int b = 0; b < rows.size(); b++) {
            String[] row = rows.get(b).split(",");
            boolean[] anomalous = new boolean[n];
            double[] scores = new double[n];
            for (int i = 0; i < n; i++) {
                String[] f = lines.get(1 + b * n + i).split(",");
                // method, normal_class, seed and contamination as in the results CSV, so each block joins its row
                assertEquals(row[2] + "," + row[3] + "," + row[4] + "," + row[5],
                        f[0] + "," + f[1] + "," + f[2] + "," + f[3]);
                assertEquals(i, Integer.parseInt(f[4]));
                anomalous[i] = f[5].equals("1");
                scores[i] = Double.parseDouble(f[6]);
            }
            if (firstLabels == null) {
                firstLabels = anomalous;
            } else {
                assertArrayEquals(firstLabels, anomalous, "block " + b);
            }
            ScoreEvaluation e = ScoreEvaluation.of(anomalous, scores);
            assertEquals(Double.parseDouble(row[9]), e.auroc(), 1e-6, rows.get(b));
            assertEquals(Double.parseDouble(row[10]), e.averagePrecision(), 1e-6, rows.get(b));
        }
    }

    @Test
    public void overridesAreParsedAndRefusedWhenOutOfRange() {
        String s = OneClassBenchmark.parse(new String[]{"--score", "combined", "--lambda-rec", "10",
                "--lambda-kl", "0", "--lstm-hidden", "64", "--weight-init", "pytorch", "--validate", "0.1",
                "--methods", "IAE_LSTM_KL,IAE"}).toString();
        assertTrue(s.contains("overrides=[lstm64, score=COMBINED, rec=10.0, kl=0.0, init=PYTORCH]")
                && s.contains("validate=0.1"), s);
        assertThrows(IllegalArgumentException.class,
                () -> OneClassBenchmark.parse(new String[]{"--validate", "1"}));
        assertTrue(OneClassBenchmark.parse(new String[]{"--validate", "0.1", "--validate-fold", "2"}).toString()
                .contains("validate=0.1, validateFold=2"));
        IllegalArgumentException foldAlone = assertThrows(IllegalArgumentException.class,
                () -> OneClassBenchmark.parse(new String[]{"--validate-fold", "1"}));
        assertTrue(foldAlone.getMessage().contains("needs --validate"), foldAlone.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> OneClassBenchmark.parse(new String[]{"--validate", "0.1", "--validate-fold", "-1"}));
        assertThrows(IllegalArgumentException.class,
                () -> OneClassBenchmark.parse(new String[]{"--lambda-rec", "-1"}));
        assertThrows(IllegalArgumentException.class,
                () -> OneClassBenchmark.parse(new String[]{"--normalization", "zscore"}));
        assertThrows(IllegalArgumentException.class,
                () -> OneClassBenchmark.parse(new String[]{"--weight-init", "orthogonal"}));
        assertTrue(OneClassBenchmark.parse(new String[]{"--rec-weights", "0, 0.5,2,INF"}).toString()
                .contains("ScoreSweep(wrec 0,0.5,2,inf)"));
        assertTrue(OneClassBenchmark.parse(new String[]{"--rec-weight", "1"}).toString()
                .contains("overrides=[wrec=1]"));
        assertTrue(OneClassBenchmark.parse(new String[]{"--rec-weight", "0.25"}).toString()
                .contains("overrides=[wrec=0.25]"));
        for (String bad : new String[]{"0", "-1", "inf"}) {
            assertThrows(IllegalArgumentException.class,
                    () -> OneClassBenchmark.parse(new String[]{"--rec-weight", bad}), bad);
        }
        for (String bad : new String[]{"-1", "1,1", "x", "NaN"}) {
            assertThrows(IllegalArgumentException.class,
                    () -> OneClassBenchmark.parse(new String[]{"--rec-weights", bad}), bad);
        }
    }

    @Test
    public void anOverrideThatDoesNotFitAPresetIsRefusedBeforeAnyTraining() {
        // The default methods include CAE (no hypersphere) and Deep SVDD (no decoder): neither has a combined score.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OneClassBenchmark.parse(new String[]{"--score", "COMBINED"}));
        assertTrue(e.getMessage().contains("CAE") && e.getMessage().contains("COMBINED"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OneClassBenchmark.parse(
                new String[]{"--methods", "IAE_LSTM_KL,DEEP_SVDD", "--score", "RECONSTRUCTION"}));
        assertTrue(e.getMessage().contains("DEEP_SVDD") && e.getMessage().contains("decoder"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> OneClassBenchmark.parse(new String[]{"--methods", "IAE", "--threads", "0"}));
        assertTrue(e.getMessage().contains("threads"), e.getMessage());
        // The same override is accepted for the presets it fits, and the one-class SVM ignores it.
        OneClassBenchmark.parse(new String[]{"--methods", "IAE,IAE_LSTM,OCSVM_TRIBUO", "--score", "COMBINED"});
    }
}
