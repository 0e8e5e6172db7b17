package dev.iae.tribuo;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tests of {@link DenseFeatures#floatCount}: dense buffer sizes are computed without int overflow and a size no
 * float buffer can hold is refused naming the sizes.
 */
public class DenseFeaturesTest {

    @Test
    public void floatCountRefusesSizesBeyondOneBuffer() {
        assertEquals(0, DenseFeatures.floatCount(0, 7, "x", "y"));
        assertEquals(600, DenseFeatures.floatCount(100, 6, "x", "y"));
        assertEquals(DenseFeatures.MAX_FLOATS, DenseFeatures.floatCount(1, DenseFeatures.MAX_FLOATS, "x", "y"));
        // 2^20 rows × 2,048 values = 2^31 floats: the int product would wrap to a negative size.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DenseFeatures.floatCount(1 << 20, 2048, "A prediction chunk", "use a smaller chunk size"));
        assertTrue(e.getMessage().startsWith("A prediction chunk needs 1048576 rows × 2048 values = 2147483648 floats")
                && e.getMessage().endsWith("use a smaller chunk size"), e.getMessage());
        // Just above the limit, and a product beyond long.
        assertThrows(IllegalArgumentException.class,
                () -> DenseFeatures.floatCount(1, DenseFeatures.MAX_FLOATS + 1L, "x", "y"));
        IllegalArgumentException huge = assertThrows(IllegalArgumentException.class,
                () -> DenseFeatures.floatCount(Long.MAX_VALUE, 2, "x", "y"));
        assertTrue(huge.getMessage().contains("more than " + Long.MAX_VALUE), huge.getMessage());
    }
}
