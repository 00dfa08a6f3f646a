package io.llmagentos.benchmarks.distill;

import ai.djl.Device;
import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.distillation.MultipleChoice;
import io.llmagentos.distillation.Retention;
import io.llmagentos.distillation.StudentInit;
import io.llmagentos.evaluation.EvalOptions;
import io.llmagentos.training.Devices;
import io.llmagentos.training.LlamaModel;
import io.llmagentos.training.ShardData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scores checkpoints the way the retention report does — validation perplexity on the shards' held-out windows and
 * multiple-choice task accuracy on the eval set ({@link Retention}, {@link MultipleChoice}) — and adds what a
 * reader needs to judge the accuracy: its 95 % Wilson interval, the one-sided binomial p-value against chance and
 * the accuracy per topic. Used to check that a teacher knows the domain before it is distilled
 * (docs/benchmarks.md, "Distillation").
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks-0.1.0-SNAPSHOT.jar:benchmarks/target/lib/* \
 *   io.llmagentos.benchmarks.distill.ScoreCheckpoints --shards DIR --eval FILE [--mc-prompt cloze] [--out FILE] \
 *   [--teacher DIR] CHECKPOINT...
 * </pre>
 *
 * <p>{@code --teacher DIR} also measures each checkpoint's {@link Retention.Agreement} with that teacher (KL and
 * top-1 agreement on the same validation windows); the teacher is loaded once for all checkpoints.
 *
 * <p>{@code --out FILE} appends one JSON line per checkpoint (its path, validation perplexity, accuracies and which
 * questions it gets right by PMI), the input of {@link PairedScores}' paired comparisons.
 */
public final class ScoreCheckpoints {
    private ScoreCheckpoints() {
    }

    public static void main(String[] args) throws Exception {
        Path shards = null;
        Path eval = null;
        int valWindows = 216;
        int threads = 2;
        EvalOptions.McPrompt form = EvalOptions.McPrompt.QUESTION;
        Path out = null;
        Path teacher = null;
        List<Path> checkpoints = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--shards" -> shards = Path.of(args[++i]);
                case "--eval" -> eval = Path.of(args[++i]);
                case "--val-windows" -> valWindows = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--mc-prompt" -> form = EvalOptions.McPrompt.parse(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--teacher" -> teacher = Path.of(args[++i]);
                default -> {
                    if (args[i].startsWith("--")) {
                        throw new IllegalArgumentException("unknown option " + args[i] + "; options: --shards DIR "
                                + "--eval FILE [--val-windows 216] [--threads 2] [--mc-prompt question|cloze] [--out FILE] "
                                + "[--teacher DIR] CHECKPOINT...");
                    }
                    checkpoints.add(Path.of(args[i]));
                }
            }
        }
        if (shards == null || eval == null || checkpoints.isEmpty()) {
            throw new IllegalArgumentException("give --shards DIR (token shards of the teacher's tokenizer), --eval FILE "
                    + "(eval.jsonl) and at least one checkpoint directory");
        }
        Engine.getEngine("PyTorch");
        Devices.threads(threads);
        List<MultipleChoice.Question> qs = MultipleChoice.load(eval, 0, form);
        Map<String, String> topics = topics(eval);
        try (ShardData val = new ShardData(shards, 128, 0.05, Integer.MAX_VALUE, null);
             Checkpoint tc = teacher == null ? null : Checkpoint.open(teacher);
             LlamaModel tm = tc == null ? null : LlamaModel.load(tc, Device.cpu())) {
            int n = Math.min(valWindows, val.validationSize());
            for (Path ck : checkpoints) {
                Retention.Validation v;
                MultipleChoice.Score s;
                boolean[] ok;
                long parameters;
                try (Checkpoint c = Checkpoint.open(ck); LlamaModel m = LlamaModel.load(c, Device.cpu())) {
                    if (tc != null) {
                        StudentInit.requireSameTokenizer(tc.tokenizer(), teacher, c.tokenizer(), ck);
                    }
                    // the retention report's own measurements; without --teacher the checkpoint is its own teacher
                    v = Retention.validate(tm == null ? m : tm, m, val, n, 8);
                    s = MultipleChoice.score(m, c.tokenizer(), qs);
                    ok = McStats.pmiCorrect(m, c.tokenizer(), qs, s);
                    parameters = m.parameterCount();
                }
                double valPpl = Math.exp(v.studentLoss());
                Retention.Agreement agreement = v.agreement();
                int k = McStats.count(ok);
                double[] ci = McStats.wilson(k, qs.size(), 1.96);
                Map<String, int[]> byTopic = new LinkedHashMap<>();
                for (int i = 0; i < qs.size(); i++) {
                    int[] t = byTopic.computeIfAbsent(topics.getOrDefault(qs.get(i).id(), "?"), x -> new int[2]);
                    t[0] += ok[i] ? 1 : 0;
                    t[1]++;
                }
                StringBuilder tb = new StringBuilder();
                byTopic.forEach((t, c) -> tb.append(String.format(Locale.ROOT, " %s %d/%d", t, c[0], c[1])));
                System.out.printf(Locale.ROOT, "%s: %,d parameters, val_ppl %.3f (%d windows); task accuracy (PMI) %d/%d "
                                + "= %.1f %% [95 %% CI %.1f–%.1f], p = %.2g vs chance %.0f %%; per character %.1f %%, "
                                + "summed %.1f %%;%s%s%n", ck, parameters, valPpl, n, k, qs.size(),
                        100.0 * k / qs.size(), 100 * ci[0], 100 * ci[1],
                        McStats.binomialUpper(k, qs.size(), s.chance()), 100 * s.chance(),
                        100 * s.accuracyPerCharacter(), 100 * s.accuracyUnnormalized(), tb,
                        teacher == null ? "" : String.format(Locale.ROOT, "; against the teacher: KL %.4f nats/token, "
                                + "top-1 agreement %.1f %%", agreement.kl(), 100 * agreement.top1()));
                if (out != null) {
                    StringBuilder bits = new StringBuilder(ok.length);
                    for (boolean b : ok) {
                        bits.append(b ? '1' : '0');
                    }
                    Map<String, Object> line = new LinkedHashMap<>();
                    line.put("checkpoint", ck.toString());
                    line.put("eval", eval.toString());
                    line.put("mc_prompt", form.toString());
                    line.put("parameters", parameters);
                    line.put("val_ppl", valPpl);
                    line.put("task_acc", (double) k / qs.size());
                    line.put("task_acc_char", s.accuracyPerCharacter());
                    line.put("task_acc_sum", s.accuracyUnnormalized());
                    if (teacher != null) {
                        line.put("teacher", teacher.toString());
                        line.put("teacher_kl", agreement.kl());
                        line.put("teacher_top1", agreement.top1());
                    }
                    line.put("pmi_correct", bits.toString());
                    Files.writeString(out, JsonFields.LINE.writeValueAsString(line) + "\n", StandardCharsets.UTF_8,
                            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                }
            }
        }
    }

    private static Map<String, String> topics(Path eval) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : Files.readAllLines(eval, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                JsonNode o = JsonFields.MAPPER.readTree(line);
                m.put(o.path("id").asText(), o.path("topic").asText("?"));
            }
        }
        return m;
    }
}
