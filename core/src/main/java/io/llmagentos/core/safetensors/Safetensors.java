package io.llmagentos.core.safetensors;

import io.llmagentos.core.safetensors.internal.Shapes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One-call helpers for small files (tests, fixtures, tiny models) whose tensors fit in memory; use
 * {@link SafetensorsWriter} and {@link SafetensorsFile} to stream larger ones.
 */
public final class Safetensors {
    private Safetensors() {
    }

    /** A float tensor held in memory: row-major values and their shape. */
    public record FloatTensor(long[] shape, float[] values) {
        public FloatTensor {
            shape = Shapes.checkedCopy("float tensor", shape);
            Objects.requireNonNull(values, "values");
            if (Shapes.elementCountOrMinusOne(shape) != values.length) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds "
                        + Shapes.elementCountOrMinusOne(shape) + " elements but " + values.length + " values were given");
            }
        }

        /** A tensor of {@code values} with the given shape (none for a scalar). */
        public static FloatTensor of(float[] values, long... shape) {
            return new FloatTensor(shape, values);
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof FloatTensor t && Arrays.equals(shape, t.shape) && Arrays.equals(values, t.values);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(shape) + Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return "FloatTensor" + Arrays.toString(shape);
        }
    }

    /** Writes float tensors, all converted to {@code dtype} (F32, F16, BF16 or F64). */
    public static void writeFloats(Path file, DType dtype, Map<String, FloatTensor> tensors,
                                   Map<String, String> metadata) throws IOException {
        List<TensorSpec> specs = new ArrayList<>(tensors.size());
        tensors.forEach((name, t) -> specs.add(new TensorSpec(name, dtype, t.shape)));
        try (SafetensorsWriter w = new SafetensorsWriter(file, specs, metadata)) {
            for (var e : tensors.entrySet()) {
                w.writeFloats(e.getKey(), e.getValue().values);
            }
        }
    }

    /** Reads every tensor of a file with float dtypes, in data order. */
    public static Map<String, FloatTensor> readFloats(Path file) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Map<String, FloatTensor> out = new LinkedHashMap<>();
            for (TensorInfo t : f.tensors()) {
                out.put(t.name(), new FloatTensor(t.shape(), f.readFloats(t.name())));
            }
            return Collections.unmodifiableMap(out);
        }
    }
}
