package io.llmagentos.core.safetensors;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Element types of a safetensors file, named as in the header ({@code "dtype": "BF16"}).
 *
 * <p>Every byte-addressable dtype of safetensors 0.8 is known, so any such file opens; the sub-byte
 * types ({@code F4}, {@code F6_E2M3}, {@code F6_E3M2}) are not. {@link #isFloat()} types convert to
 * {@code float} ({@link SafetensorsFile#readFloats}), {@link #isInteger()} types widen to {@code long}
 * ({@link SafetensorsFile#readLongs}); the rest ({@code C64}) are available as raw bytes.
 */
public enum DType {
    // Declared in the order of the reference implementation's Rust enum, which its writer uses to lay
    // out the data section (larger rank first, so every tensor starts aligned to its element size).
    BOOL(1, Kind.INTEGER),
    U8(1, Kind.INTEGER),
    I8(1, Kind.INTEGER),
    F8_E5M2(1, Kind.FLOAT),
    F8_E4M3(1, Kind.FLOAT),
    F8_E8M0(1, Kind.FLOAT),
    F8_E4M3FNUZ(1, Kind.RAW),
    F8_E5M2FNUZ(1, Kind.RAW),
    I16(2, Kind.INTEGER),
    U16(2, Kind.INTEGER),
    F16(2, Kind.FLOAT),
    BF16(2, Kind.FLOAT),
    I32(4, Kind.INTEGER),
    U32(4, Kind.INTEGER),
    F32(4, Kind.FLOAT),
    C64(8, Kind.RAW),
    F64(8, Kind.FLOAT),
    I64(8, Kind.INTEGER),
    U64(8, Kind.INTEGER);

    private enum Kind { FLOAT, INTEGER, RAW }

    private final int byteSize;
    private final Kind kind;

    DType(int byteSize, Kind kind) {
        this.byteSize = byteSize;
        this.kind = kind;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The name used in safetensors headers, e.g. {@code "BF16"}. */
    public String safetensorsName() {
        return name();
    }

    /** True when {@link SafetensorsFile#readFloats} converts this type to {@code float}. */
    public boolean isFloat() {
        return kind == Kind.FLOAT;
    }

    /** True when {@link SafetensorsFile#readLongs} widens this type to {@code long} (BOOL reads as 0 or 1). */
    public boolean isInteger() {
        return kind == Kind.INTEGER;
    }

    /**
     * The dtype for a header name (exact, case-sensitive, as the format requires).
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static DType parse(String safetensorsName) {
        if (safetensorsName != null) {
            for (DType d : values()) {
                if (d.name().equals(safetensorsName)) {
                    return d;
                }
            }
        }
        String hint = "";
        if (safetensorsName != null) {
            String upper = safetensorsName.toUpperCase(Locale.ROOT);
            if (!upper.equals(safetensorsName) && Arrays.stream(values()).anyMatch(d -> d.name().equals(upper))) {
                hint = " (dtype names are upper-case: did you mean \"" + upper + "\"?)";
            } else if (upper.equals("F4") || upper.startsWith("F6_")) {
                hint = " (sub-byte dtypes are not supported)";
            }
        }
        throw new IllegalArgumentException("unknown safetensors dtype "
                + (safetensorsName == null ? "null" : "\"" + safetensorsName + "\"") + hint + "; known dtypes: "
                + knownNames());
    }

    /** Comma-separated list of every known header name, for messages. */
    public static String knownNames() {
        return Arrays.stream(values()).map(DType::safetensorsName).collect(Collectors.joining(", "));
    }
}
