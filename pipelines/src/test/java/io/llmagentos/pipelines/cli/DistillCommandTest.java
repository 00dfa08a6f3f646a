package io.llmagentos.pipelines.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.shards.TokenShardWriter;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.datasets.sample.SampleData;
import io.llmagentos.testsupport.RepoPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code agentos distill} as a user runs it: a teacher from {@code agentos train}, YAML configs, the report. */
class DistillCommandTest {
    @TempDir
    static Path dir;
    static Path teacher;

    @BeforeAll
    static void teacher() throws Exception {
        Path text = dir.resolve("sample.txt");
        Files.writeString(text, SampleData.text(SampleData.FIELD_SERVICE_TEXT));
        assertThat(AgentosCliTest.run("tokenizer", "train", "--input", text.toString(), "--out",
                dir.resolve("tok").toString(), "--vocab-size", "400").exit()).isZero();
        Tokenizer tok = Tokenizer.load(dir.resolve("tok"));
        int eos = tok.tokenId("<|endoftext|>").orElseThrow();
        Files.createDirectories(dir.resolve("shards"));
        try (TokenShardWriter w = new TokenShardWriter(dir.resolve("shards/a.tokens"), tok.vocabSize(), 64, tok.digest(),
                eos, eos)) {
            for (int rep = 0; rep < 2; rep++) {
                for (String d : SampleData.fieldServiceDocuments()) {
                    w.addDocument(tok.encode(d));
                }
            }
            w.finish();
        }
        Path yaml = dir.resolve("train.yaml");
        Files.writeString(yaml, String.join("\n", "model:", "  preset: demo-student", "data:",
                "  shards: " + dir.resolve("shards"), "  tokenizer: " + dir.resolve("tok"), "output: " + dir.resolve("t"),
                "training:", "  seq_len: 32", "  batch_size: 4", "  max_steps: 20", "  save_every: 0", "  eval_every: 0",
                "  warmup_steps: 2", "  peak_gflops: 100", ""));
        assertThat(AgentosCliTest.run("train", "pretrain", "--config", yaml.toString()).exit()).isZero();
        teacher = dir.resolve("t/final");
    }

    @Test
    void distillsAStudentAndPrintsTheRetentionReport() throws Exception {
        Path student = dir.resolve("student.yaml");
        Files.writeString(student, "init: teacher_layers\nlayers: [1]\n");
        Path cfg = dir.resolve("distill.yaml");
        Files.writeString(cfg, String.join("\n", "data:", "  shards: " + dir.resolve("shards"), "  validation_fraction: 0.1",
                "output: " + dir.resolve("d"), "distill:", "  mode: offline", "  top_k: 8", "  temperature: 2",
                "retention:", "  eval_set: " + RepoPaths.root().resolve("datasets-sample/data/eval.jsonl"),
                "  max_questions: 4", "  val_windows: 4", "  speed_batches: 1", "training:", "  seq_len: 32",
                "  batch_size: 4", "  max_steps: 4", "  save_every: 2", "  eval_every: 2", "  warmup_steps: 1",
                "  peak_gflops: 100", ""));
        AgentosCliTest.Result r = AgentosCliTest.run("distill", "--teacher", teacher.toString(), "--student-config",
                student.toString(), "--config", cfg.toString(), "-o", "distill.alpha=0.25");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("offline KD (alpha 0.25, T 2, top-8)").contains("teacher layers [1] of 2")
                .contains("teacher top-k store written").contains("retention (student / teacher")
                .contains("task accuracy (multiple choice)").contains(dir.resolve("d/retention.json").toString())
                .contains(dir.resolve("d/final").toString());
        JsonNode rep = JsonFields.readObject(dir.resolve("d/retention.json"));
        assertThat(rep.at("/ratios/parameters").asDouble()).isBetween(0.1, 1.0);
        assertThat(rep.at("/student/task_questions").asInt()).isEqualTo(4);
        assertThat(r.out()).contains("agreement with the teacher");
        assertThat(rep.at("/agreement/kl_teacher_student").asDouble()).isPositive();
        assertThat(rep.at("/agreement/top1").asDouble()).isBetween(0.0, 1.0);
        // a second run reuses the store; --resume continues from the newest checkpoint
        AgentosCliTest.Result again = AgentosCliTest.run("distill", "--teacher", teacher.toString(), "--student-config",
                student.toString(), "--config", cfg.toString(), "-o", "distill.alpha=0.25", "-o",
                "output=" + dir.resolve("d2"), "-o", "distill.store=" + dir.resolve("d/teacher-topk"));
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(again.out()).contains("teacher top-k store reused");
    }

    @Test
    void aBadConfigIsOneLineNamingTheFileAndLine() throws Exception {
        Path student = dir.resolve("bad-student.yaml");
        Files.writeString(student, "init: random\n");
        Path cfg = dir.resolve("bad.yaml");
        Files.writeString(cfg, "data:\n  shards: " + dir.resolve("shards") + "\noutput: " + dir.resolve("x")
                + "\ndistill:\n  temperature: 0\n");
        AgentosCliTest.Result r = AgentosCliTest.run("distill", "--teacher", teacher.toString(), "--student-config",
                student.toString(), "--config", cfg.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("bad.yaml:5: distill.temperature: must be > 0");
        Files.writeString(cfg, "data:\n  shards: " + dir.resolve("shards") + "\noutput: " + dir.resolve("x") + "\n");
        AgentosCliTest.Result s = AgentosCliTest.run("distill", "--teacher", teacher.toString(), "--student-config",
                student.toString(), "--config", cfg.toString());
        assertThat(s.exit()).isEqualTo(1);
        assertThat(s.err()).contains("bad-student.yaml:1: init: init: random needs model.preset");
        AgentosCliTest.Result help = AgentosCliTest.run("distill", "--help");
        assertThat(help.out()).contains("distill.temperature").contains("Temperature T").contains("training.lr");
    }
}
