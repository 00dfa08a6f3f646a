package io.llmagentos.pipelines.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.checkpoint.CheckpointWriter;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.safetensors.DType;
import io.llmagentos.quantization.runtime.OrtCausalLm;
import io.llmagentos.training.LlamaModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code agentos export onnx} as a user runs it: progress, the check it ran, where every output went; bad input is one line. */
class ExportCommandTest {
    private static Path checkpoint(Path dir) throws Exception {
        LlamaConfig c = LlamaConfig.of(64, 32, 64, 2, 4, 2, 64).withTokenIds(1, List.of(2), 0);
        try (LlamaModel m = LlamaModel.random(c, 4, Device.cpu());
             CheckpointWriter w = CheckpointWriter.create(dir, c, m.tensorSpecs(DType.F32), Map.of("format", "pt"))) {
            m.writeWeights(w.weights());
            return w.commit();
        }
    }

    @Test
    void exportsPrintsTheCheckAndTheOutputs(@TempDir Path tmp) throws Exception {
        Path ck = checkpoint(tmp.resolve("ckpt"));
        Path out = tmp.resolve("onnx");
        AgentosCliTest.Result r = AgentosCliTest.run("export", "onnx", "--checkpoint", ck.toString(), "--out",
                out.toString(), "--opset", "18", "--external-data-threshold", "0");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("export ONNX graph + weights").contains("check the ONNX model in ONNX Runtime")
                .contains("ONNX opset 18, FP32").contains("weights in model.onnx_data")
                .contains("ONNX Runtime vs plain-Java reference on 8 probe tokens").contains("passed")
                .contains("-> " + out.resolve("model.onnx")).contains("-> " + out.resolve("model.onnx_data"))
                .contains("config.json, lineage.json");
        try (OrtCausalLm lm = OrtCausalLm.open(out)) {
            assertThat(lm.metadata().get("agentos.parameters")).contains("\"opset\":18");
        }
        assertThat(AgentosCliTest.run("export", "onnx", "--help").out()).contains("--opset").contains("Default: 17")
                .contains("--external-data-threshold").contains("Default: 2000000000").contains("model.onnx_data");
    }

    @Test
    void badInputIsOneClearLine(@TempDir Path tmp) throws Exception {
        Path ck = checkpoint(tmp.resolve("ckpt"));
        ObjectNode cfg = JsonFields.readObject(ck.resolve("config.json"));
        cfg.putArray("architectures").add("Qwen2ForCausalLM");
        JsonFields.MAPPER.writeValue(ck.resolve("config.json").toFile(), cfg);
        AgentosCliTest.Result r = AgentosCliTest.run("export", "onnx", "--checkpoint", ck.toString(), "--out",
                tmp.resolve("onnx").toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("config.json").contains("$.architectures[0]").contains("Qwen2ForCausalLM")
                .doesNotContain("at io.llmagentos");
        assertThat(tmp.resolve("onnx")).doesNotExist();
        AgentosCliTest.Result o = AgentosCliTest.run("export", "onnx", "--checkpoint", ck.toString(), "--out",
                tmp.resolve("onnx").toString(), "--opset", "12");
        assertThat(o.exit()).isEqualTo(1);
        assertThat(o.err()).contains("opset must be between 17 and 23 (got 12)");
        assertThat(Files.exists(tmp.resolve("onnx"))).isFalse();
    }
}
