package dev.iae.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.InvalidProtocolBufferException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads and edits the {@code metadata_props} of an exported IAE-LSTM-KL ONNX model (feature names, threshold,
 * score kind, provenance; see {@link OnnxContract}), and encodes the feature-name list as a JSON array of strings.
 * <p>
 * The JSON codec is deliberately tiny (arrays of strings only) so that the module needs no JSON library; the
 * encoding is plain ASCII (non-ASCII characters and control characters are written as {@code \}{@code uXXXX}
 * escapes), so any JSON parser in any language reads it back exactly.
 */
public final class OnnxMetadata {

    private OnnxMetadata() { }

    /**
     * The metadata entries of a model, in file order.
     * @param model the model.
     * @return a new, modifiable, insertion-ordered map (a repeated key keeps its last value).
     */
    public static Map<String, String> read(OnnxMl.ModelProto model) {
        Objects.requireNonNull(model, "model");
        Map<String, String> out = new LinkedHashMap<>();
        for (OnnxMl.StringStringEntryProto e : model.getMetadataPropsList()) {
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    /**
     * The metadata entries of a serialized model, in file order.
     * @param onnxBytes the bytes of an ONNX model file.
     * @return a new, modifiable, insertion-ordered map.
     * @throws IllegalArgumentException if the bytes are not an ONNX model.
     */
    public static Map<String, String> read(byte[] onnxBytes) {
        return read(parse(onnxBytes));
    }

    /**
     * Parses and sanity-checks serialized ONNX bytes. Protobuf happily parses many random byte strings as a
     * message made of unknown fields, so a model must also have an IR version and a graph.
     * @param onnxBytes the bytes.
     * @return the model.
     * @throws IllegalArgumentException if the bytes are not an ONNX model.
     */
    public static OnnxMl.ModelProto parse(byte[] onnxBytes) {
        Objects.requireNonNull(onnxBytes, "onnxBytes");
        if (onnxBytes.length == 0) {
            throw new IllegalArgumentException("Not an ONNX model: the byte array is empty");
        }
        OnnxMl.ModelProto model;
        try {
            model = OnnxMl.ModelProto.parseFrom(onnxBytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("Not an ONNX model (" + onnxBytes.length
                    + " bytes do not parse as an ONNX ModelProto): " + e.getMessage(), e);
        }
        if (model.getIrVersion() <= 0 || !model.hasGraph() || model.getOpsetImportCount() == 0) {
            throw new IllegalArgumentException("Not an ONNX model (" + onnxBytes.length
                    + " bytes parse as protobuf but have no IR version, opset import or graph)");
        }
        return model;
    }

    /**
     * A copy of the model with metadata entries replaced or added. Existing keys keep their position; new keys
     * are appended in the map's iteration order.
     * @param model the model.
     * @param entries the entries to set (keys and values non-null).
     * @return the edited copy.
     */
    public static OnnxMl.ModelProto withEntries(OnnxMl.ModelProto model, Map<String, String> entries) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(entries, "entries");
        Map<String, String> merged = read(model);
        for (Map.Entry<String, String> e : entries.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException("Metadata keys and values must not be null, found "
                        + e.getKey() + "=" + e.getValue());
            }
            merged.put(e.getKey(), e.getValue());
        }
        OnnxMl.ModelProto.Builder b = model.toBuilder().clearMetadataProps();
        for (Map.Entry<String, String> e : merged.entrySet()) {
            b.addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey(e.getKey()).setValue(e.getValue()));
        }
        return b.build();
    }

    /**
     * Encodes strings as a JSON array, e.g. {@code ["a","b \"quoted\""]}. The output is ASCII.
     * @param values the strings (none null).
     * @return the JSON text.
     * @throws IllegalArgumentException if an element is null.
     */
    public static String encodeStringList(List<String> values) {
        Objects.requireNonNull(values, "values");
        StringBuilder sb = new StringBuilder(values.size() * 8 + 2);
        sb.append('[');
        for (int i = 0; i < values.size(); i++) {
            String s = values.get(i);
            if (s == null) {
                throw new IllegalArgumentException("Element " + i + " of the string list is null");
            }
            if (i > 0) {
                sb.append(',');
            }
            sb.append('"');
            for (int k = 0; k < s.length(); k++) {
                char c = s.charAt(k);
                switch (c) {
                    case '"': sb.append("\\\""); break;
                    case '\\': sb.append("\\\\"); break;
                    case '\n': sb.append("\\n"); break;
                    case '\r': sb.append("\\r"); break;
                    case '\t': sb.append("\\t"); break;
                    case '\b': sb.append("\\b"); break;
                    case '\f': sb.append("\\f"); break;
                    default:
                        if (c < 0x20 || c > 0x7e) {
                            sb.append(String.format("\\u%04x", (int) c));
                        } else {
                            sb.append(c);
                        }
                }
            }
            sb.append('"');
        }
        sb.append(']');
        return sb.toString();
    }

    /**
     * Decodes a JSON array of strings (strict JSON: whitespace allowed between tokens, standard escapes only).
     * @param json the JSON text.
     * @return the strings, in order (unmodifiable).
     * @throws IllegalArgumentException naming the position of the first error, if the text is not a JSON array
     *     of strings.
     */
    public static List<String> decodeStringList(String json) {
        Objects.requireNonNull(json, "json");
        Parser p = new Parser(json);
        List<String> out = new ArrayList<>();
        p.skipWs();
        p.expect('[');
        p.skipWs();
        if (p.peek() == ']') {
            p.pos++;
        } else {
            while (true) {
                p.skipWs();
                out.add(p.string());
                p.skipWs();
                char c = p.next();
                if (c == ']') {
                    break;
                } else if (c != ',') {
                    throw p.error("expected ',' or ']' but found " + describe(c));
                }
            }
        }
        p.skipWs();
        if (p.pos != json.length()) {
            throw p.error("unexpected text after the closing ']'");
        }
        return Collections.unmodifiableList(out);
    }

    private static String describe(char c) {
        return c == Parser.END ? "the end of the text" : "'" + c + "'";
    }

    /** A cursor over the JSON text. */
    private static final class Parser {
        static final char END = '\uffff';
        final String s;
        int pos = 0;

        Parser(String s) {
            this.s = s;
        }

        char peek() {
            return pos < s.length() ? s.charAt(pos) : END;
        }

        char next() {
            if (pos >= s.length()) {
                pos++;
                return END;
            }
            return s.charAt(pos++);
        }

        void skipWs() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                    pos++;
                } else {
                    break;
                }
            }
        }

        void expect(char want) {
            char c = next();
            if (c != want) {
                throw error("expected '" + want + "' but found " + describe(c));
            }
        }

        String string() {
            char c = next();
            if (c != '"') {
                throw error("expected a string but found " + describe(c));
            }
            StringBuilder sb = new StringBuilder();
            while (true) {
                c = next();
                if (c == END && pos > s.length()) {
                    throw error("unterminated string");
                }
                if (c == '"') {
                    return sb.toString();
                }
                if (c < 0x20) {
                    throw error("unescaped control character U+" + String.format("%04X", (int) c) + " in a string");
                }
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                char e = next();
                switch (e) {
                    case '"': sb.append('"'); break;
                    case '\\': sb.append('\\'); break;
                    case '/': sb.append('/'); break;
                    case 'b': sb.append('\b'); break;
                    case 'f': sb.append('\f'); break;
                    case 'n': sb.append('\n'); break;
                    case 'r': sb.append('\r'); break;
                    case 't': sb.append('\t'); break;
                    case 'u':
                        if (pos + 4 > s.length()) {
                            throw error("truncated \\u escape");
                        }
                        int v = 0;
                        for (int k = 0; k < 4; k++) {
                            char h = s.charAt(pos + k);
                            // ASCII hex only: Character.digit would also take other scripts' digits.
                            int d = h < 128 ? Character.digit(h, 16) : -1;
                            if (d < 0) {
                                throw error("invalid hex digit '" + s.charAt(pos + k) + "' in a \\u escape");
                            }
                            v = v * 16 + d;
                        }
                        pos += 4;
                        sb.append((char) v);
                        break;
                    default:
                        if (e == END && pos > s.length()) {
                            throw error("unterminated string");
                        }
                        throw error("invalid escape '\\" + e + "'");
                }
            }
        }

        IllegalArgumentException error(String what) {
            int at = Math.min(pos, s.length());
            String shown = s.length() > 80 ? s.substring(0, 77) + "..." : s;
            return new IllegalArgumentException("Malformed JSON string list at character " + at + ": " + what
                    + " (text: " + shown + ")");
        }
    }
}
