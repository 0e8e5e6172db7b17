package dev.iae.tribuo;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.oracle.labs.mlrg.olcut.provenance.MapProvenance;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.io.ProvenanceSerializationException;
import com.oracle.labs.mlrg.olcut.provenance.primitives.DoubleProvenance;
import com.oracle.labs.mlrg.olcut.util.Pair;
import dev.iae.onnx.FloatTensor;
import dev.iae.onnx.IaeNetworkDescription;
import dev.iae.onnx.IaeOnnxWriter;
import dev.iae.onnx.OnnxContract;
import dev.iae.onnx.ScoreGraphPruner;
import dev.iae.onnx.OnnxMetadata;
import dev.iae.onnx.ScoreKind;
import dev.iae.tribuo.protos.IaeModelProto;
import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.Excuse;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Model;
import org.tribuo.ONNXExportable;
import org.tribuo.Prediction;
import org.tribuo.anomaly.Event;
import org.tribuo.impl.ModelDataCarrier;
import org.tribuo.protos.core.ModelDataProto;
import org.tribuo.protos.core.ModelProto;
import org.tribuo.provenance.EnsembleModelProvenance;
import org.tribuo.provenance.ModelProvenance;
import org.tribuo.util.onnx.ONNXNode;
import org.tribuo.util.onnx.ONNXRef;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A trained IAE-LSTM-KL anomaly detector served by ONNX Runtime: a Tribuo {@code Model<Event>} that owns the bytes
 * of its self-contained ONNX graph (see {@link OnnxContract}) and an ONNX Runtime session on them.
 * <p>
 * <b>Prediction.</b> Each example becomes a dense vector in the feature map's order ({@link DenseFeatures}: unknown
 * features ignored, missing ones 0, no known feature or a NaN/infinite value rejected with an
 * {@link IllegalArgumentException} naming the example index and the feature). The graph's {@code score} output is
 * the {@link Event}'s score; the event is {@link Event.EventType#ANOMALOUS} when the score is above
 * {@link #threshold()} and {@link Event.EventType#EXPECTED} otherwise. {@link #predict(Iterable)} and
 * {@link #predict(Dataset)} run one ONNX Runtime call per chunk of {@link #chunkSize()} examples; the graph scores
 * every example independently, so the results equal one-at-a-time prediction up to float rounding in ONNX
 * Runtime's kernels (the tests bound the difference by 1e-5 relative; a score within that of the threshold may be
 * decided differently by another chunking). A prediction's "number of used
 * features" is the number of the example's features known to the model. A score that comes out NaN or infinite
 * (feature values far outside float range after normalisation) is refused with an {@link IllegalArgumentException}
 * rather than returned.
 * <p>
 * <b>Score sums.</b> The graph may also be a score sum of several networks ({@link IaeEnsembleTrainer},
 * {@link dev.iae.onnx.OnnxScoreSum}): score kind {@link ScoreKind#SUM}, output {@code score} the sum of the
 * members' scores and {@code member_scores} [N, M] each member's own; it is served, serialized and exported like a
 * single network, and has no excuses (no {@code feature_errors} output).
 * <p>
 * <b>Explanations.</b> {@link #getExcuse(Example)} lists every feature with its squared reconstruction error (the
 * graph's {@code feature_errors} output, normalised space), largest first, under {@link Model#ALL_OUTPUTS}. Graphs
 * without a decoder (e.g. the Deep SVDD ablation) have no such output and return {@link Optional#empty()}.
 * {@link #getTopFeatures(int)} returns an empty map: a deep network has no global feature ranking (as Tribuo's
 * other external and anomaly models, which also return an empty map).
 * <p>
 * <b>Integrity.</b> The model records the SHA-256 of its ONNX bytes and verifies it whenever it is loaded (Tribuo
 * protobuf or Java serialization); it also checks that the graph's feature-name metadata equals the feature map
 * (a graph built for another feature set is refused), that the threshold stored with the model equals the one in
 * the graph's metadata, and that the graph has the contract's input and score output with the contract's types and
 * shapes (input {@code features} FLOAT [N, D] for the feature map's D features, every output FLOAT with the batch
 * dimension N first, {@code score} [N]). All such failures are
 * {@link IllegalArgumentException}s (wrapped in an {@link IllegalStateException} by {@link Model#deserialize}, in an
 * {@link InvalidObjectException} by Java deserialization); unparseable protobuf is an
 * {@link InvalidProtocolBufferException}.
 * For files from elsewhere use {@link #loadProtobuf(Path)} / {@link #fromProtobuf(ModelProto)}: they refuse a file
 * that names another class before any class is loaded, and fail only with {@link IOException} (including
 * {@link InvalidProtocolBufferException}) or {@link IllegalArgumentException}. Prefer protobuf to Java
 * serialization for untrusted files: Java deserialization runs the {@code readObject} code of any class the stream
 * names before this class can check anything.
 * <p>
 * <b>Life cycle.</b> The session is native memory: {@link #close()} releases it, after which prediction throws
 * {@link IllegalStateException}. Concurrent predictions share the session (ONNX Runtime's {@code run} is
 * thread-safe); {@code close()} waits for running predictions to finish. The session is transient and is reopened
 * after deserialization, on the recorded execution provider; a file that recorded {@link ExecutionProvider#CUDA}
 * opens on the CPU, with a logged warning, where CUDA is not available. Deserialized, copied and re-thresholded
 * models are new objects with their own session.
 * <p>
 * <b>Deployment.</b> {@link #exportONNXModel(String, long)} / {@link #saveONNXModel} give the stored graph (with the
 * requested domain and model version), which carries the feature names, threshold, score kind and the Tribuo
 * provenance (under {@link ONNXExportable#PROVENANCE_METADATA_FIELD}) in its metadata and runs in any ONNX Runtime.
 */
public final class IaeModel extends Model<Event> implements ONNXExportable, AutoCloseable {
    private static final long serialVersionUID = 1L;
    private static final Logger logger = Logger.getLogger(IaeModel.class.getName());

    /** Protobuf serialization version. */
    public static final int CURRENT_VERSION = 0;
    /** Default number of examples per ONNX Runtime call in batched prediction. */
    public static final int DEFAULT_CHUNK_SIZE = 256;
    /** Largest accepted chunk size (a larger value in a model file would only waste memory). */
    public static final int MAX_CHUNK_SIZE = 1 << 20;
    /** Largest accepted ONNX Runtime intra-op thread count (a hostile model file must not spawn millions). */
    public static final int MAX_INTRA_OP_THREADS = 1024;
    /**
     * The instance-provenance key under which {@link #withThreshold(double)} records the threshold it set by hand
     * (a {@link DoubleProvenance}).
     */
    public static final String PROVENANCE_THRESHOLD_OVERRIDE = "threshold-override";
    /**
     * The instance-provenance key under which the first {@link #withThreshold(double)} records the threshold the
     * model had before (for a trained model, the one the trainer's threshold rule fitted).
     */
    public static final String PROVENANCE_THRESHOLD_BEFORE_OVERRIDE = "threshold-before-override";
    /**
     * The ONNX metadata key naming how the threshold was set: the trainer's {@link ThresholdRule} ({@code QUANTILE}
     * or {@code RADIUS}), or, after {@link #withThreshold(double)}, {@link #THRESHOLD_RULE_OVERRIDE} followed by
     * {@code (was RULE)} when the model had a rule before.
     */
    public static final String META_THRESHOLD_RULE = "iae.threshold_rule";
    /** The value of {@link #META_THRESHOLD_RULE} for a threshold set by hand. */
    public static final String THRESHOLD_RULE_OVERRIDE = "OVERRIDE";
    /** In an expected shape of {@link #checkTensor}: any positive size. */
    private static final long ANY_SIZE = Long.MIN_VALUE;
    /** Tribuo's key of the instance provenance inside a {@link ModelProvenance} (protected in Tribuo). */
    private static final String MODEL_PROVENANCE_INSTANCE_VALUES = "instance-values";
    /** Pooled input buffers larger than this many floats (16 MiB) are not kept between calls. */
    private static final int MAX_POOLED_FLOATS = 1 << 22;

    private final byte[] onnxBytes;
    private final byte[] sha256;
    private final double threshold;
    private final ScoreKind scoreKind;
    private final ExecutionProvider executionProvider;
    private final int chunkSize;
    private final int intraOpThreads;

    private transient ReentrantReadWriteLock lock;
    private transient OrtSession session;
    /** A session on the graph pruned to the score (see {@link ScoreGraphPruner}), or null when nothing prunes. */
    private transient OrtSession scoreSession;
    /** Reusable direct input buffers for {@link #predict}; at most one per core is kept. */
    private transient ArrayBlockingQueue<FloatBuffer> inputBuffers;
    private transient ExecutionProvider activeProvider;
    /**
     * True for a model read from a file and the models derived from it on the same provider (copies, other
     * threshold, chunk size or threads): a recorded CUDA may fall back to the CPU (see {@link #openSession}).
     */
    private transient boolean restored;
    private transient boolean closed;
    private transient Map<String, String> onnxMetadata;
    private transient List<String> outputNames;

    /**
     * Builds a model on ONNX bytes: checks them, records their hash and opens the session.
     * @param expectedSha256 the recorded hash the bytes must match, or null when the bytes are new.
     * @param expectedThreshold the recorded threshold the metadata must match, or NaN when there is none.
     */
    private IaeModel(String name, ModelProvenance provenance, ImmutableFeatureMap featureMap,
                     ImmutableOutputInfo<Event> outputInfo, byte[] onnxBytes, byte[] expectedSha256,
                     double expectedThreshold, ExecutionProvider provider, int chunkSize, int intraOpThreads) {
        this(name, provenance, featureMap, outputInfo, onnxBytes, expectedSha256, expectedThreshold, provider,
                chunkSize, intraOpThreads, false);
    }

    /**
     * As above.
     * @param restored true when the model is read from a file or derived from one (see {@link #restored}).
     */
    private IaeModel(String name, ModelProvenance provenance, ImmutableFeatureMap featureMap,
                     ImmutableOutputInfo<Event> outputInfo, byte[] onnxBytes, byte[] expectedSha256,
                     double expectedThreshold, ExecutionProvider provider, int chunkSize, int intraOpThreads,
                     boolean restored) {
        super(name, provenance, featureMap, outputInfo, false);
        Objects.requireNonNull(onnxBytes, "onnxBytes");
        this.executionProvider = Objects.requireNonNull(provider, "provider");
        this.chunkSize = checkChunkSize(chunkSize);
        this.intraOpThreads = checkThreads(intraOpThreads);
        this.onnxBytes = onnxBytes.clone();
        this.sha256 = sha256(this.onnxBytes);
        if (expectedSha256 != null) {
            verifyHash(this.sha256, expectedSha256);
        }
        Map<String, String> meta = inspect(this.onnxBytes, featureMap);
        this.threshold = parseThreshold(meta);
        this.scoreKind = parseScoreKind(meta);
        if (!Double.isNaN(expectedThreshold) && Double.compare(expectedThreshold, threshold) != 0) {
            throw new IllegalArgumentException("The model's recorded threshold " + expectedThreshold
                    + " differs from the threshold " + threshold + " in its ONNX metadata; the model data is inconsistent");
        }
        this.onnxMetadata = Collections.unmodifiableMap(meta);
        this.restored = restored;
        openSession();
    }

    /**
     * Creates a model from a trained network: adds the Tribuo provenance to the description's metadata
     * ({@link ONNXExportable#PROVENANCE_METADATA_FIELD}, serialized, and {@link OnnxContract#META_PROVENANCE_TEXT},
     * human-readable), writes the ONNX graph with {@link IaeOnnxWriter}, and opens an ONNX Runtime session on it
     * with the default chunk size and thread count.
     * @param name the model name.
     * @param provenance the model provenance.
     * @param featureMap the feature map; its names in id order must be the description's feature names.
     * @param outputInfo the output domain (from Tribuo's {@code AnomalyFactory}).
     * @param description the trained network.
     * @param provider where to run the session.
     * @return the model.
     * @throws IllegalArgumentException if the description is inconsistent or built for other features.
     * @throws IllegalStateException if the provider is CUDA and CUDA is unavailable.
     */
    public static IaeModel create(String name, ModelProvenance provenance, ImmutableFeatureMap featureMap,
                                  ImmutableOutputInfo<Event> outputInfo, IaeNetworkDescription description,
                                  ExecutionProvider provider) {
        Objects.requireNonNull(provenance, "provenance");
        Objects.requireNonNull(description, "description");
        OnnxMl.ModelProto proto = IaeOnnxWriter.write(description.withMetadata(provenanceMetadata(provenance)));
        return new IaeModel(name, provenance, featureMap, outputInfo, proto.toByteArray(), null, Double.NaN,
                provider, DEFAULT_CHUNK_SIZE, 0);
    }

    /**
     * Creates a model from the bytes of an IAE-LSTM-KL ONNX file (e.g. one written by {@link #saveONNXModel}), with
     * the default chunk size and thread count. The threshold and score kind come from the file's metadata. If the
     * given provenance is not the one the file carries, the model's ONNX metadata gets the given one (as
     * {@link #copy} does), so what the model exports and serializes never carries two provenances.
     * @param name the model name.
     * @param provenance the provenance to give the model.
     * @param featureMap the feature map; its names in id order must equal the file's feature names.
     * @param outputInfo the output domain.
     * @param onnxBytes the ONNX bytes (copied).
     * @param provider where to run the session.
     * @return the model.
     * @throws IllegalArgumentException if the bytes are not an IAE-LSTM-KL ONNX model, ONNX Runtime cannot load
     *     them on the CPU, or the file was built for another feature set.
     * @throws IllegalStateException if the provider is CUDA and CUDA is unavailable or cannot open the model.
     */
    public static IaeModel fromOnnx(String name, ModelProvenance provenance, ImmutableFeatureMap featureMap,
                                    ImmutableOutputInfo<Event> outputInfo, byte[] onnxBytes, ExecutionProvider provider) {
        Objects.requireNonNull(provenance, "provenance");
        Objects.requireNonNull(onnxBytes, "onnxBytes");
        byte[] bytes = onnxBytes;
        if (!provenance.equals(fileProvenance(onnxBytes))) {
            // As copy(): the exported file and the serialized model never carry a provenance the model does not have.
            bytes = OnnxMetadata.withEntries(OnnxMetadata.parse(onnxBytes), provenanceMetadata(provenance))
                    .toByteArray();
        }
        return new IaeModel(name, provenance, featureMap, outputInfo, bytes, null, Double.NaN,
                provider, DEFAULT_CHUNK_SIZE, 0);
    }

    /**
     * The provenance an ONNX file carries in its metadata, or null if it has none that can be read (the caller's
     * provenance then replaces it). Bytes that are not an ONNX model give null here and fail in the constructor.
     */
    private static ModelProvenance fileProvenance(byte[] onnxBytes) {
        try {
            String text = OnnxMetadata.read(onnxBytes).get(ONNXExportable.PROVENANCE_METADATA_FIELD);
            return text == null ? null
                    : (ModelProvenance) ONNXExportable.SERIALIZER.deserializeAndUnmarshal(text);
        } catch (RuntimeException | ProvenanceSerializationException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------------------------------------ settings

    /** @return the decision threshold: scores above it are {@link Event.EventType#ANOMALOUS}. */
    public double threshold() {
        return threshold;
    }

    /**
     * A new model with another threshold. Its decisions no longer follow the trainer's threshold rule, so its
     * provenance says so: the instance provenance gains {@link #PROVENANCE_THRESHOLD_OVERRIDE} (the new threshold)
     * and, on the first override, {@link #PROVENANCE_THRESHOLD_BEFORE_OVERRIDE} (the threshold the model had, for
     * a trained model the one its threshold rule fitted); everything else in the provenance (data, trainer, training
     * time, system) is kept. Its ONNX bytes differ in the threshold, threshold rule ({@link #META_THRESHOLD_RULE}
     * becomes {@link #THRESHOLD_RULE_OVERRIDE}) and provenance metadata (and so in their hash).
     * This model is unchanged and stays open.
     * @param newThreshold the new threshold (not NaN).
     * @return the new model, with its own session.
     */
    public IaeModel withThreshold(double newThreshold) {
        if (Double.isNaN(newThreshold)) {
            throw new IllegalArgumentException("threshold must not be NaN");
        }
        ModelProvenance newProvenance = thresholdOverrideProvenance(provenance, threshold, newThreshold);
        Map<String, String> entries = provenanceMetadata(newProvenance);
        entries.put(OnnxContract.META_THRESHOLD, Double.toString(newThreshold));
        String rule = onnxMetadata.get(META_THRESHOLD_RULE);
        entries.put(META_THRESHOLD_RULE, rule == null ? THRESHOLD_RULE_OVERRIDE
                : rule.startsWith(THRESHOLD_RULE_OVERRIDE) ? rule : THRESHOLD_RULE_OVERRIDE + " (was " + rule + ")");
        OnnxMl.ModelProto proto = OnnxMetadata.withEntries(OnnxMetadata.parse(onnxBytes), entries);
        return new IaeModel(name, newProvenance, featureIDMap, outputIDInfo, proto.toByteArray(), null, newThreshold,
                executionProvider, chunkSize, intraOpThreads, restored);
    }

    /**
     * The provenance of a re-thresholded model: {@code provenance} with the override recorded in its instance
     * provenance (see {@link #withThreshold(double)}). Built from the provenance's own entries, so the training
     * time and the Tribuo, Java and OS versions it recorded are kept rather than replaced by this JVM's.
     */
    private static ModelProvenance thresholdOverrideProvenance(ModelProvenance provenance, double oldThreshold,
                                                               double newThreshold) {
        Map<String, Provenance> instance = new LinkedHashMap<>(provenance.getInstanceProvenance().getMap());
        instance.putIfAbsent(PROVENANCE_THRESHOLD_BEFORE_OVERRIDE,
                new DoubleProvenance(PROVENANCE_THRESHOLD_BEFORE_OVERRIDE, oldThreshold));
        instance.put(PROVENANCE_THRESHOLD_OVERRIDE, new DoubleProvenance(PROVENANCE_THRESHOLD_OVERRIDE, newThreshold));
        Map<String, Provenance> all = new LinkedHashMap<>();
        for (Pair<String, Provenance> p : provenance) {
            all.put(p.getA(), p.getB());
        }
        all.put(MODEL_PROVENANCE_INSTANCE_VALUES, new MapProvenance<>(instance));
        // A score sum's provenance keeps its class, and with it the member provenances.
        return provenance instanceof EnsembleModelProvenance ? new EnsembleModelProvenance(all)
                : new ModelProvenance(all);
    }

    /**
     * The ONNX metadata entries that carry a provenance: serialized ({@link ONNXExportable#PROVENANCE_METADATA_FIELD})
     * and human-readable ({@link OnnxContract#META_PROVENANCE_TEXT}).
     * @return a new mutable map.
     */
    private static Map<String, String> provenanceMetadata(ModelProvenance provenance) {
        Map<String, String> entries = new LinkedHashMap<>();
        entries.put(ONNXExportable.PROVENANCE_METADATA_FIELD, ONNXExportable.SERIALIZER.marshalAndSerialize(provenance));
        entries.put(OnnxContract.META_PROVENANCE_TEXT, provenance.toString());
        return entries;
    }

    /**
     * A new model on the same bytes with another execution provider.
     * @param provider the provider.
     * @return the new model, with its own session.
     */
    public IaeModel withExecutionProvider(ExecutionProvider provider) {
        return new IaeModel(name, provenance, featureIDMap, outputIDInfo, onnxBytes, sha256, threshold,
                provider, chunkSize, intraOpThreads);
    }

    /**
     * A new model on the same bytes with another batch chunk size.
     * @param newChunkSize examples per ONNX Runtime call in batched prediction (positive).
     * @return the new model, with its own session.
     */
    public IaeModel withChunkSize(int newChunkSize) {
        return new IaeModel(name, provenance, featureIDMap, outputIDInfo, onnxBytes, sha256, threshold,
                executionProvider, newChunkSize, intraOpThreads, restored);
    }

    /**
     * A new model on the same bytes with another ONNX Runtime intra-op thread count.
     * @param threads the thread count, or 0 for the default ({@link OrtSessions#THREADS_PROPERTY}, else 1).
     * @return the new model, with its own session.
     */
    public IaeModel withIntraOpThreads(int threads) {
        return new IaeModel(name, provenance, featureIDMap, outputIDInfo, onnxBytes, sha256, threshold,
                executionProvider, chunkSize, threads, restored);
    }

    /** @return which quantity the score is (from the ONNX metadata). */
    public ScoreKind scoreKind() {
        return scoreKind;
    }

    /** @return the requested execution provider (AUTO, CPU or CUDA). */
    public ExecutionProvider executionProvider() {
        return executionProvider;
    }

    /** @return where the session actually runs: CPU or CUDA (null once closed). */
    public ExecutionProvider activeExecutionProvider() {
        return activeProvider;
    }

    /** @return examples per ONNX Runtime call in batched prediction. */
    public int chunkSize() {
        return chunkSize;
    }

    /** @return the configured intra-op thread count (0 = the default at session creation). */
    public int intraOpThreads() {
        return intraOpThreads;
    }

    /** @return a copy of the ONNX bytes the model runs. */
    public byte[] onnxBytes() {
        return onnxBytes.clone();
    }

    /** @return the SHA-256 of the ONNX bytes, lower-case hex. */
    public String sha256Hex() {
        return HexFormat.of().formatHex(sha256);
    }

    /** @return the ONNX model's metadata entries (unmodifiable, file order). */
    public Map<String, String> onnxMetadata() {
        return onnxMetadata;
    }

    /** @return the architecture description stored in the ONNX metadata, or "" if absent. */
    public String architectureText() {
        return onnxMetadata.getOrDefault(OnnxContract.META_ARCHITECTURE, "");
    }

    /** @return the feature names in input order (from the feature map, checked against the ONNX metadata). */
    public List<String> featureNames() {
        return DenseFeatures.featureNames(featureIDMap);
    }

    /** @return the names of the graph's outputs (unmodifiable, graph order). */
    public List<String> outputNames() {
        return outputNames;
    }

    /**
     * @return true if the graph has the {@code feature_errors} output (a decoder's per-feature reconstruction
     *     errors), which excuses need; false for networks without a decoder and for score sums (whose members may
     *     have decoders, but whose graph exposes only the scores).
     */
    public boolean hasDecoder() {
        return outputNames.contains(OnnxContract.OUTPUT_FEATURE_ERRORS);
    }

    /** @return true once {@link #close()} has been called. */
    public boolean isClosed() {
        lock.readLock().lock();
        try {
            return closed;
        } finally {
            lock.readLock().unlock();
        }
    }

    // ---------------------------------------------------------------------------------------------- prediction

    /**
     * Scores one example.
     * @param example the example.
     * @return the prediction: an {@link Event} with the score and its type.
     * @throws IllegalArgumentException if the example has no known feature or a non-finite value.
     * @throws IllegalStateException if the model is closed.
     */
    @Override
    public Prediction<Event> predict(Example<Event> example) {
        return predictChunk(Collections.singletonList(example), 0).get(0);
    }

    /**
     * Scores examples in chunks of {@link #chunkSize()}, one ONNX Runtime call per chunk (smaller chunks when
     * {@code chunkSize × features} would exceed the 2^29 floats one input buffer holds).
     * @param examples the examples.
     * @return the predictions in input order.
     * @throws IllegalArgumentException naming the example index (position in {@code examples}) and the feature
     *     if an example has no known feature or a non-finite value.
     */
    @Override
    protected List<Prediction<Event>> innerPredict(Iterable<Example<Event>> examples) {
        List<Prediction<Event>> out = new ArrayList<>();
        // A chunk's rows go into one float buffer: with very many features, fewer rows per call than chunkSize
        // (scores do not depend on the chunking).
        int rowsPerCall = Math.min(chunkSize, Math.max(1, DenseFeatures.MAX_FLOATS / featureIDMap.size()));
        List<Example<Event>> chunk = new ArrayList<>(Math.min(rowsPerCall, 1024));
        long first = 0;
        for (Example<Event> e : examples) {
            chunk.add(e);
            if (chunk.size() == rowsPerCall) {
                out.addAll(predictChunk(chunk, first));
                first += chunk.size();
                chunk.clear();
            }
        }
        if (!chunk.isEmpty()) {
            out.addAll(predictChunk(chunk, first));
        }
        return out;
    }

    private List<Prediction<Event>> predictChunk(List<Example<Event>> chunk, long firstIndex) {
        int n = chunk.size();
        int d = featureIDMap.size();
        int[] used = new int[n];
        float[] scores;
        // Rows are packed straight into a pooled direct buffer, which ONNX Runtime reads without a copy (a heap
        // buffer is copied into a freshly allocated direct one on every call: measured 2.7x slower end to end on a
        // 100-feature model, benchmarks/results/perf.md). One pass per example (values and the used-feature count)
        // with cached name -> id lookups (DenseRowPacker, which DenseFeatures.fill also uses).
        FloatBuffer buf = borrowBuffer(DenseFeatures.floatCount(n, d, "A prediction chunk of " + n + " examples",
                "use a smaller chunk size"));
        try {
            DenseRowPacker packer = new DenseRowPacker(featureIDMap);
            for (int i = 0; i < n; i++) {
                used[i] = packer.fill(chunk.get(i), firstIndex + i, buf, i * d);
            }
            scores = run(buf, n, Set.of(OnnxContract.OUTPUT_SCORE), firstIndex).get(OnnxContract.OUTPUT_SCORE).data();
        } finally {
            returnBuffer(buf);
        }
        List<Prediction<Event>> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new Prediction<>(toEvent(scores[i]), used[i], chunk.get(i)));
        }
        return out;
    }

    private Event toEvent(double score) {
        return new Event(score > threshold ? Event.EventType.ANOMALOUS : Event.EventType.EXPECTED, score);
    }

    /**
     * Runs the graph on dense rows and returns every named output, for tooling (parity checks, latent vectors,
     * reconstruction errors). Rows are raw feature values in {@link #featureNames()} order.
     * @param rows the input rows, each of length {@code featureNames().size()}, all values finite.
     * @return each output's tensor by name, in graph order (first dimension = number of rows).
     * @throws IllegalArgumentException if a row has the wrong length or a non-finite value, or an output is not
     *     finite.
     * @throws IllegalStateException if the model is closed.
     */
    public Map<String, FloatTensor> outputs(float[][] rows) {
        return outputs(rows, outputNames.toArray(new String[0]));
    }

    /**
     * Runs the graph on dense rows and returns only the named outputs: ONNX Runtime then copies out nothing else
     * (a score sweep over the distance and the reconstruction error has no use for the latent vectors or the
     * per-feature errors, which are the bulk of the output).
     * @param rows the input rows, each of length {@code featureNames().size()}, all values finite.
     * @param names the outputs wanted, each one of {@link #outputNames()}; at least one.
     * @return each requested output's tensor by name, in graph order (first dimension = number of rows).
     * @throws IllegalArgumentException if no name or an unknown name is given, a row has the wrong length or a
     *     non-finite value, or an output is not finite.
     * @throws IllegalStateException if the model is closed.
     */
    public Map<String, FloatTensor> outputs(float[][] rows, String... names) {
        Objects.requireNonNull(rows, "rows");
        Objects.requireNonNull(names, "names");
        if (names.length == 0) {
            throw new IllegalArgumentException("outputs needs at least one output name; the model has "
                    + outputNames);
        }
        Set<String> requested = new LinkedHashSet<>();
        for (String outName : names) {
            if (!outputNames.contains(outName)) {
                throw new IllegalArgumentException("Unknown output '" + outName + "'; the model has " + outputNames);
            }
            requested.add(outName);
        }
        if (rows.length == 0) {
            throw new IllegalArgumentException("outputs needs at least one row");
        }
        int d = featureIDMap.size();
        float[] buf = new float[DenseFeatures.floatCount(rows.length, d, "outputs(rows) on " + rows.length + " rows",
                "pass fewer rows per call")];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] == null || rows[i].length != d) {
                throw new IllegalArgumentException("Row " + i + " has " + (rows[i] == null ? "no" : rows[i].length)
                        + " values, the model has " + d + " features");
            }
            for (int j = 0; j < d; j++) {
                if (!Float.isFinite(rows[i][j])) {
                    throw new IllegalArgumentException("Row " + i + " has a non-finite value (" + rows[i][j]
                            + ") for feature '" + featureIDMap.get(j).getName() + "'");
                }
            }
            System.arraycopy(rows[i], 0, buf, i * d, d);
        }
        return run(buf, rows.length, requested, 0);
    }

    /**
     * Runs the session on {@code n} dense rows and copies out the requested outputs, under the read lock.
     */
    private Map<String, FloatTensor> run(float[] buf, int n, Set<String> requested, long firstIndex) {
        return run(FloatBuffer.wrap(buf, 0, n * featureIDMap.size()), n, requested, firstIndex);
    }

    /**
     * A direct buffer with room for {@code floats} values (position 0, limit {@code floats}), from the pool when
     * one is free.
     */
    private FloatBuffer borrowBuffer(int floats) {
        ArrayBlockingQueue<FloatBuffer> pool = inputBuffers;
        FloatBuffer b = pool == null ? null : pool.poll();
        if (b == null || b.capacity() < floats) {
            int capacity = Math.max(floats, Math.min(chunkSize, MAX_POOLED_FLOATS / Math.max(1, featureIDMap.size()))
                    * featureIDMap.size());
            b = ByteBuffer.allocateDirect(capacity * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        }
        b.clear().limit(floats);
        return b;
    }

    /** Gives a buffer back to the pool (dropped when the pool is full or the buffer is oversized). */
    private void returnBuffer(FloatBuffer b) {
        ArrayBlockingQueue<FloatBuffer> pool = inputBuffers;
        if (pool != null && b.capacity() <= MAX_POOLED_FLOATS) {
            pool.offer(b);
        }
    }

    /**
     * Runs the session on {@code n} dense rows (the buffer's remaining values) and copies out the requested
     * outputs, under the read lock.
     */
    private Map<String, FloatTensor> run(FloatBuffer input, int n, Set<String> requested, long firstIndex) {
        int d = featureIDMap.size();
        lock.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("IaeModel '" + name + "' has been closed; its ONNX Runtime session "
                        + "is released. Deserialize or copy the model to predict again.");
            }
            OrtEnvironment env = OrtSessions.environment();
            Map<String, FloatTensor> out = new LinkedHashMap<>();
            OrtSession s = scoreSession != null && requested.size() == 1
                    && requested.contains(OnnxContract.OUTPUT_SCORE) ? scoreSession : session;
            try (OnnxTensor tensor = OnnxTensor.createTensor(env, input, new long[]{n, d});
                 OrtSession.Result result = s.run(Collections.singletonMap(OnnxContract.INPUT_FEATURES, tensor),
                         requested)) {
                for (String outName : outputNames) {
                    if (!requested.contains(outName)) {
                        continue;
                    }
                    OnnxValue v = result.get(outName).orElseThrow(() -> new IllegalStateException(
                            "ONNX Runtime returned no output '" + outName + "'"));
                    OnnxTensor t = (OnnxTensor) v;
                    FloatBuffer fb = t.getFloatBuffer();
                    float[] data = new float[fb.remaining()];
                    fb.get(data);
                    long[] shape = t.getInfo().getShape();
                    checkFinite(outName, data, n, firstIndex);
                    out.put(outName, new FloatTensor(shape, data));
                }
            }
            return out;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed to run IaeModel '" + name + "' on " + n
                    + " examples starting at index " + firstIndex + ": " + e.getMessage(), e);
        } finally {
            lock.readLock().unlock();
        }
    }

    private static void checkFinite(String outName, float[] data, int n, long firstIndex) {
        int perRow = data.length / n;
        for (int k = 0; k < data.length; k++) {
            if (!Float.isFinite(data[k])) {
                throw new IllegalArgumentException("Example " + (firstIndex + k / perRow) + ": the model's output '"
                        + outName + "' is not finite (" + data[k] + "); its feature values are probably far outside "
                        + "the range seen in training");
            }
        }
    }

    /**
     * Explains one example by its per-feature squared reconstruction errors (normalised space): every feature of
     * the model with its error, largest first, under the key {@link Model#ALL_OUTPUTS}. The excuse's prediction is
     * the model's prediction for the example.
     * @param example the example.
     * @return the excuse, or {@link Optional#empty()} if the graph has no decoder.
     * @throws IllegalArgumentException if the example has no known feature or a non-finite value.
     * @throws IllegalStateException if the model is closed.
     */
    @Override
    public Optional<Excuse<Event>> getExcuse(Example<Event> example) {
        if (!hasDecoder()) {
            return Optional.empty();
        }
        // The prediction comes from predict's own path (the score-only graph where there is one), so an excuse never
        // decides an example differently from predict; the full graph supplies the per-feature errors.
        Prediction<Event> prediction = predict(example);
        int d = featureIDMap.size();
        float[] row = new float[d];
        DenseFeatures.fill(example, featureIDMap, 0, row, 0);
        Map<String, FloatTensor> out = run(row, 1, Set.of(OnnxContract.OUTPUT_FEATURE_ERRORS), 0);
        FloatTensor errors = out.get(OnnxContract.OUTPUT_FEATURE_ERRORS);
        List<Pair<String, Double>> list = new ArrayList<>(d);
        for (int j = 0; j < d; j++) {
            list.add(new Pair<>(featureIDMap.get(j).getName(), (double) errors.get(j)));
        }
        list.sort(Comparator.comparing((Pair<String, Double> p) -> p.getB()).reversed());
        Map<String, List<Pair<String, Double>>> weights = new LinkedHashMap<>();
        weights.put(Model.ALL_OUTPUTS, Collections.unmodifiableList(list));
        return Optional.of(new Excuse<>(example, prediction, weights));
    }

    /**
     * Returns an empty map: the network has no global ranking of its features (per-example explanations come
     * from {@link #getExcuse(Example)}).
     * @param n ignored.
     * @return an empty map.
     */
    @Override
    public Map<String, List<Pair<String, Double>>> getTopFeatures(int n) {
        return Collections.emptyMap();
    }

    // ------------------------------------------------------------------------------------------------- export

    /**
     * The stored ONNX graph with the given domain and model version; the rest (graph, metadata including the
     * provenance, producer) is unchanged.
     * @param domain the model domain (reverse-DNS style).
     * @param modelVersion the model version.
     * @return the ONNX model.
     */
    @Override
    public OnnxMl.ModelProto exportONNXModel(String domain, long modelVersion) {
        Objects.requireNonNull(domain, "domain");
        return OnnxMetadata.parse(onnxBytes).toBuilder().setDomain(domain).setModelVersion(modelVersion).build();
    }

    /**
     * Not supported: the model's graph is prebuilt by {@link IaeOnnxWriter} (its operators — LSTM, Conv, Resize,
     * BatchNormalization — are outside Tribuo's {@code ONNXOperators}), so it cannot be appended node by node to
     * another Tribuo ONNX context. Use {@link #exportONNXModel(String, long)} or {@link #saveONNXModel}.
     * @param input ignored.
     * @return never.
     * @throws UnsupportedOperationException always.
     */
    @Override
    public ONNXNode writeONNXGraph(ONNXRef<?> input) {
        throw new UnsupportedOperationException("IaeModel's ONNX graph is prebuilt and cannot be written into another "
                + "ONNX context; use exportONNXModel(domain, modelVersion) or saveONNXModel(...) instead");
    }

    // -------------------------------------------------------------------------------------------- life cycle

    /**
     * Releases the ONNX Runtime session. Waits for running predictions; later predictions throw
     * {@link IllegalStateException}. Calling it again does nothing. Serialization still works after closing.
     */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            activeProvider = null;
            try {
                session.close();
            } catch (OrtException e) {
                logger.log(Level.WARNING, "Failed to close the ONNX Runtime session of IaeModel '" + name + "'", e);
            }
            session = null;
            if (scoreSession != null) {
                try {
                    scoreSession.close();
                } catch (OrtException e) {
                    logger.log(Level.WARNING, "Failed to close the score-only ONNX Runtime session of IaeModel '"
                            + name + "'", e);
                }
                scoreSession = null;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * A new model (own session) with another name and provenance. With the same provenance the ONNX bytes are
     * identical; with another provenance the provenance entries in the ONNX metadata are replaced, so an exported
     * file never carries a provenance the model no longer has.
     * @param newName the new name.
     * @param newProvenance the new provenance.
     * @return the copy.
     */
    @Override
    protected IaeModel copy(String newName, ModelProvenance newProvenance) {
        byte[] bytes = onnxBytes;
        byte[] expectedHash = sha256;
        if (!newProvenance.equals(provenance)) {
            bytes = OnnxMetadata.withEntries(OnnxMetadata.parse(onnxBytes), provenanceMetadata(newProvenance))
                    .toByteArray();
            expectedHash = null;
        }
        return new IaeModel(newName, newProvenance, featureIDMap, outputIDInfo, bytes, expectedHash, threshold,
                executionProvider, chunkSize, intraOpThreads, restored);
    }

    // --------------------------------------------------------------------------------------------- serialization

    @Override
    public ModelProto serialize() {
        ModelDataCarrier<Event> carrier = createDataCarrier();
        IaeModelProto data = IaeModelProto.newBuilder()
                .setMetadata(carrier.serialize().toByteString())
                .setOnnxModel(ByteString.copyFrom(onnxBytes))
                .setOnnxSha256(ByteString.copyFrom(sha256))
                .setThreshold(threshold)
                .setExecutionProvider(executionProvider.name())
                .setChunkSize(chunkSize)
                .setIntraOpThreads(intraOpThreads)
                .build();
        return ModelProto.newBuilder()
                .setSerializedData(Any.pack(data))
                .setClassName(IaeModel.class.getName())
                .setVersion(CURRENT_VERSION)
                .build();
    }

    /**
     * Loads an IaeModel from Tribuo protobuf, checking first that the message names this class. Prefer it to
     * {@link Model#deserialize(ModelProto)} for files from elsewhere: Tribuo's generic loader initialises whatever
     * class the file names before checking it, returns any Tribuo model type, and wraps every failure in an
     * {@link IllegalStateException}; this method refuses other classes up front and reports failures as the two
     * exception types below.
     * @param proto the parsed model message.
     * @return the model, with an open session.
     * @throws InvalidProtocolBufferException if the serialized data does not parse.
     * @throws IllegalArgumentException if the message is not an IaeModel or its content is invalid (see
     *     {@link #deserializeFromProto(int, String, Any)}).
     */
    public static IaeModel fromProtobuf(ModelProto proto) throws InvalidProtocolBufferException {
        Objects.requireNonNull(proto, "proto");
        if (!IaeModel.class.getName().equals(proto.getClassName())) {
            throw new IllegalArgumentException("Not an IaeModel: the protobuf names class '" + proto.getClassName()
                    + "', expected '" + IaeModel.class.getName() + "'");
        }
        return deserializeFromProto(proto.getVersion(), proto.getClassName(), proto.getSerializedData());
    }

    /**
     * Reads a Tribuo protobuf model file written by {@link #serializeToFile(Path)} and loads it with
     * {@link #fromProtobuf(ModelProto)}.
     * @param path the file.
     * @return the model, with an open session.
     * @throws IOException if the file cannot be read or does not parse ({@link InvalidProtocolBufferException}).
     * @throws IllegalArgumentException if the file is not an IaeModel or its content is invalid.
     */
    public static IaeModel loadProtobuf(Path path) throws IOException {
        try (InputStream is = new BufferedInputStream(Files.newInputStream(path))) {
            return fromProtobuf(ModelProto.parseFrom(is));
        }
    }

    /**
     * Deserialization factory for Tribuo's protobuf serialization ({@link Model#deserialize(ModelProto)}).
     * @param version the serialized version.
     * @param className the class name.
     * @param message the serialized data (an {@link IaeModelProto}).
     * @return the model, with an open session.
     * @throws InvalidProtocolBufferException if the message or its metadata does not parse.
     * @throws IllegalArgumentException if the version is unknown, the model metadata cannot be read, the ONNX
     *     bytes do not match their recorded SHA-256, are not an IAE-LSTM-KL ONNX model, were built for another
     *     feature set, or disagree with the recorded threshold, a setting (chunk size, thread count, execution
     *     provider) is out of range, or the output domain is not an anomaly domain.
     */
    @SuppressWarnings("unchecked") // output domain checked element by element
    public static IaeModel deserializeFromProto(int version, String className, Any message)
            throws InvalidProtocolBufferException {
        if (version < 0 || version > CURRENT_VERSION) {
            throw new IllegalArgumentException("Unknown version " + version + ", this class supports at most version "
                    + CURRENT_VERSION);
        }
        IaeModelProto proto = message.unpack(IaeModelProto.class);
        ModelDataCarrier<?> carrier;
        try {
            carrier = ModelDataCarrier.deserialize(ModelDataProto.parseFrom(proto.getMetadata()));
        } catch (RuntimeException e) {
            // Tribuo and OLCUT report damaged metadata with many exception types (nested IllegalStateExceptions,
            // ProvenanceException, ...): give callers one documented type.
            throw new IllegalArgumentException("Invalid protobuf: the model metadata (name, provenance, feature and "
                    + "output domains) cannot be read: " + rootMessage(e), e);
        }
        for (Object o : carrier.outputDomain().getDomain()) {
            if (!(o instanceof Event)) {
                throw new IllegalArgumentException("Invalid protobuf: the output domain holds " + o.getClass().getName()
                        + ", an IaeModel needs org.tribuo.anomaly.Event");
            }
        }
        ExecutionProvider provider;
        try {
            provider = ExecutionProvider.valueOf(proto.getExecutionProvider());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid protobuf: unknown execution provider '"
                    + proto.getExecutionProvider() + "'", e);
        }
        if (Double.isNaN(proto.getThreshold())) {
            // NaN would switch off the threshold consistency check in the constructor.
            throw new IllegalArgumentException("Invalid protobuf: the recorded threshold is NaN");
        }
        byte[] hash = proto.getOnnxSha256().toByteArray();
        if (hash.length != 32) {
            throw new IllegalArgumentException("Invalid protobuf: the recorded SHA-256 has " + hash.length
                    + " bytes, expected 32");
        }
        return new IaeModel(carrier.name(), carrier.provenance(), carrier.featureDomain(),
                (ImmutableOutputInfo<Event>) carrier.outputDomain(), proto.getOnnxModel().toByteArray(), hash,
                proto.getThreshold(), provider, proto.getChunkSize(), proto.getIntraOpThreads(), true);
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        try {
            verifyHash(sha256(onnxBytes), sha256);
            checkChunkSize(chunkSize);
            checkThreads(intraOpThreads);
            Map<String, String> meta = inspect(onnxBytes, featureIDMap);
            double t = parseThreshold(meta);
            if (Double.compare(t, threshold) != 0) {
                throw new IllegalArgumentException("The model's recorded threshold " + threshold
                        + " differs from the threshold " + t + " in its ONNX metadata; the model data is inconsistent");
            }
            onnxMetadata = Collections.unmodifiableMap(meta);
            restored = true;
            openSession();
        } catch (RuntimeException e) {
            InvalidObjectException ex = new InvalidObjectException("Cannot restore IaeModel '" + name + "': "
                    + e.getMessage());
            ex.initCause(e);
            throw ex;
        }
    }

    // ------------------------------------------------------------------------------------------------- helpers

    /**
     * Opens the ONNX Runtime session(s) on the requested provider. For a model read from a file (or derived from
     * such a model without a new provider, {@link #restored}), a recorded {@link ExecutionProvider#CUDA} that is not
     * available here runs on the CPU with a logged warning instead of failing, because a model file must load on any
     * machine (as Tribuo's own ONNX-backed models reopen on the CPU after deserialization); the model keeps CUDA as
     * its requested provider, so it is CUDA again wherever CUDA is available. {@link #withExecutionProvider} is a new
     * request and never falls back.
     */
    private void openSession() {
        lock = new ReentrantReadWriteLock();
        OrtSessions.Opened opened;
        try {
            opened = OrtSessions.open(onnxBytes, executionProvider, intraOpThreads);
        } catch (IllegalStateException e) {
            if (!restored || executionProvider != ExecutionProvider.CUDA) {
                throw e;
            }
            logger.warning("IaeModel '" + name + "' was saved with execution provider CUDA, which could not start "
                    + "here (" + e.getMessage() + "); it runs on the CPU (withExecutionProvider chooses another "
                    + "provider)");
            opened = OrtSessions.open(onnxBytes, ExecutionProvider.CPU, intraOpThreads);
        }
        OrtSession s = opened.session();
        try {
            if (!s.getInputNames().contains(OnnxContract.INPUT_FEATURES)) {
                throw new IllegalArgumentException("The ONNX model has no input '" + OnnxContract.INPUT_FEATURES
                        + "' (inputs: " + s.getInputNames() + "); it is not an IAE-LSTM-KL model");
            }
            if (!s.getOutputNames().contains(OnnxContract.OUTPUT_SCORE)) {
                throw new IllegalArgumentException("The ONNX model has no output '" + OnnxContract.OUTPUT_SCORE
                        + "' (outputs: " + s.getOutputNames() + "); it is not an IAE-LSTM-KL model");
            }
            checkSignature(s);
        } catch (RuntimeException e) {
            try {
                s.close();
            } catch (OrtException ignored) {
                // already failing
            }
            throw e;
        }
        // Score-only prediction runs a second session on the graph cut down to the score (ONNX Runtime runs every
        // node whatever outputs are requested; with the SVDD score the decoder would be computed for nothing).
        byte[] pruned = ScoreGraphPruner.prune(onnxBytes, OnnxContract.OUTPUT_SCORE);
        OrtSession scoreOnly = null;
        if (pruned != null) {
            try {
                scoreOnly = OrtSessions.open(pruned, opened.provider(), intraOpThreads).session();
                if (!scoreOnly.getInputNames().equals(Set.of(OnnxContract.INPUT_FEATURES))) {
                    throw new IllegalStateException("the pruned graph requires the inputs "
                            + scoreOnly.getInputNames());
                }
            } catch (RuntimeException e) {
                if (scoreOnly != null) {
                    try {
                        scoreOnly.close();
                    } catch (OrtException ignored) {
                        // the full graph serves instead
                    }
                    scoreOnly = null;
                }
                logger.log(Level.FINE, "No score-only session for IaeModel '" + name + "' (" + e.getMessage()
                        + "); score-only prediction uses the full graph", e);
            }
        }
        scoreSession = scoreOnly;
        inputBuffers = new ArrayBlockingQueue<>(Math.max(2, Runtime.getRuntime().availableProcessors()));
        session = s;
        activeProvider = opened.provider();
        outputNames = Collections.unmodifiableList(new ArrayList<>(s.getOutputNames()));
        closed = false;
    }

    /**
     * Checks the types and shapes the session declares for the input and the outputs, so that a graph which would
     * be fed or read wrongly is refused at load rather than failing (or being misread) at prediction: the input
     * {@code features} must be FLOAT [N, D] with D the number of features in the feature map, and every output a
     * FLOAT tensor whose first dimension is the batch dimension N; {@code score}, {@code svdd_distance} and
     * {@code reconstruction_error} are [N], {@code feature_errors} is [N, D] and {@code latent} is [N, r]. N is a
     * symbolic dimension (-1 to ONNX Runtime): a fixed batch size would break chunked prediction.
     * @throws IllegalArgumentException naming the model, the tensor and the declared versus expected type or shape.
     */
    private void checkSignature(OrtSession s) {
        int d = featureIDMap.size();
        Map<String, NodeInfo> inputs;
        Map<String, NodeInfo> outputs;
        try {
            inputs = s.getInputInfo();
            outputs = s.getOutputInfo();
        } catch (OrtException e) {
            throw new IllegalArgumentException("ONNX Runtime cannot describe the inputs and outputs of IaeModel '" + name
                    + "': " + e.getMessage(), e);
        }
        checkTensor("input", OnnxContract.INPUT_FEATURES, inputs.get(OnnxContract.INPUT_FEATURES), d);
        if (inputs.size() != 1) {
            throw new IllegalArgumentException("The ONNX model of IaeModel '" + name + "' requires the inputs "
                    + inputs.keySet() + "; an IAE-LSTM-KL model takes only '" + OnnxContract.INPUT_FEATURES
                    + "' (every other value must be an initializer)");
        }
        for (Map.Entry<String, NodeInfo> e : outputs.entrySet()) {
            String out = e.getKey();
            if (OnnxContract.OUTPUT_FEATURE_ERRORS.equals(out)) {
                checkTensor("output", out, e.getValue(), d);
            } else if (OnnxContract.OUTPUT_LATENT.equals(out)) {
                checkTensor("output", out, e.getValue(), ANY_SIZE);
            } else if (OnnxContract.OUTPUT_SCORE.equals(out) || OnnxContract.OUTPUT_DISTANCE.equals(out)
                    || OnnxContract.OUTPUT_RECONSTRUCTION_ERROR.equals(out)) {
                checkTensor("output", out, e.getValue());
            } else {
                checkTensor("output", out, e.getValue(), (long[]) null);
            }
        }
    }

    /**
     * Checks one declared tensor: FLOAT, first dimension the batch dimension (-1), then {@code rest} (a size, or
     * {@link #ANY_SIZE}); {@code rest == null} accepts any rank of at least 1.
     */
    private void checkTensor(String role, String tensor, NodeInfo node, long... rest) {
        String expected = "FLOAT [" + (rest == null ? "N, ..." : shapeText(prepend(-1, rest))) + "]";
        if (node == null || !(node.getInfo() instanceof TensorInfo)) {
            throw new IllegalArgumentException("The ONNX model of IaeModel '" + name + "' declares " + role + " '"
                    + tensor + "' as " + (node == null ? "nothing" : node.getInfo()) + ", expected a tensor "
                    + expected + "; it is not an IAE-LSTM-KL model for these features");
        }
        TensorInfo info = (TensorInfo) node.getInfo();
        long[] shape = info.getShape();
        boolean ok = info.type == OnnxJavaType.FLOAT && shape.length >= 1 && shape[0] == -1
                && (rest == null || shape.length == rest.length + 1);
        for (int k = 0; ok && rest != null && k < rest.length; k++) {
            long found = shape[k + 1];
            ok = rest[k] == ANY_SIZE ? found > 0 : found == rest[k];
        }
        if (!ok) {
            throw new IllegalArgumentException("The ONNX model of IaeModel '" + name + "' declares " + role + " '"
                    + tensor + "' as " + info.type + " [" + shapeText(shape) + "], expected " + expected
                    + " (N = any batch size); it is not an IAE-LSTM-KL model for these " + featureIDMap.size()
                    + " features");
        }
    }

    private static long[] prepend(long first, long[] rest) {
        long[] out = new long[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }

    /** A shape with -1 (symbolic) shown as N and {@link #ANY_SIZE} as r. */
    private static String shapeText(long[] shape) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < shape.length; k++) {
            if (k > 0) {
                sb.append(", ");
            }
            sb.append(shape[k] == -1 ? "N" : shape[k] == ANY_SIZE ? "r" : Long.toString(shape[k]));
        }
        return sb.toString();
    }

    /**
     * Parses the bytes and checks the metadata against the feature map.
     * @return the metadata.
     */
    private static Map<String, String> inspect(byte[] bytes, ImmutableFeatureMap featureMap) {
        checkFeatureIds(featureMap);
        Map<String, String> meta = OnnxMetadata.read(bytes);
        String format = meta.get(OnnxContract.META_FORMAT_VERSION);
        if (!OnnxContract.FORMAT_VERSION.equals(format)) {
            throw new IllegalArgumentException("The ONNX model is not an IAE-LSTM-KL model of format version "
                    + OnnxContract.FORMAT_VERSION + " (metadata '" + OnnxContract.META_FORMAT_VERSION + "' is "
                    + (format == null ? "missing" : "'" + format + "'") + ")");
        }
        String namesJson = meta.get(OnnxContract.META_FEATURE_NAMES);
        if (namesJson == null) {
            throw new IllegalArgumentException("The ONNX model has no feature names (metadata '"
                    + OnnxContract.META_FEATURE_NAMES + "')");
        }
        List<String> onnxNames = OnnxMetadata.decodeStringList(namesJson);
        List<String> mapNames = DenseFeatures.featureNames(featureMap);
        if (!onnxNames.equals(mapNames)) {
            int i = 0;
            while (i < onnxNames.size() && i < mapNames.size() && onnxNames.get(i).equals(mapNames.get(i))) {
                i++;
            }
            String where = i < onnxNames.size() && i < mapNames.size()
                    ? "first difference at position " + i + ": '" + onnxNames.get(i) + "' in the ONNX model, '"
                    + mapNames.get(i) + "' in the feature map"
                    : "the lists agree up to position " + i;
            throw new IllegalArgumentException("The ONNX model was built for another feature set: it has "
                    + onnxNames.size() + " features, the feature map has " + mapNames.size() + "; " + where);
        }
        parseThreshold(meta);
        parseScoreKind(meta);
        return meta;
    }

    /**
     * The feature ids must be exactly 0 … size−1 (a damaged or hand-made feature map could have gaps or
     * duplicates, which would put values in the wrong input column or outside the input row).
     */
    private static void checkFeatureIds(ImmutableFeatureMap featureMap) {
        Objects.requireNonNull(featureMap, "featureMap");
        int d = featureMap.size();
        if (d == 0) {
            throw new IllegalArgumentException("The feature map is empty");
        }
        boolean[] seen = new boolean[d];
        for (org.tribuo.VariableInfo v : featureMap) {
            org.tribuo.VariableIDInfo info = featureMap.get(v.getName());
            int id = info == null ? -1 : info.getID();
            if (id < 0 || id >= d || seen[id]) {
                throw new IllegalArgumentException("Invalid feature map: feature '" + v.getName() + "' has id " + id
                        + (id >= 0 && id < d ? " (a duplicate)" : "") + "; the ids of " + d
                        + " features must be 0.." + (d - 1));
            }
            seen[id] = true;
        }
    }

    private static double parseThreshold(Map<String, String> meta) {
        String v = meta.get(OnnxContract.META_THRESHOLD);
        if (v == null) {
            throw new IllegalArgumentException("The ONNX model has no threshold (metadata '"
                    + OnnxContract.META_THRESHOLD + "')");
        }
        try {
            double t = Double.parseDouble(v);
            if (Double.isNaN(t)) {
                throw new NumberFormatException("NaN");
            }
            return t;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("The ONNX model's threshold (metadata '" + OnnxContract.META_THRESHOLD
                    + "') is not a number: '" + v + "'", e);
        }
    }

    private static ScoreKind parseScoreKind(Map<String, String> meta) {
        String v = meta.get(OnnxContract.META_SCORE_KIND);
        try {
            return ScoreKind.valueOf(Objects.requireNonNull(v, "missing"));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("The ONNX model's score kind (metadata '" + OnnxContract.META_SCORE_KIND
                    + "') is " + (v == null ? "missing" : "unknown: '" + v + "'"), e);
        }
    }

    private static int checkChunkSize(int c) {
        if (c < 1 || c > MAX_CHUNK_SIZE) {
            throw new IllegalArgumentException("chunkSize must be in [1, " + MAX_CHUNK_SIZE + "], found " + c);
        }
        return c;
    }

    private static int checkThreads(int t) {
        if (t < 0 || t > MAX_INTRA_OP_THREADS) {
            throw new IllegalArgumentException("intraOpThreads must be 0 (default) or in [1, " + MAX_INTRA_OP_THREADS
                    + "], found " + t);
        }
        return t;
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + ": " + c.getMessage();
    }

    private static void verifyHash(byte[] actual, byte[] expected) {
        if (!MessageDigest.isEqual(actual, expected)) {
            throw new IllegalArgumentException("The model's ONNX bytes do not match their recorded SHA-256 (recorded "
                    + HexFormat.of().formatHex(expected) + ", actual " + HexFormat.of().formatHex(actual)
                    + "): the model data is corrupt or was modified");
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    @Override
    public String toString() {
        return "IaeModel(name=" + name + ", scoreKind=" + scoreKind + ", threshold=" + threshold
                + ", features=" + featureIDMap.size() + ", provider=" + executionProvider
                + (activeProvider != null && activeProvider != executionProvider ? "->" + activeProvider : "")
                + ", chunkSize=" + chunkSize + ", intraOpThreads=" + (intraOpThreads == 0 ? "default" : intraOpThreads)
                + ", decoder=" + hasDecoder() + (closed ? ", closed" : "") + ")";
    }
}
