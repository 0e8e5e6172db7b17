package dev.iae.spark;

/**
 * The names of the IAE-LSTM-KL ONNX deployment contract that the scorer reads. They mirror
 * {@code dev.iae.onnx.OnnxContract} (format version 1); they are repeated here so that the executors need no class
 * of the project's other modules (a test checks that both agree).
 */
final class OnnxNames {
    /** The contract version the scorer understands. */
    static final String FORMAT_VERSION = "1";
    /** Input: raw feature values, float32 [N, D]. */
    static final String INPUT_FEATURES = "features";
    /** Output: anomaly score, float32 [N]. */
    static final String OUTPUT_SCORE = "score";
    /** Metadata: the contract version. */
    static final String META_FORMAT_VERSION = "iae.format_version";
    /** Metadata: feature names in input order, a JSON array of strings. */
    static final String META_FEATURE_NAMES = "iae.feature_names";
    /** Metadata: the decision threshold (decimal); a score above it is ANOMALOUS. */
    static final String META_THRESHOLD = "iae.threshold";
    /** Metadata: the score kind. */
    static final String META_SCORE_KIND = "iae.score_kind";

    private OnnxNames() { }
}
