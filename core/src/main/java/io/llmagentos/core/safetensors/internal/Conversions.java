package io.llmagentos.core.safetensors.internal;

import io.llmagentos.core.safetensors.DType;
import io.llmagentos.core.safetensors.Half;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Bulk conversion between little-endian tensor bytes and Java arrays. */
public final class Conversions {
    private Conversions() {
    }

    /**
     * Decodes {@code n} elements of a float dtype starting at the position of {@code src} into
     * {@code dst[off, off + n)}. {@code src}'s position and limit are not changed.
     */
    public static void toFloats(DType dtype, ByteBuffer src, float[] dst, int off, int n) {
        ByteBuffer b = src.slice().order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32 -> b.asFloatBuffer().get(dst, off, n);
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = (float) b.getDouble(i << 3);
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = Float.intBitsToFloat(b.getShort(i << 1) << 16);
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = Half.f16ToFloat(b.getShort(i << 1));
                }
            }
            case F8_E4M3 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = Float8.e4m3ToFloat(b.get(i));
                }
            }
            case F8_E5M2 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = Float8.e5m2ToFloat(b.get(i));
                }
            }
            case F8_E8M0 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = Float8.e8m0ToFloat(b.get(i));
                }
            }
            default -> throw new IllegalArgumentException(dtype + " is not a float dtype");
        }
    }

    /** Widens {@code n} integer elements from the position of {@code src} into {@code dst[off, off + n)}. */
    public static void toLongs(DType dtype, ByteBuffer src, long[] dst, int off, int n) {
        ByteBuffer b = src.slice().order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case BOOL -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = b.get(i) != 0 ? 1 : 0;
                }
            }
            case U8 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = b.get(i) & 0xFFL;
                }
            }
            case I8 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = b.get(i);
                }
            }
            case I16 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = b.getShort(i << 1);
                }
            }
            case U16 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = b.getShort(i << 1) & 0xFFFFL;
                }
            }
            case I32 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = b.getInt(i << 2);
                }
            }
            case U32 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = b.getInt(i << 2) & 0xFFFFFFFFL;
                }
            }
            case I64, U64 -> b.asLongBuffer().get(dst, off, n);
            default -> throw new IllegalArgumentException(dtype + " is not an integer dtype");
        }
    }

    /**
     * Encodes {@code src[off, off + n)} as F32, F64, F16 or BF16 into {@code dst} from its position on
     * (advancing it). F16 and BF16 round to nearest even.
     */
    public static void fromFloats(DType dtype, float[] src, int off, int n, ByteBuffer dst) {
        ByteBuffer b = dst.order() == ByteOrder.LITTLE_ENDIAN ? dst : dst.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int p = b.position();
        switch (dtype) {
            case F32 -> {
                b.asFloatBuffer().put(src, off, n);
                p += n << 2;
            }
            case F64 -> {
                for (int i = 0; i < n; i++, p += 8) {
                    b.putDouble(p, src[off + i]);
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++, p += 2) {
                    b.putShort(p, Half.floatToF16(src[off + i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++, p += 2) {
                    b.putShort(p, Half.floatToBf16(src[off + i]));
                }
            }
            default -> throw new IllegalArgumentException(dtype + " cannot be written from floats");
        }
        dst.position(p);
    }
}
