package io.llmagentos.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.checkpoint.CheckpointWriter;
import io.llmagentos.core.checkpoint.Lineage;
import io.llmagentos.core.config.GenerationConfig;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.config.RopeScaling;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.safetensors.DType;
import io.llmagentos.core.safetensors.SafetensorsFile;
import io.llmagentos.testsupport.Python;
import io.llmagentos.testsupport.RepoPaths;
import io.llmagentos.testsupport.Tolerance;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The other half of golden parity (issue 5): a checkpoint we save loads in Hugging Face {@code transformers}
 * ({@code LlamaForCausalLM.from_pretrained}, eager attention, float32; scripts/parity/llama_check.py) and
 * reproduces the logits of our {@link LlamaModel#forward}. Nothing is trained: a random model is written the
 * way {@code LmTrainer} writes its final checkpoint ({@link CheckpointWriter}, config, generation config,
 * lineage), once in F32 (logits within 1e-4 absolute) and once in BF16, where transformers' logits must equal
 * those of our model reloaded from the same BF16 file within 1e-4 and stay within {@link #BF16_ATOL} of the
 * float32 model's.
 *
 * <p>torch + transformers are too big for the test .venv, so the test needs a separate interpreter and skips,
 * visibly, without one: {@code -Dagentos.python.torch=PATH} (default {@code .venv-torch/bin/python} under the
 * repository root, made by {@code scripts/parity/setup_torch_venv.sh}). Run it with
 * <pre>
 *   scripts/parity/setup_torch_venv.sh
 *   mvn -B -o -pl training -am test -Dtest=TransformersRoundTripTest -Dsurefire.failIfNoSpecifiedTests=false \
 *       -Dagentos.python.torch=$PWD/.venv-torch/bin/python
 * </pre>
 */
@Tag("torch")
class TransformersRoundTripTest {
    /** Logits of BF16-rounded weights against the float32 model's (logits here are O(1)). */
    static final double BF16_ATOL = 0.1;

    private static Python torch;

    /**
     * The torch interpreter, looked up once; without one, each test is reported skipped with the reason (in a
     * test rather than {@code @BeforeAll}, so that surefire counts the skips).
     */
    static synchronized Python torch() {
        if (torch == null) {
            String p = System.getProperty("agentos.python.torch");
            Path exe = p == null || p.isBlank() ? RepoPaths.root().resolve(".venv-torch/bin/python") : Path.of(p);
            torch = Python.optional(exe, "this test needs torch + transformers, which the test .venv does not carry: run "
                    + "scripts/parity/setup_torch_venv.sh (makes .venv-torch; CI and AGENTOS_TORCH_TESTS=1 scripts/test.sh do) or pass -Dagentos.python.torch=PYTHON",
                    "torch", "transformers", "safetensors");
        }
        return torch;
    }

    /** A GQA model with an untied head and default rope, or a tied one with llama3 rope scaling. */
    static LlamaConfig config(String name) {
        return switch (name) {
            case "gqa-untied" -> LlamaConfig.of(96, 64, 112, 2, 4, 2, 64).withTokenIds(1, List.of(2), 0);
            case "tied-llama3" -> new LlamaConfig(80, 48, 96, 3, 3, 3, 16, 64, 1e-5, 500000.0,
                    new RopeScaling("llama3", 8.0, Map.of("low_freq_factor", 1.0, "high_freq_factor", 4.0,
                            "original_max_position_embeddings", 16)),
                    true, 1, List.of(2), 0, Map.of());
            default -> throw new IllegalArgumentException(name);
        };
    }

    /**
     * Random weights with logits of order 1 (HF's 0.02 init gives logits near 0, where a wrong tensor could
     * hide under the tolerance) and norm weights away from 1 (so a norm that is dropped or swapped shows).
     */
    static LlamaModel model(LlamaConfig c, long seed) {
        LlamaModel m = LlamaModel.random(c, seed, Device.cpu());
        SplittableRandom r = new SplittableRandom(seed + 1);
        for (String name : c.expectedTensors().keySet()) {
            float[] v = m.weight(name).toFloatArray();
            boolean norm = m.weight(name).getShape().dimension() == 1;
            for (int i = 0; i < v.length; i++) {
                v[i] = norm ? (float) (1 + 0.2 * r.nextGaussian()) : v[i] * 4;
            }
            m.setWeight(name, v);
        }
        return m;
    }

    /** Writes the model as {@code TrainCheckpoints.saveFinal} does (tokenizer aside: transformers' model load ignores it). */
    static Path save(LlamaModel m, Path dir, DType dtype) throws Exception {
        LlamaConfig c = m.config();
        try (CheckpointWriter w = CheckpointWriter.create(dir, c, m.tensorSpecs(dtype), Map.of("format", "pt"))) {
            m.writeWeights(w.weights());
            w.generationConfig(GenerationConfig.greedy(c.bosTokenId(), c.eosTokenIds(), c.padTokenId(), 16))
                    .lineage(Lineage.of("test", null, "none", Map.of(), Map.of(), 7L));
            return w.commit();
        }
    }

    static int[][] ids(int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[][] ids = new int[2][40];
        for (int[] row : ids) {
            for (int j = 0; j < row.length; j++) {
                row[j] = r.nextInt(vocab);
            }
        }
        return ids;
    }

    /** Runs llama_check.py on {@code ckpt}; returns transformers' logits, checked for shape. */
    static float[] transformersLogits(Path ckpt, int[][] ids, Path work, long[] shape) throws Exception {
        Path idsFile = work.resolve(ckpt.getFileName() + "-ids.json");
        Files.writeString(idsFile, JsonFields.MAPPER.writeValueAsString(ids), StandardCharsets.UTF_8);
        Path out = work.resolve(ckpt.getFileName() + "-logits.safetensors");
        String stdout = torch().runScript(RepoPaths.script("parity/llama_check.py"), ckpt.toString(), idsFile.toString(),
                out.toString());
        JsonNode info = JsonFields.MAPPER.readTree(stdout.strip().lines().reduce((a, b) -> b).orElseThrow());
        System.out.println(ckpt.getFileName() + ": " + info);
        try (SafetensorsFile f = SafetensorsFile.open(out)) {
            assertThat(f.info("logits").shape()).as("transformers' logits shape").containsExactly(shape);
            return f.readFloats("logits");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gqa-untied", "tied-llama3"})
    void savedCheckpointReproducesOurLogitsInTransformers(String name, @TempDir Path work) throws Exception {
        torch(); // or a visible skip
        LlamaConfig c = config(name);
        int[][] ids = ids(c.vocabSize(), 11);
        try (LlamaModel ours = model(c, 2024); NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray logits = ours.forward(ours.weights(), LlamaModel.ids(m, ids), null);
            long[] shape = logits.getShape().getShape();
            float[] want = logits.toFloatArray();
            assertThat(shape).containsExactly(2, 40, c.vocabSize());
            double maxAbs = 0;
            for (float v : want) {
                maxAbs = Math.max(maxAbs, Math.abs(v));
            }
            assertThat(maxAbs).as("our logits should be O(1) so that 1e-4 is a sharp test").isGreaterThan(1.0);

            Path f32 = save(ours, work.resolve(name + "-f32"), DType.F32);
            Tolerance.assertAllClose(transformersLogits(f32, ids, work, shape), want, 0, 1e-4);

            Path bf16 = save(ours, work.resolve(name + "-bf16"), DType.BF16);
            float[] hfBf16 = transformersLogits(bf16, ids, work, shape);
            float[] oursBf16;
            try (Checkpoint ck = Checkpoint.open(bf16); LlamaModel reloaded = LlamaModel.load(ck, Device.cpu())) {
                assertThat(reloaded.config().ropeScaling()).isEqualTo(c.ropeScaling());
                assertThat(reloaded.config().tieWordEmbeddings()).isEqualTo(c.tieWordEmbeddings());
                oursBf16 = reloaded.forward(reloaded.weights(), LlamaModel.ids(m, ids), null).toFloatArray();
            }
            Tolerance.assertAllClose(hfBf16, oursBf16, 0, 1e-4);
            Tolerance.assertAllClose(hfBf16, want, 0, BF16_ATOL);
            assertThat(hfBf16).as("BF16 rounding must change the logits (else the file was not BF16)")
                    .isNotEqualTo(want);
        }
    }
}
