package dev.iae.tribuo;

import org.junit.jupiter.api.Test;
import org.tribuo.Example;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.MutableFeatureMap;
import org.tribuo.anomaly.AnomalyFactory;
import org.tribuo.anomaly.Event;
import org.tribuo.impl.ArrayExample;

import java.nio.FloatBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tests of {@link DenseRowPacker}'s per-position name cache: it is capped (positions beyond the cap are looked up,
 * not cached) and never changes the packed values.
 */
public class DenseRowPackerTest {

    /** A feature map of the given names (ids in sorted-name order). */
    private static ImmutableFeatureMap featureMap(String... names) {
        MutableFeatureMap m = new MutableFeatureMap();
        for (String n : names) {
            m.add(n, 1.0);
        }
        return new ImmutableFeatureMap(m);
    }

    /** An example with features x00..x{n-1} (value = position + 1). */
    private static Example<Event> wide(int n) {
        String[] names = new String[n];
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            names[i] = String.format("x%02d", i);
            values[i] = i + 1;
        }
        return new ArrayExample<>(AnomalyFactory.EXPECTED_EVENT, names, values);
    }

    @Test
    public void cacheStopsAtTheCapAndPositionsBeyondItStillPack() {
        // Known features at positions 1, 6 and 9 of a 10-feature example; the cache holds 4 positions.
        ImmutableFeatureMap fm = featureMap("x01", "x06", "x09");
        DenseRowPacker packer = new DenseRowPacker(fm, 4);
        Example<Event> ex = wide(10);
        FloatBuffer buf = FloatBuffer.allocate(6);
        for (int round = 0; round < 2; round++) {
            // Rows at offset 0 and 3; the second round reads the cache for positions 0-3.
            assertEquals(3, packer.fill(ex, round, buf, 3 * round));
            assertEquals(4, packer.cachedPositions(), "the cache grew beyond its cap of 4");
        }
        float[] rows = new float[6];
        buf.get(0, rows);
        assertArrayEquals(new float[]{2f, 7f, 10f, 2f, 7f, 10f}, rows);
    }

    @Test
    public void cacheGrowsByDoublingBelowTheCap() {
        DenseRowPacker packer = new DenseRowPacker(featureMap("x00"));
        assertEquals(0, packer.cachedPositions());
        packer.fill(wide(17), 0, FloatBuffer.allocate(1), 0);
        assertEquals(32, packer.cachedPositions());
        assertThrows(IllegalArgumentException.class, () -> new DenseRowPacker(featureMap("x00"), 0));
    }
}
