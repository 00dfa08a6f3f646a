package io.llmagentos.core.safetensors.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** "Did you mean" suggestions for an unknown tensor name. */
public final class NearMatches {
    private NearMatches() {
    }

    /**
     * Up to {@code max} candidates close to {@code name}: those that contain it or are contained in it
     * (a missing "model." prefix), then those within an edit distance of a quarter of its length,
     * closest first.
     */
    public static List<String> of(String name, Collection<String> candidates, int max) {
        record Scored(String candidate, int score) {
        }
        String lower = name.toLowerCase(Locale.ROOT);
        int budget = Math.max(1, name.length() / 4);
        List<Scored> scored = new ArrayList<>();
        for (String c : candidates) {
            String cl = c.toLowerCase(Locale.ROOT);
            boolean contained = Math.min(cl.length(), lower.length()) >= 3 && (cl.contains(lower) || lower.contains(cl));
            if (contained) {
                scored.add(new Scored(c, Math.abs(c.length() - name.length()) == 0 ? 0 : 1));
                continue;
            }
            if (Math.abs(c.length() - name.length()) > budget) {
                continue;
            }
            int d = editDistance(lower, cl, budget);
            if (d <= budget && d < name.length()) {
                scored.add(new Scored(c, 1 + d));
            }
        }
        scored.sort(Comparator.comparingInt(Scored::score).thenComparing(Scored::candidate));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < scored.size() && i < max; i++) {
            out.add(scored.get(i).candidate());
        }
        return out;
    }

    /** A sentence fragment for messages: {@code "; did you mean a, b?"} or {@code ""}. */
    public static String hint(String name, Collection<String> candidates) {
        List<String> m = of(name, candidates, 3);
        return m.isEmpty() ? "" : "; did you mean " + String.join(", ", m) + "?";
    }

    /** Levenshtein distance, or {@code limit + 1} as soon as it must exceed {@code limit}. */
    static int editDistance(String a, String b, int limit) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            int rowMin = cur[0];
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
                rowMin = Math.min(rowMin, cur[j]);
            }
            if (rowMin > limit) {
                return limit + 1;
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
