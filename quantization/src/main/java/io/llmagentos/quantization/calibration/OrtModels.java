package io.llmagentos.quantization.calibration;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import io.llmagentos.quantization.int8.OnnxModelFile;
import io.llmagentos.quantization.int8.QuantizationException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** ONNX Runtime sessions for in-memory models (CPU provider, all graph optimizations). */
public final class OrtModels {
    private OrtModels() {
    }

    /**
     * Session options: {@code threads} intra-op threads that do not spin when idle (on 2 shared cores spinning
     * made ORT 2-4x slower, see {@code OrtCausalLm.Options}), one inter-op thread, ALL_OPT, errors logged.
     */
    public static OrtSession.SessionOptions options(int threads) throws OrtException {
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        so.setIntraOpNumThreads(threads);
        so.addConfigEntry("session.intra_op.allow_spinning", "0");
        so.setInterOpNumThreads(1);
        so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        so.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
        return so;
    }

    /**
     * A session for {@code model}: from its bytes, or, for a model over protobuf's 2 GiB limit, from a
     * temporary file with external data (deleted once the session has loaded it).
     */
    public static OrtSession session(ModelProto model, int threads) throws QuantizationException {
        try (OrtSession.SessionOptions so = options(threads)) {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            if (model.getSerializedSize() >= 0 && model.getSerializedSize() < 1_900_000_000) {
                return env.createSession(model.toByteArray(), so);
            }
            Path dir = Files.createTempDirectory("agentos-ort-");
            try {
                Path f = dir.resolve("model.onnx");
                OnnxModelFile.save(model, f);
                return env.createSession(f.toString(), so);
            } finally {
                try (Stream<Path> s = Files.walk(dir)) {
                    s.sorted(Comparator.reverseOrder()).forEach(p -> {
                        try {
                            Files.deleteIfExists(p);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
                }
            }
        } catch (OrtException e) {
            throw new QuantizationException("ONNX Runtime cannot load the model: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new QuantizationException("cannot stage the model for ONNX Runtime: " + e.getMessage(), e);
        }
    }
}
