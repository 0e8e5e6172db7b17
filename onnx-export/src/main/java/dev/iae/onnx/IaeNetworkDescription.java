package dev.iae.onnx;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A plain, framework-free description of a trained IAE-LSTM-KL network: its {@link IaeArchitecture}, its named
 * weight tensors (see {@link TensorNames}), the feature names in input order, the decision threshold and extra
 * metadata (e.g. provenance) to carry into the exported file. It is what the training side hands to
 * {@link IaeOnnxWriter}.
 */
public final class IaeNetworkDescription implements Serializable {
    private static final long serialVersionUID = 1L;

    private final IaeArchitecture architecture;
    private final Map<String, FloatTensor> tensors;
    private final List<String> featureNames;
    private final double threshold;
    private final Map<String, String> metadata;

    /**
     * Creates a description; checks that the feature count matches the architecture.
     * @param architecture the network shape.
     * @param tensors the weights by {@link TensorNames} name.
     * @param featureNames the feature names in input order (length D).
     * @param threshold the decision threshold on the score.
     * @param metadata extra metadata entries for the exported file (may be empty).
     */
    public IaeNetworkDescription(IaeArchitecture architecture, Map<String, FloatTensor> tensors,
                                 List<String> featureNames, double threshold, Map<String, String> metadata) {
        this.architecture = Objects.requireNonNull(architecture, "architecture");
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(tensors, "tensors")));
        this.featureNames = Collections.unmodifiableList(new ArrayList<>(Objects.requireNonNull(featureNames, "featureNames")));
        if (this.featureNames.size() != architecture.inputDim()) {
            throw new IllegalArgumentException("The architecture expects " + architecture.inputDim()
                    + " features but " + this.featureNames.size() + " feature names were given");
        }
        if (Double.isNaN(threshold)) {
            throw new IllegalArgumentException("threshold must not be NaN");
        }
        this.threshold = threshold;
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(metadata, "metadata")));
    }

    /** @return the network shape. */
    public IaeArchitecture architecture() {
        return architecture;
    }

    /** @return the weights by name (unmodifiable). */
    public Map<String, FloatTensor> tensors() {
        return tensors;
    }

    /**
     * One weight tensor, checked for its expected shape.
     * @param name the {@link TensorNames} name.
     * @param expectedShape the shape it must have.
     * @return the tensor.
     * @throws IllegalArgumentException if it is missing or has another shape.
     */
    public FloatTensor tensor(String name, long... expectedShape) {
        FloatTensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("The network description has no tensor '" + name + "'");
        }
        if (!java.util.Arrays.equals(t.shape(), expectedShape)) {
            throw new IllegalArgumentException("Tensor '" + name + "' has shape " + java.util.Arrays.toString(t.shape())
                    + ", expected " + java.util.Arrays.toString(expectedShape));
        }
        return t;
    }

    /** @return the feature names in input order (unmodifiable). */
    public List<String> featureNames() {
        return featureNames;
    }

    /** @return the decision threshold on the score. */
    public double threshold() {
        return threshold;
    }

    /** @return extra metadata entries for the exported file (unmodifiable). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * A copy with another threshold.
     * @param newThreshold the new threshold.
     * @return the copy.
     */
    public IaeNetworkDescription withThreshold(double newThreshold) {
        return new IaeNetworkDescription(architecture, tensors, featureNames, newThreshold, metadata);
    }

    /**
     * A copy with more metadata entries (later entries win).
     * @param extra the entries to add.
     * @return the copy.
     */
    public IaeNetworkDescription withMetadata(Map<String, String> extra) {
        Map<String, String> m = new LinkedHashMap<>(metadata);
        m.putAll(extra);
        return new IaeNetworkDescription(architecture, tensors, featureNames, threshold, m);
    }

    @Override
    public String toString() {
        return "IaeNetworkDescription(" + architecture + ", tensors=" + tensors.keySet()
                + ", threshold=" + threshold + ")";
    }
}
