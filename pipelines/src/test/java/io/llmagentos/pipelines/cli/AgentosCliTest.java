package io.llmagentos.pipelines.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.checkpoint.CheckpointWriter;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.safetensors.DType;
import io.llmagentos.core.safetensors.TensorSpec;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.datasets.sample.SampleData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drives the CLI as a user would, through {@link AgentosCli#run}, and checks what it prints and writes. */
class AgentosCliTest {
    record Result(int exit, String out, String err) {
    }

    static synchronized Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            var cl = AgentosCli.commandLine();
            cl.setOut(new java.io.PrintWriter(System.out, true));
            cl.setErr(new java.io.PrintWriter(System.err, true));
            int code = cl.execute(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void versionAndHelpShowDescriptionsAndDefaults() {
        Result v = run("--version");
        assertThat(v.exit()).isZero();
        assertThat(v.out()).contains("agentos 0.1.0").contains("Java 17");
        Result h = run("tokenizer", "train", "--help");
        assertThat(h.exit()).isZero();
        assertThat(h.out()).contains("--vocab-size").contains("Default: 8192").contains("--min-frequency")
                .contains("Default: 2").contains("LLAMA3");
        Result top = run("--help");
        assertThat(top.out()).contains("demo").contains("info").contains("tokenizer").contains("checkpoint");
    }

    @Test
    void infoReportsTheMachineAndEngines() throws Exception {
        Result r = run("info", "--json");
        assertThat(r.exit()).isZero();
        JsonNode j = JsonFields.MAPPER.readTree(r.out());
        assertThat(j.get("cores").asInt()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(j.get("engines").get("Jackson").asText()).startsWith("present 2.20");
        assertThat(j.get("engines").get("ONNX Runtime").asText()).startsWith("present 1.23.2");
        assertThat(j.get("gpu").asText()).isNotBlank();
        assertThat(run("info").out()).contains("cpu features").contains("memory");
    }

    @Test
    void tokenizerTrainEncodeDecodeInspect(@TempDir Path tmp) throws Exception {
        Path text = tmp.resolve("sample.txt");
        Files.writeString(text, SampleData.text(SampleData.FIELD_SERVICE_TEXT));
        Path tokDir = tmp.resolve("tok");
        Result t = run("tokenizer", "train", "--input", text.toString(), "--out", tokDir.toString(),
                "--vocab-size", "600");
        assertThat(t.exit()).as(t.err()).isZero();
        assertThat(t.out()).contains("600 tokens").contains(tokDir.resolve("tokenizer.json").toString());
        assertThat(Tokenizer.load(tokDir).vocabSize()).isEqualTo(600);

        String sentence = "Torque the bowl to 35 N·m — then check the O-ring ✅";
        Result e = run("tokenizer", "encode", "--tokenizer", tokDir.toString(), sentence);
        assertThat(e.exit()).isZero();
        String ids = e.out().trim();
        assertThat(ids).matches("\\d+( \\d+)*");
        Result d = run("tokenizer", "decode", "--tokenizer", tokDir.toString(), ids);
        assertThat(d.exit()).isZero();
        assertThat(d.out()).isEqualTo(sentence + System.lineSeparator());

        Result j = run("tokenizer", "encode", "--tokenizer", tokDir.toString(), "--json", "Replace the filter");
        JsonNode jn = JsonFields.MAPPER.readTree(j.out());
        assertThat(jn.get("ids").size()).isEqualTo(jn.get("tokens").size()).isPositive();

        Result i = run("tokenizer", "inspect", tokDir.toString());
        assertThat(i.exit()).isZero();
        assertThat(i.out()).contains("vocab size").contains("600").contains("digest").contains("sha256:")
                .contains("ChatML");

        Result bad = run("tokenizer", "decode", "--tokenizer", tokDir.toString(), "5", "99999");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("token id 99999 is outside the vocabulary [0, 600)");
    }

    @Test
    void checkpointInspectShowsTensorsAndRejectsMismatches(@TempDir Path tmp) throws Exception {
        LlamaConfig c = LlamaConfig.of(64, 16, 40, 2, 4, 2, 32);
        List<TensorSpec> specs = new ArrayList<>();
        c.expectedTensors().forEach((n, s) -> specs.add(new TensorSpec(n, DType.BF16, s)));
        Path dir = tmp.resolve("ckpt");
        try (CheckpointWriter w = CheckpointWriter.create(dir, c, specs, Map.of("format", "pt"))) {
            for (TensorSpec s : specs) {
                long n = 1;
                for (long x : s.shape()) {
                    n *= x;
                }
                w.weights().writeFloats(s.name(), new float[(int) n]);
            }
            w.commit();
        }
        Result r = run("checkpoint", "inspect", dir.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("2 layers, hidden 16").contains("BF16")
                .contains(String.format("%,d", c.parameterCount())).contains("model.layers.0.mlp.down_proj.weight")
                .doesNotContain("model.layers.1.mlp.down_proj.weight").contains("weights match config.json: yes");
        assertThat(run("checkpoint", "inspect", "--tensors", dir.toString()).out())
                .contains("model.layers.1.mlp.down_proj.weight");

        LlamaConfig.of(64, 16, 40, 3, 4, 2, 32).save(dir.resolve("config.json"));
        Result bad = run("checkpoint", "inspect", dir.toString());
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("missing tensor model.layers.2.self_attn.q_proj.weight");
    }

    @Test
    void demoRunsEndToEndAndSaysWhereOutputsWent(@TempDir Path tmp) throws Exception {
        Result r = run("demo", "--out", tmp.toString(), "--teacher-steps", "12", "--vocab-size", "600",
                "--student-steps", "4");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        Path run;
        try (Stream<Path> s = Files.list(tmp)) {
            run = s.filter(p -> p.getFileName().toString().startsWith("demo-")).findFirst().orElseThrow();
        }
        Path tokDir = run.resolve("tokenizer");
        Path shards = run.resolve("prep/shards/train");
        Path teacher = run.resolve("teacher/final");
        assertThat(r.out()).contains(run.toString()).contains(tokDir.resolve("tokenizer.json").toString())
                .contains(shards.toString()).contains(teacher.toString()).contains("[6/10] generate")
                .contains("[7/10] distill").contains(run.resolve("student/final").toString())
                .contains(run.resolve("student/retention.json").toString())
                .contains("[8/10] ONNX").contains(run.resolve("student-onnx/model.onnx").toString())
                .contains("ONNX Runtime vs plain-Java reference").contains("ONNX Runtime greedy tokens equal DJL's: yes")
                .contains("accounting:").contains("holds")
                .contains("[9/10] INT8").contains("calibration: entropy over 300 sequences").contains("sensitivity (layer")
                .contains("perplexity on").contains("-> " + run.resolve("student-onnx-int8/model.onnx"))
                .contains("[10/10] serve").contains("POST /v1/chat/completions").contains("assistant:")
                .contains("demo finished");
        Tokenizer tok = Tokenizer.load(tokDir);
        assertThat(tok.vocabSize()).isEqualTo(600);
        try (io.llmagentos.core.shards.TokenShardSet sh = io.llmagentos.core.shards.TokenShardSet.open(shards)) {
            assertThat(sh.header().tokenizerDigest()).isEqualTo(tok.digest());
            assertThat(sh.sequenceCount()).isGreaterThan(1000);
        }
        assertThat(run.resolve("prep/prep-report.json")).exists();
        try (io.llmagentos.core.checkpoint.Checkpoint ck = io.llmagentos.core.checkpoint.Checkpoint.open(teacher)) {
            ck.validateTensors();
            assertThat(ck.tokenizer().digest()).isEqualTo(tok.digest());
        }
        JsonNode summary = JsonFields.MAPPER.readTree(run.resolve("demo-summary.json").toFile());
        assertThat(summary.get("outputs").get("tokenizer").asText()).isEqualTo(tokDir.toString());
        assertThat(summary.get("metrics").get("teacher_val_ppl").asDouble())
                .isLessThan(summary.get("metrics").get("teacher_val_ppl_initial").asDouble());
        assertThat(summary.get("generation").get("continuation").asText()).isNotBlank();
        assertThat(summary.get("metrics").get("student_parameter_ratio").asDouble()).isLessThanOrEqualTo(0.5);
        try (io.llmagentos.core.checkpoint.Checkpoint ck = io.llmagentos.core.checkpoint.Checkpoint.open(
                run.resolve("student/final"))) {
            ck.validateTensors();
            assertThat(ck.lineage().orElseThrow().stage()).isEqualTo("distill");
        }
        assertThat(summary.get("onnx").get("greedy_tokens_equal_djl").asBoolean()).isTrue();
        assertThat(summary.get("outputs").get("student_onnx").asText()).isEqualTo(run.resolve("student-onnx").toString());
        JsonNode int8 = summary.get("int8");
        assertThat(int8.get("size_ratio").asDouble()).isLessThan(0.30);
        assertThat(int8.get("perplexity_ratio").asDouble()).isPositive();
        assertThat(int8.get("within_budget").asBoolean()).isEqualTo(int8.get("perplexity_ratio").asDouble() <= 1.02);
        assertThat(summary.get("chat").get("answer").asText()).isNotNull();
        try (io.llmagentos.quantization.runtime.OrtCausalLm lm = io.llmagentos.quantization.runtime.OrtCausalLm.open(
                run.resolve("student-onnx-int8"))) {
            assertThat(lm.metadata()).containsKey("agentos.quantization");
        }
    }

    @Test
    void aMissingInputIsOneClearLine(@TempDir Path tmp) {
        Result r = run("tokenizer", "train", "--input", tmp.resolve("nope.txt").toString(), "--out", tmp.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("nope.txt: input file not found").doesNotContain("at io.llmagentos");
        Result u = run("tokenizer", "train");
        assertThat(u.exit()).isEqualTo(2);
        assertThat(u.err()).contains("Missing required options");
        Result c = run("checkpoint", "inspect", tmp.toString());
        assertThat(c.exit()).isEqualTo(1);
        assertThat(c.err()).contains("missing config.json");
        assertThat(Checkpoint.WEIGHTS_FILE).isEqualTo("model.safetensors");
    }
}
