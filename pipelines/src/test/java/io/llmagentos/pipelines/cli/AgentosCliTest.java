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
    void demoRunsThePipelineEndToEndAndASecondRunIsAllCacheHits(@TempDir Path tmp) throws Exception {
        String[] args = {"demo", "--out", tmp.toString(), "--teacher-steps", "12", "--vocab-size", "600",
            "--student-steps", "4", "-p", "gates=smoke"};
        Result r = run(args);
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        Path run;
        try (Stream<Path> s = Files.list(tmp)) {
            run = s.filter(p -> p.getFileName().toString().startsWith("demo-")).findFirst().orElseThrow();
        }
        JsonNode summary = JsonFields.MAPPER.readTree(run.resolve("demo-summary.json").toFile());
        assertThat(summary.get("status").asText()).isEqualTo("SUCCEEDED");
        JsonNode steps = summary.get("steps");
        assertThat(steps.size()).isEqualTo(13);
        steps.fields().forEachRemaining(e -> assertThat(e.getValue().get("status").asText()).as(e.getKey())
                .isEqualTo("SUCCEEDED"));
        Path tokDir = Path.of(out(steps, "tokenizer", "tokenizer"));
        Path shards = Path.of(out(steps, "shards", "shards"));
        Path teacher = Path.of(out(steps, "teacher", "checkpoint"));
        Path student = Path.of(out(steps, "student", "checkpoint"));
        Path onnx = Path.of(out(steps, "onnx", "model"));
        Path int8 = Path.of(out(steps, "int8", "model"));
        Path report = Path.of(out(steps, "eval", "report"));
        for (Path p : List.of(tokDir, shards, teacher, student, onnx, int8, report)) {
            assertThat(p).as("every output lives in the run directory").startsWith(run);
        }
        // every stage prints where its outputs went and what it measured; the summary table ends the run
        assertThat(r.out()).contains(run.toString()).contains(tokDir.resolve("tokenizer.json").toString())
                .contains(shards.toString()).contains(teacher.toString()).contains(student.toString())
                .contains(Path.of(out(steps, "student", "retention")).toString())
                .contains(onnx.resolve("model.onnx").toString())
                .contains("ONNX Runtime vs plain-Java reference").contains("ONNX Runtime greedy tokens equal DJL's: yes")
                .contains("accounting:").contains("holds")
                .contains("calibration: entropy over 300 sequences").contains("sensitivity (layer")
                .contains("perplexity on").contains("-> " + int8.resolve("model.onnx"))
                .contains("POST /v1/chat/completions").contains("assistant:")
                .containsPattern("(?m)^step +stage +status +seconds +cache +key metrics$")
                .containsPattern("(?m)^teacher +pretrain +SUCCEEDED +[0-9.]+ +miss +val_ppl_initial")
                .containsPattern("(?m)^gate +gate +SUCCEEDED +[0-9.]+ +miss +gates_passed 3, gates_failed 0$")
                .contains("evaluation (step eval, " + report.resolveSibling("report.html") + "):")
                .containsPattern("(?m)^\\| int8 \\| onnx \\| int8 \\| ")
                .contains("quality gates (" + report.resolveSibling("gates.json") + "):")
                .containsPattern("(?m)^PASS +INT8 is under a third of the FP32 size ")
                .contains("demo finished").contains("(0 of 13 steps from the cache)")
                .contains(run.resolve("demo-summary.json").toString());
        Tokenizer tok = Tokenizer.load(tokDir);
        assertThat(tok.vocabSize()).isEqualTo(600);
        try (io.llmagentos.core.shards.TokenShardSet sh = io.llmagentos.core.shards.TokenShardSet.open(shards)) {
            assertThat(sh.header().tokenizerDigest()).isEqualTo(tok.digest());
            assertThat(sh.sequenceCount()).isGreaterThan(1000);
        }
        assertThat(Path.of(out(steps, "prep", "report"))).exists();
        try (io.llmagentos.core.checkpoint.Checkpoint ck = io.llmagentos.core.checkpoint.Checkpoint.open(teacher)) {
            ck.validateTensors();
            assertThat(ck.tokenizer().digest()).isEqualTo(tok.digest());
        }
        assertThat(metric(steps, "teacher", "val_ppl")).isLessThan(metric(steps, "teacher", "val_ppl_initial"));
        assertThat(out(steps, "generate", "text")).isNotBlank();
        assertThat(metric(steps, "student", "parameter_ratio")).isLessThanOrEqualTo(0.5);
        try (io.llmagentos.core.checkpoint.Checkpoint ck = io.llmagentos.core.checkpoint.Checkpoint.open(student)) {
            ck.validateTensors();
            assertThat(ck.lineage().orElseThrow().stage()).isEqualTo("distill");
        }
        assertThat(metric(steps, "onnx", "greedy_tokens_equal_djl")).isEqualTo(1.0);
        assertThat(metric(steps, "onnx", "parity_tokens")).isPositive();
        assertThat(metric(steps, "int8", "size_ratio")).isLessThan(0.30);
        assertThat(metric(steps, "int8", "ppl_ratio")).isPositive();
        assertThat(metric(steps, "int8", "within_budget")).isEqualTo(metric(steps, "int8", "ppl_ratio") <= 1.02 ? 1.0 : 0.0);
        assertThat(out(steps, "serve", "answer")).isNotNull();
        assertThat(metric(steps, "serve", "completion_tokens")).isGreaterThanOrEqualTo(1);
        try (io.llmagentos.quantization.runtime.OrtCausalLm lm = io.llmagentos.quantization.runtime.OrtCausalLm.open(int8)) {
            assertThat(lm.metadata()).containsKey("agentos.quantization");
        }
        // the report compares the four models; the gate step checked the smoke gates against it
        JsonNode rep = JsonFields.MAPPER.readTree(report.toFile());
        List<String> aliases = new java.util.ArrayList<>();
        rep.get("models").forEach(m -> aliases.add(m.get("alias").asText()));
        assertThat(aliases).containsExactly("teacher", "student", "fp32", "int8");
        assertThat(metric(steps, "eval", "int8.bytes")).isEqualTo(metric(steps, "int8", "int8_bytes"));
        JsonNode gates = JsonFields.MAPPER.readTree(report.resolveSibling("gates.json").toFile());
        assertThat(gates.get("passed").asBoolean()).isTrue();
        assertThat(gates.get("gates").size()).isEqualTo(3);
        assertThat(gates.get("gate_file").asText()).endsWith("gates/smoke.yaml");
        assertThat(tmp.resolve("configs/pipelines/demo.yaml")).hasContent(new String(
                AgentosCliTest.class.getResourceAsStream("/io/llmagentos/pipelines/configs/pipelines/demo.yaml")
                        .readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));

        // the same demo again under the same --out: every step is a cache hit of the first run
        Result again = run(args);
        assertThat(again.exit()).as(again.out() + again.err()).isZero();
        assertThat(again.out()).contains("(13 of 13 steps from the cache)")
                .containsPattern("(?m)^teacher +pretrain +CACHED +[0-9.]+ +hit +val_ppl_initial");
        Path second;
        try (Stream<Path> s = Files.list(tmp)) {
            second = s.filter(p -> p.getFileName().toString().startsWith("demo-") && !p.equals(run)).findFirst()
                    .orElseThrow();
        }
        JsonNode s2 = JsonFields.MAPPER.readTree(second.resolve("demo-summary.json").toFile()).get("steps");
        s2.fields().forEachRemaining(e -> {
            assertThat(e.getValue().get("status").asText()).as(e.getKey()).isEqualTo("CACHED");
            assertThat(e.getValue().get("cached_from").asText()).isEqualTo(run.getFileName() + "/" + e.getKey());
        });
        assertThat(out(s2, "int8", "model")).isEqualTo(int8.toString());
    }

    private static String out(JsonNode steps, String step, String name) {
        JsonNode v = steps.path(step).path("outputs").get(name);
        assertThat(v).as("output %s of step %s", name, step).isNotNull();
        return v.asText();
    }

    private static double metric(JsonNode steps, String step, String name) {
        JsonNode v = steps.path(step).path("metrics").get(name);
        assertThat(v).as("metric %s of step %s", name, step).isNotNull();
        return v.asDouble();
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
