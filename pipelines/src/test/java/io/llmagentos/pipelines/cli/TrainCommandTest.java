package io.llmagentos.pipelines.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.shards.TokenShardWriter;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.datasets.sample.SampleData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code agentos train} and {@code agentos generate} as a user runs them: a training process killed with
 * SIGKILL mid-run resumes with {@code --resume} and logs exactly the losses of an uninterrupted run.
 */
class TrainCommandTest {
    @TempDir
    static Path dir;
    static Path yaml;

    @BeforeAll
    static void data() throws Exception {
        Path text = dir.resolve("sample.txt");
        Files.writeString(text, SampleData.text(SampleData.FIELD_SERVICE_TEXT));
        assertThat(AgentosCliTest.run("tokenizer", "train", "--input", text.toString(), "--out",
                dir.resolve("tok").toString(), "--vocab-size", "400").exit()).isZero();
        Tokenizer tok = Tokenizer.load(dir.resolve("tok"));
        int eos = tok.tokenId("<|endoftext|>").orElseThrow();
        Files.createDirectories(dir.resolve("shards"));
        try (TokenShardWriter w = new TokenShardWriter(dir.resolve("shards/a.tokens"), tok.vocabSize(), 64, tok.digest(),
                eos, eos)) {
            for (String d : SampleData.fieldServiceDocuments()) {
                w.addDocument(tok.encode(d));
            }
            w.finish();
        }
        yaml = dir.resolve("train.yaml");
        Files.writeString(yaml, String.join("\n", "model:", "  preset: demo-student", "data:",
                "  shards: " + dir.resolve("shards"), "  tokenizer: " + dir.resolve("tok"), "training:",
                "  seq_len: 32", "  batch_size: 4", "  max_steps: 16", "  save_every: 4", "  eval_every: 8",
                "  warmup_steps: 2", "  peak_gflops: 100", ""));
    }

    private static TreeMap<Integer, Double> losses(Path out) throws Exception {
        TreeMap<Integer, Double> m = new TreeMap<>();
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"), StandardCharsets.UTF_8)) {
            JsonNode n = JsonFields.MAPPER.readTree(line);
            if (n.has("loss")) {
                assertThat(m.put(n.get("step").asInt(), n.get("loss").asDouble())).as("step logged once").isNull();
            }
        }
        return m;
    }

    /** {@code agentos ARGS…} in a child JVM (as a user runs it), output to {@code log}. */
    private static Process child(Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                "io.llmagentos.pipelines.cli.AgentosCli"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static String finish(Process p, Path log) throws Exception {
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("agentos did not finish in 5 minutes").isTrue();
        String out = Files.readString(log);
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    /**
     * Every run is its own JVM, as users run the CLI, so that the three runs share nothing but the files: the
     * killed one, its resumption, and an uninterrupted one to compare with.
     */
    @Test
    void aKilledTrainingResumesExactlyAndTheModelGenerates(@TempDir Path tmp) throws Exception {
        Path killed = tmp.resolve("killed");
        Process p = child(tmp.resolve("child.log"), "train", "pretrain", "--config", yaml.toString(),
                "-o", "output=" + killed);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!Files.exists(killed.resolve("checkpoint-8/trainer_state.json")) && p.isAlive()
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(p.isAlive()).as("the child must still be training when killed; log:\n%s",
                Files.exists(tmp.resolve("child.log")) ? Files.readString(tmp.resolve("child.log")) : "").isTrue();
        p.destroyForcibly(); // SIGKILL: no shutdown hooks, no final checkpoint
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(killed.resolve("final")).doesNotExist();

        String resumed = finish(child(tmp.resolve("resumed.log"), "train", "pretrain", "--config", yaml.toString(),
                "-o", "output=" + killed, "--resume"), tmp.resolve("resumed.log"));
        assertThat(resumed).contains("resumed from step 8").contains(killed.resolve("final").toString());

        finish(child(tmp.resolve("straight.log"), "train", "pretrain", "--config", yaml.toString(), "-o",
                "output=" + tmp.resolve("straight")), tmp.resolve("straight.log"));
        TreeMap<Integer, Double> a = losses(tmp.resolve("straight"));
        TreeMap<Integer, Double> b = losses(killed);
        assertThat(b.keySet()).containsExactlyElementsOf(a.keySet()).hasSize(16);
        for (int step : a.keySet()) {
            assertThat(b.get(step)).as("loss at step %d", step).isCloseTo(a.get(step),
                    org.assertj.core.data.Offset.offset(1e-5));
        }

        AgentosCliTest.Result g = AgentosCliTest.run("generate", "--checkpoint", killed.resolve("final").toString(),
                "--prompt", "Replace the filter", "--max-new-tokens", "8");
        assertThat(g.exit()).as(g.err()).isZero();
        assertThat(g.out()).startsWith("Replace the filter");
        assertThat(g.err()).contains("new tokens");
    }

    @Test
    void helpListsEverySettingAndABadConfigIsOneLine(@TempDir Path tmp) throws Exception {
        AgentosCliTest.Result h = AgentosCliTest.run("train", "lora", "--help");
        assertThat(h.out()).contains("lora.rank").contains("training.grad_clip").contains("Clip the global gradient norm");
        Path bad = tmp.resolve("bad.yaml");
        Files.writeString(bad, "model:\n  preset: demo-student\noutput: x\ndata:\n  shards: y\ntraining:\n  seq_len: -3\n");
        AgentosCliTest.Result r = AgentosCliTest.run("train", "pretrain", "--config", bad.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains(bad + ":7: training.seq_len: must be > 0 (got -3)").doesNotContain("at io.");
    }
}
