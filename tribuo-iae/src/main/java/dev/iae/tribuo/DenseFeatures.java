package dev.iae.tribuo;

import org.tribuo.Example;
import org.tribuo.Feature;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.VariableIDInfo;
import org.tribuo.anomaly.Event;

/**
 * Turns Tribuo examples into dense float vectors in the model's feature order (the feature map's id order),
 * following Tribuo's sparse convention: a feature the model has never seen is ignored, a missing feature counts
 * as 0. An example with no known feature, or with a NaN or infinite value, is rejected with an exception that
 * names the example and the feature, so that no silently wrong score is ever produced.
 */
public final class DenseFeatures {

    private DenseFeatures() { }

    /**
     * Writes one example's features into a row of a dense buffer.
     * @param example the example.
     * @param featureMap the model's feature map (defines the order and the known features).
     * @param exampleIndex the example's position in its input, used in error messages.
     * @param dest the buffer; the row must be zero on entry or is zeroed here.
     * @param offset where the row starts in {@code dest}.
     * @throws IllegalArgumentException if the example has no known feature or a non-finite value.
     */
    public static void fill(Example<Event> example, ImmutableFeatureMap featureMap, long exampleIndex,
                            float[] dest, int offset) {
        int d = featureMap.size();
        java.util.Arrays.fill(dest, offset, offset + d, 0f);
        int known = 0;
        for (Feature f : example) {
            VariableIDInfo info = featureMap.get(f.getName());
            double v = f.getValue();
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("Example " + exampleIndex + " has a non-finite value (" + v
                        + ") for feature '" + f.getName() + "'");
            }
            if (info == null) {
                continue;
            }
            float fv = (float) v;
            if (!Float.isFinite(fv)) {
                throw new IllegalArgumentException("Example " + exampleIndex + " has a value (" + v
                        + ") for feature '" + f.getName() + "' outside the float32 range");
            }
            dest[offset + info.getID()] = fv;
            known++;
        }
        if (known == 0) {
            throw new IllegalArgumentException("Example " + exampleIndex
                    + " has no feature known to the model (it has " + example.size() + " features, none of them among the model's "
                    + d + ")");
        }
    }

    /**
     * One example as a dense vector.
     * @param example the example.
     * @param featureMap the model's feature map.
     * @param exampleIndex the example's position in its input, used in error messages.
     * @return a new array of length {@code featureMap.size()}.
     */
    public static float[] toDense(Example<Event> example, ImmutableFeatureMap featureMap, long exampleIndex) {
        float[] out = new float[featureMap.size()];
        fill(example, featureMap, exampleIndex, out, 0);
        return out;
    }

    /**
     * The model's feature names in input order.
     * @param featureMap the feature map.
     * @return the names, index = feature id.
     */
    public static java.util.List<String> featureNames(ImmutableFeatureMap featureMap) {
        String[] names = new String[featureMap.size()];
        for (int i = 0; i < names.length; i++) {
            names[i] = featureMap.get(i).getName();
        }
        return java.util.List.of(names);
    }
}
