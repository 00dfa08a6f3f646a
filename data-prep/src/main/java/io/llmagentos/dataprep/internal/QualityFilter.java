package io.llmagentos.dataprep.internal;

import io.llmagentos.dataprep.PrepConfig;
import java.io.Serializable;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Gopher-style quality rules (Rae et al. 2021, "Scaling Language Models", appendix A) on normalized
 * text. {@link #check} returns the first rule a document breaks, or null. Words are whitespace-separated
 * tokens as in the paper; n-gram fractions are measured in characters of the words involved:
 * <ul>
 *   <li>top n-gram fraction = chars of the most frequent n-gram × its count / chars of all words;</li>
 *   <li>duplicate n-gram fraction = chars of words covered by any n-gram occurring more than once / all.</li>
 * </ul>
 */
public final class QualityFilter implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Set<String> STOP_WORDS = Set.of("the", "be", "to", "of", "and", "that", "have", "with");

    private final PrepConfig.Quality q;

    public QualityFilter(PrepConfig.Quality q) {
        this.q = q;
    }

    /** A broken rule: {@code reason} is a stable id (report key), {@code detail} the measured value. */
    public record Verdict(String reason, String detail) {
    }

    public Verdict check(String text) {
        if (text.isBlank()) {
            return new Verdict("empty", "no text left after normalization");
        }
        if (text.length() > q.maxChars()) {
            return new Verdict("too_long", text.length() + " chars > " + q.maxChars());
        }
        String[] words = text.split("\\s+");
        int start = words.length > 0 && words[0].isEmpty() ? 1 : 0;
        int n = words.length - start;
        if (n < q.minWords()) {
            return new Verdict("too_few_words", n + " < " + q.minWords());
        }
        if (n > q.maxWords()) {
            return new Verdict("too_many_words", n + " > " + q.maxWords());
        }
        long chars = 0;
        int alphaWords = 0;
        int symbols = 0;
        int stop = 0;
        for (int i = start; i < words.length; i++) {
            String w = words[i];
            chars += w.length();
            if (hasLetter(w)) {
                alphaWords++;
            }
            if (w.equals("#") || w.contains("...") || w.contains("…")) {
                symbols++;
            }
            if (STOP_WORDS.contains(w.toLowerCase(Locale.ROOT))) {
                stop++;
            }
        }
        double meanLen = chars / (double) n;
        if (meanLen < q.minMeanWordLength() || meanLen > q.maxMeanWordLength()) {
            return new Verdict("mean_word_length", String.format(Locale.ROOT, "%.2f outside [%s, %s]", meanLen,
                    q.minMeanWordLength(), q.maxMeanWordLength()));
        }
        double symbolRatio = symbols / (double) n;
        if (symbolRatio > q.maxSymbolWordRatio()) {
            return new Verdict("symbol_word_ratio", fmt(symbolRatio) + " > " + q.maxSymbolWordRatio());
        }
        double alpha = alphaWords / (double) n;
        if (alpha < q.minAlphaWordFraction()) {
            return new Verdict("alphabetic_words", fmt(alpha) + " < " + q.minAlphaWordFraction());
        }
        if (stop < q.minStopWords()) {
            return new Verdict("stop_words", stop + " < " + q.minStopWords());
        }
        Verdict lines = lineRules(text);
        if (lines != null) {
            return lines;
        }
        return ngramRules(words, start, chars);
    }

    private Verdict lineRules(String text) {
        String[] lines = text.split("\n");
        int nonEmpty = 0;
        int bullets = 0;
        int ellipsis = 0;
        Map<String, Integer> counts = new HashMap<>();
        for (String l : lines) {
            String t = l.strip();
            if (t.isEmpty()) {
                continue;
            }
            nonEmpty++;
            char c = t.charAt(0);
            if (c == '•' || c == '●' || c == '-' || c == '*' || c == '‣' || c == '◦' || c == '▪') {
                bullets++;
            }
            if (t.endsWith("...") || t.endsWith("…")) {
                ellipsis++;
            }
            counts.merge(t, 1, Integer::sum);
        }
        if (nonEmpty == 0) {
            return new Verdict("empty", "no non-blank line");
        }
        double bulletFrac = bullets / (double) nonEmpty;
        if (bulletFrac > q.maxBulletLineFraction()) {
            return new Verdict("bullet_lines", fmt(bulletFrac) + " > " + q.maxBulletLineFraction());
        }
        double ellFrac = ellipsis / (double) nonEmpty;
        if (ellFrac > q.maxEllipsisLineFraction()) {
            return new Verdict("ellipsis_lines", fmt(ellFrac) + " > " + q.maxEllipsisLineFraction());
        }
        int dupLines = 0;
        long dupChars = 0;
        long allChars = 0;
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            allChars += (long) e.getKey().length() * e.getValue();
            if (e.getValue() > 1) {
                dupLines += e.getValue() - 1;
                dupChars += (long) e.getKey().length() * (e.getValue() - 1);
            }
        }
        double dupLineFrac = dupLines / (double) nonEmpty;
        if (dupLineFrac > q.maxDuplicateLineFraction()) {
            return new Verdict("duplicate_lines", fmt(dupLineFrac) + " > " + q.maxDuplicateLineFraction());
        }
        double dupLineCharFrac = allChars == 0 ? 0 : dupChars / (double) allChars;
        if (dupLineCharFrac > q.maxDuplicateLineCharFraction()) {
            return new Verdict("duplicate_line_chars", fmt(dupLineCharFrac) + " > " + q.maxDuplicateLineCharFraction());
        }
        return null;
    }

    private Verdict ngramRules(String[] words, int start, long chars) {
        String[] w = new String[words.length - start];
        for (int i = start; i < words.length; i++) {
            w[i - start] = words[i].toLowerCase(Locale.ROOT);
        }
        double[] top = {0, 0, q.maxTopNgramFraction2(), q.maxTopNgramFraction3(), q.maxTopNgramFraction4()};
        for (int n = 2; n <= 4; n++) {
            if (w.length < n) {
                break;
            }
            Map<String, Integer> counts = new HashMap<>();
            for (int i = 0; i + n <= w.length; i++) {
                counts.merge(join(w, i, n), 1, Integer::sum);
            }
            String best = null;
            int bestCount = 0;
            for (Map.Entry<String, Integer> e : counts.entrySet()) {
                if (e.getValue() > bestCount) {
                    best = e.getKey();
                    bestCount = e.getValue();
                }
            }
            if (bestCount > 1) {
                double frac = (best.length() - (n - 1)) * (double) bestCount / chars;
                if (frac > top[n]) {
                    return new Verdict("top_" + n + "gram", fmt(frac) + " > " + top[n]);
                }
            }
        }
        for (int n = 5; n <= 10; n++) {
            if (w.length < n) {
                break;
            }
            double limit = q.maxDuplicateNgramFraction5() - (n - 5) * 0.01;
            double frac = repeatedNgramChars(w, n) / (double) chars;
            if (frac > limit) {
                return new Verdict("duplicate_" + n + "grams", fmt(frac) + " > " + fmt(limit));
            }
        }
        return null;
    }

    /**
     * Chars of word n-grams that repeat an earlier one, scanning left to right and jumping past each
     * repeat so overlapping repeats are not counted twice (as datatrove's Gopher repetition filter does).
     */
    static long repeatedNgramChars(String[] w, int n) {
        Set<String> seen = new HashSet<>();
        long repeated = 0;
        int i = 0;
        while (i + n <= w.length) {
            String g = join(w, i, n);
            if (seen.contains(g)) {
                repeated += g.length() - (n - 1);
                i += n;
            } else {
                seen.add(g);
                i++;
            }
        }
        return repeated;
    }

    private static String join(String[] w, int i, int n) {
        StringBuilder b = new StringBuilder();
        for (int k = i; k < i + n; k++) {
            if (k > i) {
                b.append(' ');
            }
            b.append(w[k]);
        }
        return b.toString();
    }

    private static boolean hasLetter(String w) {
        for (int i = 0; i < w.length(); i++) {
            if (Character.isLetter(w.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
