package dev.iae.tribuo;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;

import java.util.EnumSet;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Opens ONNX Runtime sessions for {@link IaeModel}: chooses the execution provider and the thread counts.
 * <ul>
 *     <li>{@link ExecutionProvider#CPU}: the CPU provider.</li>
 *     <li>{@link ExecutionProvider#CUDA}: the CUDA provider on device {@link #CUDA_DEVICE_PROPERTY} (default 0);
 *     fails with an {@link IllegalStateException} when the ONNX Runtime on the class path has no CUDA support
 *     (the default {@code onnxruntime} artifact; build with {@code -Pgpu} for {@code onnxruntime_gpu}) or the
 *     provider cannot be started (no GPU, no CUDA libraries).</li>
 *     <li>{@link ExecutionProvider#AUTO}: CUDA when it is available and starts, otherwise the CPU. The fall-back
 *     is logged once per JVM at INFO level (later fall-backs at FINE), so loading many models does not flood
 *     the log.</li>
 * </ul>
 * The session uses {@code intraOpThreads} threads inside an operator and one thread between operators. The
 * default intra-op count comes from the system property {@link #THREADS_PROPERTY} (default 1, which is safe on
 * small shared machines; raise it for large batches on a dedicated host).
 * <p>
 * <b>Native library loading.</b> ONNX Runtime 1.29's native library needs more than 1 MiB of thread stack while it
 * loads: loaded from a thread with the JVM's default 1 MiB stack (e.g. the {@code main} thread of a plain
 * {@code java -cp ... Main} launch) the JVM dies with a segmentation fault, without even an error report
 * (<em>measured</em>). {@link #environment()} therefore loads it once on a dedicated thread with a
 * {@value #LOADER_STACK_BYTES}-byte stack; afterwards sessions can be created and run from any thread. Code that
 * touches {@link OrtEnvironment} directly should call {@link #environment()} first (or run the JVM with
 * {@code -Xss2m}).
 */
public final class OrtSessions {
    private static final Logger logger = Logger.getLogger(OrtSessions.class.getName());

    /** System property with the default ONNX Runtime intra-op thread count (default 1). */
    public static final String THREADS_PROPERTY = "iae.ort.threads";
    /** System property with the CUDA device id used by the CUDA and AUTO providers (default 0). */
    public static final String CUDA_DEVICE_PROPERTY = "iae.ort.cudaDevice";

    /** Stack size of the thread that loads ONNX Runtime's native library (it overflows 1 MiB). */
    public static final long LOADER_STACK_BYTES = 16L << 20;

    private static final AtomicBoolean FALLBACK_LOGGED = new AtomicBoolean(false);
    private static volatile boolean nativeLoaded = false;

    private OrtSessions() { }

    /**
     * An open session and the provider it actually runs on.
     */
    public static final class Opened {
        private final OrtSession session;
        private final ExecutionProvider provider;

        private Opened(OrtSession session, ExecutionProvider provider) {
            this.session = session;
            this.provider = provider;
        }

        /** @return the session; the caller owns it and must close it. */
        public OrtSession session() {
            return session;
        }

        /** @return {@link ExecutionProvider#CPU} or {@link ExecutionProvider#CUDA}: where the session runs. */
        public ExecutionProvider provider() {
            return provider;
        }
    }

    /**
     * The default intra-op thread count: the system property {@link #THREADS_PROPERTY}, or 1.
     * @return a positive thread count.
     * @throws IllegalArgumentException if the property is set but is not a positive integer.
     */
    public static int defaultIntraOpThreads() {
        String v = System.getProperty(THREADS_PROPERTY);
        if (v == null || v.isBlank()) {
            return 1;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n < 1) {
                throw new NumberFormatException("not positive");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("System property " + THREADS_PROPERTY + " must be a positive integer, found '"
                    + v + "'", e);
        }
    }

    /**
     * Whether the ONNX Runtime on the class path was built with the CUDA execution provider. (A true answer does
     * not guarantee a usable GPU: starting the provider can still fail.)
     * @return true if CUDA is among ONNX Runtime's available providers.
     */
    public static boolean cudaAvailable() {
        return availableProviders().contains(OrtProvider.CUDA);
    }

    private static EnumSet<OrtProvider> availableProviders() {
        environment();
        return OrtEnvironment.getAvailableProviders();
    }

    /**
     * ONNX Runtime's environment, loading its native library first (once per JVM) on a thread with a
     * {@value #LOADER_STACK_BYTES}-byte stack, because the library overflows the default 1 MiB thread stack while
     * it loads and kills the JVM.
     * @return the shared environment.
     * @throws IllegalStateException if the native library cannot be loaded.
     */
    public static OrtEnvironment environment() {
        if (!nativeLoaded) {
            loadNative();
        }
        return OrtEnvironment.getEnvironment();
    }

    private static synchronized void loadNative() {
        if (nativeLoaded) {
            return;
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread loader = new Thread(null, () -> {
            try {
                OrtEnvironment.getEnvironment();
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "iae-onnxruntime-loader", LOADER_STACK_BYTES);
        loader.setDaemon(true);
        loader.start();
        boolean interrupted = false;
        while (true) {
            try {
                loader.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable t = failure.get();
        if (t != null) {
            throw new IllegalStateException("ONNX Runtime's native library could not be loaded: " + t, t);
        }
        nativeLoaded = true;
    }

    /**
     * Refuses CUDA where this ONNX Runtime build has no CUDA execution provider (the CPU-only artifact).
     * @param context what the request was for, placed after "requested" in the message ("" for none).
     * @throws IllegalStateException naming the available providers and what to do instead.
     */
    static void requireCudaBuild(String context) {
        if (!cudaAvailable()) {
            throw new IllegalStateException("Execution provider CUDA was requested" + context + ", but this ONNX Runtime "
                    + "build has no CUDA execution provider (available: " + availableProviders() + "). Use the "
                    + "onnxruntime_gpu artifact (build with -Pgpu) on a machine with an NVIDIA GPU and CUDA 12, or choose "
                    + "CPU or AUTO.");
        }
    }

    /**
     * Opens a session on the given model bytes.
     * @param onnxBytes the serialized ONNX model.
     * @param requested the requested execution provider.
     * @param intraOpThreads the intra-op thread count, or 0 for {@link #defaultIntraOpThreads()}.
     * @return the session and where it runs.
     * @throws IllegalStateException if CUDA was required but is unavailable or does not start (including a session
     *     that cannot be created on it).
     * @throws IllegalArgumentException if ONNX Runtime rejects the model bytes on the CPU.
     */
    public static Opened open(byte[] onnxBytes, ExecutionProvider requested, int intraOpThreads) {
        Objects.requireNonNull(onnxBytes, "onnxBytes");
        Objects.requireNonNull(requested, "requested");
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("intraOpThreads must be 0 (default) or positive, found " + intraOpThreads);
        }
        int threads = intraOpThreads == 0 ? defaultIntraOpThreads() : intraOpThreads;
        OrtEnvironment env = environment();
        switch (requested) {
            case CPU:
                return new Opened(create(env, onnxBytes, threads, false), ExecutionProvider.CPU);
            case CUDA:
                requireCudaBuild("");
                return new Opened(create(env, onnxBytes, threads, true), ExecutionProvider.CUDA);
            case AUTO:
            default:
                if (cudaAvailable()) {
                    try {
                        return new Opened(create(env, onnxBytes, threads, true), ExecutionProvider.CUDA);
                    } catch (RuntimeException e) {
                        logFallback("the CUDA execution provider failed to start (" + rootMessage(e) + ")");
                    }
                } else {
                    logFallback("this ONNX Runtime build has no CUDA execution provider");
                }
                return new Opened(create(env, onnxBytes, threads, false), ExecutionProvider.CPU);
        }
    }

    private static void logFallback(String why) {
        Level level = FALLBACK_LOGGED.compareAndSet(false, true) ? Level.INFO : Level.FINE;
        logger.log(level, "Execution provider AUTO: " + why + "; running ONNX models on the CPU.");
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null) {
            c = c.getCause();
        }
        return c.getMessage();
    }

    private static OrtSession create(OrtEnvironment env, byte[] onnxBytes, int threads, boolean cuda) {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            if (cuda) {
                int device = Integer.getInteger(CUDA_DEVICE_PROPERTY, 0);
                try {
                    options.addCUDA(device);
                } catch (OrtException e) {
                    throw new IllegalStateException("Could not start the CUDA execution provider on device " + device
                            + ": " + e.getMessage(), e);
                }
            }
            return env.createSession(onnxBytes, options);
        } catch (OrtException e) {
            if (cuda) {
                // With CUDA, session creation is also where a GPU-less machine with the GPU build, a driver too old
                // or a bad device number fails: report it as the provider not starting, which callers that may
                // fall back to the CPU catch (a model that is itself bad then fails again on the CPU, as such).
                throw new IllegalStateException("ONNX Runtime could not open the model (" + onnxBytes.length
                        + " bytes) on the CUDA execution provider, device " + Integer.getInteger(CUDA_DEVICE_PROPERTY, 0)
                        + ": " + e.getMessage(), e);
            }
            throw new IllegalArgumentException("ONNX Runtime could not load the model (" + onnxBytes.length
                    + " bytes, CPU provider): " + e.getMessage(), e);
        }
    }
}
