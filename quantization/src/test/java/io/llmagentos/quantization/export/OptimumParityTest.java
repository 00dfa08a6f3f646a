package io.llmagentos.quantization.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.quantization.runtime.OrtCausalLm;
import io.llmagentos.testsupport.Python;
import io.llmagentos.testsupport.RepoPaths;
import io.llmagentos.testsupport.TempDirectory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The exported directory loads in Hugging Face Optimum as it is ({@code ORTModelForCausalLM.from_pretrained(dir)}
 * with the KV cache, and {@code AutoTokenizer.from_pretrained(dir)}; scripts/parity/optimum_check.py), and
 * Optimum's greedy {@code generate} on a left-padded batch of two prompts gives, row by row, the tokens our Java
 * runtime generates for each prompt alone.
 *
 * <p>Optimum needs torch, and {@code optimum[onnxruntime]} does not install beside the transformers 5.24.0 of
 * {@code .venv-torch} (its onnxruntime extra pins transformers below 4.58), so it lives in its own
 * {@code .venv-optimum} ({@code scripts/parity/setup_optimum_venv.sh}; {@code -Dagentos.python.optimum=PATH}
 * points elsewhere). Without it the test is reported skipped with that reason.
 */
@Tag("torch")
class OptimumParityTest {
    @Test
    void optimumLoadsTheDirectoryAndGeneratesJavasTokens() throws Exception {
        String p = System.getProperty("agentos.python.optimum");
        Path exe = p == null || p.isBlank() ? RepoPaths.root().resolve(".venv-optimum/bin/python") : Path.of(p);
        Python py = Python.optional(exe, "this test needs torch + Hugging Face Optimum (optimum-onnx 0.1.0 pins"
                + " transformers<4.58, so not in .venv-torch): run scripts/parity/setup_optimum_venv.sh (makes .venv-optimum;"
                + " CI and AGENTOS_TORCH_TESTS=1 scripts/test.sh do) or pass -Dagentos.python.optimum=PYTHON",
                "optimum.onnxruntime", "torch", "transformers");
        try (TempDirectory tmp = new TempDirectory("onnx-optimum")) {
            TinyModels.WithTokenizer src = TinyModels.checkpointWithTokenizer(tmp.resolve("ckpt"), 17);
            Tokenizer tok = src.tokenizer();
            int eos = src.eos();
            Path ck = src.checkpoint();
            OnnxExportResult r = new OnnxExporter(OnnxExportConfig.defaults()).export(ck, tmp.resolve("onnx"),
                    ProgressListener.NONE);
            assertThat(r.copiedFiles()).contains("tokenizer.json", "tokenizer_config.json");

            String text = "Replace the hydraulic filter every 500 hours.";
            int[][] prompts = {tok.encode(text), tok.encode("Torque the M12 bolts")};
            int steps = 20;
            int[][] java = new int[2][];
            try (OrtCausalLm lm = OrtCausalLm.open(r.outDir())) {
                for (int i = 0; i < 2; i++) {
                    int[] all = lm.generate(prompts[i], steps, List.of(eos), t -> { });
                    java[i] = Arrays.copyOfRange(all, prompts[i].length, all.length);
                }
            }
            Path req = tmp.resolve("request.json");
            Files.writeString(req, JsonFields.MAPPER.writeValueAsString(Map.of("prompts", prompts, "max_new_tokens", steps,
                    "text", text)), StandardCharsets.UTF_8);
            JsonNode out = JsonFields.MAPPER.readTree(py.runScript(RepoPaths.script("parity/optimum_check.py"),
                    r.outDir().toString(), req.toString()));
            assertThat(out.get("use_cache").asBoolean()).isTrue();
            assertThat(ints(out.get("text_ids"))).containsExactly(prompts[0]);
            for (int i = 0; i < 2; i++) {
                int[] hf = ints(out.get("sequences").get(i));
                // generate keeps going for a finished row, padding it; compare up to and including the first EOS
                int cut = 0;
                while (cut < hf.length && hf[cut] != eos) {
                    cut++;
                }
                int[] upToEos = Arrays.copyOf(hf, Math.min(hf.length, cut + 1));
                assertThat(upToEos).as("prompt %d", i).containsExactly(java[i]);
            }
            assertThat(java[0].length + java[1].length).isGreaterThan(10);
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
