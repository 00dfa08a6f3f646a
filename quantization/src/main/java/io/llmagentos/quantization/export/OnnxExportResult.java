package io.llmagentos.quantization.export;

import java.nio.file.Path;
import java.util.List;

/**
 * What an export wrote.
 *
 * @param outDir         the exported directory
 * @param modelFile      {@code model.onnx}
 * @param externalData   {@code model.onnx_data}, or null when the weights are inline
 * @param opset          ONNX opset of the graph
 * @param parameters     parameter count
 * @param modelBytes     bytes of the model file plus its external data
 * @param sourceDigest   "sha256:…" of the source checkpoint's config.json and weight files
 * @param copiedFiles    config, tokenizer and generation files copied beside the model
 * @param validation     the check run in ONNX Runtime, or null when it was switched off
 * @param seconds        wall time of the export
 */
public record OnnxExportResult(Path outDir, Path modelFile, Path externalData, int opset, long parameters,
                               long modelBytes, String sourceDigest, List<String> copiedFiles,
                               OnnxValidation validation, double seconds) {
    public OnnxExportResult {
        copiedFiles = List.copyOf(copiedFiles);
    }
}
