package io.llmagentos.benchmarks.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Grouping by seed, pooled accuracy, retention and the paired McNemar counts of PairedScores. */
class PairedScoresTest {
    private static String line(String ck, double ppl, String correct) {
        double acc = correct.chars().filter(c -> c == '1').count() / (double) correct.length();
        return "{\"checkpoint\":\"" + ck + "\",\"val_ppl\":" + ppl + ",\"task_acc\":" + acc + ",\"task_acc_char\":0.5,"
                + "\"task_acc_sum\":0.25,\"pmi_correct\":\"" + correct + "\"}\n";
    }

    @Test
    void groupsBySeedPoolsAccuracyAndCountsTheDiscordantQuestions(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("scores.jsonl");
        Files.writeString(f, line("runs/kd-teacher/final", 2.0, "11110000")
                + line("w/run1/ablation-plain-42/final", 2.2, "10000000")
                + line("w/run1/ablation-plain-43/final", 2.4, "01000000")
                + line("w/run2/ablation-online-42/final", 1.9, "11100000")
                + line("w/run3/ablation-online-43/final", 2.0, "00000000")
                // a re-score of online 43: the last line of a seed wins
                + line("w/run3/ablation-online-43/final", 1.8, "11000001")
                + line("w/run3/ablation-online-44/final", 1.7, "11111111"), StandardCharsets.UTF_8);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Map<String, String> groups = new LinkedHashMap<>();
        groups.put("plain", "run1/ablation-plain-");
        groups.put("online", "(run2|run3)/ablation-online-");
        PairedScores.report(PairedScores.read(f), f.toString(), "kd-teacher", groups, null,
                new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("task acc (PMI) 4/8 = 50.0 %");
        // plain: 2 of 16 right = 12.5 %, retention 25 %; mean val ppl 2.3
        assertThat(out).containsPattern("plain +42,43 +2\\.300 +12\\.5% .* 25\\.0%");
        double[] ci = McStats.wilson(14, 24, 1.96);
        assertThat(out).contains(String.format(java.util.Locale.ROOT, "%5.1f-%5.1f%%", 100 * ci[0], 100 * ci[1]));
        // online: seeds 42, 43 (its second line), 44 = 3 + 3 + 8 of 24 = 58.3 %, retention 116.7 %
        assertThat(out).containsPattern("online +42,43,44 +1\\.800 +58\\.3% .* 116\\.7%");
        // paired on seeds 42 and 43 only: 42: online-only q1, q2; 43: online-only q0, q7; plain-only none
        assertThat(out).contains("online vs plain, paired over seeds 42,43 x 8 questions: 4 right only with online, "
                + "0 only with plain; exact McNemar p = 0.125");
    }

    @Test
    void namesWhatIsMissing(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("scores.jsonl");
        Files.writeString(f, line("runs/kd-teacher/final", 2.0, "1100") + line("w/ablation-plain-42/final", 2.2, "110"),
                StandardCharsets.UTF_8);
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThatThrownBy(() -> PairedScores.report(PairedScores.read(f), "s", "other-teacher",
                Map.of("plain", "ablation-plain-"), null, sink)).hasMessageContaining("other-teacher");
        assertThatThrownBy(() -> PairedScores.report(PairedScores.read(f), "s", "kd-teacher",
                Map.of("online", "ablation-online-"), null, sink)).hasMessageContaining("group online");
        assertThatThrownBy(() -> PairedScores.report(PairedScores.read(f), "s", "kd-teacher",
                Map.of("plain", "ablation-plain-"), null, sink)).hasMessageContaining("3 questions, the teacher on 4");
        Files.writeString(f, "{\"checkpoint\":\"x\"}\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> PairedScores.read(f)).hasMessageContaining("scores.jsonl:1").hasMessageContaining("val_ppl");
    }
}
