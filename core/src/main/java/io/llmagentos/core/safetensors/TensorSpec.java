package io.llmagentos.core.safetensors;

import io.llmagentos.core.safetensors.internal.Shapes;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor to be written by {@link SafetensorsWriter}: its name, element type and shape
 * ({@code new long[0]} for a scalar, a zero dimension for an empty tensor).
 */
public record TensorSpec(String name, DType dtype, long[] shape) {
    public TensorSpec {
        if (name == null) {
            throw new IllegalArgumentException("tensor name must not be null");
        }
        if (dtype == null) {
            throw new IllegalArgumentException("tensor \"" + name + "\": dtype must not be null");
        }
        shape = Shapes.checkedCopy("tensor \"" + name + "\"", shape);
        if (Shapes.byteLengthOrMinusOne(shape, dtype.byteSize()) < 0) {
            throw new IllegalArgumentException("tensor \"" + name + "\": shape " + Arrays.toString(shape)
                    + " of " + dtype + " takes more bytes than a file can hold");
        }
    }

    /** A copy of the shape. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long elementCount() {
        return Shapes.elementCountOrMinusOne(shape);
    }

    public long byteLength() {
        return elementCount() * dtype.byteSize();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape);
    }
}
