package io.llmagentos.datasets.sample.internal;

/**
 * Word shingles, the similarity measure the manifest's Jaccard values use.
 *
 * <p>Words are maximal runs of Unicode letters or digits ({@link Character#isLetterOrDigit(int)}),
 * lower-cased with {@link Character#toLowerCase(int)}; everything else separates words. A k-shingle is
 * k consecutive words; a text with 1..k-1 words has one shingle made of all its words, an empty text
 * none. Jaccard = |A ∩ B| / |A ∪ B| over the shingle sets (1.0 for two empty sets). Shingles are held
 * as 64-bit hashes; a collision would need ~2^32 distinct shingles, far beyond one document.
 */
public final class Shingles {
    private Shingles() {
    }

    /** The 64-bit hashes of the words of {@code text}, in order. */
    public static long[] wordHashes(CharSequence text) {
        long[] out = new long[Math.max(8, text.length() / 5)];
        int n = 0;
        long h = 0;
        boolean inWord = false;
        for (int i = 0; i < text.length(); ) {
            int cp = Character.codePointAt(text, i);
            i += Character.charCount(cp);
            if (Character.isLetterOrDigit(cp)) {
                h = (h ^ Character.toLowerCase(cp)) * 0x100000001B3L;
                inWord = true;
            } else if (inWord) {
                if (n == out.length) {
                    out = java.util.Arrays.copyOf(out, n * 2);
                }
                out[n++] = Rng.mix(h);
                h = 0;
                inWord = false;
            }
        }
        if (inWord) {
            if (n == out.length) {
                out = java.util.Arrays.copyOf(out, n + 1);
            }
            out[n++] = Rng.mix(h);
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /** The set of k-shingle hashes of {@code text}. */
    public static LongHashSet shingles(CharSequence text, int k) {
        long[] w = wordHashes(text);
        LongHashSet set = new LongHashSet(Math.max(4, w.length));
        addShingles(w, k, set);
        return set;
    }

    /** Adds the k-shingle hashes of the given words to {@code set}. */
    public static void addShingles(long[] w, int k, LongHashSet set) {
        if (w.length == 0) {
            return;
        }
        if (w.length < k) {
            set.add(combine(w, 0, w.length));
            return;
        }
        for (int i = 0; i + k <= w.length; i++) {
            set.add(combine(w, i, k));
        }
    }

    /** True if any k-shingle of {@code text} is in {@code set}. */
    public static boolean anyIn(CharSequence text, int k, LongHashSet set) {
        long[] w = wordHashes(text);
        if (w.length == 0) {
            return false;
        }
        if (w.length < k) {
            return set.contains(combine(w, 0, w.length));
        }
        for (int i = 0; i + k <= w.length; i++) {
            if (set.contains(combine(w, i, k))) {
                return true;
            }
        }
        return false;
    }

    private static long combine(long[] w, int from, int k) {
        long h = 0x2545F4914F6CDD1DL + k;
        for (int j = from; j < from + k; j++) {
            h = Rng.mix(h * 31 + w[j]);
        }
        return h;
    }

    /** Word-k-shingle Jaccard similarity of two texts (see the class doc for the exact definition). */
    public static double jaccard(CharSequence a, CharSequence b, int k) {
        LongHashSet sa = shingles(a, k);
        LongHashSet sb = shingles(b, k);
        if (sa.size() == 0 && sb.size() == 0) {
            return 1.0;
        }
        int[] inter = {0};
        sa.forEach(h -> {
            if (sb.contains(h)) {
                inter[0]++;
            }
        });
        return (double) inter[0] / (sa.size() + sb.size() - inter[0]);
    }
}
