package io.llmagentos.quantization.testing;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** Op types of a model, and of the graph ONNX Runtime actually runs after its fusions. */
public final class OpCounts {
    private OpCounts() {
    }

    public static Map<String, Integer> of(ModelProto m) {
        Map<String, Integer> c = new TreeMap<>();
        for (NodeProto n : m.getGraph().getNodeList()) {
            c.merge(n.getOpType(), 1, Integer::sum);
        }
        return c;
    }

    /** The op types after ORT's ALL_OPT graph optimizations (the optimized model ORT writes). */
    public static Map<String, Integer> afterOrt(ModelProto m) throws IOException, OrtException {
        Path tmp = Files.createTempFile("ort-optimized", ".onnx");
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
            so.setSessionLogLevel(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            so.setOptimizedModelFilePath(tmp.toString());
            try (OrtSession s = Ort.ENV.createSession(m.toByteArray(), so)) {
                return of(ModelProto.parseFrom(Files.readAllBytes(tmp)));
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static void main(String[] args) throws Exception {
        for (String a : args) {
            System.out.println(a + ": " + of(ModelProto.parseFrom(Files.readAllBytes(Path.of(a)))));
        }
    }
}
