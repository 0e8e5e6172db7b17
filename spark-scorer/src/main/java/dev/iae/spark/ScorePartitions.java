package dev.iae.spark;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.util.TaskCompletionListener;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Collections;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The per-partition work of {@link IaeSparkScorer#score}: one ONNX Runtime session per (non-empty) partition, rows
 * scored in batches from a direct float buffer, the session closed at the end of the rows or of the task, whichever
 * comes first. Serialized to the executors with the broadcast handle and the column plan (no model object).
 */
final class ScorePartitions implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    /** Sessions open in this JVM (local mode: driver and executors share it); for tests of the clean-up. */
    static final AtomicInteger OPEN_SESSIONS = new AtomicInteger();
    /** Rows the first batch buffer of a partition holds; a partition with more rows then gets a whole batch's. */
    static final int FIRST_BUFFER_ROWS = 256;
    /** Sessions opened in this JVM since it started; for tests (one per non-empty partition). */
    static final AtomicInteger SESSIONS_OPENED = new AtomicInteger();

    private static final byte DOUBLE = 0;
    private static final byte FLOAT = 1;
    private static final byte LONG = 2;
    private static final byte INT = 3;
    private static final byte SHORT = 4;
    private static final byte BYTE = 5;
    private static final byte DECIMAL = 6;

    /** How the model's features map to the input row, and the scoring settings. */
    static final class Plan implements Serializable {
        private static final long serialVersionUID = 1L;
        final String[] names;
        final int[] index;
        final byte[] kinds;
        final int keyIndex;
        final String keyName;
        final double threshold;
        final int batchSize;
        final int intraOpThreads;

        Plan(String[] names, int[] index, byte[] kinds, int keyIndex, String keyName, double threshold, int batchSize,
             int intraOpThreads) {
            this.names = names;
            this.index = index;
            this.kinds = kinds;
            this.keyIndex = keyIndex;
            this.keyName = keyName;
            this.threshold = threshold;
            this.batchSize = batchSize;
            this.intraOpThreads = intraOpThreads;
        }
    }

    private final Broadcast<byte[]> model;
    private final Plan plan;

    ScorePartitions(Broadcast<byte[]> model, Plan plan) {
        this.model = model;
        this.plan = plan;
    }

    /**
     * The value kind of a Spark type, or -1 if it is not numeric.
     */
    static byte kindOf(DataType type) {
        if (type instanceof DoubleType) {
            return DOUBLE;
        } else if (type instanceof FloatType) {
            return FLOAT;
        } else if (type instanceof LongType) {
            return LONG;
        } else if (type instanceof IntegerType) {
            return INT;
        } else if (type instanceof ShortType) {
            return SHORT;
        } else if (type instanceof ByteType) {
            return BYTE;
        } else if (type instanceof DecimalType) {
            return DECIMAL;
        }
        return -1;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        if (!rows.hasNext()) {
            return Collections.emptyIterator();
        }
        TaskContext task = TaskContext.get();
        int partition = task == null ? -1 : task.partitionId();
        OrtSession session = OrtNative.open(model.value(), plan.intraOpThreads);
        Batches batches;
        try {
            batches = new Batches(rows, OrtNative.environment(), session, plan, partition);
        } catch (RuntimeException | Error e) {
            // No listener owns the session yet: close it here (e.g. the batch buffer could not be allocated).
            try {
                session.close();
            } catch (OrtException c) {
                e.addSuppressed(c);
            }
            throw e;
        }
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) ctx -> batches.close());
        }
        return batches;
    }

    @Override
    public String toString() {
        return "ScorePartitions(features=" + plan.names.length + ", threshold=" + plan.threshold + ", batchSize="
                + plan.batchSize + ")";
    }

    /** A lazy iterator over one partition's scored rows; owns the partition's session. */
    private static final class Batches implements Iterator<Row>, AutoCloseable {
        private final Iterator<Row> source;
        private final OrtEnvironment env;
        private final Plan plan;
        private final int partition;
        private final int dim;
        /** 256 rows at first, a whole batch once a partition has more rows, so a small one does not hold a batch. */
        private FloatBuffer input;
        private final Row[] pending;
        private final float[] scores;
        private final long[] shape = new long[2];
        private OrtSession session;
        private int count;
        private int next;
        private long consumed;

        /**
         * Allocates the batch buffers, then takes ownership of the session; if the allocation fails, the caller still
         * owns (and closes) the session.
         */
        Batches(Iterator<Row> source, OrtEnvironment env, OrtSession session, Plan plan, int partition) {
            this.source = source;
            this.env = env;
            this.plan = plan;
            this.partition = partition;
            this.dim = plan.names.length;
            // The driver checked this already; repeated here because an int overflow would size the buffer wrongly.
            IaeSparkScorer.checkBatchValues(plan.batchSize, dim);
            this.input = rows(Math.min(plan.batchSize, FIRST_BUFFER_ROWS));
            this.pending = new Row[plan.batchSize];
            this.scores = new float[plan.batchSize];
            this.session = session;
            OPEN_SESSIONS.incrementAndGet();
            SESSIONS_OPENED.incrementAndGet();
        }

        @Override
        public boolean hasNext() {
            if (next < count) {
                return true;
            }
            if (session == null) {
                return false;
            }
            fill();
            if (count == 0) {
                close();
                return false;
            }
            return true;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Row row = pending[next];
            float score = scores[next];
            pending[next] = null;
            next++;
            int width = row.size();
            Object[] values = new Object[width + 2];
            for (int k = 0; k < width; k++) {
                values[k] = row.get(k);
            }
            values[width] = (double) score;
            values[width + 1] = score > plan.threshold ? IaeSparkScorer.ANOMALOUS : IaeSparkScorer.EXPECTED;
            return RowFactory.create(values);
        }

        /** Reads up to a batch of rows, packs their features and scores them. */
        private void fill() {
            int n = 0;
            while (n < plan.batchSize && source.hasNext()) {
                Row row = source.next();
                if ((long) (n + 1) * dim > input.capacity()) {
                    grow(n);
                }
                pack(row, n * dim, consumed + n);
                pending[n] = row;
                n++;
            }
            count = n;
            next = 0;
            if (n == 0) {
                return;
            }
            shape[0] = n;
            shape[1] = dim;
            input.clear().limit(n * dim);
            try (OnnxTensor tensor = OnnxTensor.createTensor(env, input, shape);
                 OrtSession.Result result = session.run(Collections.singletonMap(OnnxNames.INPUT_FEATURES, tensor),
                         Set.of(OnnxNames.OUTPUT_SCORE))) {
                OnnxValue v = result.get(OnnxNames.OUTPUT_SCORE).orElseThrow(() -> new IllegalStateException(
                        "ONNX Runtime returned no output '" + OnnxNames.OUTPUT_SCORE + "'"));
                FloatBuffer out = ((OnnxTensor) v).getFloatBuffer();
                if (out.remaining() != n) {
                    throw new IllegalStateException("ONNX Runtime returned " + out.remaining() + " scores for " + n
                            + " rows");
                }
                out.get(scores, 0, n);
            } catch (OrtException e) {
                throw new IllegalStateException("ONNX Runtime failed to score " + n + " rows from " + where(consumed)
                        + ": " + e.getMessage(), e);
            }
            for (int i = 0; i < n; i++) {
                if (!Float.isFinite(scores[i])) {
                    throw new IllegalArgumentException(rowName(pending[i], consumed + i) + ": the model's score is not "
                            + "finite (" + scores[i] + "); its feature values are probably far outside the range seen "
                            + "in training");
                }
            }
            consumed += n;
        }

        /** A direct buffer of {@code n} rows in native order. */
        private FloatBuffer rows(int n) {
            return ByteBuffer.allocateDirect(Math.toIntExact((long) n * dim * Float.BYTES))
                    .order(ByteOrder.nativeOrder()).asFloatBuffer();
        }

        /**
         * Replaces the first, small buffer by a whole batch's, keeping the {@code filled} rows packed so far (one step,
         * not doubling: the discarded direct buffers are freed only by a garbage collection).
         */
        private void grow(int filled) {
            FloatBuffer bigger = rows(plan.batchSize);
            bigger.put(0, input, 0, filled * dim);
            input = bigger;
        }

        private void pack(Row row, int offset, long position) {
            for (int j = 0; j < dim; j++) {
                int c = plan.index[j];
                if (row.isNullAt(c)) {
                    throw new IllegalArgumentException(rowName(row, position) + " has a null value in feature column '"
                            + plan.names[j] + "'; the model needs a number in every feature column (filter or impute "
                            + "nulls first)");
                }
                double v;
                switch (plan.kinds[j]) {
                    case DOUBLE: v = row.getDouble(c); break;
                    case FLOAT: v = row.getFloat(c); break;
                    case LONG: v = row.getLong(c); break;
                    case INT: v = row.getInt(c); break;
                    case SHORT: v = row.getShort(c); break;
                    case BYTE: v = row.getByte(c); break;
                    default: v = row.getDecimal(c).doubleValue(); break;
                }
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException(rowName(row, position) + " has a non-finite value (" + v
                            + ") in feature column '" + plan.names[j] + "'");
                }
                float f = (float) v;
                if (!Float.isFinite(f)) {
                    throw new IllegalArgumentException(rowName(row, position) + " has a value (" + v
                            + ") in feature column '" + plan.names[j] + "' outside the float32 range");
                }
                input.put(offset + j, f);
            }
        }

        private String rowName(Row row, long position) {
            if (plan.keyIndex >= 0) {
                return "Row " + plan.keyName + "=" + row.get(plan.keyIndex) + " (" + where(position) + ")";
            }
            return "Row " + where(position);
        }

        private String where(long position) {
            return "position " + position + " of partition " + partition;
        }

        /** Releases the session; idempotent (the end of the rows and the task listener may both call it). */
        @Override
        public synchronized void close() {
            if (session == null) {
                return;
            }
            try {
                session.close();
            } catch (OrtException e) {
                throw new IllegalStateException("Failed to close the ONNX Runtime session of partition " + partition, e);
            } finally {
                session = null;
                count = 0;
                next = 0;
                java.util.Arrays.fill(pending, null);
                OPEN_SESSIONS.decrementAndGet();
            }
        }
    }
}
