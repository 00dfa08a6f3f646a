package io.llmagentos.core.safetensors.internal;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.safetensors.DType;
import io.llmagentos.core.safetensors.SafetensorsFormatException;
import io.llmagentos.core.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and validates a safetensors header against the data section it describes. Every problem
 * becomes a {@link SafetensorsFormatException} naming the file, the tensor and what to do; nothing
 * about the input can make it throw anything else.
 */
public final class HeaderReader {
    /** Largest header accepted, as in the reference Rust implementation. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    static final String DAMAGED = "; the file is damaged or was not written by a safetensors writer: re-export or "
            + "re-download it";

    /** The validated header: metadata in file order and tensors in data-offset order. */
    public record Header(Map<String, String> metadata, List<TensorInfo> tensors) {
    }

    private HeaderReader() {
    }

    public static Header parse(Path file, byte[] header, long dataBytes) throws SafetensorsFormatException {
        String text = decodeUtf8(file, header);
        JsonNode root = parseJson(file, text);
        Map<String, String> metadata = new LinkedHashMap<>();
        List<TensorInfo> tensors = new ArrayList<>();
        for (var e : root.properties()) {
            String key = e.getKey();
            JsonNode v = e.getValue();
            if (key.equals("__metadata__")) {
                readMetadata(file, v, metadata);
            } else {
                tensors.add(readTensor(file, key, v));
            }
        }
        tensors.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end)
                .thenComparing(TensorInfo::name));
        checkCoverage(file, tensors, dataBytes);
        return new Header(Collections.unmodifiableMap(metadata), List.copyOf(tensors));
    }

    private static String decodeUtf8(Path file, byte[] header) throws SafetensorsFormatException {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(header);
        CharBuffer out = CharBuffer.allocate(header.length);
        CoderResult r = dec.decode(in, out, true);
        if (!r.isError()) {
            r = dec.flush(out);
        }
        if (r.isError()) {
            throw new SafetensorsFormatException(file, "header is not valid UTF-8 (bad byte at header offset "
                    + in.position() + ")" + DAMAGED);
        }
        out.flip();
        return out.toString();
    }

    private static JsonNode parseJson(Path file, String text) throws SafetensorsFormatException {
        if (text.isEmpty() || text.charAt(0) != '{') {
            throw new SafetensorsFormatException(file, "header must be a JSON object starting with '{' (it starts with "
                    + (text.isEmpty() ? "nothing: the header is empty" : describeStart(text)) + ")" + DAMAGED);
        }
        try (JsonParser p = JsonFields.MAPPER.getFactory().createParser(text)) {
            p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            JsonNode root = JsonFields.MAPPER.readTree(p);
            int k = (int) p.currentLocation().getCharOffset(); // just past the root value
            while (k < text.length() && " \t\n\r".indexOf(text.charAt(k)) >= 0) {
                k++;
            }
            if (k < text.length()) {
                throw new SafetensorsFormatException(file, "header has data after its JSON object, starting with "
                        + describeStart(text.substring(k)) + " at character " + k + " (only whitespace padding may "
                        + "follow)" + DAMAGED);
            }
            if (root == null || !root.isObject()) {
                throw new SafetensorsFormatException(file, "header must be a JSON object (got "
                        + JsonFields.describe(root) + ")" + DAMAGED);
            }
            return root;
        } catch (SafetensorsFormatException e) {
            throw e;
        } catch (JsonParseException e) {
            String msg = e.getOriginalMessage();
            if (msg != null && msg.startsWith("Duplicate field")) {
                throw new SafetensorsFormatException(file, "header names a tensor twice: " + msg
                        + "; every tensor name must be unique" + DAMAGED, e);
            }
            var loc = e.getLocation();
            throw new SafetensorsFormatException(file, "header is not valid JSON"
                    + (loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr())
                    + ": " + msg + DAMAGED, e);
        } catch (JsonProcessingException e) {
            throw new SafetensorsFormatException(file, "header is not valid JSON: " + e.getOriginalMessage() + DAMAGED, e);
        } catch (IOException e) {
            throw new SafetensorsFormatException(file, "header could not be parsed: " + e.getMessage() + DAMAGED, e);
        }
    }

    private static String describeStart(String text) {
        int cp = text.codePointAt(0);
        return cp < 0x20 || cp == 0x7F ? String.format("byte 0x%02X", cp) : "'" + new String(Character.toChars(cp)) + "'";
    }

    private static void readMetadata(Path file, JsonNode v, Map<String, String> out) throws SafetensorsFormatException {
        if (v.isNull()) {
            return;
        }
        if (!v.isObject()) {
            throw new SafetensorsFormatException(file, "__metadata__ must be an object of string to string (got "
                    + JsonFields.describe(v) + ")" + DAMAGED);
        }
        for (var m : v.properties()) {
            if (!m.getValue().isTextual()) {
                throw new SafetensorsFormatException(file, "__metadata__ value for key \"" + m.getKey()
                        + "\" must be a string (got " + JsonFields.describe(m.getValue()) + "); the safetensors spec "
                        + "allows only string to string metadata: store numbers and lists as JSON text");
            }
            out.put(m.getKey(), m.getValue().textValue());
        }
    }

    private static TensorInfo readTensor(Path file, String name, JsonNode v) throws SafetensorsFormatException {
        String where = "tensor \"" + name + "\": ";
        if (!v.isObject()) {
            throw new SafetensorsFormatException(file, where + "expected an object with dtype, shape and data_offsets "
                    + "(got " + JsonFields.describe(v) + ")" + DAMAGED);
        }
        JsonNode dt = v.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw new SafetensorsFormatException(file, where + "dtype must be a string (got " + JsonFields.describe(dt)
                    + ")" + DAMAGED);
        }
        DType dtype;
        try {
            dtype = DType.parse(dt.textValue());
        } catch (IllegalArgumentException e) {
            throw new SafetensorsFormatException(file, where + e.getMessage()
                    + "; convert the tensor to a supported dtype before loading it here");
        }
        long[] shape = longs(file, where, "shape", v.get("shape"), -1);
        long[] offsets = longs(file, where, "data_offsets", v.get("data_offsets"), 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end) {
            throw new SafetensorsFormatException(file, where + "data_offsets [" + begin + ", " + end
                    + "] start after they end" + DAMAGED);
        }
        long expected = Shapes.byteLengthOrMinusOne(shape, dtype.byteSize());
        if (expected != end - begin) {
            throw new SafetensorsFormatException(file, where + "shape " + Arrays.toString(shape) + " of " + dtype + " ("
                    + dtype.byteSize() + " byte" + (dtype.byteSize() == 1 ? "" : "s") + " each) needs "
                    + (expected < 0 ? "more than 2^63" : String.valueOf(expected)) + " bytes but data_offsets ["
                    + begin + ", " + end + "] span " + (end - begin) + " bytes" + DAMAGED);
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    /** A JSON array of non-negative integers that fit in a long; {@code size} >= 0 demands that length. */
    private static long[] longs(Path file, String where, String field, JsonNode v, int size)
            throws SafetensorsFormatException {
        String want = size == 2 ? "a pair [begin, end] of non-negative integers"
                : "an array of non-negative integers";
        if (v == null || !v.isArray() || (size >= 0 && v.size() != size)) {
            throw new SafetensorsFormatException(file, where + field + " must be " + want + " (got "
                    + (v != null && v.isArray() ? "an array of " + v.size() : JsonFields.describe(v)) + ")" + DAMAGED);
        }
        long[] out = new long[v.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode x = v.get(i);
            if (!x.isIntegralNumber() || !x.canConvertToLong() || x.longValue() < 0) {
                throw new SafetensorsFormatException(file, where + field + " must be " + want + " (element " + i
                        + " is " + JsonFields.describe(x) + ")" + DAMAGED);
            }
            out[i] = x.longValue();
        }
        return out;
    }

    /** The tensors, sorted by offsets, must tile [0, dataBytes) exactly: no overlap, no hole, nothing missing. */
    private static void checkCoverage(Path file, List<TensorInfo> sorted, long dataBytes)
            throws SafetensorsFormatException {
        long covered = 0;
        TensorInfo prev = null;
        for (TensorInfo t : sorted) {
            if (t.begin() < covered) {
                throw new SafetensorsFormatException(file, "tensors \"" + prev.name() + "\" [" + prev.begin() + ", "
                        + prev.end() + ") and \"" + t.name() + "\" [" + t.begin() + ", " + t.end()
                        + ") overlap in the data section" + DAMAGED);
            }
            if (t.begin() > covered) {
                throw new SafetensorsFormatException(file, "bytes [" + covered + ", " + t.begin()
                        + ") of the data section belong to no tensor (" + (prev == null ? "before the first tensor \""
                        : "between \"" + prev.name() + "\" and \"") + t.name() + "\"); the safetensors spec requires "
                        + "the data section to be fully indexed" + DAMAGED);
            }
            if (t.end() > covered) {
                covered = t.end();
                prev = t;
            } else if (prev == null) {
                prev = t;
            }
        }
        if (covered > dataBytes) {
            throw new SafetensorsFormatException(file, "file is truncated: tensor \"" + prev.name() + "\" ends at byte "
                    + covered + " of the data section but the file holds only " + dataBytes + " data bytes ("
                    + (covered - dataBytes) + " missing); the download or copy was cut short: re-download or "
                    + "re-export it");
        }
        if (covered < dataBytes) {
            throw new SafetensorsFormatException(file, "bytes [" + covered + ", " + dataBytes + ") at the end of the "
                    + "data section belong to no tensor; the safetensors spec requires the data section to be fully "
                    + "indexed (was something appended to the file?)" + DAMAGED);
        }
    }
}
