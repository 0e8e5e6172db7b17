package dev.iae.examples.perf;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.iae.onnx.OnnxContract;
import dev.iae.tribuo.IaeModel;
import dev.iae.tribuo.OrtSessions;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.tribuo.Example;
import org.tribuo.Prediction;
import org.tribuo.anomaly.Event;

import java.nio.FloatBuffer;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The inference levers, each measured on its own (operations per second; one operation scores {@code batch}
 * examples):
 * <ul>
 *     <li>{@link #optLevel}: ONNX Runtime graph optimisation level (ALL_OPT, the default, vs BASIC_OPT / NO_OPT) and
 *     {@link #threads} (intra-op threads), raw session, direct input buffer;</li>
 *     <li>{@link #rawHeap} vs {@link #rawDirect}: tensor created from a heap {@code FloatBuffer} (ONNX Runtime copies
 *     it into a new direct buffer) vs a reused direct buffer (no copy);</li>
 *     <li>{@link #rawAllOutputs}: every graph output requested instead of the score alone;</li>
 *     <li>{@link #tribuoChunked}: {@code IaeModel.predict} of {@code batch} examples with {@link #chunk} examples
 *     per ONNX Runtime call.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xss4m", "-Xmx2g", "-DOPT_OUT_TRACKING=true", "-Dai.djl.offline=true",
        "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LeverBenchmark {

    /** The configuration. */
    @Param({"TABULAR", "IMAGE"})
    public PerfFixtures.Config config;

    /** Examples per operation. */
    @Param({"256"})
    public int batch;

    /** ONNX Runtime graph optimisation level. */
    @Param({"ALL_OPT", "BASIC_OPT"})
    public String optLevel;

    /** Intra-op threads of the raw session. */
    @Param({"1"})
    public int threads;

    /** Examples per ONNX Runtime call in {@link #tribuoChunked}. */
    @Param({"256"})
    public int chunk;

    private PerfFixtures.Fixture fixture;
    private IaeModel chunked;
    private List<Example<Event>> examples;
    private float[] rows;
    private FloatBuffer direct;
    private long[] shape;
    private OrtEnvironment env;
    private OrtSession session;

    /**
     * Trains the fixture and opens the session with the lever settings.
     * @throws OrtException if ONNX Runtime fails.
     */
    @Setup(Level.Trial)
    public void setUp() throws OrtException {
        fixture = PerfFixtures.build(config);
        chunked = fixture.model.withChunkSize(chunk);
        examples = PerfFixtures.examples(config, batch, 11L);
        rows = fixture.rows(examples);
        direct = PerfFixtures.directBuffer(rows);
        shape = new long[]{batch, PerfFixtures.dim(config)};
        env = OrtSessions.environment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.valueOf(optLevel));
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            session = env.createSession(fixture.model.onnxBytes(), options);
        }
    }

    /**
     * Frees everything.
     * @throws OrtException if ONNX Runtime fails.
     */
    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        session.close();
        chunked.close();
        fixture.close();
    }

    /**
     * Raw run, input from a direct buffer.
     * @return the scores.
     * @throws OrtException if ONNX Runtime fails.
     */
    @Benchmark
    public float[] rawDirect() throws OrtException {
        return InferenceBenchmark.runRaw(env, session, direct, shape);
    }

    /**
     * Raw run, input wrapped from the heap array (ONNX Runtime copies it).
     * @return the scores.
     * @throws OrtException if ONNX Runtime fails.
     */
    @Benchmark
    public float[] rawHeap() throws OrtException {
        return InferenceBenchmark.runRaw(env, session, FloatBuffer.wrap(rows), shape);
    }

    /**
     * Raw run requesting every output.
     * @return the number of outputs.
     * @throws OrtException if ONNX Runtime fails.
     */
    @Benchmark
    public int rawAllOutputs() throws OrtException {
        try (OnnxTensor t = OnnxTensor.createTensor(env, direct, shape);
             OrtSession.Result r = session.run(Collections.singletonMap(OnnxContract.INPUT_FEATURES, t))) {
            return r.size();
        }
    }

    /**
     * Tribuo-level prediction with the chunk size under test.
     * @return the predictions.
     */
    @Benchmark
    public List<Prediction<Event>> tribuoChunked() {
        return chunked.predict(examples);
    }
}
