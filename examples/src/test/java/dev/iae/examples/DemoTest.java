package dev.iae.examples;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Tests for the demo's helpers that do not need training (the demo itself is run by the README's first command).
 */
public class DemoTest {

    @Test
    public void parsesTheFeatureNameMetadata() {
        assertEquals(List.of("px000", "px001", "a\"b", "c\\d", "é"),
                Demo.parseJsonStringArray(" [\"px000\", \"px001\",\"a\\\"b\",\"c\\\\d\",\"\\u00e9\"] "));
        assertEquals(List.of(), Demo.parseJsonStringArray("[]"));
        assertThrows(IllegalArgumentException.class, () -> Demo.parseJsonStringArray("{\"a\":1}"));
        assertThrows(IllegalArgumentException.class, () -> Demo.parseJsonStringArray("[\"open]"));
        assertThrows(IllegalArgumentException.class, () -> Demo.parseJsonStringArray("[1, 2]"));
    }
}
