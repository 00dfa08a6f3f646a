package io.llmagentos.core.shards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenShardTest {
    private static final String DIGEST = "sha256:feedface";

    @Test
    void packsDocumentsWithEosAndPadsTheLastSequence(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("train-00000.tokens");
        try (TokenShardWriter w = new TokenShardWriter(f, 1000, 4, DIGEST, 0, 1)) {
            w.addDocument(new int[] {10, 11, 12});
            w.addDocument(new int[] {20, 21});
            w.addDocument(new int[] {});
            w.addDocument(new int[] {30});
            ShardHeader h = w.finish();
            assertThat(h.sequenceCount()).isEqualTo(3);
            assertThat(h.paddingTokens()).isEqualTo(2);
        }
        try (TokenShard s = TokenShard.open(f)) {
            assertThat(s.header().dtype()).isEqualTo(TokenDtype.UINT16);
            assertThat(s.header().tokenizerDigest()).isEqualTo(DIGEST);
            int[] seq = new int[4];
            s.sequence(0, seq);
            assertThat(seq).containsExactly(10, 11, 12, 0);
            s.sequence(1, seq);
            assertThat(seq).containsExactly(20, 21, 0, 0); // the empty document still gets its EOS
            s.sequence(2, seq);
            assertThat(seq).containsExactly(30, 0, 1, 1); // EOS, then PAD fills the last window
            assertThat(s.documentStarts()).containsExactly(0, 4, 7, 8);
            assertThatThrownBy(() -> s.sequence(3, seq)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("sequence 3 out of range [0, 3)");
        }
    }

    @Test
    void largeVocabulariesUseUint32AndRoundTripRandomDocuments(@TempDir Path dir) throws Exception {
        Random rnd = new Random(7);
        int vocab = 128256;
        List<Integer> stream = new ArrayList<>();
        Path f = dir.resolve("a.tokens");
        try (TokenShardWriter w = new TokenShardWriter(f, vocab, 64, DIGEST, 128001, 128004)) {
            for (int d = 0; d < 300; d++) {
                int[] doc = new int[rnd.nextInt(200)];
                for (int i = 0; i < doc.length; i++) {
                    doc[i] = rnd.nextInt(vocab);
                    stream.add(doc[i]);
                }
                stream.add(128001);
                w.addDocument(doc);
            }
            w.finish();
        }
        try (TokenShard s = TokenShard.open(f)) {
            assertThat(s.header().dtype()).isEqualTo(TokenDtype.UINT32);
            int[] seq = new int[64];
            for (long i = 0; i < s.sequenceCount(); i++) {
                s.sequence(i, seq);
                for (int j = 0; j < 64; j++) {
                    int pos = (int) (i * 64 + j);
                    assertThat(seq[j]).isEqualTo(pos < stream.size() ? stream.get(pos) : 128004);
                }
            }
            assertThat(s.header().documentCount()).isEqualTo(300);
        }
    }

    @Test
    void rejectsIdsOutsideTheVocabularyWithTheirPosition(@TempDir Path dir) throws Exception {
        try (TokenShardWriter w = new TokenShardWriter(dir.resolve("x.tokens"), 100, 8, DIGEST, 0, 0)) {
            assertThatThrownBy(() -> w.addDocument(new int[] {5, 100}))
                    .hasMessageContaining("document 0 has id 100 at position 1, outside the vocabulary [0, 100)");
        }
        assertThat(dir.resolve("x.tokens")).doesNotExist();
        assertThat(Files.list(dir)).isEmpty();
    }

    @Test
    void truncatedOrForeignFilesAreClearErrors(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("t.tokens");
        try (TokenShardWriter w = new TokenShardWriter(f, 100, 8, DIGEST, 0, 0)) {
            w.addDocument(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
            w.finish();
        }
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(raf.length() - 3);
        }
        assertThatThrownBy(() -> TokenShard.open(f)).isInstanceOf(TokenShardFormatException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("truncated or corrupt");
        Path g = dir.resolve("g.tokens");
        Files.write(g, new byte[5000]);
        assertThatThrownBy(() -> TokenShard.open(g)).hasMessageContaining("bad magic bytes");
        Path h = dir.resolve("h.tokens");
        Files.write(h, new byte[10]);
        assertThatThrownBy(() -> TokenShard.open(h)).hasMessageContaining("shorter than the 4096-byte header");
    }

    @Test
    void aSetReadsShardsInOrderAndRefusesMixedTokenizers(@TempDir Path dir) throws Exception {
        for (int s = 0; s < 3; s++) {
            try (TokenShardWriter w = new TokenShardWriter(dir.resolve("train-0000" + s + ".tokens"), 50, 2, DIGEST, 0, 0)) {
                w.addDocument(new int[] {s + 1, s + 10, s + 20}); // 4 tokens = 2 sequences
                w.finish();
            }
        }
        try (TokenShardSet set = TokenShardSet.open(dir)) {
            assertThat(set.sequenceCount()).isEqualTo(6);
            int[] seq = new int[2];
            set.sequence(4, seq);
            assertThat(seq).containsExactly(3, 12);
            set.sequence(3, seq);
            assertThat(seq).containsExactly(21, 0);
            assertThat(set.digest()).startsWith("sha256:").hasSize(71);
        }
        try (TokenShardWriter w = new TokenShardWriter(dir.resolve("train-00009.tokens"), 50, 2, "sha256:other", 0, 0)) {
            w.addDocument(new int[] {1});
            w.finish();
        }
        assertThatThrownBy(() -> TokenShardSet.open(dir)).isInstanceOf(TokenShardFormatException.class)
                .hasMessageContaining("train-00009.tokens").hasMessageContaining("sha256:other");
    }
}
