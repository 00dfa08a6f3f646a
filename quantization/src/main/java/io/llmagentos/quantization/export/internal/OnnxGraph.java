package io.llmagentos.quantization.export.internal;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small builder over the raw ONNX protobuf messages ({@code ai.onnx.proto.OnnxMl}): nodes with unique
 * names, graph inputs and outputs with symbolic dimensions, small constants as initializers (deduplicated),
 * and large weights through a {@link TensorSink} that stores them inline or as external data.
 */
public final class OnnxGraph {
    /** Where weight initializers go: inline raw data, or a range of the external data file. */
    public interface TensorSink {
        /** Adds {@code values} (little-endian float32) as the initializer {@code name} of {@code dims}. */
        TensorProto floatTensor(String name, long[] dims, float[] values) throws java.io.IOException;
    }

    public static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    public static final int INT64 = TensorProto.DataType.INT64_VALUE;
    public static final int BOOL = TensorProto.DataType.BOOL_VALUE;
    public static final int DOUBLE = TensorProto.DataType.DOUBLE_VALUE;

    private final OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder();
    private final int opset;
    private final TensorSink sink;
    private final Set<String> names = new HashSet<>();
    private final Map<String, String> constants = new HashMap<>();
    private int counter;

    public OnnxGraph(String name, int opset, TensorSink sink) {
        this.opset = opset;
        this.sink = sink;
        graph.setName(name);
    }

    public int opset() {
        return opset;
    }

    public OnnxMl.GraphProto build() {
        return graph.build();
    }

    /** A graph input of element type {@code elemType}; each dim is a Long (fixed) or a String (symbolic). */
    public String input(String name, int elemType, Object... dims) {
        graph.addInput(valueInfo(name, elemType, dims));
        names.add(name);
        return name;
    }

    /** Declares {@code name} (already produced by a node) as a graph output. */
    public void output(String name, int elemType, Object... dims) {
        graph.addOutput(valueInfo(name, elemType, dims));
    }

    private static ValueInfoProto valueInfo(String name, int elemType, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof String s) {
                dim.setDimParam(s);
            } else {
                dim.setDimValue(((Number) d).longValue());
            }
            shape.addDim(dim);
        }
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType)
                        .setShape(shape)))
                .build();
    }

    /** A weight initializer (through the sink). */
    public String weight(String name, long[] dims, float[] values) throws java.io.IOException {
        graph.addInitializer(sink.floatTensor(name, dims, values));
        names.add(name);
        return name;
    }

    /**
     * One node with one output. {@code name} is the node's name (made unique); {@code output} is the output
     * value's name, or null for a generated one. Attributes: Integer/Long → INT, Float/Double → FLOAT,
     * String → STRING, long[] → INTS, TensorProto → TENSOR.
     */
    public String op(String opType, String name, String output, List<String> inputs, Map<String, Object> attrs) {
        String out = output == null ? unique(name + "_output_0") : output;
        node(opType, name, inputs, List.of(out), attrs);
        return out;
    }

    public String op(String opType, String name, String... inputs) {
        return op(opType, name, null, List.of(inputs), Map.of());
    }

    public String op(String opType, String name, Map<String, Object> attrs, String... inputs) {
        return op(opType, name, null, List.of(inputs), attrs);
    }

    private void node(String opType, String name, List<String> inputs, List<String> outputs, Map<String, Object> attrs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(opType).setName(unique(name));
        inputs.forEach(n::addInput);
        outputs.forEach(n::addOutput);
        for (var e : attrs.entrySet()) {
            n.addAttribute(attribute(e.getKey(), e.getValue()));
        }
        graph.addNode(n);
    }

    private static AttributeProto attribute(String name, Object v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
        if (v instanceof Integer || v instanceof Long) {
            a.setType(AttributeProto.AttributeType.INT).setI(((Number) v).longValue());
        } else if (v instanceof Float || v instanceof Double) {
            a.setType(AttributeProto.AttributeType.FLOAT).setF(((Number) v).floatValue());
        } else if (v instanceof String s) {
            a.setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(s));
        } else if (v instanceof long[] ls) {
            a.setType(AttributeProto.AttributeType.INTS);
            for (long l : ls) {
                a.addInts(l);
            }
        } else if (v instanceof TensorProto t) {
            a.setType(AttributeProto.AttributeType.TENSOR).setT(t);
        } else {
            throw new IllegalArgumentException("unsupported attribute " + name + " = " + v);
        }
        return a.build();
    }

    private String unique(String base) {
        String n = base;
        while (names.contains(n)) {
            n = base + "_" + (++counter);
        }
        names.add(n);
        return n;
    }

    /** A 1-D int64 constant. */
    public String int64s(long... values) {
        return constant("int64", INT64, new long[] {values.length}, littleEndian(values));
    }

    /** A 0-D int64 constant. */
    public String int64Scalar(long value) {
        return constant("int64_scalar", INT64, new long[0], littleEndian(new long[] {value}));
    }

    /** A 0-D float constant. */
    public String floatScalar(float value) {
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value);
        return constant("float_scalar", FLOAT, new long[0], b.array());
    }

    /** A 1-D float constant (small: stored inline). */
    public String floats(String base, float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return constant(base, FLOAT, new long[] {values.length}, b.array());
    }

    /** A 0-D or 1-D double constant. */
    public String doubles(String base, boolean scalar, double... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            b.putDouble(v);
        }
        return constant(base, DOUBLE, scalar ? new long[0] : new long[] {values.length}, b.array());
    }

    private String constant(String base, int type, long[] dims, byte[] raw) {
        String key = type + ":" + java.util.Arrays.toString(dims) + ":" + java.util.HexFormat.of().formatHex(raw);
        String existing = constants.get(key);
        if (existing != null) {
            return existing;
        }
        String name = unique("/const/" + base);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type).setRawData(ByteString.copyFrom(raw));
        for (long d : dims) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        constants.put(key, name);
        return name;
    }

    private static byte[] littleEndian(long[] values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }

    /** Inputs as a list, for {@link #op(String, String, String, List, Map)}. */
    public static List<String> in(String... inputs) {
        return new ArrayList<>(List.of(inputs));
    }
}
