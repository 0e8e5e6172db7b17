package dev.iae.onnx;

/**
 * The names in the exported ONNX graph that deployments depend on: the input, the outputs and the metadata keys.
 * They are the deployment contract and change only with a new {@link #FORMAT_VERSION}.
 */
public final class OnnxContract {
    /** Version of this contract, stored under {@link #META_FORMAT_VERSION}. */
    public static final String FORMAT_VERSION = "1";
    /** ONNX IR version of the written graphs. */
    public static final long IR_VERSION = 8;
    /** Default-domain opset of the written graphs. */
    public static final long OPSET = 17;
    /** Producer name written into the model. */
    public static final String PRODUCER_NAME = "iae-lstm-kl";

    /** Input: raw feature values, float32 [N, D], in the model's feature order. */
    public static final String INPUT_FEATURES = "features";
    /** Output: anomaly score, float32 [N]; higher is more anomalous. */
    public static final String OUTPUT_SCORE = "score";
    /** Output: latent vector z, float32 [N, repDim]. */
    public static final String OUTPUT_LATENT = "latent";
    /** Output (with the hypersphere): squared distance to the centre, float32 [N]. */
    public static final String OUTPUT_DISTANCE = "svdd_distance";
    /** Output (with the decoder): reconstruction error ||x' - x̂||² in normalised space, float32 [N]. */
    public static final String OUTPUT_RECONSTRUCTION_ERROR = "reconstruction_error";
    /** Output (with the decoder): per-feature squared reconstruction error, float32 [N, D]. */
    public static final String OUTPUT_FEATURE_ERRORS = "feature_errors";

    /**
     * Output of a score-sum graph ({@link OnnxScoreSum}) only: the members' own scores, float32 [N, M], column i
     * being member i's {@link #OUTPUT_SCORE}; {@link #OUTPUT_SCORE} is their row sum.
     */
    public static final String OUTPUT_MEMBER_SCORES = "member_scores";

    /** Metadata: the contract version. */
    public static final String META_FORMAT_VERSION = "iae.format_version";
    /** Metadata: feature names in input order, as a JSON array of strings. */
    public static final String META_FEATURE_NAMES = "iae.feature_names";
    /** Metadata: the decision threshold on the score (decimal); score above it is ANOMALOUS. */
    public static final String META_THRESHOLD = "iae.threshold";
    /** Metadata: the score kind ({@link ScoreKind} name). */
    public static final String META_SCORE_KIND = "iae.score_kind";
    /**
     * Metadata (when the network description holds them): the training-set mean and standard deviation of
     * {@link #OUTPUT_DISTANCE}, then of {@link #OUTPUT_RECONSTRUCTION_ERROR}, as four comma-separated decimals
     * ({@code 0,1} for a part the graph lacks). The COMBINED score is {@code (d − m_d)/s_d + w · (r − m_r)/s_r}, with
     * {@code w} the architecture's {@code recWeight} (named in {@link #META_ARCHITECTURE} when it is not 1); with these
     * a deployment can weigh the two outputs differently without retraining.
     */
    public static final String META_SCORE_STATS = "iae.score_stats";
    /** Metadata: the input shape, "[D]" for tabular or "[C, H, W]" for image networks. */
    public static final String META_INPUT_SHAPE = "iae.input_shape";
    /** Metadata: the architecture's toString(). */
    public static final String META_ARCHITECTURE = "iae.architecture";
    /** Metadata of a score-sum graph only: the number of member models M (decimal). */
    public static final String META_MEMBER_COUNT = "iae.members";
    /**
     * Metadata of a score-sum graph only: prefix of the members' own metadata; {@code iae.member.<i>.<key>} holds
     * member i's entry {@code <key>} (its score kind, threshold, architecture, provenance, ...).
     */
    public static final String META_MEMBER_PREFIX = "iae.member.";
    /** Metadata: human-readable Tribuo provenance of the model. */
    public static final String META_PROVENANCE_TEXT = "iae.provenance";

    private OnnxContract() { }
}
