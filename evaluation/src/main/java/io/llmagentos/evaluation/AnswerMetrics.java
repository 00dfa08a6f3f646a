package io.llmagentos.evaluation;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Exact match and token F1 of a short answer, as the SQuAD evaluation script defines them: both strings are
 * normalized (lower case, punctuation removed, the articles a/an/the removed, whitespace collapsed); exact match is
 * equality of the normalized strings, F1 the harmonic mean of token precision and recall over the bag of
 * normalized tokens. With several accepted answers, the best score counts.
 */
public final class AnswerMetrics {
    private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b");
    private static final Pattern PUNCT = Pattern.compile("\\p{P}|\\p{S}");

    private AnswerMetrics() {
    }

    public static String normalize(String s) {
        String t = Normalizer.normalize(s, Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
        t = PUNCT.matcher(t).replaceAll("");
        t = ARTICLES.matcher(t).replaceAll(" ");
        return String.join(" ", tokens(t));
    }

    private static List<String> tokens(String normalized) {
        List<String> out = new ArrayList<>();
        for (String w : normalized.strip().split("\\s+")) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }

    public static boolean exactMatch(String prediction, List<String> accepted) {
        String p = normalize(prediction);
        return accepted.stream().anyMatch(a -> normalize(a).equals(p));
    }

    public static double f1(String prediction, List<String> accepted) {
        double best = 0;
        for (String a : accepted) {
            best = Math.max(best, f1(prediction, a));
        }
        return best;
    }

    static double f1(String prediction, String answer) {
        List<String> p = tokens(normalize(prediction));
        List<String> g = tokens(normalize(answer));
        if (p.isEmpty() || g.isEmpty()) {
            return p.equals(g) ? 1 : 0;
        }
        Map<String, Integer> counts = new HashMap<>();
        g.forEach(w -> counts.merge(w, 1, Integer::sum));
        int common = 0;
        for (String w : p) {
            Integer c = counts.get(w);
            if (c != null && c > 0) {
                common++;
                counts.put(w, c - 1);
            }
        }
        if (common == 0) {
            return 0;
        }
        double precision = (double) common / p.size();
        double recall = (double) common / g.size();
        return 2 * precision * recall / (precision + recall);
    }

    /** The answer a generation gives: its text before the first newline, stripped. */
    public static String answerText(String generated) {
        int nl = generated.indexOf('\n');
        return (nl < 0 ? generated : generated.substring(0, nl)).strip();
    }
}
