package io.llmagentos.quantization.int8;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/** Builds and reads the ONNX tensors, nodes and attributes that the quantizers write. */
public final class OnnxTensors {
    public static final int FLOAT = TensorProto.DataType.FLOAT.getNumber();
    public static final int UINT8 = TensorProto.DataType.UINT8.getNumber();
    public static final int INT8 = TensorProto.DataType.INT8.getNumber();
    public static final int INT32 = TensorProto.DataType.INT32.getNumber();
    public static final int INT64 = TensorProto.DataType.INT64.getNumber();

    private OnnxTensors() {
    }

    /** A float tensor ({@code raw_data}, little-endian). */
    public static TensorProto floats(String name, float[] data, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        return raw(name, FLOAT, ByteString.copyFrom(b.array()), dims);
    }

    public static TensorProto int8(String name, byte[] data, long... dims) {
        return raw(name, INT8, ByteString.copyFrom(data), dims);
    }

    public static TensorProto uint8(String name, byte[] data, long... dims) {
        return raw(name, UINT8, ByteString.copyFrom(data), dims);
    }

    public static TensorProto int64(String name, long[] data, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(8 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(data);
        return raw(name, INT64, ByteString.copyFrom(b.array()), dims);
    }

    private static TensorProto raw(String name, int type, ByteString bytes, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type).setRawData(bytes);
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    /** The values of a FLOAT tensor, from {@code raw_data} or {@code float_data}. */
    public static float[] readFloats(TensorProto t) {
        if (t.getDataType() != FLOAT) {
            throw new IllegalArgumentException("tensor \"" + t.getName() + "\" is not FLOAT (data_type " + t.getDataType()
                    + ")");
        }
        long n = elementCount(t);
        if (t.hasRawData()) {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            if (b.remaining() != 4 * n) {
                throw new IllegalArgumentException("tensor \"" + t.getName() + "\" has " + b.remaining()
                        + " bytes of raw data, its shape needs " + 4 * n);
            }
            float[] out = new float[(int) n];
            b.asFloatBuffer().get(out);
            return out;
        }
        if (t.getFloatDataCount() != n) {
            throw new IllegalArgumentException("tensor \"" + t.getName() + "\" has " + t.getFloatDataCount()
                    + " float_data values, its shape needs " + n);
        }
        float[] out = new float[(int) n];
        for (int i = 0; i < n; i++) {
            out[i] = t.getFloatData(i);
        }
        return out;
    }

    /** The values of an INT8 tensor ({@code raw_data} or {@code int32_data}). */
    public static byte[] readInt8(TensorProto t) {
        if (t.hasRawData()) {
            return t.getRawData().toByteArray();
        }
        byte[] out = new byte[t.getInt32DataCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) t.getInt32Data(i);
        }
        return out;
    }

    public static long elementCount(TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) {
            n *= d;
        }
        return n;
    }

    /** Bytes of a tensor's data as stored (its raw data, or its typed values). */
    public static long dataBytes(TensorProto t) {
        if (t.hasRawData()) {
            return t.getRawData().size();
        }
        int per = switch (TensorProto.DataType.forNumber(t.getDataType())) {
            case INT8, UINT8, BOOL -> 1;
            case FLOAT16, BFLOAT16, INT16, UINT16 -> 2;
            case INT64, UINT64, DOUBLE -> 8;
            default -> 4;
        };
        return elementCount(t) * per;
    }

    public static NodeProto.Builder node(String op, String name, List<String> inputs, List<String> outputs) {
        return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addAllOutput(outputs);
    }

    public static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    public static AttributeProto intsAttr(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    /** The INT attribute {@code name} of a node, or {@code dflt}. */
    public static long intAttr(NodeProto n, String name, long dflt) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getI();
            }
        }
        return dflt;
    }

    /** The FLOAT attribute {@code name} of a node, or {@code dflt}. */
    public static float floatAttr(NodeProto n, String name, float dflt) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getF();
            }
        }
        return dflt;
    }

    /** The INTS attribute {@code name} of a node, or null. */
    public static long[] intsAttr(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
            }
        }
        return null;
    }
}
