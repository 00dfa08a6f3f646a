package io.llmagentos.quantization.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.quantization.runtime.OrtCausalLm;
import io.llmagentos.testsupport.Guards;
import io.llmagentos.testsupport.RepoPaths;
import io.llmagentos.testsupport.TempDirectory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The exported directory loads in transformers.js ({@code @huggingface/transformers} 4.3.1 on Node, through
 * onnxruntime-node; scripts/parity/transformersjs_check.mjs) as it is — {@code AutoModelForCausalLM} with
 * {@code subfolder: ''} since the model sits at the root, and {@code AutoTokenizer} from the copied
 * tokenizer files — and its greedy {@code generate} gives the tokens of our Java runtime; its tokenizer gives
 * our ids.
 *
 * <p>Needs node and {@code .venv-js} ({@code scripts/parity/setup_transformersjs.sh}, ~470 MB;
 * {@code -Dagentos.js.prefix=DIR} points elsewhere); without them the test is reported skipped with that reason.
 */
@Tag("torch")
class TransformersJsParityTest {
    @Test
    void transformersJsLoadsTheDirectoryAndGeneratesJavasTokens() throws Exception {
        String p = System.getProperty("agentos.js.prefix");
        Path prefix = p == null || p.isBlank() ? RepoPaths.root().resolve(".venv-js") : Path.of(p);
        boolean installed = Files.isDirectory(prefix.resolve("node_modules/@huggingface/transformers"));
        Guards.requireOptional(installed && node() != null, "this test needs node and transformers.js in " + prefix
                + ": run scripts/parity/setup_transformersjs.sh (CI and AGENTOS_TORCH_TESTS=1 scripts/test.sh do) or"
                + " pass -Dagentos.js.prefix=DIR");
        try (TempDirectory tmp = new TempDirectory("onnx-tjs")) {
            TinyModels.WithTokenizer src = TinyModels.checkpointWithTokenizer(tmp.resolve("ckpt"), 23);
            OnnxExportResult r = new OnnxExporter(OnnxExportConfig.defaults()).export(src.checkpoint(),
                    tmp.resolve("exported"), ProgressListener.NONE);
            String text = "Check the O-ring before you torque the M12 bolts.";
            int[] prompt = src.tokenizer().encode(text);
            int steps = 20;
            int[] java;
            try (OrtCausalLm lm = OrtCausalLm.open(r.outDir())) {
                java = lm.generate(prompt, steps, List.of(src.eos()), t -> { });
            }
            Path req = tmp.resolve("request.json");
            Files.writeString(req, JsonFields.MAPPER.writeValueAsString(Map.of("prompt", prompt, "max_new_tokens", steps,
                    "text", text)), StandardCharsets.UTF_8);
            JsonNode out = JsonFields.MAPPER.readTree(run(List.of(node(),
                    RepoPaths.script("parity/transformersjs_check.mjs").toString(), prefix.toString(),
                    r.outDir().toString(), req.toString())));
            assertThat(out.get("version").asText()).isEqualTo("4.3.1");
            assertThat(ints(out.get("text_ids"))).containsExactly(prompt);
            assertThat(ints(out.get("tokens"))).containsExactly(java);
            assertThat(java.length - prompt.length).isGreaterThan(5);
        }
    }

    private static String node() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path n = Path.of(dir, "node");
            if (Files.isExecutable(n)) {
                return n.toString();
            }
        }
        return null;
    }

    private static String run(List<String> cmd) throws Exception {
        Path out = Files.createTempFile("tjs-stdout", ".txt");
        Path err = Files.createTempFile("tjs-stderr", ".txt");
        try {
            Process pr = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!pr.waitFor(300, TimeUnit.SECONDS)) {
                pr.destroyForcibly();
                throw new AssertionError("node timed out after 300 s: " + cmd);
            }
            if (pr.exitValue() != 0) {
                throw new AssertionError("node exited " + pr.exitValue() + ": " + cmd + "\n" + Files.readString(err));
            }
            return Files.readString(out);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static int[] ints(JsonNode a) {
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).asInt();
        }
        return v;
    }
}
