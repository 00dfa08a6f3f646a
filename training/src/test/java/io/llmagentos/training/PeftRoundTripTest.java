package io.llmagentos.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.MetricsListener;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.safetensors.SafetensorsFile;
import io.llmagentos.testsupport.Python;
import io.llmagentos.testsupport.RepoPaths;
import io.llmagentos.testsupport.Tolerance;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA adapters we export load in Hugging Face PEFT (issue 5): after a few LoRA steps, {@code
 * PeftModel.from_pretrained(base, adapter/)} (scripts/parity/peft_check.py) loads every adapter tensor, its
 * logits equal those of our merged checkpoint within 1e-4, and PEFT's own {@code merge_and_unload()} equals our
 * merged weights within 1e-5. Needs the torch interpreter of {@link TransformersRoundTripTest} with {@code peft}
 * (scripts/parity/setup_torch_venv.sh installs it) and skips visibly without it.
 */
@Tag("torch")
class PeftRoundTripTest {
    @Test
    void exportedAdapterLoadsInPeftAndMatchesOurMerge(@TempDir Path dir) throws Exception {
        String p = System.getProperty("agentos.python.torch");
        Path exe = p == null || p.isBlank() ? RepoPaths.root().resolve(".venv-torch/bin/python") : Path.of(p);
        Python py = Python.optional(exe, "this test needs torch + transformers + peft, which the test .venv does not carry: "
                + "run scripts/parity/setup_torch_venv.sh (makes .venv-torch; CI and AGENTOS_TORCH_TESTS=1 scripts/test.sh do) or pass -Dagentos.python.torch=PYTHON",
                "torch", "transformers", "peft", "safetensors");

        Fixtures.tokenizerAndShards(dir, 400);
        TrainConfig pre = TrainConfig.of(TrainMode.PRETRAIN, "demo-student", null, dir.resolve("shards"), null,
                dir.resolve("tokenizer"), dir.resolve("base"), Map.of("training.seq_len", "32", "training.max_steps", "3",
                        "training.save_every", "0", "training.eval_every", "0", "training.peak_gflops", "100"));
        Path base = new LmTrainer(pre, ProgressListener.NONE, MetricsListener.NONE).run(false).finalCheckpoint();
        TrainConfig cfg = TrainConfig.of(TrainMode.LORA, null, base, null, Fixtures.SFT, null, dir.resolve("lora"),
                Map.of("training.seq_len", "256", "training.max_steps", "4", "training.save_every", "0",
                        "training.eval_every", "0", "training.lr", "2e-2", "training.peak_gflops", "100",
                        "lora.rank", "4", "lora.alpha", "8", "lora.targets", "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj",
                        "training.batch_size", "2"));
        LmTrainer.Result r = new LmTrainer(cfg, ProgressListener.NONE, MetricsListener.NONE).run(false);

        int[][] ids = TransformersRoundTripTest.ids(400, 5);
        float[] ours;
        long[] shape;
        try (Checkpoint ck = Checkpoint.open(r.finalCheckpoint()); LlamaModel m = LlamaModel.load(ck, Device.cpu());
             NDManager nd = NDManager.newBaseManager(Device.cpu())) {
            var logits = m.forward(m.weights(), LlamaModel.ids(nd, ids), null);
            shape = logits.getShape().getShape();
            ours = logits.toFloatArray();
        }
        Path idsFile = dir.resolve("ids.json");
        Files.writeString(idsFile, JsonFields.MAPPER.writeValueAsString(ids), StandardCharsets.UTF_8);
        Path out = dir.resolve("peft-logits.safetensors");
        String stdout = py.runScript(RepoPaths.script("parity/peft_check.py"), base.toString(), r.adapter().toString(),
                r.finalCheckpoint().toString(), idsFile.toString(), out.toString());
        JsonNode info = JsonFields.MAPPER.readTree(stdout.strip().lines().reduce((a, b) -> b).orElseThrow());
        System.out.println("peft: " + info);
        assertThat(info.get("adapter_tensors").asInt()).isEqualTo(2 * 7 * 2); // 2 layers x 7 targets x (A, B)
        assertThat(info.get("merged_max_abs_diff").asDouble()).isLessThan(1e-5);
        try (SafetensorsFile f = SafetensorsFile.open(out)) {
            assertThat(f.info("logits").shape()).containsExactly(shape);
            float[] peftLogits = f.readFloats("logits");
            Tolerance.assertAllClose(peftLogits, ours, 0, 1e-4);
        }
        // the adapter is not a no-op: the merged model's logits differ from the base's
        try (Checkpoint ck = Checkpoint.open(base); LlamaModel m = LlamaModel.load(ck, Device.cpu());
             NDManager nd = NDManager.newBaseManager(Device.cpu())) {
            float[] baseLogits = m.forward(m.weights(), LlamaModel.ids(nd, ids), null).toFloatArray();
            double maxDiff = 0;
            for (int i = 0; i < ours.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(ours[i] - baseLogits[i]));
            }
            assertThat(maxDiff).as("LoRA changed the model's logits").isGreaterThan(1e-3);
        }
    }
}
