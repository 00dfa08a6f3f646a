package io.llmagentos.core.shards;

import io.llmagentos.core.internal.Files2;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * All the {@code *.tokens} shards of a directory, in name order, read as one sequence of packed
 * sequences. Opening checks that every shard agrees on vocabulary, width, sequence length and
 * tokenizer digest, naming the first shard that differs.
 */
public final class TokenShardSet implements AutoCloseable {
    private final Path dir;
    private final List<TokenShard> shards;
    private final long[] firstSequence;
    private final long sequenceCount;

    private TokenShardSet(Path dir, List<TokenShard> shards) {
        this.dir = dir;
        this.shards = shards;
        this.firstSequence = new long[shards.size()];
        long n = 0;
        for (int i = 0; i < shards.size(); i++) {
            firstSequence[i] = n;
            n += shards.get(i).sequenceCount();
        }
        this.sequenceCount = n;
    }

    public static TokenShardSet open(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(TokenShard.EXTENSION)).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IOException(dir + ": no *" + TokenShard.EXTENSION + " shards found; run data-prep first");
        }
        List<TokenShard> shards = new ArrayList<>();
        try {
            for (Path f : files) {
                TokenShard s = TokenShard.open(f);
                if (!shards.isEmpty()) {
                    ShardHeader a = shards.get(0).header();
                    ShardHeader b = s.header();
                    if (a.vocabSize() != b.vocabSize() || a.dtype() != b.dtype() || a.seqLen() != b.seqLen()
                            || !a.tokenizerDigest().equals(b.tokenizerDigest())) {
                        s.close();
                        throw new TokenShardFormatException(f, "does not match " + shards.get(0).path().getFileName()
                                + " (vocab " + b.vocabSize() + " vs " + a.vocabSize() + ", seq_len " + b.seqLen() + " vs "
                                + a.seqLen() + ", tokenizer " + b.tokenizerDigest() + " vs " + a.tokenizerDigest()
                                + "): all shards of a set must come from one data-prep run");
                    }
                }
                shards.add(s);
            }
        } catch (IOException | RuntimeException e) {
            for (TokenShard s : shards) {
                s.close();
            }
            throw e;
        }
        return new TokenShardSet(dir, List.copyOf(shards));
    }

    public Path dir() {
        return dir;
    }

    public List<TokenShard> shards() {
        return shards;
    }

    public ShardHeader header() {
        return shards.get(0).header();
    }

    public long sequenceCount() {
        return sequenceCount;
    }

    /** Copies the global sequence {@code index} into {@code dst}. */
    public void sequence(long index, int[] dst) throws IOException {
        if (index < 0 || index >= sequenceCount) {
            throw new IndexOutOfBoundsException(dir + ": sequence " + index + " out of range [0, " + sequenceCount + ")");
        }
        int lo = 0;
        int hi = firstSequence.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (firstSequence[mid] <= index) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        shards.get(lo).sequence(index - firstSequence[lo], dst);
    }

    /** "sha256:…" over the shards' names and contents: the data digest recorded in lineage. */
    public String digest() throws IOException {
        MessageDigest md = Files2.sha256();
        for (TokenShard s : shards) {
            md.update(s.path().getFileName().toString().getBytes(StandardCharsets.UTF_8));
            md.update(Files2.sha256(s.path()).getBytes(StandardCharsets.US_ASCII));
        }
        return "sha256:" + HexFormat.of().formatHex(md.digest());
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (TokenShard s : shards) {
            try {
                s.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
