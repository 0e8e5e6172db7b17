package dev.iae.spark;

import org.apache.spark.SparkFiles;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A batch scoring job for {@code spark-submit} (or a plain {@code java} launch with {@code --master}): reads a
 * table (CSV with a header line, or Parquet), scores it with {@link IaeSparkScorer} and writes the kept columns plus
 * the score and type columns (CSV with a header, or Parquet). The score and type columns are named {@code score} and
 * {@code anomaly_type} unless {@code --score-column} / {@code --type-column} name them (needed when the input already
 * has such a column). An option it does not know is an error, not ignored.
 * <pre>
 * ScoreTable --model model.onnx --input data.csv --output scores/ [--keep id] [--key id]
 *            [--input-format csv|parquet] [--output-format csv|parquet] [--threshold X] [--batch-size N]
 *            [--partitions N] [--score-column NAME] [--type-column NAME] [--master local[2]]
 * </pre>
 * CSV columns are read as text and the feature columns cast to double: a cell that is not a number fails the job
 * naming the column, the value and (with {@code --key}) the row; an empty cell is a missing value, which fails the
 * job naming the row; a row with more or fewer fields than the header fails the job (Spark's FAILFAST mode, with
 * CSV column pruning turned off in the session so that every field is seen). The model is read on the driver from the given path; in cluster deploy
 * mode, ship it with {@code --files model.onnx} and pass its file name: a path that does not exist locally is looked
 * up with {@link SparkFiles#get(String)}. Without {@code --keep}, every input column is written. It prints the
 * start-up and job times to standard error. It stops the Spark session at the end unless one was already running in
 * the JVM when it started.
 */
public final class ScoreTable {

    /** Spark's setting for tokenizing only the CSV columns a query reads (on by default). */
    static final String CSV_COLUMN_PRUNING = "spark.sql.csv.parser.columnPruning.enabled";

    /** The options {@link #main} understands, each followed by a value. */
    private static final List<String> OPTIONS = List.of("model", "input", "output", "keep", "key", "input-format",
            "output-format", "threshold", "batch-size", "partitions", "score-column", "type-column", "master");
    private static final String USAGE = "usage: ScoreTable --model FILE --input PATH --output PATH [--keep COLS] "
            + "[--key COL] [--input-format csv|parquet] [--output-format csv|parquet] [--threshold X] [--batch-size N] "
            + "[--partitions N] [--score-column NAME] [--type-column NAME] [--master URL]";

    private ScoreTable() { }

    /**
     * Runs the job.
     * @param args the options (see the class description).
     * @throws IOException if the model cannot be read.
     */
    public static void main(String[] args) throws IOException {
        long jvmStart = java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
        Map<String, String> opts = parse(args);
        String model = require(opts, "model");
        String input = require(opts, "input");
        String output = require(opts, "output");
        String inFormat = opts.getOrDefault("input-format", input.endsWith(".parquet") ? "parquet" : "csv");
        String outFormat = opts.getOrDefault("output-format", "csv");

        long t0 = System.nanoTime();
        SparkSession.Builder builder = SparkSession.builder().appName("iae-score-table");
        if (opts.containsKey("master")) {
            builder.master(opts.get("master"));
        }
        // A session that already runs in this JVM (an application calling main) is used and left running.
        boolean ownSession = SparkSession.getActiveSession().isEmpty() && SparkSession.getDefaultSession().isEmpty();
        SparkSession spark = ownSession ? builder.getOrCreate() : SparkSession.active();
        // The CSV reader's column-pruning setting is changed for this job only: a running session gets its own value
        // back at the end.
        scala.Option<String> pruningBefore = spark.conf().getOption(CSV_COLUMN_PRUNING);
        try {
            IaeSparkScorer scorer = IaeSparkScorer.load(modelPath(model));
            if (opts.containsKey("threshold")) {
                scorer = scorer.withThreshold(Double.parseDouble(opts.get("threshold")));
            }
            if (opts.containsKey("batch-size")) {
                scorer = scorer.withBatchSize(Integer.parseInt(opts.get("batch-size")));
            }
            if (opts.containsKey("key")) {
                scorer = scorer.withKeyColumn(opts.get("key"));
            }
            if (opts.containsKey("score-column") || opts.containsKey("type-column")) {
                scorer = scorer.withOutputColumns(opts.getOrDefault("score-column", scorer.scoreColumn()),
                        opts.getOrDefault("type-column", scorer.typeColumn()));
            }
            Dataset<Row> table;
            if (inFormat.equals("csv")) {
                // FAILFAST: a row with more fields than the header (e.g. an unquoted comma in a text column) would
                // otherwise lose its extra fields and be scored on values shifted by one column (measured: the test's
                // shifted row is scored in PERMISSIVE mode and fails the job in FAILFAST mode). Column pruning off
                // is a safeguard: with it on, the parser tokenizes only the columns a query needs (the test's case
                // was caught either way); this job owns its reads and needs nearly every column anyway.
                spark.conf().set(CSV_COLUMN_PRUNING, "false");
                table = spark.read().option("header", "true").option("mode", "FAILFAST").csv(input);
                List<String> columns = Arrays.asList(table.columns());
                String key = opts.get("key");
                List<Column> cast = new ArrayList<>();
                for (String c : columns) {
                    cast.add(scorer.featureNames().contains(c)
                            ? number(table, c, input, key != null && columns.contains(key) ? key : null)
                            : table.col(quote(c)));
                }
                table = table.select(cast.toArray(new Column[0]));
            } else if (inFormat.equals("parquet")) {
                table = spark.read().parquet(input);
            } else {
                throw new IllegalArgumentException("--input-format must be csv or parquet, found '" + inFormat + "'");
            }
            if (opts.containsKey("partitions")) {
                table = table.repartition(Integer.parseInt(opts.get("partitions")));
            }
            Dataset<Row> scored = scorer.score(table);
            if (opts.containsKey("keep")) {
                List<Column> keep = new ArrayList<>();
                for (String k : opts.get("keep").split(",")) {
                    keep.add(scored.col(quote(k.trim())));
                }
                keep.add(scored.col(scorer.scoreColumn()));
                keep.add(scored.col(scorer.typeColumn()));
                scored = scored.select(keep.toArray(new Column[0]));
            }
            long t1 = System.nanoTime();
            System.err.println("Scoring " + input + " with " + scorer + " on " + spark.sparkContext().master());
            if (outFormat.equals("csv")) {
                scored.write().mode("overwrite").option("header", "true").csv(output);
            } else if (outFormat.equals("parquet")) {
                scored.write().mode("overwrite").parquet(output);
            } else {
                throw new IllegalArgumentException("--output-format must be csv or parquet, found '" + outFormat + "'");
            }
            long t2 = System.nanoTime();
            System.err.println(String.format(Locale.ROOT,
                    "spark-timing: jvm-start %.3f s, session+model+plan %.3f s, job %.3f s; wrote %s",
                    (System.currentTimeMillis() - jvmStart) / 1e3 - (t2 - t0) / 1e9, (t1 - t0) / 1e9,
                    (t2 - t1) / 1e9, output));
        } finally {
            if (ownSession) {
                spark.stop();
            } else if (pruningBefore.isDefined()) {
                spark.conf().set(CSV_COLUMN_PRUNING, pruningBefore.get());
            } else {
                spark.conf().unset(CSV_COLUMN_PRUNING);
            }
        }
    }

    /** The model file: the path as given if it exists here, else the file shipped with {@code --files}. */
    private static Path modelPath(String model) {
        Path p = Path.of(model);
        if (Files.exists(p)) {
            return p;
        }
        Path shipped = Path.of(SparkFiles.get(p.getFileName().toString()));
        if (Files.exists(shipped)) {
            return shipped;
        }
        throw new IllegalArgumentException("Model file not found: " + model + " (nor " + shipped
                + " shipped with --files)");
    }

    /**
     * A CSV feature column cast to double; a cell that is not empty but not a number either fails the job with a
     * message naming the file, the column, the value and (with {@code --key}) the row, rather than becoming a null
     * that would be reported as a missing value.
     */
    private static Column number(Dataset<Row> table, String c, String input, String key) {
        Column text = table.col(quote(c));
        Column value = text.cast(DataTypes.DoubleType);
        Column message = key == null
                ? functions.concat(functions.lit("The CSV input " + input + ", column '" + c + "': '"), text,
                        functions.lit("' is not a number"))
                : functions.concat(functions.lit("The CSV input " + input + ", row " + key + "="),
                        functions.coalesce(table.col(quote(key)), functions.lit("null")),
                        functions.lit(", column '" + c + "': '"), text, functions.lit("' is not a number"));
        return functions.when(text.isNotNull().and(value.isNull()), functions.raise_error(message))
                .otherwise(value).as(c);
    }

    private static String quote(String column) {
        return "`" + column.replace("`", "``") + "`";
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("Expected --option value pairs, found '" + a + "'; " + USAGE);
            }
            if (!OPTIONS.contains(a.substring(2))) {
                throw new IllegalArgumentException("Unknown option '" + a + "'; " + USAGE);
            }
            opts.put(a.substring(2), args[++i]);
        }
        return opts;
    }

    private static String require(Map<String, String> opts, String name) {
        String v = opts.get(name);
        if (v == null) {
            throw new IllegalArgumentException("Missing --" + name);
        }
        return v;
    }
}
