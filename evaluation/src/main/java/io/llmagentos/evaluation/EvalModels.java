package io.llmagentos.evaluation;

import ai.djl.Device;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.config.LlamaConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Opens a model directory as the backend its files call for. */
public final class EvalModels {
    private EvalModels() {
    }

    /**
     * A directory with {@code model.onnx} (or exactly one {@code .onnx} file) opens in ONNX Runtime; one with
     * {@code model.safetensors} (or its index) as a DJL checkpoint on the CPU. Anything else is an error naming the
     * directory and what it lacks.
     */
    public static EvalModel open(Path dir, int threads) throws IOException {
        if (Files.isRegularFile(dir) && dir.getFileName().toString().endsWith(".onnx")) {
            return OnnxEvalModel.open(dir.toAbsolutePath().getParent(), dir.getFileName().toString(), threads);
        }
        if (!Files.isDirectory(dir)) {
            throw new EvalFormatException(dir + ": no such model directory");
        }
        if (!Files.isRegularFile(dir.resolve(LlamaConfig.FILE_NAME))) {
            throw new EvalFormatException(dir + ": no " + LlamaConfig.FILE_NAME + "; pass a checkpoint directory (HF "
                    + "layout) or an exported ONNX directory (agentos export onnx / agentos quantize)");
        }
        String onnx = onnxFile(dir);
        if (onnx != null) {
            return OnnxEvalModel.open(dir, onnx, threads);
        }
        if (Files.isRegularFile(dir.resolve(Checkpoint.WEIGHTS_FILE))
                || Files.isRegularFile(dir.resolve(Checkpoint.WEIGHTS_INDEX_FILE))) {
            return DjlEvalModel.open(dir, Device.cpu());
        }
        throw new EvalFormatException(dir + ": neither model.onnx nor " + Checkpoint.WEIGHTS_FILE + " found; pass a "
                + "checkpoint directory or an exported ONNX directory");
    }

    /** {@code model.onnx}, else the only {@code .onnx} file, else null; several without model.onnx is an error. */
    static String onnxFile(Path dir) throws IOException {
        if (Files.isRegularFile(dir.resolve("model.onnx"))) {
            return "model.onnx";
        }
        List<String> all;
        try (Stream<Path> s = Files.list(dir)) {
            all = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".onnx")).sorted().toList();
        }
        if (all.size() > 1) {
            throw new EvalFormatException(dir + ": several ONNX files " + all + " and no model.onnx; pass the file to "
                    + "evaluate (--model alias=" + dir.resolve(all.get(0)) + ")");
        }
        return all.isEmpty() ? null : all.get(0);
    }
}
