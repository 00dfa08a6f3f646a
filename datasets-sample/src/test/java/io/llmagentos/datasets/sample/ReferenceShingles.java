package io.llmagentos.datasets.sample;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A plain, slow reference for word shingles and Jaccard (regex words, string shingles), for comparing against the generator. */
final class ReferenceShingles {
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{Nd}\\p{Nl}\\p{No}]+", Pattern.UNICODE_CHARACTER_CLASS);

    private ReferenceShingles() {
    }

    static List<String> words(String text) {
        List<String> w = new ArrayList<>();
        Matcher m = WORD.matcher(text);
        while (m.find()) {
            w.add(m.group().toLowerCase(Locale.ROOT));
        }
        return w;
    }

    static Set<String> shingles(String text, int k) {
        List<String> w = words(text);
        Set<String> s = new HashSet<>();
        if (w.isEmpty()) {
            return s;
        }
        if (w.size() < k) {
            s.add(String.join(" ", w));
            return s;
        }
        for (int i = 0; i + k <= w.size(); i++) {
            s.add(String.join(" ", w.subList(i, i + k)));
        }
        return s;
    }

    static double jaccard(String a, String b, int k) {
        Set<String> sa = shingles(a, k);
        Set<String> sb = shingles(b, k);
        if (sa.isEmpty() && sb.isEmpty()) {
            return 1.0;
        }
        int inter = 0;
        for (String x : sa) {
            if (sb.contains(x)) {
                inter++;
            }
        }
        return (double) inter / (sa.size() + sb.size() - inter);
    }
}
