package dev.iae.examples.perf;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.iae.onnx.OnnxContract;
import dev.iae.tribuo.ExecutionProvider;
import dev.iae.tribuo.IaeNetwork;
import dev.iae.tribuo.OrtSessions;
import dev.iae.onnx.ScoreGraphPruner;
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
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Inference throughput (operations per second; one operation scores {@code batch} examples) of the three
 * runtimes on the same weights:
 * <ul>
 *     <li>{@link #tribuoPredict}: {@code IaeModel.predict(Iterable)} on Tribuo examples (feature lookup, dense
 *     packing, ONNX Runtime, Event creation);</li>
 *     <li>{@link #ortRaw}: the same ONNX bytes in a raw {@code OrtSession} on pre-packed rows in a direct buffer
 *     (tensor creation, run, score copy-out) — the Tribuo-layer overhead is the gap between these two;</li>
 *     <li>{@link #djlInfer}: DJL's forward pass ({@code IaeNetwork.infer}, PyTorch engine, 1 thread).</li>
 * </ul>
 * All runtimes use 1 thread. Run with {@code -Xss4m} (ONNX Runtime's native loader needs a large stack).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xss4m", "-Xmx2g", "-DOPT_OUT_TRACKING=true", "-Dai.djl.offline=true",
        "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class InferenceBenchmark {

    /** The configuration. */
    @Param({"TABULAR", "IMAGE"})
    public PerfFixtures.Config config;

    /** Examples per call. */
    @Param({"1", "32", "256"})
    public int batch;

    private PerfFixtures.Fixture fixture;
    private List<Example<Event>> examples;
    private float[] rows;
    private FloatBuffer direct;
    private long[] shape;
    private OrtEnvironment env;
    private OrtSession session;
    private OrtSession fullSession;
    private IaeNetwork network;

    /** Trains the fixture and packs the inputs once. */
    @Setup(Level.Trial)
    public void setUp() {
        fixture = PerfFixtures.build(config);
        examples = PerfFixtures.examples(config, batch, 11L);
        rows = fixture.rows(examples);
        direct = PerfFixtures.directBuffer(rows);
        shape = new long[]{batch, PerfFixtures.dim(config)};
        env = OrtSessions.environment();
        byte[] pruned = ScoreGraphPruner.prune(fixture.model.onnxBytes(), OnnxContract.OUTPUT_SCORE);
        session = OrtSessions.open(pruned != null ? pruned : fixture.model.onnxBytes(), ExecutionProvider.CPU, 1)
                .session();
        fullSession = OrtSessions.open(fixture.model.onnxBytes(), ExecutionProvider.CPU, 1).session();
        network = fixture.trained.network();
    }

    /** Frees the sessions and the network. */
    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        session.close();
        fullSession.close();
        fixture.close();
    }

    /**
     * Tribuo-level prediction.
     * @return the predictions.
     */
    @Benchmark
    public List<Prediction<Event>> tribuoPredict() {
        return fixture.model.predict(examples);
    }

    /**
     * Raw ONNX Runtime on the same rows (already dense, in a direct buffer: no copy on tensor creation).
     * @return the scores.
     * @throws OrtException if ONNX Runtime fails.
     */
    @Benchmark
    public float[] ortRaw() throws OrtException {
        return runRaw(env, session, direct, shape);
    }

    /**
     * Raw ONNX Runtime on the complete exported graph (every output computed, as a user of the file gets it).
     * @return the scores.
     * @throws OrtException if ONNX Runtime fails.
     */
    @Benchmark
    public float[] ortRawFull() throws OrtException {
        return runRaw(env, fullSession, direct, shape);
    }

    /**
     * DJL forward pass on the same rows.
     * @return the scores.
     */
    @Benchmark
    public float[] djlInfer() {
        return network.infer(rows, batch).score;
    }

    static float[] runRaw(OrtEnvironment env, OrtSession session, FloatBuffer input, long[] shape)
            throws OrtException {
        try (OnnxTensor t = OnnxTensor.createTensor(env, input, shape);
             OrtSession.Result r = session.run(Collections.singletonMap(OnnxContract.INPUT_FEATURES, t),
                     Set.of(OnnxContract.OUTPUT_SCORE))) {
            FloatBuffer fb = ((OnnxTensor) r.get(OnnxContract.OUTPUT_SCORE).get()).getFloatBuffer();
            float[] out = new float[fb.remaining()];
            fb.get(out);
            return out;
        }
    }

}
