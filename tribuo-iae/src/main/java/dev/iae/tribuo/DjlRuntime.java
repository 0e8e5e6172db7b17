package dev.iae.tribuo;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Prepares DJL (PyTorch engine) for training: switches off DJL's telemetry and network access, pins libtorch's
 * thread pools and seeds its random number generators.
 * <p>
 * DJL reads the system properties {@code OPT_OUT_TRACKING}, {@code ai.djl.offline},
 * {@code ai.djl.pytorch.num_threads} and {@code ai.djl.pytorch.num_interop_threads} when its {@link Engine} class
 * first loads, so {@link #engine(int)} must run before any other code touches DJL; the trainer calls it first.
 * If the engine was already initialised with another intra-op thread count, that count is changed through libtorch
 * (which allows it at any time) and a warning is logged; the inter-op pool cannot be resized once used, so a
 * mismatch there is only logged. libtorch's OpenMP threads also honour the environment variable
 * {@code OMP_WAIT_POLICY}: set it to {@code PASSIVE} on shared machines (it cannot be set from Java).
 */
public final class DjlRuntime {
    private static final Logger logger = Logger.getLogger(DjlRuntime.class.getName());

    /** System property that stops DJL's usage tracking (an HTTP call when the engine loads). */
    public static final String OPT_OUT_TRACKING = "OPT_OUT_TRACKING";
    /** System property that forbids DJL to download anything. */
    public static final String OFFLINE = "ai.djl.offline";
    /** System property read by DJL's PyTorch engine at start-up: intra-op threads. */
    public static final String NUM_THREADS = "ai.djl.pytorch.num_threads";
    /** System property read by DJL's PyTorch engine at start-up: inter-op threads. */
    public static final String NUM_INTEROP_THREADS = "ai.djl.pytorch.num_interop_threads";

    /**
     * Serialises DJL training in this JVM: libtorch's random number generator is global, so two trainings at the
     * same time would disturb each other's reproducibility.
     */
    static final Object TRAINING_LOCK = new Object();

    private static boolean warnedOmp = false;

    private DjlRuntime() { }

    /**
     * Sets the system properties that must be in place before DJL's engine loads (no telemetry, offline mode,
     * thread counts). Does not touch DJL itself.
     * @param threads the number of libtorch threads (intra-op and inter-op), at least 1.
     */
    public static synchronized void configure(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, found " + threads);
        }
        System.setProperty(OPT_OUT_TRACKING, "true");
        System.setProperty(OFFLINE, "true");
        System.setProperty(NUM_THREADS, Integer.toString(threads));
        System.setProperty(NUM_INTEROP_THREADS, Integer.toString(threads));
    }

    /**
     * Configures DJL (see {@link #configure(int)}), loads the engine and makes sure libtorch uses the requested
     * number of intra-op threads.
     * @param threads the number of libtorch threads.
     * @return the DJL engine.
     */
    public static synchronized Engine engine(int threads) {
        configure(threads);
        Engine engine = Engine.getInstance();
        if (!"PyTorch".equals(engine.getEngineName())) {
            logger.warning("DJL's default engine is " + engine.getEngineName() + ", not PyTorch; thread pinning skipped");
            return engine;
        }
        int current = JniUtils.getNumThreads();
        if (current != threads) {
            logger.warning("DJL's PyTorch engine was initialised before the trainer could configure it (" + current
                    + " intra-op threads); setting " + threads + " now");
            JniUtils.setNumThreads(threads);
        }
        int interop = JniUtils.getNumInteropThreads();
        if (interop != threads) {
            logger.warning("libtorch's inter-op thread pool has " + interop + " threads and cannot be resized after"
                    + " start-up; set -D" + NUM_INTEROP_THREADS + "=" + threads + " to match");
        }
        if (!warnedOmp && System.getenv("OMP_WAIT_POLICY") == null) {
            warnedOmp = true;
            logger.log(Level.INFO, "OMP_WAIT_POLICY is not set; on a shared or small machine export OMP_WAIT_POLICY=PASSIVE"
                    + " to stop libtorch's idle threads from spinning");
        }
        return engine;
    }

    /**
     * Seeds libtorch's and DJL's random number generators (parameter initialisation, dropout, DJL shuffling).
     * @param seed the seed; only its low 32 bits are used (DJL takes an int).
     */
    public static void seed(long seed) {
        Engine.getInstance().setRandomSeed((int) (seed ^ (seed >>> 32)));
    }
}
