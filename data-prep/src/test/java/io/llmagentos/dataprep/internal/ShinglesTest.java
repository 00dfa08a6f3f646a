package io.llmagentos.dataprep.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

class ShinglesTest {
    @Test
    void wordsAreLetterDigitRunsLowerCased() {
        assertThat(Shingles.words("Pump P-100: Öl wechseln, 45 Nm!")).containsExactly("pump", "p", "100", "öl",
                "wechseln", "45", "nm");
    }

    @Test
    void hashedJaccardMatchesTheSetDefinition() {
        String a = "the quick brown fox jumps over the lazy dog near the river bank today";
        String b = "the quick brown fox jumps over the lazy cat near the river bank today";
        Set<String> sa = shingles(a);
        Set<String> sb = shingles(b);
        Set<String> inter = new HashSet<>(sa);
        inter.retainAll(sb);
        Set<String> union = new HashSet<>(sa);
        union.addAll(sb);
        double exact = inter.size() / (double) union.size();
        assertThat(Shingles.jaccard(Shingles.hashed(a, 5), Shingles.hashed(b, 5))).isCloseTo(exact, within(1e-9));
        assertThat(Shingles.hashed("", 5)).isEmpty();
        assertThat(Shingles.hashed("two words", 5)).hasSize(1);
    }

    private static Set<String> shingles(String t) {
        List<String> w = Shingles.words(t);
        Set<String> s = new HashSet<>();
        for (int i = 0; i + 5 <= w.size(); i++) {
            s.add(String.join(" ", w.subList(i, i + 5)));
        }
        return s;
    }

    @Test
    void murmur3MatchesKnownVectors() {
        // Reference values of MurmurHash3_x86_32 with seed 0.
        assertThat(Shingles.murmur3(new byte[0])).isEqualTo(0);
        assertThat(Shingles.murmur3("hello".getBytes(StandardCharsets.UTF_8))).isEqualTo(0x248bfa47);
        assertThat(Shingles.murmur3("The quick brown fox jumps over the lazy dog".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(0x2e4ff723);
    }

    @Test
    void componentsKeepTheSmallestIdOfEachCluster() {
        List<Row> similar = List.of(
                RowFactory.create("u3", "d3", "u1", "d1", 0.9),
                RowFactory.create("u1", "d1", "u2", "d2", 0.85),
                RowFactory.create("u7", "d7", "u8", "d8", 0.95));
        List<Row> dups = FuzzyDedup.components(similar);
        assertThat(dups).extracting(r -> r.getString(0) + "->" + r.getString(1))
                .containsExactly("u2->d1", "u3->d1", "u8->d7");
    }
}
