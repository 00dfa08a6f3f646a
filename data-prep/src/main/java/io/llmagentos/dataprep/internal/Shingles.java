package io.llmagentos.dataprep.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Word shingles as hashed feature indices for MinHash. Words are maximal runs of Unicode letters or
 * digits, lower-cased (the definition the sample manifest's Jaccard values use). A document shorter than
 * one shingle is a single shingle of all its words.
 */
public final class Shingles {
    /** MinHashLSH requires indices below its prime 2038074743; 2^30 stays under it. */
    public static final int DIMENSION = 1 << 30;

    private Shingles() {
    }

    public static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            int cp = text.codePointAt(i);
            if (Character.isLetterOrDigit(cp)) {
                int j = i;
                while (j < n && Character.isLetterOrDigit(text.codePointAt(j))) {
                    j += Character.charCount(text.codePointAt(j));
                }
                out.add(text.substring(i, j).toLowerCase(Locale.ROOT));
                i = j;
            } else {
                i += Character.charCount(cp);
            }
        }
        return out;
    }

    /** Sorted, distinct shingle hashes in [0, DIMENSION); empty when the text has no word. */
    public static int[] hashed(String text, int size) {
        List<String> w = words(text);
        if (w.isEmpty()) {
            return new int[0];
        }
        int count = Math.max(1, w.size() - size + 1);
        int[] h = new int[count];
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < count; i++) {
            b.setLength(0);
            for (int k = i; k < Math.min(w.size(), i + size); k++) {
                b.append(w.get(k)).append(' ');
            }
            h[i] = murmur3(b.toString().getBytes(StandardCharsets.UTF_8)) & (DIMENSION - 1);
        }
        Arrays.sort(h);
        int u = 0;
        for (int i = 0; i < h.length; i++) {
            if (i == 0 || h[i] != h[i - 1]) {
                h[u++] = h[i];
            }
        }
        return Arrays.copyOf(h, u);
    }

    /** |A∩B| / |A∪B| of two sorted distinct arrays. */
    public static double jaccard(int[] a, int[] b) {
        if (a.length == 0 && b.length == 0) {
            return 1.0;
        }
        int i = 0;
        int j = 0;
        int inter = 0;
        while (i < a.length && j < b.length) {
            if (a[i] == b[j]) {
                inter++;
                i++;
                j++;
            } else if (a[i] < b[j]) {
                i++;
            } else {
                j++;
            }
        }
        return inter / (double) (a.length + b.length - inter);
    }

    /** MurmurHash3 x86 32-bit, seed 0. */
    static int murmur3(byte[] data) {
        int h = 0;
        int len = data.length;
        int i = 0;
        while (i + 4 <= len) {
            int k = (data[i] & 0xff) | (data[i + 1] & 0xff) << 8 | (data[i + 2] & 0xff) << 16 | (data[i + 3] & 0xff) << 24;
            k *= 0xcc9e2d51;
            k = Integer.rotateLeft(k, 15);
            k *= 0x1b873593;
            h ^= k;
            h = Integer.rotateLeft(h, 13);
            h = h * 5 + 0xe6546b64;
            i += 4;
        }
        int rest = len & 3;
        if (rest > 0) {
            int k = 0;
            if (rest == 3) {
                k ^= (data[i + 2] & 0xff) << 16;
            }
            if (rest >= 2) {
                k ^= (data[i + 1] & 0xff) << 8;
            }
            k ^= data[i] & 0xff;
            k *= 0xcc9e2d51;
            k = Integer.rotateLeft(k, 15);
            k *= 0x1b873593;
            h ^= k;
        }
        h ^= len;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
