package dev.iae.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.FloatBuffer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs a written graph in a plain ONNX Runtime session (one thread), for the writer tests.
 */
final class OrtRuns {

    private OrtRuns() { }

    /**
     * Runs the model on a batch and returns every output as a flat float array.
     * @param model the ONNX bytes.
     * @param x the raw input rows [N][D].
     * @param shapesOut if not null, receives each output's shape.
     * @return output name → values, in the session's output order.
     */
    static Map<String, float[]> run(byte[] model, float[][] x, Map<String, long[]> shapesOut) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        int n = x.length;
        int d = x[0].length;
        float[] flat = new float[n * d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(x[i], 0, flat, i * d, d);
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(1);
            opts.setInterOpNumThreads(1);
            try (OrtSession session = env.createSession(model, opts);
                 OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(flat), new long[]{n, d});
                 OrtSession.Result result = session.run(Collections.singletonMap(OnnxContract.INPUT_FEATURES, input))) {
                for (Map.Entry<String, OnnxValue> e : result) {
                    OnnxTensor tensor = (OnnxTensor) e.getValue();
                    FloatBuffer fb = tensor.getFloatBuffer();
                    float[] v = new float[fb.remaining()];
                    fb.get(v);
                    out.put(e.getKey(), v);
                    if (shapesOut != null) {
                        shapesOut.put(e.getKey(), tensor.getInfo().getShape());
                    }
                }
            }
        }
        return out;
    }
}
