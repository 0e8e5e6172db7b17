package dev.iae.onnx;

import ai.onnx.proto.OnnxMl;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tests the JSON string-list codec and the metadata reader/editor of {@link OnnxMetadata}.
 */
class OnnxMetadataTest {

    @Test
    void encodesKnownForms() {
        assertEquals("[]", OnnxMetadata.encodeStringList(List.of()));
        assertEquals("[\"a\",\"b\"]", OnnxMetadata.encodeStringList(List.of("a", "b")));
        assertEquals("[\"q\\\"b\\\\n\\nt\\tc\\u0001\"]", OnnxMetadata.encodeStringList(List.of("q\"b\\n\nt\tc\u0001")));
        assertEquals("[\"\\u00e9\\u6570\\ud83d\\ude00\"]", OnnxMetadata.encodeStringList(List.of("é数\uD83D\uDE00")));
        String encoded = OnnxMetadata.encodeStringList(List.of("ü", "\u007f"));
        for (char c : encoded.toCharArray()) {
            assertTrue(c >= 0x20 && c < 0x7f, "non-printable-ASCII output character " + (int) c);
        }
    }

    @Test
    void roundTripsAwkwardStrings() {
        List<String> awkward = List.of("", " ", "\"", "\\", "\\\"", "a,b", "[x]", "{\"k\":1}", "line\nbreak\r\n",
                "\t\b\f", "\u0000\u001f", "ünïcödé", "数据", "\uD83D\uDE00 emoji", "/slash/", "\u2028\u2029", "null");
        assertEquals(awkward, OnnxMetadata.decodeStringList(OnnxMetadata.encodeStringList(awkward)));
    }

    @Test
    void roundTripsRandomStrings() {
        Random rng = new Random(17);
        for (int trial = 0; trial < 200; trial++) {
            List<String> values = new ArrayList<>();
            int n = rng.nextInt(6);
            for (int i = 0; i < n; i++) {
                StringBuilder sb = new StringBuilder();
                int len = rng.nextInt(12);
                for (int k = 0; k < len; k++) {
                    sb.append((char) (rng.nextBoolean() ? rng.nextInt(128) : rng.nextInt(0x10000)));
                }
                values.add(sb.toString());
            }
            assertEquals(values, OnnxMetadata.decodeStringList(OnnxMetadata.encodeStringList(values)));
        }
    }

    @Test
    void decodesStandardJson() {
        assertEquals(List.of("a", "b c", "/", "é", "\uD83D\uDE00"),
                OnnxMetadata.decodeStringList(" [ \"a\" ,\n\"b c\", \"\\/\", \"é\", \"\\uD83D\\uDE00\" ] "));
        assertEquals(List.of(), OnnxMetadata.decodeStringList("[ ]"));
    }

    @Test
    void rejectsMalformedJson() {
        for (String bad : Arrays.asList("", "   ", "[", "]", "[\"a\"", "[\"a\",]", "[,\"a\"]", "[\"a\" \"b\"]",
                "[\"a\"] x", "[\"a\"][]", "[1]", "[null]", "[\"a\", 2]", "{\"a\":1}", "\"a\"", "[\"unterminated]",
                "[\"bad \\x escape\"]", "[\"\\u12\"]", "[\"\\u12G4\"]", "[\"\\u\u0660\u0660\u0664\u0661\"]",
                "[\"\\u\uFF10\uFF10\uFF14\uFF11\"]", "[\"raw\ttab\"]", "[\"raw\nnewline\"]",
                "['single']", "[\"trailing\\\"]")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OnnxMetadata.decodeStringList(bad), "accepted malformed JSON: " + bad);
            assertTrue(e.getMessage().startsWith("Malformed JSON string list"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> OnnxMetadata.encodeStringList(Arrays.asList("a", null)));
    }

    @Test
    void readRejectsGarbageBytes() {
        List<byte[]> garbage = new ArrayList<>();
        garbage.add(new byte[0]);
        garbage.add("hello, this is not an ONNX model".getBytes(StandardCharsets.UTF_8));
        garbage.add(new byte[]{(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff});
        Random rng = new Random(3);
        for (int i = 0; i < 50; i++) {
            byte[] b = new byte[1 + rng.nextInt(200)];
            rng.nextBytes(b);
            garbage.add(b);
        }
        for (byte[] b : garbage) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxMetadata.read(b),
                    "accepted " + Arrays.toString(b));
            assertTrue(e.getMessage().startsWith("Not an ONNX model"), e.getMessage());
        }
    }

    @Test
    void readAndEditKeepOrder() {
        IaeArchitecture a = IaeArchitecture.builder().inputDim(3).encoderSizes(2).repDim(2).build();
        OnnxMl.ModelProto model = IaeOnnxWriter.write(RandomNetworks.describe(a, 1, false));
        Map<String, String> before = OnnxMetadata.read(model.toByteArray());
        assertEquals(OnnxMetadata.read(model), before);
        Map<String, String> edits = new LinkedHashMap<>();
        edits.put("z.new", "1");
        edits.put(OnnxContract.META_FORMAT_VERSION, "1");
        edits.put("a.new", "2");
        Map<String, String> after = OnnxMetadata.read(OnnxMetadata.withEntries(model, edits));
        List<String> expectedKeys = new ArrayList<>(before.keySet());
        expectedKeys.add("z.new");
        expectedKeys.add("a.new");
        assertEquals(expectedKeys, new ArrayList<>(after.keySet()));
        assertEquals("2", after.get("a.new"));
        assertThrows(IllegalArgumentException.class,
                () -> OnnxMetadata.withEntries(model, java.util.Collections.singletonMap("k", null)));
    }
}
