package io.llmagentos.quantization.export.internal;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Writes an ONNX model file. Weights go either inline ({@code raw_data}, little-endian) or, for models
 * whose weights would push the protobuf past its 2 GiB limit, into one external data file beside the
 * model ({@code data_location = EXTERNAL} with {@code location}, {@code offset}, {@code length}, the layout
 * {@code onnx.save(..., save_as_external_data=True)} writes; offsets are 64-byte aligned).
 */
public final class OnnxModelWriter implements OnnxGraph.TensorSink, AutoCloseable {
    /** Alignment of each tensor in the external data file. */
    static final int ALIGN = 64;

    private final Path dir;
    private final String dataFileName;
    private final FileChannel data;
    private long offset;
    private long tensorBytes;

    /**
     * @param dir          the directory of the model file
     * @param dataFileName the external data file's name in {@code dir}, or null to store weights inline
     */
    public OnnxModelWriter(Path dir, String dataFileName) throws IOException {
        this.dir = dir;
        this.dataFileName = dataFileName;
        this.data = dataFileName == null ? null : FileChannel.open(dir.resolve(dataFileName),
                StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    /** Bytes of weight data written so far (inline or external). */
    public long tensorBytes() {
        return tensorBytes;
    }

    @Override
    public TensorProto floatTensor(String name, long[] dims, float[] values) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
        for (long d : dims) {
            t.addDims(d);
        }
        tensorBytes += bytes.capacity();
        if (data == null) {
            return t.setRawData(ByteString.copyFrom(bytes)).build();
        }
        long start = (offset + ALIGN - 1) / ALIGN * ALIGN;
        long length = bytes.capacity();
        long pos = start;
        while (bytes.hasRemaining()) {
            pos += data.write(bytes, pos);
        }
        offset = start + length;
        return t.setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(entry("location", dataFileName))
                .addExternalData(entry("offset", Long.toString(start)))
                .addExternalData(entry("length", Long.toString(length)))
                .build();
    }

    private static OnnxMl.StringStringEntryProto entry(String k, String v) {
        return OnnxMl.StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }

    /**
     * Writes {@code graph} as {@code fileName} in the directory: IR version for the opset, the default
     * domain at {@code opset}, producer name/version and {@code metadata} as metadata_props.
     */
    public Path writeModel(String fileName, OnnxMl.GraphProto graph, int opset, String producerVersion,
                           String docString, Map<String, String> metadata) throws IOException {
        OnnxMl.ModelProto.Builder m = OnnxMl.ModelProto.newBuilder()
                .setIrVersion(irVersion(opset))
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setProducerName("agentos")
                .setProducerVersion(producerVersion)
                .setDomain("io.llmagentos")
                .setModelVersion(1)
                .setDocString(docString)
                .setGraph(graph);
        metadata.forEach((k, v) -> m.addMetadataProps(entry(k, v)));
        Path file = dir.resolve(fileName);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE_NEW),
                1 << 20)) {
            m.build().writeTo(out);
        }
        return file;
    }

    /** The IR version that goes with an opset (ONNX's versioning table). */
    static long irVersion(int opset) {
        if (opset <= 18) {
            return 8;
        }
        if (opset <= 20) {
            return 9;
        }
        if (opset <= 22) {
            return 10;
        }
        return 11;
    }

    @Override
    public void close() throws IOException {
        if (data != null) {
            data.close();
        }
    }
}
