package dev.iae.examples.usage;

import dev.iae.onnx.ScoreKind;
import dev.iae.tribuo.IaeModel;
import dev.iae.tribuo.IaeTrainer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ExportAndServe} on the model it exports itself ({@code exportSampleModel}: 8 features {@code f0}..{@code f7})
 * and the 20-row CSV written with it ({@code f0..f7,label}): CSV files with other columns, any column order and quoted
 * fields; refusal of missing columns, cells that are not numbers, and NaN or infinite values and scores.
 */
class ExportAndServeTest {
    private static Path onnx;
    private static Path data;
    private static List<String> lines;

    @BeforeAll
    static void export() throws Exception {
        Path[] sample = ExportAndServe.exportSampleModel();
        onnx = sample[0];
        data = sample[1];
        lines = Files.readAllLines(data);
        assertEquals("f0,f1,f2,f3,f4,f5,f6,f7,label", lines.get(0));
    }

    /** The sample rows with an id ({@code r0}, ...) and a quoted note in front and the features in reverse order. */
    private static String readmeStyleCsv() {
        StringBuilder sb = new StringBuilder("id,note,f7,f6,f5,f4,f3,f2,f1,f0,label\n");
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(",");
            sb.append('r').append(i - 1).append(",\"seen at 10:00, \"\"gate 3\"\"\"");
            for (int j = 7; j >= 0; j--) {
                sb.append(',').append(f[j]);
            }
            sb.append(',').append(f[8]).append('\n');
        }
        return sb.toString();
    }

    private static String runMain(String... args) throws Exception {
        PrintStream saved = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            ExportAndServe.main(args);
        } finally {
            System.setOut(saved);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }

    @Test
    void mainScoresACsvWithAnIdColumnQuotedFieldsAndAnyColumnOrder(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("new.csv");
        Files.writeString(csv, readmeStyleCsv());
        String expected = runMain(onnx.toString(), data.toString());
        assertEquals(20, expected.lines().count(), expected);
        assertTrue(expected.contains("ANOMALOUS") && expected.contains("EXPECTED"), expected);
        assertEquals(expected, runMain(onnx.toString(), csv.toString()));
    }

    @Test
    void readCsvParsesOnlyTheFeatureColumnsByName(@TempDir Path dir) throws Exception {
        List<String> features = List.of("f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7");
        Path csv = dir.resolve("new.csv");
        Files.writeString(csv, "\uFEFF" + readmeStyleCsv());
        ExportAndServe.Table table = ExportAndServe.readCsv(csv, features);
        assertEquals(20, table.values().size());
        assertEquals("seen at 10:00, \"gate 3\"", table.cells().get(0).get(1));
        assertEquals("id", table.header().get(0));
        String[] first = lines.get(1).split(",");
        double[] expected = new double[8];
        for (int j = 0; j < 8; j++) {
            expected[j] = Double.parseDouble(first[j]);
        }
        assertArrayEquals(expected, table.values().get(0));

        Files.writeString(csv, readmeStyleCsv().replace("f3,", "g3,").replace(",f6,", ",g6,"));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> ExportAndServe.readCsv(csv, features));
        assertTrue(missing.getMessage().contains("lacks the model's feature column(s) [f3, f6]"), missing.getMessage());

        List<String> rows = new ArrayList<>(readmeStyleCsv().lines().toList());
        rows.set(2, rows.get(2).replaceFirst("\",[^,]*,", "\",abc,"));
        Files.writeString(csv, String.join("\n", rows));
        IllegalArgumentException text = assertThrows(IllegalArgumentException.class,
                () -> ExportAndServe.readCsv(csv, features));
        assertTrue(text.getMessage().endsWith("line 3 (row 1), column 'f7': 'abc' is not a number"), text.getMessage());

        Files.writeString(csv, "id,f0,f1,f2,f3,f4,f5,f6,f7\nr0,1,2,3,4,5,6,7\n");
        IllegalArgumentException width = assertThrows(IllegalArgumentException.class,
                () -> ExportAndServe.readCsv(csv, features));
        assertTrue(width.getMessage().endsWith("line 2 (row 0) has 8 field(s), the header 9"), width.getMessage());

        Files.writeString(csv, "id,f0,f1,f2,f3,f4,f5,f6,f7\n\"r0,1,2,3,4,5,6,7,8\n");
        IllegalArgumentException quote = assertThrows(IllegalArgumentException.class,
                () -> ExportAndServe.readCsv(csv, features));
        assertTrue(quote.getMessage().contains("line 2: a quoted field is not closed"), quote.getMessage());
    }

    @Test
    void nonFiniteValuesAndScoresAreRefusedNamingTheRow(@TempDir Path dir) throws Exception {
        List<String> columns = Arrays.asList(lines.get(0).split(","));
        List<double[]> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            rows.add(Arrays.stream(line.split(",")).mapToDouble(Double::parseDouble).toArray());
        }
        assertEquals(20, ExportAndServe.serve(onnx, columns, rows).size());
        for (double bad : new double[]{Double.NaN, Double.NEGATIVE_INFINITY, 1e39}) {
            List<double[]> copy = new ArrayList<>(rows);
            copy.set(3, rows.get(3).clone());
            copy.get(3)[2] = bad;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ExportAndServe.serve(onnx, columns, copy), "value " + bad);
            assertTrue(e.getMessage().startsWith("Row 3, column 'f2': " + bad + " is not a finite float32 number"),
                    e.getMessage());
        }
        // Finite but enormous values overflow a reconstruction error (the sample model's SVDD score stays finite):
        // an infinite or NaN score must be refused, since NaN > threshold is false and would pass as EXPECTED.
        Path combined = dir.resolve("combined.onnx");
        try (IaeModel m = IaeTrainer.builder().encoderSizes(8).lstmHidden(4).repDim(2).pretrainEpochs(1).epochs(1)
                .scoreKind(ScoreKind.COMBINED).seed(1).build()
                .train(TrainOnCsv.load(onnx.resolveSibling("train.csv"), columns.subList(0, 8)))) {
            m.saveONNXModel("com.example", 1, combined);
        }
        assertEquals(20, ExportAndServe.serve(combined, columns, rows).size());
        List<double[]> huge = new ArrayList<>(rows);
        double[] row = new double[columns.size()];
        Arrays.fill(row, 3e38);
        huge.set(7, row);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ExportAndServe.serve(combined, columns, huge));
        assertTrue(e.getMessage().startsWith("Row 7: the model's score is ") && e.getMessage().contains(
                "not a finite number"), e.getMessage());
    }

    @Test
    void mainReportsABadCellInOneLineAndExitsWithOne(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("new.csv");
        List<String> rows = new ArrayList<>(readmeStyleCsv().lines().toList());
        rows.set(2, rows.get(2).replaceFirst("\",[^,]*,", "\",n/a,"));
        Files.writeString(csv, String.join("\n", rows) + "\n");
        Forked.Run run = Forked.main(dir, ExportAndServe.class, onnx.toString(), csv.toString());
        assertEquals(1, run.exit(), run.toString());
        assertEquals("error: " + csv + " line 3 (row 1), column 'f7': 'n/a' is not a number", Forked.errorLine(run),
                run.toString());
        assertFalse(run.out().contains("row"), run.toString());
    }
}
