package io.llmagentos.benchmarks.distill;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.json.JsonFields;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Paired comparison of the multiple-choice scores {@link ScoreCheckpoints} {@code --out} writes (docs/benchmarks.md,
 * "Distillation"):
 *
 * <pre>
 * PairedScores SCORES.jsonl --teacher kd-teacher --group plain=ablation-plain- --group online=ablation-online-
 *     [--against plain]
 * </pre>
 *
 * <p>Each {@code --group NAME=PATTERN} collects the checkpoints whose path matches the regular expression PATTERN
 * followed by a number, the checkpoint's seed ({@code ablation-online-42/final} → 42; {@code (runA|runB)/ablation-online-}
 * takes seeds from two runs; the last line of a seed wins). Prints per group the mean validation perplexity and PMI
 * task accuracy over its checkpoints, the accuracy's 95 % Wilson interval over seeds × questions and its retention of
 * the teacher's accuracy; then each group against the {@code --against} group (default: the first), paired by seed
 * over the questions: the exact McNemar test on the questions only one of the two gets right, pooled over the seeds
 * both have ({@link McStats}).
 */
public final class PairedScores {
    private PairedScores() {
    }

    /** One scored checkpoint. */
    record Scored(String checkpoint, double valPpl, double acc, double accChar, double accSum, String correct) {
        int right() {
            return (int) correct.chars().filter(ch -> ch == '1').count();
        }
    }

    public static void main(String[] args) throws IOException {
        Path scores = null;
        String teacher = null;
        String against = null;
        Map<String, String> patterns = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--teacher" -> teacher = value(args, ++i);
                case "--against" -> against = value(args, ++i);
                case "--group" -> {
                    String g = value(args, ++i);
                    int eq = g.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--group expects NAME=PATTERN (got \"" + g + "\")");
                    }
                    patterns.put(g.substring(0, eq), g.substring(eq + 1));
                }
                default -> {
                    if (args[i].startsWith("--") || scores != null) {
                        throw new IllegalArgumentException("usage: PairedScores SCORES.jsonl --teacher SUBSTRING "
                                + "--group NAME=PATTERN … [--against NAME] (got \"" + args[i] + "\")");
                    }
                    scores = Path.of(args[i]);
                }
            }
        }
        if (scores == null || teacher == null || patterns.isEmpty()) {
            throw new IllegalArgumentException("usage: PairedScores SCORES.jsonl --teacher SUBSTRING "
                    + "--group NAME=PATTERN … [--against NAME]");
        }
        report(read(scores), scores.toString(), teacher, patterns, against, System.out);
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + " needs a value");
        }
        return args[i];
    }

    static List<Scored> read(Path file) throws IOException {
        List<Scored> rows = new ArrayList<>();
        int line = 0;
        for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            line++;
            if (l.isBlank()) {
                continue;
            }
            JsonNode n = JsonFields.MAPPER.readTree(l);
            for (String f : List.of("checkpoint", "val_ppl", "task_acc", "task_acc_char", "task_acc_sum",
                    "pmi_correct")) {
                if (!n.hasNonNull(f)) {
                    throw new IOException(file + ":" + line + ": no \"" + f + "\"; expected a line of ScoreCheckpoints "
                            + "--out");
                }
            }
            rows.add(new Scored(n.get("checkpoint").asText(), n.get("val_ppl").asDouble(), n.get("task_acc").asDouble(),
                    n.get("task_acc_char").asDouble(), n.get("task_acc_sum").asDouble(), n.get("pmi_correct").asText()));
        }
        return rows;
    }

    static void report(List<Scored> rows, String source, String teacherPart, Map<String, String> patterns,
            String against, PrintStream out) {
        Scored t = null;
        for (Scored r : rows) {
            if (r.checkpoint().contains(teacherPart)) {
                t = r;
            }
        }
        if (t == null) {
            throw new IllegalArgumentException(source + ": no checkpoint path contains the teacher's \"" + teacherPart
                    + "\"");
        }
        Map<String, TreeMap<String, Scored>> groups = new LinkedHashMap<>();
        for (var e : patterns.entrySet()) {
            Pattern p = Pattern.compile("(?:" + e.getValue() + ")(\\d+)");
            TreeMap<String, Scored> members = new TreeMap<>();
            for (Scored r : rows) {
                Matcher m = p.matcher(r.checkpoint());
                if (m.find()) {
                    members.put(m.group(m.groupCount()), r);
                }
            }
            if (members.isEmpty()) {
                throw new IllegalArgumentException(source + ": no checkpoint path matches \"" + e.getValue()
                        + "\" followed by a seed (group " + e.getKey() + ")");
            }
            groups.put(e.getKey(), members);
        }
        int n = t.correct().length();
        out.printf(Locale.ROOT, "teacher %s: val_ppl %.3f, task acc (PMI) %d/%d = %.1f %%, per char %.1f %%, summed "
                + "%.1f %%%n", t.checkpoint(), t.valPpl(), t.right(), n, 100 * t.acc(), 100 * t.accChar(),
                100 * t.accSum());
        out.printf(Locale.ROOT, "%-16s %-12s %8s %7s %13s %7s %7s %10s%n", "group", "seeds", "val_ppl", "acc", "95% CI",
                "char", "sum", "retention");
        for (var g : groups.entrySet()) {
            List<Scored> rs = new ArrayList<>(g.getValue().values());
            int k = 0;
            double ppl = 0;
            double ch = 0;
            double su = 0;
            for (Scored r : rs) {
                if (r.correct().length() != n) {
                    throw new IllegalArgumentException("group " + g.getKey() + ": " + r.checkpoint() + " was scored on "
                            + r.correct().length() + " questions, the teacher on " + n + "; score both on one eval set");
                }
                k += r.right();
                ppl += r.valPpl() / rs.size();
                ch += r.accChar() / rs.size();
                su += r.accSum() / rs.size();
            }
            double[] ci = McStats.wilson(k, n * rs.size(), 1.96);
            double acc = (double) k / (n * rs.size());
            StringBuilder perSeed = new StringBuilder();
            g.getValue().forEach((s, r) -> perSeed.append(perSeed.length() == 0 ? "" : ", ")
                    .append(String.format(Locale.ROOT, "%s: %.1f", s, 100 * r.acc())));
            out.printf(Locale.ROOT, "%-16s %-12s %8.3f %6.1f%% %5.1f-%5.1f%% %6.1f%% %6.1f%% %9.1f%%   (per seed %s)%n",
                    g.getKey(), String.join(",", g.getValue().keySet()), ppl, 100 * acc, 100 * ci[0], 100 * ci[1],
                    100 * ch, 100 * su, 100 * acc / t.acc(), perSeed);
        }
        String baseName = against != null ? against : groups.keySet().iterator().next();
        TreeMap<String, Scored> base = groups.get(baseName);
        if (base == null) {
            throw new IllegalArgumentException("--against " + baseName + ": no such group (groups: " + groups.keySet()
                    + ")");
        }
        for (var g : groups.entrySet()) {
            if (g.getKey().equals(baseName)) {
                continue;
            }
            TreeSet<String> seeds = new TreeSet<>(g.getValue().keySet());
            seeds.retainAll(base.keySet());
            int b = 0;
            int c = 0;
            for (String s : seeds) {
                String x = g.getValue().get(s).correct();
                String y = base.get(s).correct();
                for (int q = 0; q < n; q++) {
                    b += x.charAt(q) == '1' && y.charAt(q) == '0' ? 1 : 0;
                    c += x.charAt(q) == '0' && y.charAt(q) == '1' ? 1 : 0;
                }
            }
            out.printf(Locale.ROOT, "%s vs %s, paired over seeds %s x %d questions: %d right only with %s, %d only with "
                    + "%s; exact McNemar p = %.3g%n", g.getKey(), baseName, seeds.isEmpty() ? "-" : String.join(",", seeds),
                    n, b, g.getKey(), c, baseName, McStats.mcnemarExact(b, c));
        }
    }
}
