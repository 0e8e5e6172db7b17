package dev.iae.onnx;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * A dense float tensor in row-major (C) order: a shape and its values. Immutable; the constructor copies.
 */
public final class FloatTensor implements Serializable {
    private static final long serialVersionUID = 1L;

    private final long[] shape;
    private final float[] data;

    /**
     * Creates a tensor.
     * @param shape the dimensions, each positive.
     * @param data the values in row-major order; its length must be the product of the dimensions.
     * @throws IllegalArgumentException if the shape and the data length disagree or a value is not finite.
     */
    public FloatTensor(long[] shape, float[] data) {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        long size = 1;
        for (long d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException("Tensor dimensions must be positive, found " + Arrays.toString(shape));
            }
            size *= d;
        }
        if (size != data.length) {
            throw new IllegalArgumentException("Shape " + Arrays.toString(shape) + " needs " + size
                    + " values, found " + data.length);
        }
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i])) {
                throw new IllegalArgumentException("Tensor value " + i + " is not finite: " + data[i]);
            }
        }
        this.shape = shape.clone();
        this.data = data.clone();
    }

    /**
     * A tensor of the given shape given as ints.
     * @param data the values in row-major order.
     * @param shape the dimensions.
     * @return the tensor.
     */
    public static FloatTensor of(float[] data, int... shape) {
        long[] s = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            s[i] = shape[i];
        }
        return new FloatTensor(s, data);
    }

    /**
     * A vector.
     * @param data the values.
     * @return a one-dimensional tensor.
     */
    public static FloatTensor vector(float[] data) {
        return new FloatTensor(new long[]{data.length}, data);
    }

    /** @return a copy of the dimensions. */
    public long[] shape() {
        return shape.clone();
    }

    /** @return the number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /**
     * One dimension.
     * @param i the axis.
     * @return its size.
     */
    public int dim(int i) {
        return (int) shape[i];
    }

    /** @return a copy of the values in row-major order. */
    public float[] data() {
        return data.clone();
    }

    /** @return the number of values. */
    public int size() {
        return data.length;
    }

    /**
     * One value without copying the array.
     * @param i the flat row-major index.
     * @return the value.
     */
    public float get(int i) {
        return data[i];
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof FloatTensor)) {
            return false;
        }
        FloatTensor that = (FloatTensor) o;
        return Arrays.equals(shape, that.shape) && Arrays.equals(data, that.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "FloatTensor(shape=" + Arrays.toString(shape) + ")";
    }
}
