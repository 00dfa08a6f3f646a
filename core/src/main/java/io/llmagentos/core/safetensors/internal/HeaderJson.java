package io.llmagentos.core.safetensors.internal;

import io.llmagentos.core.safetensors.TensorInfo;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * Serializes a safetensors header exactly as the reference implementation (Rust, serde_json) does:
 * compact JSON, {@code __metadata__} first, tensors in data order with the keys {@code dtype},
 * {@code shape}, {@code data_offsets}, strings escaped like serde_json, and the whole padded with
 * spaces to a multiple of 8 bytes. Matching it byte for byte lets a file we write be compared with
 * one Python writes by digest.
 */
public final class HeaderJson {
    private HeaderJson() {
    }

    /** Header bytes (already padded) for tensors in data order and metadata (omitted when empty). */
    public static byte[] write(Iterable<TensorInfo> tensorsInDataOrder, Map<String, String> metadata) {
        StringBuilder sb = new StringBuilder(256);
        sb.append('{');
        boolean first = true;
        if (metadata != null && !metadata.isEmpty()) {
            sb.append("\"__metadata__\":{");
            boolean firstEntry = true;
            for (var e : metadata.entrySet()) {
                if (!firstEntry) {
                    sb.append(',');
                }
                firstEntry = false;
                string(sb, e.getKey());
                sb.append(':');
                string(sb, e.getValue());
            }
            sb.append('}');
            first = false;
        }
        for (TensorInfo t : tensorsInDataOrder) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            string(sb, t.name());
            sb.append(":{\"dtype\":\"").append(t.dtype().safetensorsName()).append("\",\"shape\":[");
            long[] shape = t.shape();
            for (int i = 0; i < shape.length; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append(shape[i]);
            }
            sb.append("],\"data_offsets\":[").append(t.begin()).append(',').append(t.end()).append("]}");
        }
        sb.append('}');
        byte[] json = sb.toString().getBytes(StandardCharsets.UTF_8);
        byte[] padded = Arrays.copyOf(json, (json.length + 7) & ~7);
        Arrays.fill(padded, json.length, padded.length, (byte) ' ');
        return padded;
    }

    /** A JSON string literal with serde_json's escapes: \" \\ \b \f \n \r \t and backslash-u00xx with lower-case hex. */
    static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xF, 16));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
