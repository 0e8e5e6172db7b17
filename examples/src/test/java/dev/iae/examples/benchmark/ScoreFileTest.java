package dev.iae.examples.benchmark;

import dev.iae.tribuo.evaluation.ScoreEvaluation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.zip.GZIPInputStream;

import static dev.iae.examples.benchmark.ResultTableTest.benchmarksFile;
import static dev.iae.examples.benchmark.ResultTableTest.python;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Tests {@link ScoreFile}: the format, the blocks a stopped run keeps, and the round trip through
 * {@code benchmarks/peers.py add-scores}, which must read exactly what the Java runner wrote (the end-to-end run of
 * the runner with {@code --save-scores} is in {@link OneClassBenchmarkTest}).
 */
public class ScoreFileTest {

    private static final int N = 300;

    @Test
    public void blocksAreAppendedAsGzipMembersAndReadBackExactly(@TempDir Path tmp) throws Exception {
        Path path = tmp.resolve("x-scores.csv.gz");
        Files.writeString(path, "an earlier run");
        ScoreFile f = ScoreFile.create(path);
        f.append(row("A", 3, 7, 0.1, 2), new boolean[]{true, false}, new double[]{0.1 + 0.2, -1e-300});
        long afterFirstBlock = Files.size(path);
        f.append(row("B@norm=GCN_L1_MIN_MAX;wrec=0.5", 3, 7, 0.1, 2), new boolean[]{true, false},
                new double[]{2, 1});
        assertEquals(List.of(ScoreFile.HEADER,
                "A,3,7,0.1000,0,1,0.30000000000000004",
                "A,3,7,0.1000,1,0,-1.0E-300",
                "B@norm=GCN_L1_MIN_MAX;wrec=0.5,3,7,0.1000,0,1,2.0",
                "B@norm=GCN_L1_MIN_MAX;wrec=0.5,3,7,0.1000,1,0,1.0"), readLines(path));
        // A block is keyed by its result row, which refuses a method name that would split the CSV line.
        for (String bad : new String[]{"A,B", "A\nB", "A\rB"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> row(bad, 0, 1, 0, 1));
            assertTrue(e.getMessage().contains("may not be null or hold a comma, quote or line break"),
                    e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> f.append(row("A", 0, 1, 0, 2), new boolean[]{true, false}, new double[]{1}));
        assertTrue(e.getMessage().contains("1 scores for 2 examples"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> f.append(row("A", 0, 1, 0, 3), new boolean[]{true, false}, new double[]{1, 2}));
        assertTrue(e.getMessage().contains("the row scored 3"), e.getMessage());
        assertEquals(5, readLines(path).size(), "a refused block writes nothing");
        // Each block is a whole gzip member: the file cut after the first block still reads as header + block.
        Path cut = tmp.resolve("cut-scores.csv.gz");
        Files.write(cut, Arrays.copyOf(Files.readAllBytes(path), (int) afterFirstBlock));
        assertEquals(readLines(path).subList(0, 3), readLines(cut));
    }

    /** peers.py writes the same format (its run --save-scores): the same lines, read back as the same values. */
    @Test
    public void thePythonPeersWriteTheSameFormat(@TempDir Path tmp) throws Exception {
        assumeTrue(python("-c", "import numpy").exitCode() == 0, "/usr/bin/python3 with numpy is not installed");
        boolean[] anomalous = {true, false, true};
        double[] scores = {0.1 + 0.2, -1e-300, 12345.678};
        ScoreFile.create(tmp.resolve("java.csv.gz")).append(row("M", 2, 3, 0.05, 3), anomalous, scores);
        String benchmarks = benchmarksFile("peers.py").toAbsolutePath().getParent().toString();
        ResultTableTest.Run run = python("-c", "import sys; sys.path.insert(0, sys.argv[1]); import peers; "
                + "peers.start_scores(sys.argv[2]); peers.append_scores(sys.argv[2], 'M', 2, 3, 0.05, "
                + "[True, False, True], [0.1 + 0.2, -1e-300, 12345.678])", benchmarks,
                tmp.resolve("python.csv.gz").toString());
        assertEquals(0, run.exitCode(), run.output());
        List<String> java = readLines(tmp.resolve("java.csv.gz"));
        List<String> py = readLines(tmp.resolve("python.csv.gz"));
        assertEquals(java.size(), py.size(), py.toString());
        assertEquals(java.get(0), py.get(0));
        for (int i = 1; i < java.size(); i++) {
            String[] j = java.get(i).split(",");
            String[] p = py.get(i).split(",");
            assertEquals(String.join(",", List.of(j).subList(0, 6)), String.join(",", List.of(p).subList(0, 6)));
            assertEquals(Double.parseDouble(j[6]), Double.parseDouble(p[6]), 0.0, py.get(i));
        }
    }

    /**
     * Two runs' score files and results tables, as the Java runner writes them: {@code add-scores} must report the
     * AUROC and average precision of the per-example sum (computed here by {@link ScoreEvaluation}), and refuse
     * parts that scored other examples.
     */
    @Test
    public void peersAddScoresEvaluatesTheSumOfTheSavedScores(@TempDir Path tmp) throws Exception {
        assumeTrue(python("-c", "import numpy").exitCode() == 0, "/usr/bin/python3 with numpy is not installed");
        boolean[] anomalous = new boolean[N];
        double[] a = new double[N];
        double[] b = new double[N];
        halfSighted(5, anomalous, a, b);
        for (int i = 0; i < N; i++) {
            a[i] = Math.rint(4 * a[i]) / 4;  // the first part with ties
        }
        writeRun(tmp, "ra", "GCN", anomalous, a);
        writeRun(tmp, "rb", "GLOBAL", anomalous, b);
        double[] sum = IntStream.range(0, N).mapToDouble(i -> a[i] + b[i]).toArray();
        ScoreEvaluation expected = ScoreEvaluation.of(anomalous, sum);
        // The sum's AUROC is neither part's, so a tool that reported a part would fail.
        double aucA = ScoreEvaluation.of(anomalous, a).auroc();
        double aucB = ScoreEvaluation.of(anomalous, b).auroc();
        assertTrue(Math.abs(expected.auroc() - aucA) > 0.01 && Math.abs(expected.auroc() - aucB) > 0.01,
                expected.auroc() + " vs " + aucA + ", " + aucB);

        ResultTableTest.Run ok = addScores(tmp, "sum", "ra", "GCN", "rb", "GLOBAL");
        assertEquals(0, ok.exitCode(), ok.output());
        List<String> rows = Files.readAllLines(tmp.resolve("sum.csv"));
        assertEquals(2, rows.size(), String.join("\n", rows));
        String[] f = rows.get(1).split(",");
        assertEquals("java,fashion-mnist-validation,GCN+GLOBAL,4,2,0.0000,0,900," + N, String.join(",",
                List.of(f).subList(0, 9)));
        assertEquals(expected.auroc(), Double.parseDouble(f[9]), 1e-6);
        assertEquals(expected.averagePrecision(), Double.parseDouble(f[10]), 1e-6);
        assertEquals(30.0, Double.parseDouble(f[11]), 1e-9, "train seconds: the parts' sum");

        // Labels that differ: the parts did not score the same examples.
        anomalous[0] = !anomalous[0];
        writeRun(tmp, "rc", "OTHER", anomalous, b);
        assertRefused(addScores(tmp, "bad1", "ra", "GCN", "rc", "OTHER"), "labels differ");
        anomalous[0] = !anomalous[0];
        // The same part twice, parts trained on other data, no class in common, no score file: refused.
        assertRefused(addScores(tmp, "bad2", "ra", "GCN", "ra", "GCN"), "same part is given twice");
        writeRun(tmp, "re", "MORE", anomalous, b);
        Files.writeString(tmp.resolve("re.csv"), Files.readString(tmp.resolve("re.csv")).replace(",900,", ",901,"));
        assertRefused(addScores(tmp, "bad3", "ra", "GCN", "re", "MORE"), "n_train 901, the first part has 900");
        ResultTable otherClass = new ResultTable();
        otherClass.add(row("C5", 5, 2, 0, N));
        otherClass.writeCsv(tmp.resolve("rf.csv"));
        assertRefused(addScores(tmp, "bad4", "ra", "GCN", "rf", "C5"), "no score file beside the results table");
        ScoreFile.create(tmp.resolve("rf-scores.csv.gz")).append(row("C5", 5, 2, 0, N), anomalous, b);
        assertRefused(addScores(tmp, "bad4", "ra", "GCN", "rf", "C5"), "no normal class, seed and ratio in common");
        for (int i = 1; i <= 4; i++) {
            assertFalse(Files.exists(tmp.resolve("bad" + i + ".csv")), "bad" + i);
        }
    }

    /**
     * A seed sum: one run with seeds 2 and 3 of the same method; the part with seed offset 1 adds its seed-3 scores
     * to seed 2, and seed 3 (no seed 4 to pair with) is left out, saying so.
     */
    @Test
    public void peersAddScoresSeedOffsetSumsOneMethodsSeeds(@TempDir Path tmp) throws Exception {
        assumeTrue(python("-c", "import numpy").exitCode() == 0, "/usr/bin/python3 with numpy is not installed");
        boolean[] anomalous = new boolean[N];
        double[] s2 = new double[N];
        double[] s3 = new double[N];
        halfSighted(11, anomalous, s2, s3);
        writeRun(tmp, "run", "M", anomalous, s2, s3);
        double[] sum = IntStream.range(0, N).mapToDouble(i -> s2[i] + s3[i]).toArray();
        String run = tmp.resolve("run.csv").toString();
        ResultTableTest.Run ok = python(benchmarksFile("peers.py").toString(), "add-scores", "--out", tmp.toString(),
                "--name", "seeds", "--method-name", "M@seeds", "--part", run, "M", "--part", run, "M", "1");
        assertEquals(0, ok.exitCode(), ok.output());
        assertTrue(ok.output().contains("left out): " + run + " M class 4 seed 3 r=0.0000, " + run
                + " M class 4 seed 2 r=0.0000 (as seed 1)"), ok.output());
        List<String> rows = Files.readAllLines(tmp.resolve("seeds.csv"));
        assertEquals(2, rows.size(), String.join("\n", rows));
        String[] f = rows.get(1).split(",");
        assertEquals("java,fashion-mnist-validation,M@seeds,4,2,0.0000,0,900," + N,
                String.join(",", List.of(f).subList(0, 9)));
        assertEquals(ScoreEvaluation.of(anomalous, sum).auroc(), Double.parseDouble(f[9]), 1e-6);
        assertTrue(Files.readString(tmp.resolve("seeds.md")).contains("(its seed s + 1 as seed s)"));
        // The same part and offset twice, or an offset that is not a number: refused, nothing written.
        assertRefused(python(benchmarksFile("peers.py").toString(), "add-scores", "--out", tmp.toString(), "--name",
                "bad1", "--method-name", "X", "--part", run, "M", "1", "--part", run, "M", "1"),
                "same part is given twice");
        assertRefused(python(benchmarksFile("peers.py").toString(), "add-scores", "--out", tmp.toString(), "--name",
                "bad2", "--method-name", "X", "--part", run, "M", "--part", run, "M", "one"),
                "the seed offset must be an integer, found 'one'");
        assertFalse(Files.exists(tmp.resolve("bad1.csv")));
        assertFalse(Files.exists(tmp.resolve("bad2.csv")));
    }

    @Test
    public void peersAddScoresRefusesScoresThatAreNotTheRows(@TempDir Path tmp) throws Exception {
        assumeTrue(python("-c", "import numpy").exitCode() == 0, "/usr/bin/python3 with numpy is not installed");
        boolean[] anomalous = {true, true, false, false};
        writeRun(tmp, "ra", "GCN", anomalous, new double[]{4, 3, 2, 1});
        writeRun(tmp, "rb", "GLOBAL", anomalous, new double[]{1, 2, 3, 4});
        // The other run's score file: it has no block of this method.
        Files.copy(tmp.resolve("rb-scores.csv.gz"), tmp.resolve("ra-scores.csv.gz"),
                StandardCopyOption.REPLACE_EXISTING);
        assertRefused(addScores(tmp, "bad", "ra", "GCN", "rb", "GLOBAL"), "holds no scores of method GCN");
        // The right method and examples, but the other model's scores: AUROC 0, the row says 1.
        ScoreFile.create(tmp.resolve("ra-scores.csv.gz")).append(row("GCN", 4, 2, 0, 4), anomalous,
                new double[]{1, 2, 3, 4});
        assertRefused(addScores(tmp, "bad", "ra", "GCN", "rb", "GLOBAL"),
                "the saved scores give AUROC 0.000000, the row says 1.000000");
        // A file cut inside its last member (a run killed while writing): a clear refusal, not a traceback.
        byte[] whole = Files.readAllBytes(tmp.resolve("ra-scores.csv.gz"));
        Files.write(tmp.resolve("ra-scores.csv.gz"), Arrays.copyOf(whole, whole.length - 5));
        assertRefused(addScores(tmp, "bad", "ra", "GCN", "rb", "GLOBAL"), "cannot be read to the end");
        assertFalse(Files.exists(tmp.resolve("bad.csv")));
    }

    /**
     * Fills labels (about 90 % anomalous) and two parts' scores, each of which sees a different half of the anomalies,
     * so that their sum's AUROC is neither part's.
     */
    private static void halfSighted(long seed, boolean[] anomalous, double[] a, double[] b) {
        Random rnd = new Random(seed);
        for (int i = 0; i < anomalous.length; i++) {
            anomalous[i] = rnd.nextInt(10) != 0;
            a[i] = rnd.nextGaussian() + (anomalous[i] && i % 2 == 0 ? 1.5 : 0);
            b[i] = rnd.nextGaussian() + (anomalous[i] && i % 2 == 1 ? 1.5 : 0);
        }
    }

    /** A result row of a method, class, seed and ratio that scored n examples (the metrics do not matter here). */
    private static ResultTable.Row row(String method, int k, long seed, double r, int n) {
        return new ResultTable.Row("java", "fashion-mnist-validation", method, k, seed, r, 0, 900, n, 0.5, 0.5, 1, 1);
    }

    /** Asserts that a peers.py run exited with 1 and said what was wrong. */
    private static void assertRefused(ResultTableTest.Run run, String message) {
        assertEquals(1, run.exitCode(), run.output());
        assertTrue(run.output().contains(message), run.output());
    }

    /** The results row (class 4, r = 0) of a method and seed whose saved scores are these: their AUROC and AP. */
    private static ResultTable.Row scoredRow(String method, long seed, boolean[] anomalous, double[] scores) {
        ScoreEvaluation e = ScoreEvaluation.of(anomalous, scores);
        return new ResultTable.Row("java", "fashion-mnist-validation", method, 4, seed, 0.0, 0, 900, scores.length,
                e.auroc(), e.averagePrecision(), 15.0, 0.5);
    }

    /**
     * Writes NAME.csv and NAME-scores.csv.gz as the runner does for one class and one or more seeds: a results row
     * and a block of saved scores per seed, seeds 2, 3, … in the order of the score arrays.
     */
    private static void writeRun(Path dir, String name, String method, boolean[] anomalous, double[]... scoresPerSeed)
            throws Exception {
        ResultTable t = new ResultTable();
        ScoreFile file = ScoreFile.create(dir.resolve(name + "-scores.csv.gz"));
        for (int i = 0; i < scoresPerSeed.length; i++) {
            ResultTable.Row row = scoredRow(method, 2 + i, anomalous, scoresPerSeed[i]);
            t.add(row);
            file.append(row, anomalous, scoresPerSeed[i]);
        }
        t.writeCsv(dir.resolve(name + ".csv"));
    }

    /** Runs {@code peers.py add-scores} on method A of run A and method B of run B (files in dir). */
    private static ResultTableTest.Run addScores(Path dir, String name, String runA, String methodA, String runB,
                                                 String methodB) throws Exception {
        return python(benchmarksFile("peers.py").toString(), "add-scores", "--out", dir.toString(), "--name", name,
                "--method-name", methodA + "+" + methodB, "--part", dir.resolve(runA + ".csv").toString(), methodA,
                "--part", dir.resolve(runB + ".csv").toString(), methodB);
    }

    /** The lines of a gzipped file, all members (also {@link OneClassBenchmarkTest}'s score-file reader). */
    static List<String> readLines(Path path) throws Exception {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(
                Files.newInputStream(path)), StandardCharsets.UTF_8))) {
            return r.lines().collect(Collectors.toList());
        }
    }
}
