package io.llmagentos.quantization.int8;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads and writes ONNX model files, external data included (the ONNX convention: a tensor whose
 * {@code data_location} is {@code EXTERNAL} names a {@code location} relative to the model's directory, an
 * {@code offset} and a {@code length}). Models read here have every initializer inline, so the
 * quantizers see one in-memory graph; models written here move their large initializers to
 * {@code <file>_data} when the whole would not fit protobuf's 2 GiB message limit.
 */
public final class OnnxModelFile {
    /** Protobuf messages are limited to 2 GiB; stay clear of it. */
    static final long INLINE_LIMIT = 1_900_000_000L;
    /** Initializers at least this large move to the external data file when a model needs one. */
    private static final int EXTERNAL_MIN_BYTES = 1024;
    /** External data offsets are aligned so that ONNX Runtime can map them. */
    private static final int EXTERNAL_ALIGN = 4096;

    private OnnxModelFile() {
    }

    /**
     * Loads an ONNX model and checks that it is one: a graph with nodes and an opset for the default
     * domain. External data is read into the tensors.
     *
     * @throws QuantizationException naming the file when it is missing, not ONNX, or its external data is
     *                               missing or short
     */
    public static ModelProto load(Path file) throws QuantizationException, IOException {
        ModelProto model;
        try (InputStream in = Files.newInputStream(file)) {
            CodedInputStream cis = CodedInputStream.newInstance(in);
            cis.setSizeLimit(Integer.MAX_VALUE);
            model = ModelProto.parseFrom(cis);
        } catch (NoSuchFileException e) {
            throw new QuantizationException(file + ": no such ONNX model file; pass the model.onnx that "
                    + "'agentos export onnx' wrote (or its directory)");
        } catch (InvalidProtocolBufferException e) {
            throw new QuantizationException(file + ": not a valid ONNX model (protobuf parse failed: " + e.getMessage()
                    + "); the file is corrupt or truncated, re-export it", e);
        }
        validate(file, model);
        return inlineExternalData(file, model);
    }

    private static void validate(Path file, ModelProto model) throws QuantizationException {
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
            throw new QuantizationException(file + ": not a valid ONNX model (no graph or an empty graph); "
                    + "the file is corrupt or not ONNX, re-export it");
        }
        if (model.getIrVersion() <= 0) {
            throw new QuantizationException(file + ": not a valid ONNX model (ir_version missing); the file is "
                    + "corrupt or not ONNX, re-export it");
        }
        long opset = defaultOpset(model);
        if (opset < 0) {
            throw new QuantizationException(file + ": the model imports no opset of the default ONNX domain; "
                    + "re-export it with opset >= 13");
        }
        if (opset < 13) {
            throw new QuantizationException(file + ": opset " + opset + " is too old for per-channel INT8 "
                    + "(DequantizeLinear with an axis needs opset >= 13); re-export with opset >= 13");
        }
        for (var n : model.getGraph().getNodeList()) {
            if (n.getOpType().isEmpty()) {
                throw new QuantizationException(file + ": node \"" + n.getName() + "\" has no op_type; the file is "
                        + "corrupt, re-export it");
            }
        }
    }

    /** The opset version of the default domain ({@code ""} or {@code ai.onnx}), or -1 when absent. */
    public static long defaultOpset(ModelProto model) {
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                return o.getVersion();
            }
        }
        return -1;
    }

    private static ModelProto inlineExternalData(Path file, ModelProto model) throws QuantizationException, IOException {
        GraphProto g = model.getGraph();
        boolean any = false;
        for (TensorProto t : g.getInitializerList()) {
            any |= t.getDataLocation() == TensorProto.DataLocation.EXTERNAL;
        }
        if (!any) {
            return model;
        }
        Path dir = file.toAbsolutePath().getParent();
        GraphProto.Builder gb = g.toBuilder();
        Map<String, FileChannel> open = new HashMap<>();
        try {
            for (int i = 0; i < gb.getInitializerCount(); i++) {
                TensorProto t = gb.getInitializer(i);
                if (t.getDataLocation() != TensorProto.DataLocation.EXTERNAL) {
                    continue;
                }
                String location = null;
                long offset = 0;
                long length = -1;
                for (StringStringEntryProto e : t.getExternalDataList()) {
                    switch (e.getKey()) {
                        case "location" -> location = e.getValue();
                        case "offset" -> offset = Long.parseLong(e.getValue());
                        case "length" -> length = Long.parseLong(e.getValue());
                        default -> {
                        }
                    }
                }
                if (location == null) {
                    throw new QuantizationException(file + ": initializer \"" + t.getName() + "\" is external but names "
                            + "no location");
                }
                Path data = dir.resolve(location).normalize();
                if (!data.startsWith(dir)) {
                    throw new QuantizationException(file + ": initializer \"" + t.getName() + "\" points outside the "
                            + "model directory (" + location + ")");
                }
                FileChannel ch = open.get(location);
                if (ch == null) {
                    try {
                        ch = FileChannel.open(data, StandardOpenOption.READ);
                    } catch (NoSuchFileException e) {
                        throw new QuantizationException(file + ": external data file " + data + " of initializer \""
                                + t.getName() + "\" is missing; copy it beside the model");
                    }
                    open.put(location, ch);
                }
                if (length < 0) {
                    length = ch.size() - offset;
                }
                if (offset < 0 || offset + length > ch.size() || length > Integer.MAX_VALUE) {
                    throw new QuantizationException(file + ": initializer \"" + t.getName() + "\" wants bytes ["
                            + offset + ", " + (offset + length) + ") of " + data + ", which has " + ch.size()
                            + "; the external data file is truncated or belongs to another model");
                }
                ByteBuffer buf = ByteBuffer.allocate((int) length);
                long pos = offset;
                while (buf.hasRemaining()) {
                    int n = ch.read(buf, pos);
                    if (n < 0) {
                        throw new QuantizationException(data + ": unexpected end of file");
                    }
                    pos += n;
                }
                buf.flip();
                gb.setInitializer(i, t.toBuilder().clearExternalData().clearDataLocation()
                        .setRawData(ByteString.copyFrom(buf)).build());
            }
        } finally {
            for (FileChannel ch : open.values()) {
                ch.close();
            }
        }
        return model.toBuilder().setGraph(gb).build();
    }

    /**
     * Writes {@code model} to {@code file} (through a temporary file renamed into place). When the model
     * would not fit one protobuf message, initializers of 1 KiB or more go to {@code <file name>_data}
     * beside it, each at a 4 KiB-aligned offset.
     *
     * @return the files written (the model, and the external data file if any)
     */
    public static java.util.List<Path> save(ModelProto model, Path file) throws IOException {
        return save(model, file, INLINE_LIMIT);
    }

    /** {@link #save(ModelProto, Path)} with external data above {@code inlineLimit} serialized bytes. */
    static java.util.List<Path> save(ModelProto model, Path file, long inlineLimit) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        String dataName = file.getFileName() + "_data";
        Path dataFile = dir.resolve(dataName);
        Files.deleteIfExists(dataFile);
        ModelProto toWrite = model;
        boolean external = Int8Rewriter.modelBytes(model) > inlineLimit;
        if (external) {
            Path tmpData = Files.createTempFile(dir, ".tmp-", ".onnx_data");
            GraphProto.Builder gb = model.getGraph().toBuilder();
            try (FileChannel out = FileChannel.open(tmpData, StandardOpenOption.WRITE)) {
                long pos = 0;
                for (int i = 0; i < gb.getInitializerCount(); i++) {
                    TensorProto t = gb.getInitializer(i);
                    if (!t.hasRawData() || t.getRawData().size() < EXTERNAL_MIN_BYTES) {
                        continue;
                    }
                    pos = (pos + EXTERNAL_ALIGN - 1) / EXTERNAL_ALIGN * EXTERNAL_ALIGN;
                    ByteBuffer bytes = t.getRawData().asReadOnlyByteBuffer();
                    long len = bytes.remaining();
                    long p = pos;
                    while (bytes.hasRemaining()) {
                        p += out.write(bytes, p);
                    }
                    gb.setInitializer(i, t.toBuilder().clearRawData()
                            .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                            .addExternalData(entry("location", dataName))
                            .addExternalData(entry("offset", Long.toString(pos)))
                            .addExternalData(entry("length", Long.toString(len))).build());
                    pos += len;
                }
            }
            Files.move(tmpData, dataFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            toWrite = model.toBuilder().setGraph(gb).build();
        }
        Path tmp = Files.createTempFile(dir, ".tmp-", ".onnx");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
            toWrite.writeTo(out);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return external ? java.util.List.of(file, dataFile) : java.util.List.of(file);
    }

    /** Bytes of the model on disk: the file plus its external data, if any. */
    public static long bytesOnDisk(Path file) throws IOException {
        long n = Files.size(file);
        Path data = file.resolveSibling(file.getFileName() + "_data");
        if (Files.exists(data)) {
            n += Files.size(data);
        }
        return n;
    }

    private static StringStringEntryProto entry(String k, String v) {
        return StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }
}
