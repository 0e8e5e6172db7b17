package dev.iae.tribuo;

import org.tribuo.Example;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.anomaly.Event;

import java.nio.FloatBuffer;

/**
 * Turns Tribuo examples into dense float vectors in the model's feature order (the feature map's id order),
 * following Tribuo's sparse convention: a feature the model has never seen is ignored, a missing feature counts
 * as 0. An example with no known feature, with a NaN or infinite value, or with a known feature more than once (as
 * Tribuo's datasets refuse at training), is rejected with an exception that names the example and the feature, so
 * that no silently wrong score is ever produced.
 */
public final class DenseFeatures {

    /**
     * The most float values one dense buffer may hold: {@code Integer.MAX_VALUE / 4} (2 GiB), because the native
     * copies of the rows (a direct {@code ByteBuffer} for ONNX Runtime or DJL) are sized in bytes by an {@code int}.
     */
    static final int MAX_FLOATS = Integer.MAX_VALUE / Float.BYTES;

    private DenseFeatures() { }

    /**
     * The size of a dense buffer of {@code rows × columns} floats, computed without int overflow.
     * @param rows the number of rows (at least 0).
     * @param columns the values per row (at least 0).
     * @param what what the buffer holds, starting the message (e.g. "The training dataset").
     * @param advice what to do about it, ending the message.
     * @return the product, at most {@link #MAX_FLOATS}.
     * @throws IllegalArgumentException naming the sizes if the product exceeds {@link #MAX_FLOATS}.
     */
    static int floatCount(long rows, long columns, String what, String advice) {
        long product;
        try {
            product = Math.multiplyExact(rows, columns);
        } catch (ArithmeticException e) {
            product = Long.MAX_VALUE;
        }
        if (product > MAX_FLOATS) {
            throw new IllegalArgumentException(what + " needs " + rows + " rows × " + columns + " values = "
                    + (product == Long.MAX_VALUE ? "more than " + Long.MAX_VALUE : Long.toString(product))
                    + " floats in one buffer, more than the " + MAX_FLOATS + " (2 GiB) a float buffer can hold; "
                    + advice);
        }
        return (int) product;
    }

    /**
     * Writes one example's features into a row of a dense buffer. The rules live in one place,
     * {@link DenseRowPacker}; this is its single-example form.
     * @param example the example.
     * @param featureMap the model's feature map (defines the order and the known features).
     * @param exampleIndex the example's position in its input, used in error messages.
     * @param dest the buffer; the row is zeroed here first.
     * @param offset where the row starts in {@code dest}.
     * @return the number of the example's features known to the model (a prediction's "used features").
     * @throws IllegalArgumentException if the example has no known feature, a non-finite value, or a known feature twice.
     */
    public static int fill(Example<Event> example, ImmutableFeatureMap featureMap, long exampleIndex,
                           float[] dest, int offset) {
        return new DenseRowPacker(featureMap).fill(example, exampleIndex, FloatBuffer.wrap(dest), offset);
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
