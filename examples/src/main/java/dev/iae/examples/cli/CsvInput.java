package dev.iae.examples.cli;

import org.tribuo.Example;
import org.tribuo.Feature;
import org.tribuo.MutableDataset;
import org.tribuo.anomaly.Event;
import org.tribuo.data.columnar.ColumnarIterator;
import org.tribuo.data.columnar.FieldProcessor;
import org.tribuo.data.columnar.RowProcessor;
import org.tribuo.data.columnar.processors.field.DoubleFieldProcessor;
import org.tribuo.data.csv.CSVDataSource;
import org.tribuo.data.csv.CSVIterator;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads a CSV file into a Tribuo dataset of anomaly {@link Event}s the Tribuo way ({@link CSVDataSource} with a
 * {@link RowProcessor}: one {@link DoubleFieldProcessor} per feature column, named after the column, and an
 * {@link EventResponseProcessor} for the optional label column), after checking the label column so that labels
 * other than {@code ANOMALOUS}/{@code EXPECTED}, and blank labels, are never silently read as one class.
 * <p>
 * Errors in the data name the file, the data row and the column. Data rows are counted from 1: data row 1 is the first
 * row below the header line (blank lines, which Tribuo skips, are not counted).
 */
public final class CsvInput {
    /** Label values shown at most in messages. */
    private static final int SHOWN_VALUES = 8;
    /** Distinct label values counted at most. */
    private static final int MAX_DISTINCT = 10_000;

    private CsvInput() { }

    /**
     * The column names of a CSV file (its first line).
     * @param csv the file.
     * @param separator the field separator.
     * @return the column names, in file order.
     * @throws CliException if the file is missing, unreadable or empty, or names a column twice (Tribuo reads a row
     *     into a map by column name, so the last of the columns would silently win).
     */
    public static List<String> header(Path csv, char separator) {
        checkReadable(csv);
        try (CSVIterator it = new CSVIterator(csv.toUri(), separator, CSVIterator.QUOTE)) {
            List<String> fields = it.getFields();
            if (fields == null || fields.isEmpty()) {
                throw new CliException("The CSV file " + csv + " has no header line");
            }
            checkUnique(csv, fields);
            return new ArrayList<>(fields);
        } catch (CliException e) {
            throw e;
        } catch (IOException | UncheckedIOException e) {
            throw new CliException("Cannot read the CSV file " + csv + ": " + message(e), e);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new CliException("Cannot read the header of the CSV file " + csv + ": " + e.getMessage(), e);
        }
    }

    /**
     * Fails when a header names a column more than once: a row is read into a map by column name, so every such
     * column but the last would be silently dropped.
     * @param csv the file, for the message.
     * @param fields the header's column names.
     * @throws CliException naming every duplicated name and the columns (from 1) that carry it.
     */
    private static void checkUnique(Path csv, List<String> fields) {
        Map<String, List<Integer>> positions = new LinkedHashMap<>();
        for (int i = 0; i < fields.size(); i++) {
            positions.computeIfAbsent(fields.get(i), k -> new ArrayList<>()).add(i + 1);
        }
        List<String> duplicates = positions.entrySet().stream().filter(e -> e.getValue().size() > 1)
                .map(e -> "'" + e.getKey() + "' (columns " + e.getValue().stream().map(String::valueOf)
                        .collect(Collectors.joining(", ")) + ")")
                .toList();
        if (!duplicates.isEmpty()) {
            throw new CliException("The header of the CSV file " + csv + " names " + (duplicates.size() == 1
                    ? "a column" : "columns") + " more than once: " + shorten(duplicates)
                    + "; give every column its own name");
        }
    }

    /**
     * Fails with a clear message when a file does not exist or cannot be read.
     * @param file the file.
     */
    public static void checkReadable(Path file) {
        if (!Files.exists(file)) {
            throw new CliException("File not found: " + file);
        }
        if (Files.isDirectory(file)) {
            throw new CliException(file + " is a directory, not a file");
        }
        if (!Files.isReadable(file)) {
            throw new CliException("File not readable: " + file);
        }
    }

    /**
     * Counts the values of one column (up to {@value #MAX_DISTINCT} distinct values), reading the file once.
     * @param csv the file.
     * @param separator the field separator.
     * @param column the column.
     * @return value → number of rows, in order of first appearance.
     */
    public static Map<String, Long> valueCounts(Path csv, char separator, String column) {
        return scanLabels(csv, separator, column).counts();
    }

    /**
     * What one pass over a label column found.
     * @param counts value → number of rows (see {@link #valueCounts}).
     * @param blankRows the number of rows with an empty or blank label.
     * @param firstBlankRow the data row (from 1) of the first of them, or 0 when there is none.
     */
    private record LabelScan(Map<String, Long> counts, long blankRows, long firstBlankRow) { }

    private static LabelScan scanLabels(Path csv, char separator, String column) {
        Map<String, Long> counts = new LinkedHashMap<>();
        long blank = 0;
        long firstBlank = 0;
        long read = 0;
        try (CSVIterator it = new CSVIterator(csv.toUri(), separator, CSVIterator.QUOTE)) {
            ColumnarIterator.Row row;
            while ((row = nextRow(it, csv, read)) != null) {
                read++;
                String v = row.getRowData().get(column);
                v = v == null ? "" : v.trim();
                if (v.isEmpty()) {
                    blank++;
                    firstBlank = firstBlank == 0 ? row.getIndex() + 1 : firstBlank;
                }
                if (counts.containsKey(v) || counts.size() < MAX_DISTINCT) {
                    counts.merge(v, 1L, Long::sum);
                }
            }
        } catch (CliException e) {
            throw e;
        } catch (IOException | UncheckedIOException e) {
            throw new CliException("Cannot read the CSV file " + csv + ": " + message(e), e);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new CliException("Cannot parse the CSV file " + csv + ": " + e.getMessage(), e);
        }
        return new LabelScan(counts, blank, firstBlank);
    }

    /**
     * Builds the label mapping for a CSV file and checks it against the file's labels.
     * @param csv the file.
     * @param separator the field separator.
     * @param labels the label options.
     * @param labelsRequired true when the command needs labels (evaluation).
     * @param warnings where warnings go.
     * @return the response processor.
     * @throws CliException if the labels cannot be used as asked (e.g. 0/1 labels without {@code --anomaly-label}),
     *     or a row has no label: with {@code --anomaly-label} it would silently count as normal, with
     *     {@code --normal-label} as an anomaly.
     */
    public static EventResponseProcessor labelMapping(Path csv, char separator, DataOptions labels,
                                                      boolean labelsRequired, PrintStream warnings) {
        List<String> header = header(csv, separator);
        String column = labels.labelColumn;
        List<String> anomalous = labels.anomalyLabels == null ? List.of() : labels.anomalyLabels;
        List<String> expected = labels.normalLabels == null ? List.of() : labels.normalLabels;
        if (!anomalous.isEmpty() && !expected.isEmpty()) {
            throw new CliException("Give --anomaly-label or --normal-label, not both");
        }
        if (column == null || column.isEmpty()) {
            if (labelsRequired) {
                throw new CliException("This command needs labels: name the label column with --label-column "
                        + "(and say which value marks an anomaly with --anomaly-label)");
            }
            if (!anomalous.isEmpty() || !expected.isEmpty()) {
                throw new CliException("--anomaly-label and --normal-label need --label-column");
            }
            if (header.stream().anyMatch(h -> h.equalsIgnoreCase("label"))) {
                warnings.println("warning: the CSV has a column named like 'label' but no --label-column was given, "
                        + "so it is used as a feature and every row is treated as normal (EXPECTED)");
            }
            return new EventResponseProcessor("", List.of(), List.of());
        }
        if (!header.contains(column)) {
            throw new CliException("The CSV file " + csv + " has no column '" + column + "' (columns: "
                    + shorten(header) + ")");
        }
        LabelScan scan = scanLabels(csv, separator, column);
        if (scan.blankRows() > 0) {
            throw new CliException(at(csv, scan.firstBlankRow()) + ", has no label in column '" + column + "' ("
                    + (scan.blankRows() == 1 ? "1 row has" : scan.blankRows() + " rows have") + " none): give every "
                    + "row a label, or drop the unlabelled rows");
        }
        Map<String, Long> counts = scan.counts();
        if (anomalous.isEmpty() && expected.isEmpty()) {
            List<String> other = counts.keySet().stream()
                    .filter(v -> !v.equalsIgnoreCase("ANOMALOUS") && !v.equalsIgnoreCase("EXPECTED"))
                    .collect(Collectors.toList());
            if (!other.isEmpty()) {
                throw new CliException("Column '" + column + "' holds labels other than ANOMALOUS/EXPECTED ("
                        + shorten(other) + "), which Tribuo would silently read as EXPECTED: say which value marks "
                        + "an anomaly with --anomaly-label (e.g. --anomaly-label " + other.get(other.size() - 1)
                        + ") or which marks a normal row with --normal-label");
            }
        } else {
            List<String> given = anomalous.isEmpty() ? expected : anomalous;
            String option = anomalous.isEmpty() ? "--normal-label" : "--anomaly-label";
            for (String g : given) {
                if (!counts.containsKey(g.trim())) {
                    warnings.println("warning: no row has the label '" + g.trim() + "' given by " + option
                            + " in column '" + column + "' (labels found: " + shorten(counts.keySet()) + ")");
                }
            }
        }
        return new EventResponseProcessor(column, anomalous, expected);
    }

    /**
     * Loads a CSV file as a Tribuo dataset: every column except the label column and the ignored columns is a
     * numeric feature named after the column (how {@code train} reads its data).
     * @param csv the file.
     * @param separator the field separator.
     * @param labels the label mapping (see {@link #labelMapping}).
     * @param ignored columns that are neither features nor labels (e.g. an id column).
     * @return the dataset, with Tribuo provenance (file hash, row processor).
     * @throws CliException if a value is missing, not a number or not finite (naming the file, data row and column),
     *     or no feature column is left.
     */
    public static MutableDataset<Event> load(Path csv, char separator, EventResponseProcessor labels,
                                             Collection<String> ignored) {
        return load(csv, separator, labels, ignored, null);
    }

    /**
     * Loads a CSV file as a Tribuo dataset with the given feature columns only (how {@code evaluate} reads its data:
     * just the model's features, like {@code score}, so other columns, e.g. text ids, need not be numeric).
     * @param csv the file.
     * @param separator the field separator.
     * @param labels the label mapping (see {@link #labelMapping}).
     * @param ignored columns that are neither features nor labels (each must exist in the file).
     * @param features the feature columns, or null for every column except the label and ignored columns.
     * @return the dataset, with Tribuo provenance (file hash, row processor).
     * @throws CliException if a feature column is missing, is the label column or an ignored column, or a value is
     *     missing, not a number or not finite (naming the file, data row and column).
     */
    public static MutableDataset<Event> load(Path csv, char separator, EventResponseProcessor labels,
                                             Collection<String> ignored, List<String> features) {
        List<String> header = header(csv, separator);
        for (String ig : ignored) {
            if (!header.contains(ig)) {
                throw new CliException("The CSV file " + csv + " has no column '" + ig + "' to ignore");
            }
        }
        Map<String, FieldProcessor> fields = new LinkedHashMap<>();
        for (String h : features == null ? header : features) {
            if (features == null && (labels.getFieldNames().contains(h) || ignored.contains(h))) {
                continue;
            }
            if (features != null) {
                if (!header.contains(h)) {
                    throw new CliException("The CSV file " + csv + " has no feature column '" + h + "'");
                }
                if (labels.getFieldNames().contains(h) || ignored.contains(h)) {
                    throw new CliException("The feature column '" + h + "' of " + csv + " is also the label column "
                            + "or an ignored column");
                }
            }
            fields.put(h, new DoubleFieldProcessor(h, true, true));
        }
        if (fields.isEmpty()) {
            throw new CliException("The CSV file " + csv + " has no feature column left after the label and ignored "
                    + "columns");
        }
        String hint = features == null
                ? "; every column except the label column must be a number (skip other columns with --ignore-column)"
                : "; the model needs this column as a numeric feature";
        List<String> columns = new ArrayList<>(fields.keySet());
        RowProcessor<Event> rows = new RowProcessor<>(labels, fields);
        MutableDataset<Event> data;
        try {
            CSVDataSource<Event> source = new CSVDataSource<>(csv, rows, true, separator, CSVIterator.QUOTE);
            data = new MutableDataset<>(source);
        } catch (NumberFormatException e) {
            // Tribuo's message is Java's ("empty String"); find the cell to name it.
            CliException located = badCell(csv, separator, columns, hint);
            throw located != null ? located : new CliException("The CSV file " + csv + " has a value that is not a "
                    + "number (" + e.getMessage() + ")" + hint, e);
        } catch (UncheckedIOException e) {
            throw new CliException("Cannot read the CSV file " + csv + ": " + message(e), e);
        } catch (IllegalArgumentException | IllegalStateException e) {
            // Tribuo refuses an example with a NaN value without saying where it is.
            CliException located = badCell(csv, separator, columns, hint);
            throw located != null ? located : new CliException("Cannot load the CSV file " + csv + ": "
                    + e.getMessage(), e);
        }
        if (data.size() == 0) {
            throw new CliException("The CSV file " + csv + " has no data rows");
        }
        // Double.parseDouble reads "Infinity" (and "NaN"), which no model can use.
        for (Example<Event> example : data) {
            for (Feature f : example) {
                if (!Double.isFinite(f.getValue())) {
                    CliException located = badCell(csv, separator, columns, "");
                    throw located != null ? located : new CliException("The CSV file " + csv + " has a value that "
                            + "is not a finite number (" + f.getValue() + ") in column '" + f.getName() + "'");
                }
            }
        }
        return data;
    }

    /**
     * Finds the first row that cannot be parsed (too many or too few fields) or has a cell of the given columns that
     * is empty, not a number, or not a finite number.
     * @param csv the file.
     * @param separator the field separator.
     * @param columns the numeric columns.
     * @param hint appended to the message of an empty or non-numeric cell.
     * @return the error naming the file, data row and column, or null when every row parses and every cell is a
     *     finite number.
     */
    private static CliException badCell(Path csv, char separator, List<String> columns, String hint) {
        long read = 0;
        try (CSVIterator it = new CSVIterator(csv.toUri(), separator, CSVIterator.QUOTE)) {
            ColumnarIterator.Row row;
            while (true) {
                try {
                    row = nextRow(it, csv, read);
                } catch (CliException malformed) {
                    return malformed;
                }
                if (row == null) {
                    break;
                }
                read++;
                for (String column : columns) {
                    String problem = numberProblem(row.getRowData().get(column));
                    if (problem != null) {
                        return new CliException(at(csv, row.getIndex() + 1) + ", column '" + column + "': " + problem
                                + (problem.endsWith("not a finite number") ? "" : hint));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    /**
     * What is wrong with a cell that must hold a finite number.
     * @param value the cell as read (null when absent).
     * @return e.g. {@code "'abc' is not a number"}, or null when it is a finite number.
     */
    static String numberProblem(String value) {
        String v = value == null ? "" : value.replace('\n', ' ').trim();
        if (v.isEmpty()) {
            return "no value";
        }
        double d;
        try {
            d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            return "'" + v + "' is not a number";
        }
        return Double.isFinite(d) ? null : "'" + v + "' is not a finite number";
    }

    /**
     * The next row of a CSV file, or null at its end.
     * @param it the reader.
     * @param csv the file, for the message.
     * @param read the data rows read so far (the record that fails to parse is the next one).
     * @return the row, or null when there is none.
     * @throws CliException naming the data row if the next record cannot be parsed ({@link #malformedRow}).
     */
    static ColumnarIterator.Row nextRow(CSVIterator it, Path csv, long read) {
        try {
            return it.hasNext() ? it.next() : null;
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw malformedRow(csv, read + 1, e);
        }
    }

    /**
     * The error for a data row that the CSV reader cannot parse.
     * @param csv the file.
     * @param dataRow the data row, from 1 (the first row below the header): the one after the rows read so far.
     * @param e the reader's exception.
     * @return e.g. {@code "The CSV file F, data row 100: cannot be parsed (it has 11 fields, the header 10)"}.
     */
    private static CliException malformedRow(Path csv, long dataRow, RuntimeException e) {
        return new CliException(at(csv, dataRow) + ": cannot be parsed (" + parseProblem(e) + ")", e);
    }

    /**
     * The CSV reader's complaint about a malformed record, without the reader's own record number (which counts the
     * header line too, so it is one more than the data row).
     * @param e the reader's exception.
     * @return e.g. {@code "it has 11 fields, the header 10"}.
     */
    private static String parseProblem(RuntimeException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        java.util.regex.Matcher fields = java.util.regex.Pattern
                .compile("On row \\d+ headers has (\\d+) elements, current line has (\\d+) elements\\.?").matcher(m);
        if (fields.matches()) {
            return "it has " + fields.group(2) + " fields, the header " + fields.group(1);
        }
        Throwable cause = e.getCause();
        return cause != null && cause.getMessage() != null ? m + ": " + cause.getMessage() : m;
    }

    /**
     * The start of a message about one data row.
     * @param csv the file.
     * @param dataRow the data row, from 1 (the first row below the header).
     * @return {@code "The CSV file FILE, data row N"}.
     */
    static String at(Path csv, long dataRow) {
        return "The CSV file " + csv + ", data row " + dataRow;
    }

    /**
     * A short list for messages: the first few values, then how many more.
     * @param values the values.
     * @return e.g. {@code "a, b, c, … (12 more)"}.
     */
    public static String shorten(Collection<String> values) {
        List<String> list = new ArrayList<>(values);
        String head = list.stream().limit(SHOWN_VALUES).map(v -> v.isEmpty() ? "<empty>" : v)
                .collect(Collectors.joining(", "));
        return list.size() > SHOWN_VALUES
                ? String.format(Locale.ROOT, "%s, … (%d more)", head, list.size() - SHOWN_VALUES) : head;
    }

    static String message(Exception e) {
        Throwable t = e instanceof UncheckedIOException && e.getCause() != null ? e.getCause() : e;
        if (t instanceof NoSuchFileException) {
            return "no such file";
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
