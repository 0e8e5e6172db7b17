package dev.iae.spark;

import dev.iae.onnx.OnnxContract;
import dev.iae.tribuo.IaeModel;
import dev.iae.tribuo.IaePreset;
import dev.iae.tribuo.IaeTrainer;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Example;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.anomaly.AnomalyFactory;
import org.tribuo.anomaly.Event;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sin;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Spark scorer in local mode ({@code local[2]}) against the Java model it was exported from: a small IAE-LSTM-KL
 * model trained with {@link IaeTrainer} on six features, a generated table of 1,000,000 rows scored by Spark, and
 * the Tribuo {@link IaeModel} on a sample of the same rows.
 */
class IaeSparkScorerTest {
    private static final int D = 6;
    private static final long ROWS = 1_000_000L;
    /** Every ANOMALY_EVERY-th id gets shifted, scaled features (well outside the training data). */
    private static final long ANOMALY_EVERY = 101;

    private static SparkSession spark;
    private static IaeModel model;
    private static byte[] onnx;
    private static String[] names;

    @BeforeAll
    static void setUp() {
        names = new String[D];
        for (int j = 0; j < D; j++) {
            names[j] = "f" + j;
        }
        AnomalyFactory factory = new AnomalyFactory();
        MutableDataset<Event> train = new MutableDataset<>(new SimpleDataSourceProvenance("spark-test", factory), factory);
        for (long id = 0; id < 2000; id++) {
            train.add(new ArrayExample<>(new Event(Event.EventType.EXPECTED), names, normal(id)));
        }
        IaeTrainer trainer = IaeTrainer.builder().preset(IaePreset.IAE_LSTM_KL).encoderSizes(16, 8).lstmHidden(8)
                .repDim(4).pretrainEpochs(2).epochs(3).batchSize(64).seed(7L).build();
        model = trainer.train(train);
        onnx = model.onnxBytes();
        spark = SparkSession.builder().master("local[2]").appName("iae-spark-scorer-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "4")
                .getOrCreate();
    }

    @AfterAll
    static void tearDown() {
        if (spark != null) {
            spark.stop();
        }
        if (model != null) {
            model.close();
        }
    }

    /** The training distribution, as a function of the row id (the Spark table uses the same formulas). */
    private static double[] normal(long id) {
        double[] v = new double[D];
        for (int j = 0; j < D - 1; j++) {
            v[j] = Math.sin(id * (0.37 + 0.11 * j) + j) + 0.5;
        }
        v[D - 1] = id % 7;
        return v;
    }

    /**
     * The generated table: id, a string column, then the features in reverse order (f5 an int column); every
     * {@link #ANOMALY_EVERY}-th row is shifted and scaled.
     */
    private static Dataset<Row> table(long rows, int partitions) {
        Dataset<Row> ids = spark.range(0, rows, 1, partitions).toDF("id");
        List<Column> cols = new ArrayList<>();
        cols.add(col("id"));
        cols.add(lit("t").as("tag"));
        cols.add(col("id").mod(7).cast(DataTypes.IntegerType).as("f" + (D - 1)));
        Column anomaly = col("id").mod(ANOMALY_EVERY).equalTo(0);
        for (int j = D - 2; j >= 0; j--) {
            Column v = sin(col("id").multiply(0.37 + 0.11 * j).plus(j)).plus(0.5);
            cols.add(when(anomaly, v.multiply(4.0).plus(3.0)).otherwise(v).as("f" + j));
        }
        return ids.select(cols.toArray(new Column[0]));
    }

    @Test
    void metadataNamesMatchTheContract() {
        assertEquals(OnnxContract.FORMAT_VERSION, OnnxNames.FORMAT_VERSION);
        assertEquals(OnnxContract.INPUT_FEATURES, OnnxNames.INPUT_FEATURES);
        assertEquals(OnnxContract.OUTPUT_SCORE, OnnxNames.OUTPUT_SCORE);
        assertEquals(OnnxContract.META_FORMAT_VERSION, OnnxNames.META_FORMAT_VERSION);
        assertEquals(OnnxContract.META_FEATURE_NAMES, OnnxNames.META_FEATURE_NAMES);
        assertEquals(OnnxContract.META_THRESHOLD, OnnxNames.META_THRESHOLD);
        assertEquals(OnnxContract.META_SCORE_KIND, OnnxNames.META_SCORE_KIND);
        IaeSparkScorer scorer = IaeSparkScorer.fromOnnx(onnx);
        assertEquals(model.featureNames(), scorer.featureNames());
        assertEquals(model.threshold(), scorer.threshold());
        assertEquals(model.scoreKind().name(), scorer.scoreKind());
    }

    @Test
    void millionRowsMatchTheJavaModelWithNoRowLostOrDuplicated() {
        IaeSparkScorer scorer = IaeSparkScorer.fromOnnx(onnx).withKeyColumn("id");
        Dataset<Row> input = table(ROWS, 8);
        int before = ScorePartitions.SESSIONS_OPENED.get();
        Dataset<Row> scored = scorer.score(input);

        StructType expected = input.schema()
                .add(DataTypes.createStructField("score", DataTypes.DoubleType, false))
                .add(DataTypes.createStructField("anomaly_type", DataTypes.StringType, false));
        assertEquals(expected, scored.schema());

        Row agg = scored.agg(count(lit(1)), countDistinct(col("id")), min(col("id")), max(col("id")),
                count(when(col("anomaly_type").equalTo(IaeSparkScorer.ANOMALOUS), 1)),
                count(when(col("tag").equalTo("t"), 1)),
                count(when(col("id").mod(ANOMALY_EVERY).equalTo(0)
                        .and(col("anomaly_type").equalTo(IaeSparkScorer.ANOMALOUS)), 1))).first();
        assertEquals(ROWS, agg.getLong(0), "rows");
        assertEquals(ROWS, agg.getLong(1), "distinct ids");
        assertEquals(0L, agg.getLong(2), "min id");
        assertEquals(ROWS - 1, agg.getLong(3), "max id");
        long anomalous = agg.getLong(4);
        assertTrue(anomalous >= ROWS / ANOMALY_EVERY / 2 && anomalous < ROWS / 2,
                "ANOMALOUS rows: " + anomalous + " of " + ROWS);
        assertEquals(ROWS, agg.getLong(5), "pass-through column");
        // The decisions separate the shifted rows from the rest (the scores themselves are compared with the Java
        // model's below). The model is tiny (2 + 3 epochs, repDim 4): measured 85 % of the shifted rows flagged
        // against about 5 % of the others (the threshold is the training scores' 95 % quantile).
        long injected = (ROWS - 1) / ANOMALY_EVERY + 1;
        double shiftedRate = agg.getLong(6) / (double) injected;
        double otherRate = (anomalous - agg.getLong(6)) / (double) (ROWS - injected);
        System.out.printf("ANOMALOUS: %.4f of the shifted rows, %.4f of the others%n", shiftedRate, otherRate);
        assertTrue(shiftedRate >= 0.75 && otherRate <= 0.10, "ANOMALOUS: " + shiftedRate + " of the shifted rows, "
                + otherRate + " of the others");
        assertEquals(8, ScorePartitions.SESSIONS_OPENED.get() - before, "one session per partition");

        // A sample of ~1,000 rows (every 997th, including anomalies: 997 and 101 are coprime), scored by the Java model.
        List<Row> sample = scored.filter(col("id").mod(997).equalTo(0).or(col("id").mod(50_021).equalTo(101)))
                .collectAsList();
        assertTrue(sample.size() > 1000, "sample size " + sample.size());
        List<Example<Event>> examples = new ArrayList<>();
        StructType schema = scored.schema();
        for (Row r : sample) {
            double[] v = new double[D];
            for (int j = 0; j < D; j++) {
                Object o = r.get(schema.fieldIndex(names[j]));
                v[j] = ((Number) o).doubleValue();
            }
            examples.add(new ArrayExample<>(AnomalyFactory.UNKNOWN_EVENT, names, v));
        }
        List<Prediction<Event>> java = model.predict(examples);
        int anomalies = 0;
        double maxDiff = 0;
        for (int i = 0; i < sample.size(); i++) {
            Row r = sample.get(i);
            double sparkScore = r.getDouble(schema.fieldIndex("score"));
            Event e = java.get(i).getOutput();
            double diff = Math.abs(sparkScore - e.getScore());
            maxDiff = Math.max(maxDiff, diff);
            assertTrue(diff <= 1e-5 * Math.max(1.0, Math.abs(e.getScore())), "row id=" + r.getLong(0) + ": Spark "
                    + sparkScore + ", Java " + e.getScore());
            assertEquals(e.getType().name(), r.getString(schema.fieldIndex("anomaly_type")), "type of id=" + r.getLong(0));
            if (e.getType() == Event.EventType.ANOMALOUS) {
                anomalies++;
            }
        }
        assertTrue(anomalies > 0 && anomalies < sample.size(), "the sample must hold both types: " + anomalies
                + " ANOMALOUS of " + sample.size());
        System.out.printf("Spark vs Java model on %d sampled rows: max |score difference| %.3g, %d ANOMALOUS%n",
                sample.size(), maxDiff, anomalies);
    }

    @Test
    void scoreEqualToTheThresholdIsExpectedAsInIaeModel() {
        Dataset<Row> input = table(2000, 2);
        Row first = IaeSparkScorer.fromOnnx(onnx).score(input).filter(col("id").equalTo(ANOMALY_EVERY)).first();
        double s = first.getDouble(first.fieldIndex("score"));
        // Threshold exactly at that row's score: the row is EXPECTED; just below it: ANOMALOUS. IaeModel agrees.
        for (double t : new double[]{s, Math.nextDown(s)}) {
            Row r = IaeSparkScorer.fromOnnx(onnx).withThreshold(t).score(input)
                    .filter(col("id").equalTo(ANOMALY_EVERY)).first();
            String type = r.getString(r.fieldIndex("anomaly_type"));
            assertEquals(t == s ? IaeSparkScorer.EXPECTED : IaeSparkScorer.ANOMALOUS, type, "threshold " + t);
            double[] v = new double[D];
            for (int j = 0; j < D; j++) {
                v[j] = ((Number) r.get(r.fieldIndex(names[j]))).doubleValue();
            }
            try (IaeModel m = model.withThreshold(t)) {
                Event e = m.predict(new ArrayExample<>(AnomalyFactory.UNKNOWN_EVENT, names, v)).getOutput();
                assertEquals(s, e.getScore(), 1e-5 * Math.max(1, Math.abs(s)));
                assertEquals(e.getType().name(), type, "threshold " + t);
            }
        }
    }

    @Test
    void batchSizeAndPartitioningDoNotChangeScores() {
        Dataset<Row> a = IaeSparkScorer.fromOnnx(onnx).score(table(5000, 1)).select("id", "score");
        Dataset<Row> b = IaeSparkScorer.fromOnnx(onnx).withBatchSize(7).score(table(5000, 5))
                .select(col("id"), col("score").as("score_b"));
        long differing = a.join(b, "id").filter(col("score").notEqual(col("score_b"))).count();
        assertEquals(0, differing);
        assertEquals(5000, a.join(b, "id").count());
        // The largest batch size (a 24 MiB buffer per task for 6 features) scores the same.
        Dataset<Row> c = IaeSparkScorer.fromOnnx(onnx).withBatchSize(IaeSparkScorer.MAX_BATCH_SIZE)
                .score(table(5000, 2)).select(col("id"), col("score").as("score_c"));
        assertEquals(5000, a.join(c, "id").filter(col("score").equalTo(col("score_c"))).count());
    }

    @Test
    void batchesLargerThanOneBufferAreRefusedOnTheDriverAndLeakNoSession() {
        // 512 features: 2^20 rows x 512 x 4 bytes = 2^31 bytes, one more float than a direct buffer can hold.
        String[] wide = new String[512];
        for (int j = 0; j < wide.length; j++) {
            wide[j] = String.format("w%03d", j);
        }
        AnomalyFactory factory = new AnomalyFactory();
        MutableDataset<Event> train = new MutableDataset<>(new SimpleDataSourceProvenance("wide", factory), factory);
        for (int i = 0; i < 64; i++) {
            double[] v = new double[wide.length];
            for (int j = 0; j < v.length; j++) {
                v[j] = Math.sin(i * 0.37 + j * 0.11);
            }
            train.add(new ArrayExample<>(new Event(Event.EventType.EXPECTED), wide, v));
        }
        byte[] wideOnnx;
        try (IaeModel m = IaeTrainer.builder().preset(IaePreset.IAE_LSTM_KL).encoderSizes(8).lstmHidden(4).repDim(2)
                .pretrainEpochs(1).epochs(1).batchSize(32).seed(7L).build().train(train)) {
            wideOnnx = m.onnxBytes();
        }
        IaeSparkScorer scorer = IaeSparkScorer.fromOnnx(wideOnnx);
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> scorer.withBatchSize(IaeSparkScorer.MAX_BATCH_SIZE));
        assertTrue(refused.getMessage().contains("batchSize 1,048,576 × 512 features = 536,870,912 values")
                && refused.getMessage().contains("limit of 536,870,911")
                && refused.getMessage().contains("at most 1,048,575"), refused.getMessage());
        assertEquals(IaeSparkScorer.MAX_BATCH_SIZE - 1, scorer.withBatchSize(IaeSparkScorer.MAX_BATCH_SIZE - 1)
                .batchSize(), "one row less fits");

        // A plan that got past the driver anyway: the task refuses it before taking over a session, and the
        // session it opened is closed (no session is left counted as open).
        Broadcast<byte[]> bytes = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(wideOnnx);
        int[] index = new int[wide.length];
        byte[] kinds = new byte[wide.length];
        for (int j = 0; j < wide.length; j++) {
            index[j] = j;
        }
        ScorePartitions.Plan plan = new ScorePartitions.Plan(wide, index, kinds, -1, null, 0.0,
                IaeSparkScorer.MAX_BATCH_SIZE, 1);
        int open = ScorePartitions.OPEN_SESSIONS.get();
        Row row = RowFactory.create(new Object[wide.length]);
        IllegalArgumentException task = assertThrows(IllegalArgumentException.class,
                () -> new ScorePartitions(bytes, plan).call(List.of(row).iterator()));
        assertTrue(task.getMessage().contains("limit of 536,870,911"), task.getMessage());
        assertEquals(open, ScorePartitions.OPEN_SESSIONS.get(), "sessions counted as open");
        bytes.destroy();
    }

    @Test
    void outputColumnsCollideAsTheSessionComparesNames() {
        IaeSparkScorer scorer = IaeSparkScorer.fromOnnx(onnx);
        Dataset<Row> input = table(100, 1).withColumn("Score", lit(1.0));
        // Spark's default (spark.sql.caseSensitive=false): 'Score' and 'score' are one name, refused before any job.
        IllegalArgumentException taken = assertThrows(IllegalArgumentException.class, () -> scorer.score(input));
        assertTrue(taken.getMessage().contains("already has a column 'Score', which Spark (spark.sql.caseSensitive="
                + "false) reads as the same name as the output column 'score'")
                && taken.getMessage().contains("withOutputColumns(score, type)")
                && taken.getMessage().contains("--score-column"), taken.getMessage());
        assertThrows(IllegalArgumentException.class, () -> scorer.outputSchema(input.schema()));
        IllegalArgumentException outputs = assertThrows(IllegalArgumentException.class,
                () -> scorer.withOutputColumns("s", "S").score(table(10, 1)));
        assertTrue(outputs.getMessage().contains("'s' and 'S' differ only in case"), outputs.getMessage());
        assertEquals(100, scorer.withOutputColumns("s", "t").score(input).filter(col("t").isNotNull()).count());

        spark.conf().set("spark.sql.caseSensitive", "true");
        try {
            Dataset<Row> scored = scorer.score(input);
            assertEquals(100, scored.filter(col("Score").equalTo(1.0).and(col("score").notEqual(1.0))).count());
            assertEquals(100, scorer.withOutputColumns("s", "S").score(table(100, 1)).select("s", "S").count());
        } finally {
            spark.conf().unset("spark.sql.caseSensitive");
        }
    }

    @Test
    void missingAndNonNumericColumnsAreRefusedBeforeAnyJob() {
        IaeSparkScorer scorer = IaeSparkScorer.fromOnnx(onnx);
        Dataset<Row> input = table(100, 1);
        // Exceptions come from score() itself, which only plans: no job has run.
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> scorer.score(input.drop("f1", "f3")));
        assertTrue(missing.getMessage().contains("lacks 2 of the model's 6 feature columns")
                && missing.getMessage().contains("'f1', 'f3'"), missing.getMessage());
        IllegalArgumentException text = assertThrows(IllegalArgumentException.class,
                () -> scorer.score(input.withColumn("f2", col("f2").cast(DataTypes.StringType))));
        assertTrue(text.getMessage().contains("'f2' (string)"), text.getMessage());
        IllegalArgumentException taken = assertThrows(IllegalArgumentException.class,
                () -> scorer.score(input.withColumn("score", lit(1.0))));
        assertTrue(taken.getMessage().contains("already has a column 'score'"), taken.getMessage());
        Dataset<Row> renamed = scorer.withOutputColumns("s", "t").score(input.withColumn("score", lit(1.0)));
        assertEquals(100, renamed.filter(col("t").isNotNull()).count());
        IllegalArgumentException key = assertThrows(IllegalArgumentException.class,
                () -> scorer.withKeyColumn("nope").score(input));
        assertTrue(key.getMessage().contains("key column 'nope'"), key.getMessage());
    }

    @Test
    void nullAndNanValuesFailTheJobNamingTheRow() {
        IaeSparkScorer scorer = IaeSparkScorer.fromOnnx(onnx).withKeyColumn("id");
        Dataset<Row> input = table(1000, 2);
        Dataset<Row> withNull = input.withColumn("f3", when(col("id").equalTo(417), lit(null)).otherwise(col("f3")));
        String nullMessage = rootMessage(assertThrows(SparkException.class, () -> scorer.score(withNull).count()));
        assertTrue(nullMessage.contains("Row id=417") && nullMessage.contains("null value in feature column 'f3'"),
                nullMessage);
        Dataset<Row> withNan = input.withColumn("f0", when(col("id").equalTo(923), lit(Double.NaN))
                .otherwise(col("f0")));
        String nanMessage = rootMessage(assertThrows(SparkException.class, () -> scorer.score(withNan).count()));
        assertTrue(nanMessage.contains("Row id=923") && nanMessage.contains("non-finite value (NaN)")
                && nanMessage.contains("'f0'"), nanMessage);
        // Without a key column the row is named by its position in its partition.
        String noKey = rootMessage(assertThrows(SparkException.class,
                () -> IaeSparkScorer.fromOnnx(onnx).score(withNan).count()));
        assertTrue(noKey.contains("of partition"), noKey);
        // When one task fails, Spark fails the job at once and kills the job's other running tasks asynchronously:
        // they release their sessions when they stop, possibly after count() has thrown. A leak never returns to 0.
        assertEquals(0, awaitNoOpenSessions(Duration.ofSeconds(30)), "sessions left open by failed tasks");
    }

    /**
     * Waits until no partition holds an ONNX Runtime session, or the time is up.
     * @return the number of sessions still open.
     */
    private static int awaitNoOpenSessions(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (ScorePartitions.OPEN_SESSIONS.get() != 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return ScorePartitions.OPEN_SESSIONS.get();
    }

    @Test
    void partiallyConsumedPartitionsCloseTheirSessions() {
        Dataset<Row> scored = IaeSparkScorer.fromOnnx(onnx).withBatchSize(64).score(table(100_000, 2));
        List<Row> head = scored.limit(10).collectAsList();
        assertEquals(10, head.size());
        assertEquals(0, ScorePartitions.OPEN_SESSIONS.get(), "sessions left open after limit(10)");
    }

    /** The first {@code rows} rows of {@link #table} as CSV text: id, tag, the features. */
    private static String csv(int rows) {
        StringBuilder sb = new StringBuilder("id,tag");
        for (String n : names) {
            sb.append(',').append(n);
        }
        sb.append('\n');
        for (Row r : table(rows, 1).collectAsList()) {
            sb.append(r.getLong(0)).append(',').append(r.getString(1));
            for (String n : names) {
                sb.append(',').append(((Number) r.get(r.fieldIndex(n))).doubleValue());
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    @Test
    void scoreTableNamesItsOutputColumnsAndRefusesUnknownOptions(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("model.onnx");
        Files.write(model, onnx);
        Path csv = dir.resolve("in.csv");
        // The input already holds a score column (of an earlier run, say).
        Files.writeString(csv, csv(50).replace("id,tag,", "id,Score,"));
        String[] base = {"--model", model.toString(), "--input", csv.toString(), "--output-format", "parquet"};
        IllegalArgumentException taken = assertThrows(IllegalArgumentException.class, () -> ScoreTable.main(
                concat(base, "--output", dir.resolve("out1").toString())));
        assertTrue(taken.getMessage().contains("'Score'") && taken.getMessage().contains("--score-column"),
                taken.getMessage());
        Path out = dir.resolve("out2");
        ScoreTable.main(concat(base, "--output", out.toString(), "--score-column", "score2", "--type-column", "type2",
                "--keep", "id,Score"));
        Dataset<Row> written = spark.read().parquet(out.toString());
        assertEquals(List.of("id", "Score", "score2", "type2"), List.of(written.columns()));
        assertEquals(50, written.filter(col("type2").isNotNull()).count());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> ScoreTable.main(
                concat(base, "--output", dir.resolve("out3").toString(), "--batchsize", "10")));
        assertTrue(unknown.getMessage().contains("Unknown option '--batchsize'"), unknown.getMessage());
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void scoreTableJobReadsCsvAndWritesScores(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("model.onnx");
        Files.write(model, onnx);
        Path csv = dir.resolve("in.csv");
        StringBuilder sb = new StringBuilder(csv(500));
        Files.writeString(csv, sb.toString());
        Path out = dir.resolve("out");
        String pruning = spark.conf().getOption(ScoreTable.CSV_COLUMN_PRUNING).toString();
        ScoreTable.main(new String[]{"--model", model.toString(), "--input", csv.toString(), "--output", out.toString(),
                "--keep", "id", "--key", "id", "--output-format", "parquet"});
        assertTrue(!spark.sparkContext().isStopped(), "ScoreTable must not stop a session it did not create");
        assertEquals(pruning, spark.conf().getOption(ScoreTable.CSV_COLUMN_PRUNING).toString(),
                "ScoreTable must give a running session its CSV setting back");
        Dataset<Row> written = spark.read().parquet(out.toString());
        assertEquals(List.of("id", "score", "anomaly_type"), List.of(written.columns()));
        Dataset<Row> direct = IaeSparkScorer.fromOnnx(onnx).score(table(500, 1))
                .select(col("id").cast(DataTypes.StringType).as("id"), col("score").as("direct"));
        assertEquals(500, written.count());
        assertEquals(500, written.join(direct, "id").filter(col("score").equalTo(col("direct"))).count());

        // A value that is not a number fails the job naming the row, the column and the value.
        Files.writeString(csv, sb.toString().replaceFirst("\n7,t,[^,]*,", "\n7,t,oops,"));
        Exception e = assertThrows(Exception.class, () -> ScoreTable.main(new String[]{"--model", model.toString(),
                "--input", csv.toString(), "--output", dir.resolve("out2").toString(), "--key", "id"}));
        String message = rootMessage(e);
        assertTrue(message.contains("row id=7, column 'f0': 'oops' is not a number"), message);
        // An empty cell is a missing value: the scorer names the row.
        Files.writeString(csv, sb.toString().replaceFirst("\n8,t,[^,]*,", "\n8,t,,"));
        e = assertThrows(Exception.class, () -> ScoreTable.main(new String[]{"--model", model.toString(),
                "--input", csv.toString(), "--output", dir.resolve("out3").toString(), "--key", "id"}));
        message = rootMessage(e);
        assertTrue(message.contains("Row id=8") && message.contains("null value in feature column 'f0'"), message);
        // A row with one field more than the header (an unquoted comma in the text column) would be scored on
        // values shifted by one column in Spark's default PERMISSIVE mode; it fails the job, also with --keep (which
        // reads fewer columns).
        Files.writeString(csv, sb.toString().replaceFirst("\n9,t,", "\n9,t,x,"));
        e = assertThrows(Exception.class, () -> ScoreTable.main(new String[]{"--model", model.toString(),
                "--input", csv.toString(), "--output", dir.resolve("out4").toString(), "--keep", "id"}));
        message = rootMessage(e);
        assertTrue(message.contains("Malformed") || message.contains("MALFORMED"), message);
    }

    @Test
    void repeatedScoreCallsShareOneBroadcast() {
        IaeSparkScorer scorer = IaeSparkScorer.fromOnnx(onnx);
        scorer.score(table(10, 1));
        IaeSparkScorer derived = scorer.withThreshold(0.5);
        derived.score(table(10, 1));
        assertEquals(scorer.broadcast(spark.sparkContext()).id(), derived.broadcast(spark.sparkContext()).id());
        assertTrue(IaeSparkScorer.fromOnnx(onnx).broadcast(spark.sparkContext()).id()
                != scorer.broadcast(spark.sparkContext()).id(), "another load broadcasts its own bytes");
    }

    private static String rootMessage(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof IllegalArgumentException) {
                return c.getMessage();
            }
            sb.append(c.getMessage()).append(" | ");
        }
        return sb.toString();
    }
}
