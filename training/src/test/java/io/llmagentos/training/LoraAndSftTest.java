package io.llmagentos.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.MetricsListener;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.safetensors.SafetensorsFile;
import io.llmagentos.core.safetensors.TensorInfo;
import io.llmagentos.core.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SFT with prompt masking, and LoRA: frozen base, adapter count, merge formula, PEFT layout. */
class LoraAndSftTest {
    @TempDir
    static Path dir;
    static Path base;

    @BeforeAll
    static void baseModel() throws Exception {
        Fixtures.tokenizerAndShards(dir, 400);
        TrainConfig cfg = TrainConfig.of(TrainMode.PRETRAIN, "demo-student", null, dir.resolve("shards"), null,
                dir.resolve("tokenizer"), dir.resolve("base"), Map.of("training.seq_len", "32", "training.max_steps", "4",
                        "training.save_every", "0", "training.eval_every", "0", "training.peak_gflops", "100"));
        base = new LmTrainer(cfg, ProgressListener.NONE, MetricsListener.NONE).run(false).finalCheckpoint();
    }

    @Test
    void sftTrainsOnlyOnAssistantTokens() throws Exception {
        Tokenizer tok = Tokenizer.load(dir.resolve("tokenizer"));
        try (SftData d = new SftData(Fixtures.SFT, tok, 256, 0.05)) {
            assertThat(d.trainSize() + d.validationSize()).isEqualTo(400);
            int[] in = new int[256];
            int[] tg = new int[256];
            float[] w = new float[256];
            d.train(0, in, tg, w);
            int end = tok.tokenId("<|im_end|>").orElseThrow();
            StringBuilder learned = new StringBuilder();
            for (int i = 0; i < 256; i++) {
                if (w[i] > 0) {
                    learned.append(tok.decode(new int[] {tg[i]}));
                }
            }
            // the first record's only assistant turn, then its <|im_end|>
            assertThat(learned.toString()).startsWith("The steam boiler BO-483 takes").endsWith("<|im_end|>");
            assertThat(learned.toString()).doesNotContain("Which oil").doesNotContain("assistant\n");
            long ends = Arrays.stream(tg).filter(t -> t == end).count();
            assertThat(ends).isGreaterThanOrEqualTo(3); // system, user, assistant turns all close
        }
    }

    @Test
    void loraChangesOnlyAdaptersAndMergesAsWPlusScaledBA(@TempDir Path tmp) throws Exception {
        Map<String, float[]> before;
        try (Checkpoint ck = Checkpoint.open(base); LlamaModel m = LlamaModel.load(ck, Device.cpu())) {
            before = m.snapshot();
        }
        TrainConfig cfg = TrainConfig.of(TrainMode.LORA, null, base, null, Fixtures.SFT, null, tmp.resolve("lora"),
                Map.of("training.seq_len", "256", "training.max_steps", "6", "training.save_every", "3",
                        "training.eval_every", "0", "training.lr", "1e-2", "training.peak_gflops", "100",
                        "lora.rank", "4", "lora.alpha", "8", "lora.targets", "q_proj,v_proj,down_proj",
                        "training.batch_size", "4"));
        LmTrainer.Result r = new LmTrainer(cfg, ProgressListener.NONE, MetricsListener.NONE).run(false);
        // demo-student: hidden 64, 2 layers, 2 heads / 1 KV head (head_dim 32), SwiGLU 176
        long perLayer = 4L * (64 + 64) + 4L * (64 + 32) + 4L * (176 + 64);
        assertThat(r.trainableParameters()).isEqualTo(2 * perLayer);

        // the base checkpoint's weights are untouched
        try (Checkpoint ck = Checkpoint.open(base)) {
            for (var e : before.entrySet()) {
                assertThat(ck.readFloats(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
            }
        }
        JsonNode ac = JsonFields.MAPPER.readTree(r.adapter().resolve(Lora.CONFIG_FILE).toFile());
        assertThat(ac.get("peft_type").asText()).isEqualTo("LORA");
        assertThat(ac.get("r").asInt()).isEqualTo(4);
        assertThat(ac.get("lora_alpha").asDouble()).isEqualTo(8.0);
        assertThat(ac.get("target_modules").toString()).contains("q_proj", "v_proj", "down_proj");
        try (SafetensorsFile ad = SafetensorsFile.open(r.adapter().resolve(Lora.WEIGHTS_FILE));
             Checkpoint fin = Checkpoint.open(r.finalCheckpoint())) {
            assertThat(ad.tensors()).hasSize(2 * 3 * 2);
            TensorInfo a = ad.info("base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight");
            TensorInfo b = ad.info("base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight");
            assertThat(a.shape()).containsExactly(4, 64);
            assertThat(b.shape()).containsExactly(64, 4);
            assertThat(ad.info("base_model.model.model.layers.0.mlp.down_proj.lora_A.weight").shape()).containsExactly(4, 176);
            // merged = W + (alpha / r) · B · A, computed here in plain Java
            for (String layer : List.of("model.layers.0.self_attn.v_proj", "model.layers.1.mlp.down_proj")) {
                float[] w = before.get(layer + ".weight");
                float[] av = ad.readFloats("base_model.model." + layer + ".lora_A.weight");
                float[] bv = ad.readFloats("base_model.model." + layer + ".lora_B.weight");
                long[] bs = ad.info("base_model.model." + layer + ".lora_B.weight").shape();
                int out = (int) bs[0];
                int rank = (int) bs[1];
                int in = av.length / rank;
                float[] got = fin.readFloats(layer + ".weight");
                double maxDelta = 0;
                for (int i = 0; i < out; i++) {
                    for (int j = 0; j < in; j++) {
                        double d = 0;
                        for (int k = 0; k < rank; k++) {
                            d += bv[i * rank + k] * av[k * in + j];
                        }
                        double want = w[i * in + j] + 2.0 * d;
                        assertThat((double) got[i * in + j]).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-5));
                        maxDelta = Math.max(maxDelta, Math.abs(2.0 * d));
                    }
                }
                assertThat(maxDelta).as("the merge changed " + layer).isGreaterThan(1e-6);
            }
            // projections without adapters are the base weights
            assertThat(fin.readFloats("model.layers.0.self_attn.k_proj.weight"))
                    .isEqualTo(before.get("model.layers.0.self_attn.k_proj.weight"));
        }
    }

    @Test
    void badInputIsAClearError(@TempDir Path tmp) throws Exception {
        // a config whose vocabulary is smaller than the tokenizer's
        Path small = tmp.resolve("small");
        try (Checkpoint ck = Checkpoint.open(base)) {
            java.nio.file.Files.createDirectories(small);
            for (String f : List.of("model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
                java.nio.file.Files.copy(base.resolve(f), small.resolve(f));
            }
            ck.config().withTokenIds(null, List.of(), null).save(small.resolve("config.json"));
        }
        io.llmagentos.core.config.LlamaConfig c = io.llmagentos.core.config.LlamaConfig.load(small.resolve("config.json"));
        io.llmagentos.core.config.LlamaConfig.of(c.vocabSize(), c.hiddenSize(), c.intermediateSize(), 3,
                c.numAttentionHeads(), c.numKeyValueHeads(), c.maxPositionEmbeddings()).save(small.resolve("config.json"));
        try (Checkpoint ck = Checkpoint.open(small)) {
            assertThatThrownBy(() -> LlamaModel.load(ck, Device.cpu()))
                    .hasMessageContaining("missing tensor model.layers.2.self_attn.q_proj.weight");
        }
        // a tokenizer with more tokens than the model has embeddings
        io.llmagentos.core.config.LlamaConfig tiny = io.llmagentos.core.config.LlamaConfig.of(300, 16, 32, 1, 2, 1, 32);
        Path mismatched = tmp.resolve("mismatched");
        try (LlamaModel m = LlamaModel.random(tiny, 1, Device.cpu());
             io.llmagentos.core.checkpoint.CheckpointWriter w = io.llmagentos.core.checkpoint.CheckpointWriter.create(
                     mismatched, tiny, m.tensorSpecs(io.llmagentos.core.safetensors.DType.F32), null)) {
            m.writeWeights(w.weights());
            w.tokenizer(Tokenizer.load(dir.resolve("tokenizer")));
            w.commit();
        }
        try (Checkpoint ck = Checkpoint.open(mismatched)) {
            assertThatThrownBy(() -> LlamaModel.load(ck, Device.cpu()))
                    .hasMessageContaining("the tokenizer has 400 tokens but config.json vocab_size is 300");
        }
        Path yaml = tmp.resolve("t.yaml");
        java.nio.file.Files.writeString(yaml, "model:\n  preset: demo-student\ndata:\n  shards: x\noutput: o\ntraining:\n"
                + "  lr: fast\n");
        assertThatThrownBy(() -> TrainConfig.load(yaml, TrainMode.PRETRAIN))
                .isInstanceOf(ConfigException.class).hasMessageContaining(yaml + ":7: training.lr: expected a number");
        java.nio.file.Files.writeString(yaml, "model:\n  preset: demo-student\ndata:\n  shards: x\noutput: o\ntraining:\n"
                + "  learning_rate: 0.1\n");
        assertThatThrownBy(() -> TrainConfig.load(yaml, TrainMode.PRETRAIN))
                .hasMessageContaining(":7: training.learning_rate: unknown setting");
        java.nio.file.Files.writeString(yaml, "model:\n  preset: demo-student\noutput: o\n");
        assertThatThrownBy(() -> TrainConfig.load(yaml, TrainMode.SFT)).hasMessageContaining("data.sft: required for sft");
    }
}
