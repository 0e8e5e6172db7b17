package dev.iae.tribuo;

import org.tribuo.Example;
import org.tribuo.Feature;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.VariableIDInfo;
import org.tribuo.anomaly.Event;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Packs examples into dense rows: the one implementation of the rules documented on {@link DenseFeatures} (unknown
 * features ignored, missing ones 0, no known feature, a non-finite value or a known feature given twice rejected with
 * a message naming the example and the feature). One pass per example also counts the known features (the prediction's "used features"), with a
 * per-position cache of feature name → id: examples of one source usually share their feature-name
 * {@code String} instances in the same order (Tribuo's {@code ArrayExample} built from one name array, CSV rows),
 * so a reference-equal name at the same position reuses the id without a hash lookup. A name that differs (or is
 * an equal but distinct instance) falls back to the feature map, so the result never depends on the cache.
 * Measured (benchmarks/results/perf.md): the hash lookups dominated Tribuo-level prediction of tabular models.
 * Not thread-safe: one packer per chunk.
 */
final class DenseRowPacker {

    /**
     * The number of feature positions whose name → id is cached (2^20): features at later positions of an example
     * are looked up in the feature map every time, so a huge example cannot make the cache grow without bound.
     */
    static final int MAX_CACHED_POSITIONS = 1 << 20;

    private final ImmutableFeatureMap featureMap;
    private final int dim;
    private final float[] zeros;
    private final int maxCached;
    /** {@code written[id] == row} iff feature {@code id} was written for the row being filled (duplicate check). */
    private final int[] written;
    private int row;
    private String[] names = new String[0];
    private int[] ids = new int[0];

    /**
     * @param featureMap the model's feature map.
     */
    DenseRowPacker(ImmutableFeatureMap featureMap) {
        this(featureMap, MAX_CACHED_POSITIONS);
    }

    /**
     * @param featureMap the model's feature map.
     * @param maxCached the number of feature positions to cache (at least 1; {@link #MAX_CACHED_POSITIONS} in
     *     production, smaller in tests).
     */
    DenseRowPacker(ImmutableFeatureMap featureMap, int maxCached) {
        if (maxCached < 1) {
            throw new IllegalArgumentException("maxCached must be at least 1, found " + maxCached);
        }
        this.featureMap = featureMap;
        this.dim = featureMap.size();
        this.zeros = new float[dim];
        this.maxCached = maxCached;
        this.written = new int[dim];
    }

    /**
     * Writes one example's features into a row of {@code dest} (zeroed here first), by absolute index: the
     * buffer's position and limit are not changed. A direct buffer goes to ONNX Runtime without a copy.
     * @param example the example.
     * @param exampleIndex its position in the input, for error messages.
     * @param dest the buffer.
     * @param offset the index where the row starts.
     * @return the number of features known to the model.
     * @throws IllegalArgumentException if the example has no known feature, a non-finite value, or a feature known to
     *     the model more than once (Tribuo's datasets refuse such examples at training; here the last copy would
     *     silently win).
     */
    int fill(Example<Event> example, long exampleIndex, FloatBuffer dest, int offset) {
        dest.put(offset, zeros, 0, dim);
        if (++row == Integer.MAX_VALUE) {
            Arrays.fill(written, 0);
            row = 1;
        }
        int known = 0;
        int pos = 0;
        for (Feature f : example) {
            String name = f.getName();
            double v = f.getValue();
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("Example " + exampleIndex + " has a non-finite value (" + v
                        + ") for feature '" + name + "'");
            }
            int id;
            if (pos < names.length && names[pos] == name) {
                id = ids[pos];
            } else {
                VariableIDInfo info = featureMap.get(name);
                id = info == null ? -1 : info.getID();
                remember(pos, name, id);
            }
            pos++;
            if (id < 0) {
                continue;
            }
            float fv = (float) v;
            if (!Float.isFinite(fv)) {
                throw new IllegalArgumentException("Example " + exampleIndex + " has a value (" + v
                        + ") for feature '" + name + "' outside the float32 range");
            }
            if (written[id] == row) {
                throw new IllegalArgumentException("Example " + exampleIndex + " has feature '" + name
                        + "' more than once");
            }
            written[id] = row;
            dest.put(offset + id, fv);
            known++;
        }
        if (known == 0) {
            throw new IllegalArgumentException("Example " + exampleIndex
                    + " has no feature known to the model (it has " + example.size() + " features, none of them among the model's "
                    + dim + ")");
        }
        return known;
    }

    /**
     * Caches the id of the name at a position; positions at or beyond the cap are not cached. The arrays double
     * (from 16) up to the cap, so an example with many features costs amortised constant time per position.
     */
    private void remember(int pos, String name, int id) {
        if (pos >= maxCached) {
            return;
        }
        if (pos >= names.length) {
            int len = Math.min(maxCached, Math.max(pos + 1, Math.max(16, names.length * 2)));
            names = Arrays.copyOf(names, len);
            ids = Arrays.copyOf(ids, len);
        }
        names[pos] = name;
        ids[pos] = id;
    }

    /** @return the number of feature positions the cache has room for (never more than the cap). */
    int cachedPositions() {
        return names.length;
    }

    @Override
    public String toString() {
        return "DenseRowPacker(features=" + dim + ", cached=" + names.length + ")";
    }
}
