package io.llmagentos.quantization.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.quantization.runtime.OrtCausalLm;
import io.llmagentos.testsupport.Python;
import io.llmagentos.testsupport.RepoPaths;
import io.llmagentos.testsupport.TempDirectory;
import io.llmagentos.training.LlamaModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The exported directory runs in Python {@code onnxruntime} (scripts/parity/onnx_check.py, the test .venv):
 * {@code onnx.checker} accepts the file (external data included), the I/O names are Optimum's, the KV-cache
 * shapes follow config.json, and Python's greedy tokens, with and without the cache, equal Java's.
 */
class PythonOnnxRuntimeParityTest {
    @ParameterizedTest
    @ValueSource(strings = {"inline", "external"})
    void pythonOnnxRuntimeGeneratesJavasTokens(String layout) throws Exception {
        Python py = Python.require("onnxruntime", "onnx", "numpy");
        try (TempDirectory tmp = new TempDirectory("onnx-py");
             LlamaModel djl = TinyModels.model(TinyModels.config("gqa-tied-llama3"), 8)) {
            Path ck = TinyModels.save(djl, tmp.resolve("ckpt"));
            OnnxExportConfig cfg = OnnxExportConfig.defaults()
                    .withExternalDataThreshold(layout.equals("external") ? 0 : OnnxExportConfig.DEFAULT_EXTERNAL_DATA_THRESHOLD);
            OnnxExportResult r = new OnnxExporter(cfg).export(ck, tmp.resolve("onnx"), ProgressListener.NONE);
            assertThat(r.externalData() != null).isEqualTo(layout.equals("external"));

            int[] prompt = {1, 33, 7, 61, 12, 5};
            int steps = 24;
            int[] java;
            try (OrtCausalLm lm = OrtCausalLm.open(r.outDir())) {
                java = lm.generate(prompt, steps, List.of(), t -> { });
            }
            Path req = tmp.resolve("request.json");
            Files.writeString(req, JsonFields.MAPPER.writeValueAsString(Map.of("prompt", prompt, "max_new_tokens", steps)),
                    StandardCharsets.UTF_8);
            JsonNode out = JsonFields.MAPPER.readTree(py.runScript(RepoPaths.script("parity/onnx_check.py"),
                    r.outDir().toString(), req.toString()));

            assertThat(ints(out.get("tokens"))).containsExactly(java);
            assertThat(ints(out.get("tokens_without_cache"))).containsExactly(java);
            List<String> inputs = new ArrayList<>(List.of("input_ids", "attention_mask", "position_ids"));
            List<String> outputs = new ArrayList<>(List.of("logits"));
            for (int l = 0; l < djl.config().numHiddenLayers(); l++) {
                inputs.add("past_key_values." + l + ".key");
                inputs.add("past_key_values." + l + ".value");
                outputs.add("present." + l + ".key");
                outputs.add("present." + l + ".value");
            }
            assertThat(strings(out.get("inputs"))).containsExactlyElementsOf(inputs);
            assertThat(strings(out.get("outputs"))).containsExactlyElementsOf(outputs);
            assertThat(out.get("opset").asInt()).isEqualTo(17);
            assertThat(out.get("metadata").get("agentos.source_digest").asText()).isEqualTo(r.sourceDigest());
            assertThat(out.get("ort_version").asText()).isEqualTo("1.23.2");
        }
    }

    private static int[] ints(JsonNode a) {
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).asInt();
        }
        return v;
    }

    private static List<String> strings(JsonNode a) {
        List<String> v = new ArrayList<>();
        a.forEach(n -> v.add(n.asText()));
        return v;
    }
}
