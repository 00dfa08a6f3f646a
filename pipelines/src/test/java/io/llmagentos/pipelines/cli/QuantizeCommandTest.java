package io.llmagentos.pipelines.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.llmagentos.core.checkpoint.CheckpointWriter;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.safetensors.DType;
import io.llmagentos.core.tokenizer.BpeTrainer;
import io.llmagentos.core.tokenizer.BpeTrainerConfig;
import io.llmagentos.core.tokenizer.PreTokenizerStyle;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.quantization.runtime.OrtCausalLm;
import io.llmagentos.testsupport.RepoPaths;
import io.llmagentos.training.LlamaModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code agentos quantize} as a user runs it: progress, the checks, where outputs went; bad input is one line. */
class QuantizeCommandTest {
    @TempDir
    static Path shared;

    static Path onnx;
    static Path calibration = RepoPaths.root().resolve("datasets-sample/data/calibration.jsonl");

    @BeforeAll
    static void exported() throws Exception {
        List<String> texts = new ArrayList<>();
        for (String line : Files.readAllLines(calibration)) {
            texts.add(JsonFields.MAPPER.readTree(line).get("text").asText());
        }
        Tokenizer tok = new BpeTrainer(new BpeTrainerConfig(300, 2, List.of("<|endoftext|>"), PreTokenizerStyle.LLAMA3))
                .train(texts, ProgressListener.NONE);
        LlamaConfig c = LlamaConfig.of(tok.vocabSize(), 64, 128, 2, 4, 2, 128).withTokenIds(0, List.of(0), 0);
        Path ck = shared.resolve("ckpt");
        try (LlamaModel m = LlamaModel.random(c, 4, Device.cpu());
             CheckpointWriter w = CheckpointWriter.create(ck, c, m.tensorSpecs(DType.F32), Map.of("format", "pt"))) {
            m.writeWeights(w.weights());
            w.commit();
        }
        tok.save(ck);
        onnx = shared.resolve("onnx");
        AgentosCliTest.Result r = AgentosCliTest.run("export", "onnx", "--checkpoint", ck.toString(), "--out",
                onnx.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
    }

    /** {@code agentos quantize} of the test export into {@code out} with a 30-record perplexity check; must succeed. */
    private static AgentosCliTest.Result quantizeDynamic(Path out, String... options) {
        List<String> args = new java.util.ArrayList<>(List.of("quantize", "--model", onnx.toString()));
        args.addAll(List.of(options));
        args.addAll(List.of("--out", out.toString(), "--eval-samples", "30"));
        AgentosCliTest.Result r = AgentosCliTest.run(args.toArray(String[]::new));
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        return r;
    }

    @Test
    void dynamicPrintsSizesThePerplexityCheckAndTheOutputs(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("int8");
        AgentosCliTest.Result r = quantizeDynamic(out, "--method", "dynamic");
        assertThat(r.out()).contains("agentos quantize: ").contains("(dynamic)")
                .contains("quantize weights to INT8").contains("perplexity FP32 vs INT8")
                .contains("16 ops in INT8").contains("size on disk: FP32").contains("% of FP32")
                .contains("perplexity on").contains("budget 1.020x: ok")
                .contains("-> " + out.resolve("model.onnx")).contains("-> " + out.resolve("quantization.json"));
        try (OrtCausalLm lm = OrtCausalLm.open(out)) {
            assertThat(lm.metadata().get("agentos.quantization")).startsWith("dynamic");
        }
    }

    @Test
    void matMulNBitsKernelWritesBlockwiseWeightsThatOrtRuns(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("int8-nbits");
        AgentosCliTest.Result r = quantizeDynamic(out, "--kernel", "matmul-nbits");
        assertThat(r.out()).contains("16 ops in INT8").contains("budget 1.020x: ok");
        var report = JsonFields.MAPPER.readTree(out.resolve("quantization.json").toFile());
        assertThat(report.toString()).contains("MatMulNBits");
        try (OrtCausalLm lm = OrtCausalLm.open(out)) {
            assertThat(lm.metadata().get("agentos.quantization")).isEqualTo("dynamic (8-bit blocks, matmul_nbits)");
        }

        AgentosCliTest.Result bad = AgentosCliTest.run("quantize", "--model", onnx.toString(), "--kernel", "nbits4",
                "--out", tmp.resolve("o").toString());
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("--kernel: unknown kernel 'nbits4': use matmul-integer, matmul-nbits or "
                + "dequantize-weights");
        AgentosCliTest.Result onStatic = AgentosCliTest.run("quantize", "--model", onnx.toString(), "--method", "static",
                "--calibration", calibration.toString(), "--kernel", "matmul-nbits", "--out", tmp.resolve("o").toString());
        assertThat(onStatic.exit()).isEqualTo(2);
        assertThat(onStatic.err()).contains("--kernel applies to --method dynamic");
    }

    @Test
    void staticWithSmoothQuantExclusionsAndSensitivity(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("int8");
        AgentosCliTest.Result r = AgentosCliTest.run("quantize", "--model", onnx.toString(), "--method", "static",
                "--calibration", calibration.toString(), "--calib-method", "percentile", "--calib-samples", "40",
                "--smoothquant", "0.5", "--exclude", "lm_head", "--sensitivity", "--granularity", "layer",
                "--budget", "1.05", "--eval-samples", "30", "--out", out.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("(static-percentile-smoothquant0.5)").contains("calibration: percentile over 40")
                .contains("SmoothQuant alpha 0.50").contains("sensitivity (layer groups")
                .contains("excluded  lm_head.weight (matches exclusion 'lm_head')").contains("recommended:");
        var report = JsonFields.MAPPER.readTree(out.resolve("quantization.json").toFile());
        assertThat(report.get("calibration").get("method").asText()).isEqualTo("percentile");
        assertThat(report.get("sensitivity").get("ranking")).hasSize(3);
    }

    @Test
    void badInputIsOneClearLine(@TempDir Path tmp) throws Exception {
        Path bad = tmp.resolve("bad");
        Files.createDirectories(bad);
        for (String f : List.of("config.json", "tokenizer.json")) {
            Files.copy(onnx.resolve(f), bad.resolve(f));
        }
        byte[] m = Files.readAllBytes(onnx.resolve("model.onnx"));
        Files.write(bad.resolve("model.onnx"), Arrays.copyOf(m, 1000));
        AgentosCliTest.Result r = AgentosCliTest.run("quantize", "--model", bad.toString(), "--out",
                tmp.resolve("o").toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains(bad.resolve("model.onnx").toString()).contains("not a valid ONNX model")
                .doesNotContain("at io.llmagentos");

        Path empty = Files.writeString(tmp.resolve("cal.jsonl"), "\n\n");
        AgentosCliTest.Result e = AgentosCliTest.run("quantize", "--model", onnx.toString(), "--method", "static",
                "--calibration", empty.toString(), "--out", tmp.resolve("o").toString());
        assertThat(e.exit()).isEqualTo(1);
        assertThat(e.err()).contains(empty.toString()).contains("the set is empty");

        AgentosCliTest.Result s = AgentosCliTest.run("quantize", "--model", onnx.toString(), "--method", "static",
                "--out", tmp.resolve("o").toString());
        assertThat(s.exit()).isEqualTo(1);
        assertThat(s.err()).contains("static quantization needs a calibration set (--calibration FILE)");

        AgentosCliTest.Result u = AgentosCliTest.run("quantize", "--model", onnx.toString(), "--method", "fast",
                "--out", tmp.resolve("o").toString());
        assertThat(u.exit()).isEqualTo(2);
        assertThat(u.err()).contains("--method must be dynamic or static (got fast)");
        assertThat(tmp.resolve("o")).doesNotExist();
    }

    @Test
    void helpShowsEveryOptionWithItsDefault() {
        String help = AgentosCliTest.run("quantize", "--help").out();
        assertThat(help).contains("--calib-method").contains("Default: entropy").contains("--smoothquant")
                .contains("--per-tensor").contains("--asymmetric-activations").contains("--exclude").contains("--sensitivity").contains("--budget")
                .contains("Default: 1.02").contains("--granularity").contains("--kernel").contains("matmul-nbits");
    }
}
