package dev.iae.spark;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Scores a Spark {@code Dataset<Row>} with an exported IAE-LSTM-KL ONNX model (the file written by
 * {@code IaeModel.saveONNXModel} or {@code iae train}): the output is the input with two columns appended, the
 * anomaly score ({@link #scoreColumn()}, double) and the predicted type ({@link #typeColumn()}, the string
 * {@value #ANOMALOUS} or {@value #EXPECTED}).
 * <p>
 * <b>What runs where.</b> On the driver the scorer opens the model once to read its ONNX metadata (feature names,
 * threshold, format version) and checks the input schema: every feature column must exist (by exact name, anywhere
 * in the schema, any column order) and be numeric (byte, short, int, long, float, double or decimal); a missing or
 * non-numeric column is an {@link IllegalArgumentException} from {@link #score(Dataset)} itself, before any Spark job
 * runs. {@link #score(Dataset)} broadcasts the ONNX bytes once per scorer and Spark context (later calls reuse the
 * broadcast); each partition opens one ONNX Runtime session (CPU,
 * {@link #intraOpThreads()} threads: Spark's parallelism comes from its tasks) and scores its rows in batches of
 * {@link #batchSize()} rows packed into a direct float buffer. The session is closed when the partition's rows are
 * exhausted and, in any case, when the task completes (a task completion listener), so a partially consumed
 * partition ({@code limit}, {@code take}, a failed task) does not leak native memory. Empty partitions open no
 * session. Executors need only this module's classes and ONNX Runtime.
 * <p>
 * <b>Same answers as the Java model.</b> Values are converted to double and then to float32, as
 * {@code IaeModel} does with Tribuo feature values; the score is the graph's float32 {@code score} output widened to
 * double; the type is {@value #ANOMALOUS} when {@code score > threshold} and {@value #EXPECTED} otherwise (a score equal
 * to the threshold is EXPECTED), exactly {@code IaeModel}'s rule. The graph scores every row independently, so
 * results do not depend on batch size or partitioning. As {@code IaeModel} rejects NaN and infinite inputs, the
 * scorer fails the job on a null, NaN or infinite feature value, or a value outside the float32 range, with an
 * {@link IllegalArgumentException} naming the column and the row (by the value of {@link #keyColumn()} when one is
 * set, otherwise by partition and position); a score that comes out non-finite fails the same way. Spark reports
 * such failures as a {@code SparkException} whose cause chain holds that exception. Filter or impute such rows
 * first if the job must not fail.
 * <p>
 * Instances are immutable; the {@code with...} methods return modified copies.
 */
public final class IaeSparkScorer {

    /** Default name of the appended score column. */
    public static final String DEFAULT_SCORE_COLUMN = "score";
    /** Default name of the appended type column. */
    public static final String DEFAULT_TYPE_COLUMN = "anomaly_type";
    /** The type of a row whose score is above the threshold. */
    public static final String ANOMALOUS = "ANOMALOUS";
    /** The type of a row whose score is at or below the threshold. */
    public static final String EXPECTED = "EXPECTED";
    /** The Spark setting that decides whether column names differing only in case are different columns. */
    private static final String CASE_SENSITIVE = "spark.sql.caseSensitive";
    private static final String RENAME_HINT = "choose other output column names with withOutputColumns(score, type) "
            + "(ScoreTable: --score-column, --type-column)";

    /** Default number of rows per ONNX Runtime call. */
    public static final int DEFAULT_BATCH_SIZE = 4096;
    /** Largest accepted batch size. */
    public static final int MAX_BATCH_SIZE = 1 << 20;
    /**
     * Largest accepted batch size × feature count: a batch is packed into one direct float buffer, and a Java buffer
     * holds at most {@link Integer#MAX_VALUE} bytes (so a 3,072-feature model takes batches of at most 174,762 rows).
     */
    public static final int MAX_BATCH_VALUES = Integer.MAX_VALUE / Float.BYTES;
    /** Largest accepted intra-op thread count. */
    public static final int MAX_INTRA_OP_THREADS = 1024;

    private final byte[] onnxBytes;
    private final BroadcastHolder broadcasts;
    private final List<String> featureNames;
    private final double modelThreshold;
    private final String scoreKind;
    private final double threshold;
    private final int batchSize;
    private final int intraOpThreads;
    private final String keyColumn;
    private final String scoreColumn;
    private final String typeColumn;

    private IaeSparkScorer(byte[] onnxBytes, BroadcastHolder broadcasts, List<String> featureNames,
                           double modelThreshold, String scoreKind, double threshold, int batchSize,
                           int intraOpThreads, String keyColumn, String scoreColumn, String typeColumn) {
        this.onnxBytes = onnxBytes;
        this.broadcasts = broadcasts;
        this.featureNames = featureNames;
        this.modelThreshold = modelThreshold;
        this.scoreKind = scoreKind;
        this.threshold = threshold;
        this.batchSize = batchSize;
        this.intraOpThreads = intraOpThreads;
        this.keyColumn = keyColumn;
        this.scoreColumn = scoreColumn;
        this.typeColumn = typeColumn;
    }

    /**
     * A scorer on the bytes of an IAE-LSTM-KL ONNX model. Opens the model once with ONNX Runtime (on this JVM) to
     * check it and read its metadata.
     * @param onnxBytes the model bytes (copied).
     * @return the scorer, with the defaults (model threshold, batch {@value #DEFAULT_BATCH_SIZE}, 1 thread, no key
     *     column, columns {@value #DEFAULT_SCORE_COLUMN} and {@value #DEFAULT_TYPE_COLUMN}).
     * @throws IllegalArgumentException if ONNX Runtime cannot load the bytes or they are not an IAE-LSTM-KL model
     *     of format version {@value OnnxNames#FORMAT_VERSION} (input, score output, feature names, threshold).
     */
    public static IaeSparkScorer fromOnnx(byte[] onnxBytes) {
        Objects.requireNonNull(onnxBytes, "onnxBytes");
        if (onnxBytes.length == 0) {
            throw new IllegalArgumentException("Not an ONNX model: the byte array is empty");
        }
        byte[] bytes = onnxBytes.clone();
        Map<String, String> meta;
        try (OrtSession session = OrtNative.open(bytes, 1)) {
            checkTensors(session);
            meta = session.getMetadata().getCustomMetadata();
            String format = meta.get(OnnxNames.META_FORMAT_VERSION);
            if (!OnnxNames.FORMAT_VERSION.equals(format)) {
                throw new IllegalArgumentException("The ONNX model is not an IAE-LSTM-KL model of format version "
                        + OnnxNames.FORMAT_VERSION + " (metadata '" + OnnxNames.META_FORMAT_VERSION + "' is "
                        + (format == null ? "missing" : "'" + format + "'") + ")");
            }
            List<String> names = parseFeatureNames(meta.get(OnnxNames.META_FEATURE_NAMES));
            long[] shape = ((TensorInfo) session.getInputInfo().get(OnnxNames.INPUT_FEATURES).getInfo()).getShape();
            if (shape.length != 2 || (shape[1] >= 0 && shape[1] != names.size())) {
                throw new IllegalArgumentException("The ONNX model's input '" + OnnxNames.INPUT_FEATURES + "' has shape "
                        + Arrays.toString(shape) + ", but its metadata names " + names.size() + " features");
            }
            double t = parseThreshold(meta.get(OnnxNames.META_THRESHOLD));
            String kind = meta.getOrDefault(OnnxNames.META_SCORE_KIND, "unknown");
            return new IaeSparkScorer(bytes, new BroadcastHolder(), names, t, kind, t, DEFAULT_BATCH_SIZE, 1, null,
                    DEFAULT_SCORE_COLUMN, DEFAULT_TYPE_COLUMN);
        } catch (OrtException e) {
            throw new IllegalArgumentException("ONNX Runtime could not read the model's inputs, outputs or metadata: "
                    + e.getMessage(), e);
        }
    }

    /**
     * A scorer on an IAE-LSTM-KL ONNX file (see {@link #fromOnnx(byte[])}).
     * @param onnxFile the file.
     * @return the scorer.
     * @throws IOException if the file cannot be read.
     * @throws IllegalArgumentException if it is not an IAE-LSTM-KL ONNX model.
     */
    public static IaeSparkScorer load(Path onnxFile) throws IOException {
        Objects.requireNonNull(onnxFile, "onnxFile");
        return fromOnnx(Files.readAllBytes(onnxFile));
    }

    private static void checkTensors(OrtSession session) throws OrtException {
        NodeInfo in = session.getInputInfo().get(OnnxNames.INPUT_FEATURES);
        if (in == null || !(in.getInfo() instanceof TensorInfo) || ((TensorInfo) in.getInfo()).type != OnnxJavaType.FLOAT) {
            throw new IllegalArgumentException("The ONNX model has no float tensor input '" + OnnxNames.INPUT_FEATURES
                    + "' (inputs: " + session.getInputInfo().keySet() + "); it is not an IAE-LSTM-KL model");
        }
        NodeInfo out = session.getOutputInfo().get(OnnxNames.OUTPUT_SCORE);
        if (out == null || !(out.getInfo() instanceof TensorInfo) || ((TensorInfo) out.getInfo()).type != OnnxJavaType.FLOAT) {
            throw new IllegalArgumentException("The ONNX model has no float tensor output '" + OnnxNames.OUTPUT_SCORE
                    + "' (outputs: " + session.getOutputInfo().keySet() + "); it is not an IAE-LSTM-KL model");
        }
    }

    /**
     * Parses the feature-name metadata with Jackson, which every Spark installation ships (spark-core depends on
     * jackson-databind), so the scorer adds no JSON library of its own.
     */
    static List<String> parseFeatureNames(String json) {
        if (json == null) {
            throw new IllegalArgumentException("The ONNX model has no feature names (metadata '"
                    + OnnxNames.META_FEATURE_NAMES + "')");
        }
        String[] names;
        try {
            names = new ObjectMapper().readValue(json, String[].class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("The ONNX model's feature names (metadata '" + OnnxNames.META_FEATURE_NAMES
                    + "') are not a JSON array of strings: " + e.getOriginalMessage(), e);
        }
        if (names == null || names.length == 0) {
            throw new IllegalArgumentException("The ONNX model's feature-name list (metadata '"
                    + OnnxNames.META_FEATURE_NAMES + "') is empty");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < names.length; i++) {
            if (names[i] == null || !seen.add(names[i])) {
                throw new IllegalArgumentException("The ONNX model's feature-name list has " + (names[i] == null
                        ? "a null at position " + i : "the duplicate '" + names[i] + "' at position " + i));
            }
        }
        return Collections.unmodifiableList(Arrays.asList(names));
    }

    private static double parseThreshold(String v) {
        if (v == null) {
            throw new IllegalArgumentException("The ONNX model has no threshold (metadata '" + OnnxNames.META_THRESHOLD + "')");
        }
        try {
            double t = Double.parseDouble(v);
            if (Double.isNaN(t)) {
                throw new NumberFormatException("NaN");
            }
            return t;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("The ONNX model's threshold (metadata '" + OnnxNames.META_THRESHOLD
                    + "') is not a number: '" + v + "'", e);
        }
    }

    // ------------------------------------------------------------------------------------------------ settings

    /**
     * @param rows rows per ONNX Runtime call, in [1, {@value #MAX_BATCH_SIZE}], and rows × the model's feature count
     *     at most {@link #MAX_BATCH_VALUES} (memory per task: rows × features × 4 bytes of input buffer plus the rows
     *     held until their scores come back).
     * @return a copy with that batch size.
     * @throws IllegalArgumentException if {@code rows} is out of range or the batch would not fit one buffer.
     */
    public IaeSparkScorer withBatchSize(int rows) {
        if (rows < 1 || rows > MAX_BATCH_SIZE) {
            throw new IllegalArgumentException("batchSize must be in [1, " + MAX_BATCH_SIZE + "], found " + rows);
        }
        checkBatchValues(rows, featureNames.size());
        return new IaeSparkScorer(onnxBytes, broadcasts, featureNames, modelThreshold, scoreKind, threshold, rows,
                intraOpThreads, keyColumn, scoreColumn, typeColumn);
    }

    /**
     * @param threads ONNX Runtime intra-op threads per session, in [1, {@value #MAX_INTRA_OP_THREADS}]; keep 1
     *     unless executors have more cores than task slots.
     * @return a copy with that thread count.
     */
    public IaeSparkScorer withIntraOpThreads(int threads) {
        if (threads < 1 || threads > MAX_INTRA_OP_THREADS) {
            throw new IllegalArgumentException("intraOpThreads must be in [1, " + MAX_INTRA_OP_THREADS + "], found "
                    + threads);
        }
        return new IaeSparkScorer(onnxBytes, broadcasts, featureNames, modelThreshold, scoreKind, threshold,
                batchSize, threads, keyColumn, scoreColumn, typeColumn);
    }

    /**
     * @param newThreshold the decision threshold to use instead of the model's (not NaN).
     * @return a copy with that threshold.
     */
    public IaeSparkScorer withThreshold(double newThreshold) {
        if (Double.isNaN(newThreshold)) {
            throw new IllegalArgumentException("threshold must not be NaN");
        }
        return new IaeSparkScorer(onnxBytes, broadcasts, featureNames, modelThreshold, scoreKind, newThreshold,
                batchSize, intraOpThreads, keyColumn, scoreColumn, typeColumn);
    }

    /**
     * @param column a column that identifies rows (e.g. an id), used only to name the row in error messages; null
     *     for none (rows are then named by partition and position).
     * @return a copy with that key column.
     */
    public IaeSparkScorer withKeyColumn(String column) {
        return new IaeSparkScorer(onnxBytes, broadcasts, featureNames, modelThreshold, scoreKind, threshold,
                batchSize, intraOpThreads, column, scoreColumn, typeColumn);
    }

    /**
     * @param score the name of the appended score column.
     * @param type the name of the appended type column.
     * @return a copy that appends columns of these names; {@link #score(Dataset)} refuses them if the input already
     *     has a column of either name, or if they differ only in case, compared as the input's session compares
     *     column names ({@code spark.sql.caseSensitive}, false by default).
     */
    public IaeSparkScorer withOutputColumns(String score, String type) {
        Objects.requireNonNull(score, "score");
        Objects.requireNonNull(type, "type");
        if (score.isEmpty() || type.isEmpty() || score.equals(type)) {
            throw new IllegalArgumentException("The output columns must be two distinct non-empty names, found '"
                    + score + "' and '" + type + "'");
        }
        return new IaeSparkScorer(onnxBytes, broadcasts, featureNames, modelThreshold, scoreKind, threshold,
                batchSize, intraOpThreads, keyColumn, score, type);
    }

    /** @return the model's feature names in input order (from the ONNX metadata); the input needs these columns. */
    public List<String> featureNames() {
        return featureNames;
    }

    /** @return the decision threshold in use: scores above it are {@value #ANOMALOUS}. */
    public double threshold() {
        return threshold;
    }

    /** @return the threshold stored in the model's metadata. */
    public double modelThreshold() {
        return modelThreshold;
    }

    /** @return the score kind named in the model's metadata (SVDD, RECONSTRUCTION, COMBINED, or SUM for a score sum). */
    public String scoreKind() {
        return scoreKind;
    }

    /** @return rows per ONNX Runtime call. */
    public int batchSize() {
        return batchSize;
    }

    /** @return ONNX Runtime intra-op threads per session. */
    public int intraOpThreads() {
        return intraOpThreads;
    }

    /** @return the key column used in error messages, if any. */
    public Optional<String> keyColumn() {
        return Optional.ofNullable(keyColumn);
    }

    /** @return the name of the appended score column. */
    public String scoreColumn() {
        return scoreColumn;
    }

    /** @return the name of the appended type column. */
    public String typeColumn() {
        return typeColumn;
    }

    /** @return a copy of the ONNX bytes. */
    public byte[] onnxBytes() {
        return onnxBytes.clone();
    }

    // ------------------------------------------------------------------------------------------------- scoring

    /**
     * The schema of {@link #score(Dataset)}'s output: the input's fields, then the score (double, not null) and the
     * type (string, not null). Output column names are compared with the input's as the active Spark session
     * compares names ({@code spark.sql.caseSensitive}); without an active session, case-insensitively (Spark's
     * default).
     * @param input the input schema.
     * @return the output schema.
     * @throws IllegalArgumentException if feature columns are missing (all of them are named), ambiguous or not
     *     numeric, the key column is missing, an output column name is already taken, or the batch size times the
     *     feature count exceeds {@link #MAX_BATCH_VALUES}.
     */
    public StructType outputSchema(StructType input) {
        SparkSession session = SparkSession.getActiveSession().isDefined() ? SparkSession.getActiveSession().get()
                : SparkSession.getDefaultSession().isDefined() ? SparkSession.getDefaultSession().get() : null;
        resolve(input, caseSensitive(session));
        return appendOutputs(input);
    }

    private StructType appendOutputs(StructType input) {
        return input.add(DataTypes.createStructField(scoreColumn, DataTypes.DoubleType, false))
                .add(DataTypes.createStructField(typeColumn, DataTypes.StringType, false));
    }

    /** Whether the session compares column names case-sensitively ({@code spark.sql.caseSensitive}; default no). */
    private static boolean caseSensitive(SparkSession session) {
        return session != null && Boolean.parseBoolean(session.conf().get(CASE_SENSITIVE, "false").trim());
    }

    /**
     * Scores a dataset: appends the score and type columns (see the class description). The result is lazy, like
     * any Dataset transformation; the ONNX bytes are broadcast by the first call on a Spark context and the broadcast
     * reused by later ones.
     * @param input the rows, with (at least) the model's feature columns.
     * @return the scored rows, with {@link #outputSchema(StructType)}; partitioning and row order are the input's.
     * @throws IllegalArgumentException (before any job runs) if the input schema does not fit the model (see
     *     {@link #outputSchema(StructType)}).
     */
    public Dataset<Row> score(Dataset<Row> input) {
        Objects.requireNonNull(input, "input");
        StructType schema = input.schema();
        ScorePartitions.Plan plan = resolve(schema, caseSensitive(input.sparkSession()));
        StructType out = appendOutputs(schema);
        return input.mapPartitions(new ScorePartitions(broadcast(input.sparkSession().sparkContext()), plan),
                Encoders.row(out));
    }

    /**
     * The broadcast of the ONNX bytes on a Spark context: made on the first {@link #score(Dataset)} call and reused
     * by later calls on the same context (a streaming {@code foreachBatch} or a loop over tables would otherwise
     * add one copy of the model per call to the driver's and executors' block stores). Scorers derived with the
     * {@code with...} methods share it.
     * @param context the context of the data to score.
     * @return the broadcast.
     */
    Broadcast<byte[]> broadcast(SparkContext context) {
        synchronized (broadcasts) {
            Broadcast<byte[]> b = broadcasts.context == context && !context.isStopped() ? broadcasts.bytes : null;
            if (b == null) {
                b = JavaSparkContext.fromSparkContext(context).broadcast(onnxBytes);
                broadcasts.context = context;
                broadcasts.bytes = b;
            }
            return b;
        }
    }

    /** The broadcast of a scorer's bytes and the context it lives on; shared by scorers derived from one load. */
    private static final class BroadcastHolder {
        private SparkContext context;
        private Broadcast<byte[]> bytes;
    }

    /**
     * Maps the model's features to the schema's columns and checks everything a job would trip over.
     * @param caseSensitive whether the session tells column names apart by case ({@code spark.sql.caseSensitive}).
     */
    private ScorePartitions.Plan resolve(StructType schema, boolean caseSensitive) {
        Objects.requireNonNull(schema, "schema");
        checkBatchValues(batchSize, featureNames.size());
        String[] fields = schema.fieldNames();
        int d = featureNames.size();
        int[] index = new int[d];
        byte[] kinds = new byte[d];
        List<String> missing = new ArrayList<>();
        List<String> wrongType = new ArrayList<>();
        for (int j = 0; j < d; j++) {
            String name = featureNames.get(j);
            int found = -1;
            for (int k = 0; k < fields.length; k++) {
                if (fields[k].equals(name)) {
                    if (found >= 0) {
                        throw new IllegalArgumentException("Feature column '" + name + "' appears more than once in the "
                                + "input (positions " + found + " and " + k + "); rename or drop the duplicate");
                    }
                    found = k;
                }
            }
            if (found < 0) {
                missing.add(name);
                continue;
            }
            index[j] = found;
            DataType type = schema.fields()[found].dataType();
            kinds[j] = ScorePartitions.kindOf(type);
            if (kinds[j] < 0) {
                wrongType.add("'" + name + "' (" + type.simpleString() + ")");
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("The input lacks " + missing.size() + " of the model's " + d
                    + " feature columns: " + quoted(missing) + " (input columns: " + quoted(Arrays.asList(fields))
                    + "; names must match exactly)");
        }
        if (!wrongType.isEmpty()) {
            throw new IllegalArgumentException("Feature columns must be numeric (byte, short, int, long, float, double "
                    + "or decimal), but these are not: " + String.join(", ", wrongType) + "; cast them first");
        }
        int key = -1;
        if (keyColumn != null) {
            key = Arrays.asList(fields).indexOf(keyColumn);
            if (key < 0) {
                throw new IllegalArgumentException("The key column '" + keyColumn + "' is not in the input (columns: "
                        + quoted(Arrays.asList(fields)) + ")");
            }
        }
        String setting = "spark.sql.caseSensitive=" + caseSensitive;
        if (!caseSensitive && scoreColumn.equalsIgnoreCase(typeColumn)) {
            throw new IllegalArgumentException("The output columns '" + scoreColumn + "' and '" + typeColumn
                    + "' differ only in case, which Spark (" + setting + ") reads as the same name; " + RENAME_HINT);
        }
        for (String output : new String[]{scoreColumn, typeColumn}) {
            for (String field : fields) {
                if (caseSensitive ? field.equals(output) : field.equalsIgnoreCase(output)) {
                    String same = field.equals(output) ? "" : ", which Spark (" + setting + ") reads as the same name "
                            + "as the output column '" + output + "'";
                    throw new IllegalArgumentException("The input already has a column '" + field + "'" + same + "; "
                            + RENAME_HINT);
                }
            }
        }
        return new ScorePartitions.Plan(featureNames.toArray(new String[0]), index, kinds, key, keyColumn,
                threshold, batchSize, intraOpThreads);
    }

    /**
     * Refuses a batch that would not fit one direct float buffer (the executors would fail, or wrap the size
     * silently).
     */
    static void checkBatchValues(int rows, int features) {
        long values = (long) rows * features;
        if (values > MAX_BATCH_VALUES) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "batchSize %,d × %,d features = %,d values "
                    + "per batch exceeds the limit of %,d (one direct float buffer of at most 2 GiB); use a batch size "
                    + "of at most %,d for this model (withBatchSize, ScoreTable --batch-size)", rows, features, values,
                    MAX_BATCH_VALUES, MAX_BATCH_VALUES / features));
        }
    }

    private static String quoted(List<String> names) {
        StringBuilder sb = new StringBuilder();
        for (String n : names) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append('\'').append(n).append('\'');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "IaeSparkScorer(features=" + featureNames.size() + ", scoreKind=" + scoreKind + ", threshold="
                + threshold + (threshold != modelThreshold ? " (model " + modelThreshold + ")" : "")
                + ", batchSize=" + batchSize + ", intraOpThreads=" + intraOpThreads
                + ", keyColumn=" + (keyColumn == null ? "none" : keyColumn) + ", output=" + scoreColumn + "/"
                + typeColumn + ", onnxBytes=" + onnxBytes.length + ")";
    }
}
