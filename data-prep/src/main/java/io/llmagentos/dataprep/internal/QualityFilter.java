package io.llmagentos.dataprep.internal;

import io.llmagentos.dataprep.PrepConfig;
import java.io.Serializable;
import java.util.HashMap;
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
    private transient LanguageFilter language;

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
        Verdict ngrams = ngramRules(words, start, chars);
        if (ngrams != null || q.languages().isEmpty()) {
            return ngrams;
        }
        // the costliest rule last: only documents that pass every other rule are detected
        if (language == null) {
            language = new LanguageFilter(q.languages(), q.languageCandidates(), q.languageSampleChars());
        }
        String other = language.reject(text);
        return other == null ? null : new Verdict("language", other + " not in " + q.languages());
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
        int n = words.length - start;
        // Words become dense ids so n-grams are 64-bit hashes of ids, not joined strings.
        int[] ids = new int[n];
        int[] len = new int[n];
        Map<String, Integer> vocab = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String w = words[start + i].toLowerCase(Locale.ROOT);
            ids[i] = vocab.computeIfAbsent(w, k -> vocab.size());
            len[i] = w.length();
        }
        double[] top = {0, 0, q.maxTopNgramFraction2(), q.maxTopNgramFraction3(), q.maxTopNgramFraction4()};
        for (int g = 2; g <= 4 && g <= n; g++) {
            LongCounts counts = new LongCounts(n);
            long bestKey = 0;
            int bestCount = 0;
            int bestStart = 0;
            for (int i = 0; i + g <= n; i++) {
                long key = gram(ids, i, g);
                int c = counts.increment(key);
                if (c > bestCount) {
                    bestCount = c;
                    bestKey = key;
                    bestStart = i;
                }
            }
            if (bestCount > 1 && bestKey == gram(ids, bestStart, g)) {
                long gramChars = 0;
                for (int k = bestStart; k < bestStart + g; k++) {
                    gramChars += len[k];
                }
                double frac = gramChars * (double) bestCount / chars;
                if (frac > top[g]) {
                    return new Verdict("top_" + g + "gram", fmt(frac) + " > " + top[g]);
                }
            }
        }
        for (int g = 5; g <= 10 && g <= n; g++) {
            double limit = q.maxDuplicateNgramFraction5() - (g - 5) * 0.01;
            double frac = repeatedNgramChars(ids, len, g) / (double) chars;
            if (frac > limit) {
                return new Verdict("duplicate_" + g + "grams", fmt(frac) + " > " + fmt(limit));
            }
        }
        return null;
    }

    private static long gram(int[] ids, int i, int g) {
        long h = 1125899906842597L;
        for (int k = i; k < i + g; k++) {
            h = 31 * h + ids[k];
            h ^= h >>> 29;
        }
        return h * 0x9E3779B97F4A7C15L;
    }

    /**
     * Chars of word n-grams that repeat an earlier one, scanning left to right and jumping past each
     * repeat so overlapping repeats are not counted twice (as datatrove's Gopher repetition filter does).
     */
    static long repeatedNgramChars(int[] ids, int[] len, int g) {
        LongCounts seen = new LongCounts(ids.length);
        long repeated = 0;
        int i = 0;
        while (i + g <= ids.length) {
            long key = gram(ids, i, g);
            if (seen.increment(key) > 1) {
                for (int k = i; k < i + g; k++) {
                    repeated += len[k];
                }
                i += g;
            } else {
                i++;
            }
        }
        return repeated;
    }

    /** {@link #repeatedNgramChars(int[], int[], int)} on words (tests and reference). */
    static long repeatedNgramChars(String[] w, int g) {
        Map<String, Integer> vocab = new HashMap<>();
        int[] ids = new int[w.length];
        int[] len = new int[w.length];
        for (int i = 0; i < w.length; i++) {
            ids[i] = vocab.computeIfAbsent(w[i], k -> vocab.size());
            len[i] = w[i].length();
        }
        return repeatedNgramChars(ids, len, g);
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
