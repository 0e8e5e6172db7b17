package dev.iae.examples.benchmark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Tests the benchmark result table (aggregation, Markdown, CSV) and the runner's option parsing, without training
 * anything; and that the CSV columns are the ones the Python peer script writes.
 */
public class ResultTableTest {

    private static ResultTable.Row row(String method, int k, long seed, double auroc) {
        return new ResultTable.Row("java", "fashion-mnist", method, k, seed, 0.0, 0, 6000, 10000, auroc,
                auroc / 2, 10.0 + seed, 1.0);
    }

    @Test
    public void markdownAggregatesOverSeedsAndClasses(@TempDir Path tmp) throws Exception {
        ResultTable t = new ResultTable();
        // Class 0: 0.8, 0.9 (mean 0.85, sd 0.0707); class 1: 0.6, 0.7 (mean 0.65). Seed means: 0.7, 0.8 (sd 0.0707).
        t.add(row("IAE", 0, 1, 0.8));
        t.add(row("IAE", 1, 1, 0.6));
        t.add(row("IAE", 0, 2, 0.9));
        t.add(row("IAE", 1, 2, 0.7));
        t.add(row("CAE", 0, 1, 0.5));
        String md = t.toMarkdown("T", List.of("Command: `x`"));
        assertTrue(md.startsWith("# T\n\n- Command: `x`\n"), md);
        assertTrue(md.contains("| java:IAE | 0.850 ± 0.071 | 0.650 ± 0.071 | 0.750 ± 0.071 |"), md);
        assertTrue(md.contains("| java:CAE | 0.500 | – | 0.500 (1 of 2 classes) |"), md);
        // Time table: mean train seconds (11 + 11 + 12 + 12) / 4 = 11.5.
        assertTrue(md.contains("| java:IAE | 4 | 11.5 | 1.00 | 6000 | 10000 |"), md);
        Path csv = tmp.resolve("r.csv");
        t.writeCsv(csv);
        List<String> lines = Files.readAllLines(csv);
        assertEquals(ResultTable.CSV_HEADER, lines.get(0));
        assertEquals(6, lines.size());
        assertEquals("java,fashion-mnist,IAE,0,1,0.0000,0,6000,10000,0.800000,0.400000,11.000,1.000", lines.get(1));
    }

    @Test
    public void rowsRefuseTextThatWouldShiftTheCsvColumns() {
        ResultTable.Row ok = new ResultTable.Row("java", "fashion-mnist", "IAE_LSTM_KL@norm=MIN_MAX;init=PYTORCH", 0,
                1, 0, 0, 10, 20, 0.9, 0.8, 1, 2);
        assertEquals(13, ok.toCsv().split(",", -1).length, ok.toCsv());
        for (String bad : new String[]{"IAE@norm=MIN_MAX,init=PYTORCH", "a\"b", "a\nb"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new ResultTable.Row("java", "fashion-mnist", bad, 0, 1, 0, 0, 10, 20, 0.9, 0.8, 1, 2));
            assertTrue(e.getMessage().contains("method"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class,
                () -> new ResultTable.Row("java", "a,b", "IAE", 0, 1, 0, 0, 10, 20, 0.9, 0.8, 1, 2));
    }

    @Test
    public void csvHeaderMatchesThePythonPeers() throws Exception {
        Path peers = benchmarksFile("peers.py");
        String py = Files.readString(peers);
        Matcher m = Pattern.compile("CSV_HEADER = \\(\"([^\"]*)\"\\s*\"([^\"]*)\"\\)").matcher(py);
        assertTrue(m.find(), "CSV_HEADER not found in " + peers);
        assertEquals(ResultTable.CSV_HEADER, m.group(1) + m.group(2));
    }

    /**
     * {@code run-all.sh} passes its options to both runners; the IAE-only ones it documents must be accepted (and
     * ignored) by the Python peers, or a side-by-side run fails in its Python half after the Java half has run.
     */
    @Test
    public void iaeOnlyOptionsOfRunAllAreAcceptedByThePythonPeers() throws Exception {
        String runAll = Files.readString(benchmarksFile("run-all.sh"));
        int from = runAll.indexOf("Java only");
        int to = runAll.indexOf("--validate", from);
        assertTrue(from >= 0 && to > from, "run-all.sh no longer documents its Java-only options");
        Matcher options = Pattern.compile("--[a-z][a-z-]*").matcher(runAll.substring(from, to));
        Matcher tuple = Pattern.compile("for opt in \\(([^)]*)\\):")
                .matcher(Files.readString(benchmarksFile("peers.py")));
        assertTrue(tuple.find(), "the peers' list of ignored IAE options not found");
        Set<String> accepted = new HashSet<>();
        Matcher quoted = Pattern.compile("\"(--[a-z-]+)\"").matcher(tuple.group(1));
        while (quoted.find()) {
            accepted.add(quoted.group(1));
        }
        int checked = 0;
        while (options.find()) {
            assertTrue(accepted.contains(options.group()), options.group() + " is passed by run-all.sh but not "
                    + "accepted by peers.py (accepted: " + accepted + ")");
            checked++;
        }
        assertTrue(checked >= 10, "expected the IAE options of run-all.sh, found " + checked);
    }

    /**
     * {@code peers.py combine} builds one table from runs of the same data set and refuses what one table cannot
     * hold, naming the files: rows of two data sets (e.g. two validation folds, which would average as seeds) and the
     * same method, class, seed and ratio twice (a rerun would count as a second seed).
     */
    @Test
    public void peersCombineRefusesMixedDataSetsAndDuplicateRuns(@TempDir Path tmp) throws Exception {
        assumeTrue(python("-c", "import numpy").exitCode == 0, "/usr/bin/python3 with numpy is not installed");
        ResultTable a = new ResultTable();
        a.add(row("IAE", 0, 1, 0.8));
        a.add(row("IAE", 1, 1, 0.6));
        a.writeCsv(tmp.resolve("a.csv"));
        ResultTable b = new ResultTable();
        b.add(row("IAE", 0, 2, 0.9));
        b.writeCsv(tmp.resolve("b.csv"));
        ResultTable again = new ResultTable();
        again.add(row("IAE", 1, 1, 0.65));
        again.writeCsv(tmp.resolve("again.csv"));
        ResultTable fold = new ResultTable();
        fold.add(new ResultTable.Row("java", "fashion-mnist-validation-fold1", "IAE", 0, 3, 0.0, 0, 5400, 6000, 0.7,
                0.9, 1, 1));
        fold.writeCsv(tmp.resolve("fold.csv"));
        Run ok = python(benchmarksFile("peers.py").toString(), "combine", "--out", tmp.toString(), "--name", "ok",
                tmp.resolve("a.csv").toString(), tmp.resolve("b.csv").toString());
        assertEquals(0, ok.exitCode, ok.output);
        assertTrue(Files.readString(tmp.resolve("ok.md")).contains("0.850 ± 0.071"), ok.output);
        Run duplicate = python(benchmarksFile("peers.py").toString(), "combine", "--out", tmp.toString(), "--name",
                "dup", tmp.resolve("a.csv").toString(), tmp.resolve("again.csv").toString());
        assertEquals(1, duplicate.exitCode, duplicate.output);
        assertTrue(duplicate.output.contains("Duplicate row java:IAE class 1 seed 1") && duplicate.output.contains(
                "a.csv") && duplicate.output.contains("again.csv"), duplicate.output);
        Run mixed = python(benchmarksFile("peers.py").toString(), "combine", "--out", tmp.toString(), "--name",
                "mixed", tmp.resolve("a.csv").toString(), tmp.resolve("fold.csv").toString());
        assertEquals(1, mixed.exitCode, mixed.output);
        assertTrue(mixed.output.contains("different data sets")
                && mixed.output.contains("fashion-mnist-validation-fold1"), mixed.output);
        assertFalse(Files.exists(tmp.resolve("dup.md")) || Files.exists(tmp.resolve("mixed.md")));
    }

    /** A finished {@code /usr/bin/python3} process: exit code and output (stdout and stderr). */
    record Run(int exitCode, String output) { }

    /** Runs {@code /usr/bin/python3} with the arguments (exit code -1 if it is not installed). */
    static Run python(String... args) throws Exception {
        if (!Files.isExecutable(Paths.get("/usr/bin/python3"))) {
            return new Run(-1, "no /usr/bin/python3");
        }
        List<String> cmd = new java.util.ArrayList<>(List.of("/usr/bin/python3"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out);
    }

    /** A file of the repository's {@code benchmarks/} folder, from the module or the repository root. */
    static Path benchmarksFile(String name) {
        Path p = Paths.get("..", "benchmarks", name);
        return Files.exists(p) ? p : Paths.get("benchmarks", name);
    }

    @Test
    public void optionsParseRangesAndRejectUnknownMethods() {
        OneClassBenchmark b = OneClassBenchmark.parse(new String[]{"--classes", "0-2,7", "--seeds", "4",
                "--methods", "iae-lstm-kl,ocsvm", "--max-normal", "100"});
        String s = b.toString();
        assertTrue(s.contains("classes=[0, 1, 2, 7]") && s.contains("seeds=[4]")
                && s.contains("methods=[IAE_LSTM_KL, OCSVM_TRIBUO]") && s.contains("maxNormal=100"), s);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OneClassBenchmark.parse(new String[]{"--methods", "LOF"}));
        assertTrue(e.getMessage().contains("LOF"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> OneClassBenchmark.parse(new String[]{"--dataset", "cifar10"}), "cifar10 needs --data");
        assertThrows(IllegalArgumentException.class,
                () -> OneClassBenchmark.parse(new String[]{"--contamination", "1.5"}));
        assertTrue(OneClassBenchmark.parse(new String[]{"--lstm-hidden", "2048"}).toString()
                .contains("overrides=[lstm2048]"));
        assertFalse(s.contains("overrides"), "no override, no overrides list: " + s);
        e = assertThrows(IllegalArgumentException.class,
                () -> OneClassBenchmark.parse(new String[]{"--lstm-hidden", "0"}));
        assertTrue(e.getMessage().contains("--lstm-hidden"), e.getMessage());
    }
}
