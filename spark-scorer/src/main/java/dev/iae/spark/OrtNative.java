package dev.iae.spark;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Loads ONNX Runtime's native library safely and opens sessions, on the driver and on the executors.
 * <p>
 * ONNX Runtime 1.29's native library overflows a 1 MiB thread stack while it loads and kills the JVM with a bare
 * segmentation fault. Spark's task threads (and a plain {@code java} launch's {@code main} thread) have the JVM's
 * default stack, so the library is loaded once per JVM on a dedicated thread with a {@value #LOADER_STACK_BYTES}-byte
 * stack (the same remedy as {@code dev.iae.tribuo.OrtSessions}, repeated here because the executors must not need the
 * project's other modules). Afterwards sessions can be created and run from any thread.
 */
final class OrtNative {

    /** Stack size of the thread that loads the native library (it overflows 1 MiB). */
    static final long LOADER_STACK_BYTES = 16L << 20;

    private static volatile boolean loaded = false;

    private OrtNative() { }

    /**
     * ONNX Runtime's environment, loading the native library first (once per JVM) on a big-stack thread.
     * @return the shared environment.
     * @throws IllegalStateException if the native library cannot be loaded.
     */
    static OrtEnvironment environment() {
        if (!loaded) {
            load();
        }
        return OrtEnvironment.getEnvironment();
    }

    private static synchronized void load() {
        if (loaded) {
            return;
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread loader = new Thread(null, () -> {
            try {
                OrtEnvironment.getEnvironment();
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "iae-spark-onnxruntime-loader", LOADER_STACK_BYTES);
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
        loaded = true;
    }

    /**
     * Opens a CPU session with {@code intraOpThreads} threads inside an operator and one between operators.
     * @param onnxBytes the model.
     * @param intraOpThreads the intra-op thread count (positive).
     * @return the session; the caller closes it.
     * @throws IllegalArgumentException if ONNX Runtime rejects the bytes.
     */
    static OrtSession open(byte[] onnxBytes, int intraOpThreads) {
        OrtEnvironment env = environment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(intraOpThreads);
            options.setInterOpNumThreads(1);
            return env.createSession(onnxBytes, options);
        } catch (OrtException e) {
            throw new IllegalArgumentException("ONNX Runtime could not load the model (" + onnxBytes.length
                    + " bytes): " + e.getMessage(), e);
        }
    }
}
