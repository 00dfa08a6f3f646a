package io.llmagentos.core.safetensors;

import io.llmagentos.core.safetensors.internal.Shapes;
import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor of an open safetensors file. {@code begin} and {@code end} are byte offsets relative to
 * the start of the data section (right after the header), as in the file's {@code data_offsets}.
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {
    public TensorInfo {
        if (name == null) {
            throw new IllegalArgumentException("tensor name must not be null");
        }
        if (dtype == null) {
            throw new IllegalArgumentException("tensor \"" + name + "\": dtype must not be null");
        }
        shape = Shapes.checkedCopy("tensor \"" + name + "\"", shape);
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("tensor \"" + name + "\": data offsets [" + begin + ", " + end
                    + "] must satisfy 0 <= begin <= end");
        }
        long expected = Shapes.byteLengthOrMinusOne(shape, dtype.byteSize());
        if (expected != end - begin) {
            throw new IllegalArgumentException("tensor \"" + name + "\": shape " + Arrays.toString(shape) + " of "
                    + dtype + " needs " + (expected < 0 ? "more than Long.MAX_VALUE" : String.valueOf(expected))
                    + " bytes but data offsets [" + begin + ", " + end + "] span " + (end - begin));
        }
    }

    /** A copy of the shape. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions (0 for a scalar). */
    public int rank() {
        return shape.length;
    }

    public long elementCount() {
        return Shapes.elementCountOrMinusOne(shape);
    }

    public long byteLength() {
        return end - begin;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && begin == t.begin && end == t.end;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape) + " [" + begin + ", " + end + ")";
    }
}
