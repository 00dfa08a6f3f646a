package io.llmagentos.pipelines.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.checkpoint.CheckpointWriter;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.safetensors.DType;
import io.llmagentos.core.tokenizer.BpeTrainer;
import io.llmagentos.core.tokenizer.BpeTrainerConfig;
import io.llmagentos.core.tokenizer.PreTokenizerStyle;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.evaluation.EvalSet;
import io.llmagentos.evaluation.EvalModel;
import io.llmagentos.evaluation.EvalModels;
import io.llmagentos.evaluation.Prompts;
import io.llmagentos.quantization.Int8Quantizer;
import io.llmagentos.quantization.QuantizeOptions;
import io.llmagentos.serving.engine.EngineConfig;
import io.llmagentos.serving.engine.GenerationRequest;
import io.llmagentos.serving.engine.SamplingParams;
import io.llmagentos.serving.models.ServedModel;
import io.llmagentos.testsupport.RepoPaths;
import io.llmagentos.training.LlamaModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code agentos eval} as a user runs it (progress, the table, where outputs went, gates and their exit code, bad
 * input as one line), the pipeline stages, and serving's greedy decoding against evaluation's ONNX greedy
 * generation on the eval-set prompts (issue 9 relies on it).
 */
class EvalCommandTest {
    @TempDir
    static Path shared;
    static Path ckpt;
    static Path onnx;
    static Path int8;
    static Path evalSet;

    @BeforeAll
    static void models() throws Exception {
        Path calibration = RepoPaths.root().resolve("datasets-sample/data/calibration.jsonl");
        List<String> texts = new ArrayList<>();
        for (String line : Files.readAllLines(calibration)) {
            texts.add(JsonFields.MAPPER.readTree(line).get("text").asText());
        }
        Tokenizer tok = new BpeTrainer(new BpeTrainerConfig(320, 2, List.of("<|endoftext|>"), PreTokenizerStyle.LLAMA3))
                .train(texts, ProgressListener.NONE);
        LlamaConfig c = LlamaConfig.of(tok.vocabSize(), 64, 128, 2, 4, 2, 256).withTokenIds(0, List.of(0), 0);
        ckpt = shared.resolve("ckpt");
        try (LlamaModel m = LlamaModel.random(c, 4, Device.cpu());
             CheckpointWriter w = CheckpointWriter.create(ckpt, c, m.tensorSpecs(DType.F32), Map.of("format", "pt"))) {
            m.writeWeights(w.weights());
            w.tokenizer(tok);
            w.commit();
        }
        onnx = shared.resolve("onnx");
        AgentosCliTest.Result r = AgentosCliTest.run("export", "onnx", "--checkpoint", ckpt.toString(), "--out",
                onnx.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        int8 = shared.resolve("int8");
        Int8Quantizer.run(onnx, int8, QuantizeOptions.dynamic(), ProgressListener.NONE);
        evalSet = shared.resolve("eval.jsonl");
        Files.write(evalSet, Files.readAllLines(RepoPaths.root().resolve("datasets-sample/data/eval.jsonl")).subList(0, 12));
    }

    private static AgentosCliTest.Result eval(Path report, String... extra) {
        List<String> a = new ArrayList<>(List.of("eval", "--model", "student=" + ckpt, "--model", "fp32=" + onnx,
                "--model", "int8=" + int8, "--eval-set", evalSet.toString(), "--report", report.toString(),
                "--latency-prompts", "2", "--latency-tokens", "6", "--max-new-tokens", "6"));
        a.addAll(List.of(extra));
        return AgentosCliTest.run(a.toArray(String[]::new));
    }

    @Test
    void evaluatesReportsAndPassesGates(@TempDir Path tmp) throws Exception {
        Path gate = Files.writeString(tmp.resolve("gate.yaml"), """
                gates:
                  - name: export is faithful
                    check: fp32.perplexity <= 1.001 * student.perplexity
                  - int8.bytes <= 0.5 * fp32.bytes
                """);
        Path report = tmp.resolve("report");
        AgentosCliTest.Result r = eval(report, "--gate", gate.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("agentos eval: 3 models on " + evalSet).contains("evaluate student (checkpoint fp32)")
                .contains("evaluate int8 (onnx int8)").contains("| model | kind | precision | perplexity |")
                .contains("| int8 | onnx | int8 |").contains("quality gates (all passed):")
                .containsPattern("PASS +export is faithful").contains("outputs went to:")
                .contains("-> " + report.resolve("report.json")).contains("-> " + report.resolve("report.html"))
                .contains("-> " + report.resolve("gates.json"));
        JsonNode j = JsonFields.MAPPER.readTree(report.resolve("report.json").toFile());
        assertThat(j.get("models")).hasSize(3);
        assertThat(j.get("options").get("mc_prompt").asText()).isEqualTo("question");

        // the base-model form: choices continue each record's cloze; the report says which form it used
        Path clozeReport = tmp.resolve("cloze");
        AgentosCliTest.Result c = eval(clozeReport, "--mc-prompt", "cloze");
        assertThat(c.exit()).as(c.out() + c.err()).isZero();
        JsonNode jc = JsonFields.MAPPER.readTree(clozeReport.resolve("report.json").toFile());
        assertThat(jc.get("options").get("mc_prompt").asText()).isEqualTo("cloze");
        assertThat(jc.get("models").get(0).get("metrics").get("perplexity"))
                .as("perplexity does not depend on the multiple-choice form")
                .isEqualTo(j.get("models").get(0).get("metrics").get("perplexity"));
        assertThat(JsonFields.MAPPER.readTree(report.resolve("gates.json").toFile()).get("passed").asBoolean()).isTrue();

        Path sparkReport = tmp.resolve("spark");
        AgentosCliTest.Result s = eval(sparkReport, "--spark", "--master", "local[2]");
        assertThat(s.exit()).as(s.out() + s.err()).isZero();
        assertThat(s.out()).contains("on Spark local[2]");
        JsonNode js = JsonFields.MAPPER.readTree(sparkReport.resolve("report.json").toFile());
        assertThat(js.get("evaluated_on").asText()).isEqualTo("spark local[2]");
        for (int i = 0; i < 3; i++) {
            for (String m : List.of("perplexity", "mc_acc", "mc_acc_norm", "mc_pmi_acc", "exact_match", "token_f1")) {
                assertThat(js.get("models").get(i).get("metrics").get(m)).as(m).isEqualTo(j.get("models").get(i)
                        .get("metrics").get(m));
            }
        }
    }

    @Test
    void aFailingGatePrintsTheTableAndExitsOne(@TempDir Path tmp) throws Exception {
        Path gate = Files.writeString(tmp.resolve("gate.yaml"), """
                gates:
                  - int8.bytes <= 0.01 * fp32.bytes
                  - fp32.perplexity <= 1.001 * student.perplexity
                """);
        AgentosCliTest.Result r = eval(tmp.resolve("report"), "--gate", gate.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("quality gates (1 failed):").containsPattern("FAIL +int8.bytes <= 0.01 \\* fp32.bytes")
                .containsPattern("PASS +fp32.perplexity");
        assertThat(r.err()).contains("agentos eval: 1 of 2 quality gates failed");
        JsonNode g = JsonFields.MAPPER.readTree(tmp.resolve("report/gates.json").toFile());
        assertThat(g.get("passed").asBoolean()).isFalse();
    }

    @Test
    void badInputIsOneLineNamingFileLineAndField(@TempDir Path tmp) throws Exception {
        Path gate = Files.writeString(tmp.resolve("gate.yaml"), "gates:\n  - int8.perplexty <= 2\n");
        AgentosCliTest.Result r = eval(tmp.resolve("r1"), "--gate", gate.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains(gate + ":2: gates[0]: unknown metric 'perplexty'").doesNotContain("at io.");
        assertThat(tmp.resolve("r1")).doesNotExist();

        Path alias = Files.writeString(tmp.resolve("alias.yaml"), "gates:\n  - int8.bytes <= 1\n  - teacher.bytes <= 1\n");
        AgentosCliTest.Result a = eval(tmp.resolve("r2"), "--gate", alias.toString());
        assertThat(a.exit()).isEqualTo(1);
        assertThat(a.err()).contains(alias + ":3: gates[1]: no model 'teacher' in this evaluation (models: student, "
                + "fp32, int8)");

        Path bad = Files.writeString(tmp.resolve("eval.jsonl"),
                "{\"type\":\"short_answer\",\"question\":\"q?\",\"answer\":\"a\"}\n{\"type\":\"multiple_choice\"}\n");
        AgentosCliTest.Result e = AgentosCliTest.run("eval", "--model", "fp32=" + onnx, "--eval-set", bad.toString(),
                "--report", tmp.resolve("r3").toString());
        assertThat(e.exit()).isEqualTo(1);
        assertThat(e.err()).contains(bad + ":2: $.question: expected a non-empty string (got nothing)");

        AgentosCliTest.Result p = eval(tmp.resolve("r5"), "--mc-prompt", "chat");
        assertThat(p.exit()).isNotZero();
        assertThat(p.err()).contains("multiple-choice prompt must be 'question' or 'cloze' (got 'chat')");

        AgentosCliTest.Result d = AgentosCliTest.run("eval", "--model", "x=" + tmp, "--report", tmp.resolve("r4").toString());
        assertThat(d.exit()).isEqualTo(1);
        assertThat(d.err()).contains(tmp + ": no config.json");
    }

    @Test
    void servingsGreedyDecodingEqualsEvaluationsOnnxGreedyOnTheEvalSetPrompts() throws Exception {
        EvalSet set = EvalSet.load(RepoPaths.root().resolve("datasets-sample/data/eval.jsonl"), 20);
        List<String> questions = new ArrayList<>();
        set.shortAnswer().forEach(q -> questions.add(q.question()));
        set.multipleChoice().forEach(q -> questions.add(q.question()));
        for (Path dir : List.of(onnx, int8)) {
            ServedModel served = ServedModel.load(dir, "eval-parity", new EngineConfig(4, 64, 2),
                    new io.llmagentos.serving.engine.EngineObserver() { });
            try (EvalModel m = EvalModels.open(dir, 2)) {
                Set<Integer> eos = new HashSet<>(m.config().eosTokenIds());
                assertThat(served.eosIds()).isEqualTo(eos);
                int compared = 0;
                for (String q : questions) {
                    int[] prompt = Prompts.encode(m.tokenizer(), Prompts.prompt(q));
                    int[] ours = m.greedy(prompt, 24, eos, t -> { });
                    int[] theirs = served.engine().generate(new GenerationRequest(prompt, SamplingParams.greedy(24), eos))
                            .tokens();
                    assertThat(theirs).as(dir.getFileName() + ": " + q).containsExactly(ours);
                    compared += ours.length;
                }
                assertThat(compared).as("tokens compared").isGreaterThan(questions.size());
            } finally {
                served.release();
            }
        }
    }

    @Test
    void evalAndGateStepsInAPipeline(@TempDir Path tmp) throws Exception {
        Path pass = Files.writeString(tmp.resolve("pass.yaml"), "gates:\n  - fp32.perplexity <= 1.001 * student.perplexity\n");
        Path fail = Files.writeString(tmp.resolve("fail.yaml"), "gates:\n  - int8.bytes <= 0.01 * fp32.bytes\n");
        Path p = Files.writeString(tmp.resolve("eval.yaml"), """
                pipeline: evaltest
                params:
                  gate: {default: %s, description: the gate file}
                steps:
                  eval:
                    uses: eval
                    isolation: in-process
                    with:
                      models: [%s, %s, %s]
                      aliases: [student, fp32, int8]
                      eval_set: %s
                      latency_prompts: 2
                      latency_tokens: 6
                      max_new_tokens: 6
                  gate:
                    uses: gate
                    needs: [eval]
                    with:
                      report: ${steps.eval.outputs.report}
                      gate: ${params.gate}
                """.formatted(pass, ckpt, onnx, int8, evalSet));
        String db = "jdbc:sqlite:" + tmp.resolve("p.db");
        AgentosCliTest.Result ok = AgentosCliTest.run("pipeline", "run", p.toString(), "--db", db, "--runs",
                tmp.resolve("runs").toString());
        assertThat(ok.exit()).as(ok.out() + ok.err()).isZero();
        assertThat(ok.out()).contains("SUCCEEDED");
        try (var files = Files.walk(tmp.resolve("runs"))) {
            List<Path> all = files.toList();
            assertThat(all).anySatisfy(f -> assertThat(f.toString()).endsWith("eval/report.html"));
            assertThat(all).anySatisfy(f -> assertThat(f.toString()).endsWith("eval/gates.json"));
        }
        AgentosCliTest.Result bad = AgentosCliTest.run("pipeline", "run", p.toString(), "-p", "gate=" + fail, "--db", db,
                "--runs", tmp.resolve("runs").toString());
        assertThat(bad.exit()).as(bad.out() + bad.err()).isNotZero();
        assertThat(bad.out() + bad.err()).contains("[cache] eval").contains("1 of 1 quality gates failed");
    }

    @Test
    void theStagesAreRegisteredWithTheirParameters() {
        AgentosCliTest.Result r = AgentosCliTest.run("pipeline", "stages");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("eval").contains("gate");
        AgentosCliTest.Result e = AgentosCliTest.run("pipeline", "stages", "eval");
        assertThat(e.out()).contains("models").contains("aliases").contains("eval_set").contains("report.json");
    }
}
