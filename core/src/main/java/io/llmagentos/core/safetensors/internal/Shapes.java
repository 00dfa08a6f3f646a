package io.llmagentos.core.safetensors.internal;

import java.util.Arrays;

/** Shape arithmetic shared by the reader, the writer and the value records. */
public final class Shapes {
    private Shapes() {
    }

    /**
     * The number of elements of a shape (1 for a scalar {@code []}), or -1 when a dimension is negative
     * or the product does not fit in a long.
     */
    public static long elementCountOrMinusOne(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                return -1;
            }
            if (d == 0) {
                n = 0;
            }
        }
        if (n == 0) {
            return 0;
        }
        for (long d : shape) {
            long next = n * d;
            if (d != 0 && next / d != n) {
                return -1;
            }
            n = next;
        }
        return n;
    }

    /** Element count times element size, or -1 on overflow or a negative dimension. */
    public static long byteLengthOrMinusOne(long[] shape, int elementSize) {
        long n = elementCountOrMinusOne(shape);
        if (n < 0 || n > Long.MAX_VALUE / elementSize) {
            return -1;
        }
        return n * elementSize;
    }

    /**
     * Validates a shape for a record constructor; returns a defensive copy. {@code owner} names what
     * the shape belongs to in messages, e.g. {@code tensor "w"}.
     */
    public static long[] checkedCopy(String owner, long[] shape) {
        if (shape == null) {
            throw new IllegalArgumentException(owner + ": shape must not be null (use new long[0] for a scalar)");
        }
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(owner + ": shape " + Arrays.toString(shape)
                        + " has a negative dimension; every dimension must be >= 0");
            }
        }
        if (elementCountOrMinusOne(shape) < 0) {
            throw new IllegalArgumentException(owner + ": shape " + Arrays.toString(shape)
                    + " has more elements than a long can count");
        }
        return shape.clone();
    }
}
