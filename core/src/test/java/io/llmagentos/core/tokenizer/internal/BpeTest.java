package io.llmagentos.core.tokenizer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The heap merge loop used for long words equals the plain scan it replaces, and both follow merge ranks. */
class BpeTest {
    /** A vocabulary over "a", "b", "c" with merges ab, bc, abc, aa, aab, ca… in a fixed rank order. */
    private static Bpe tiny() {
        Map<String, Integer> v = new HashMap<>();
        String[] alphabet = ByteLevel.alphabet();
        for (int b = 0; b < 256; b++) {
            v.put(alphabet[b], b);
        }
        String[][] merges = {{"a", "b"}, {"b", "c"}, {"ab", "c"}, {"a", "a"}, {"aa", "b"}, {"c", "a"}, {"abc", "abc"},
            {"ca", "ab"}, {"b", "b"}, {"aa", "aa"}};
        List<String[]> m = new ArrayList<>();
        for (String[] pair : merges) {
            v.putIfAbsent(pair[0] + pair[1], v.size());
            m.add(pair);
        }
        return new Bpe(v, m, false, null, false);
    }

    @Test
    void heapAndScanMergeIdentically() {
        Bpe bpe = tiny();
        SplittableRandom r = new SplittableRandom(3);
        long merged = 0;
        for (int n = 0; n < 5000; n++) {
            StringBuilder sb = new StringBuilder();
            int len = r.nextInt(2, 300);
            for (int i = 0; i < len; i++) {
                sb.append("abc".charAt(r.nextInt(3)));
            }
            String w = sb.toString();
            int[] base = new int[w.length()];
            for (int i = 0; i < base.length; i++) {
                base[i] = w.charAt(i);
            }
            int[] scan = bpe.mergeByScan(base.clone(), base.length);
            int[] heap = bpe.mergeByHeap(base.clone(), base.length);
            assertThat(heap).as(w).isEqualTo(scan);
            merged += w.length() - scan.length;
        }
        assertThat(merged).as("merges happened").isGreaterThan(100_000);
    }

    @Test
    void lowestRankMergesFirstAndLeftmostOnTies() {
        Bpe bpe = tiny();
        // "aab": a+a (rank 3) vs a+b (rank 0): ab first, leaving a, ab — and no merge (a, ab) exists.
        assertThat(tokens(bpe, "aab")).containsExactly("a", "ab");
        // "aaa": a+a twice, leftmost first.
        assertThat(tokens(bpe, "aaa")).containsExactly("aa", "a");
        assertThat(tokens(bpe, "abcabc")).containsExactly("abcabc");
    }

    private static List<String> tokens(Bpe bpe, String word) {
        IntList out = new IntList(4);
        bpe.encodeWord(word, out);
        List<String> t = new ArrayList<>();
        for (int i = 0; i < out.size(); i++) {
            t.add(bpe.token(out.get(i)));
        }
        return t;
    }
}
