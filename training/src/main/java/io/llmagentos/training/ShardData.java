package io.llmagentos.training;

import io.llmagentos.core.shards.ShardHeader;
import io.llmagentos.core.shards.TokenShardFormatException;
import io.llmagentos.core.shards.TokenShardSet;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Pretraining examples from token shards. The shards are read as one token stream; example w is the window
 * {@code [w·L, w·L + L + 1)} (L = seq_len), whose first L tokens predict its last L. The last
 * {@code validation_fraction} of windows is the validation split, so the two never share a token. Targets in
 * the final padding get weight 0.
 */
public final class ShardData implements TrainingData {
    private final TokenShardSet shards;
    private final int seqLen;
    private final int shardLen;
    private final long realTokens;
    private final int train;
    private final int validation;
    private final int[] buf;
    private long bufSeq = -1;

    public ShardData(Path dir, int seqLen, double validationFraction, int vocabSize, String tokenizerDigest)
            throws IOException {
        this.shards = TokenShardSet.open(dir);
        ShardHeader h = shards.header();
        if (h.vocabSize() > vocabSize) {
            shards.close();
            throw new TokenShardFormatException(dir, "shards hold ids up to " + (h.vocabSize() - 1)
                    + " but the model's vocab_size is " + vocabSize + "; train with the tokenizer that made the shards");
        }
        if (tokenizerDigest != null && !tokenizerDigest.equals(h.tokenizerDigest())) {
            shards.close();
            throw new TokenShardFormatException(dir, "shards were made by tokenizer " + h.tokenizerDigest()
                    + " but the model uses " + tokenizerDigest + "; re-pack the shards with the model's tokenizer");
        }
        this.seqLen = seqLen;
        this.shardLen = h.seqLen();
        long total = shards.sequenceCount() * (long) shardLen;
        long padding = 0;
        for (var s : shards.shards()) {
            padding += s.header().paddingTokens();
        }
        this.realTokens = total - padding;
        long windows = (realTokens - 1) / seqLen;
        if (windows < 2) {
            shards.close();
            throw new TokenShardFormatException(dir, realTokens + " tokens make fewer than 2 windows of "
                    + (seqLen + 1) + "; lower training.seq_len or add data");
        }
        int val = (int) Math.max(1, Math.round(windows * validationFraction));
        this.validation = validationFraction == 0 ? 0 : val;
        this.train = (int) Math.min(Integer.MAX_VALUE, windows - validation);
        this.buf = new int[shardLen];
    }

    @Override
    public int trainSize() {
        return train;
    }

    @Override
    public int validationSize() {
        return validation;
    }

    @Override
    public int seqLen() {
        return seqLen;
    }

    @Override
    public void train(int index, int[] input, int[] target, float[] weight) throws IOException {
        window(index, input, target, weight);
    }

    @Override
    public void validation(int index, int[] input, int[] target, float[] weight) throws IOException {
        window(train + index, input, target, weight);
    }

    private void window(long w, int[] input, int[] target, float[] weight) throws IOException {
        long start = w * seqLen;
        for (int i = 0; i <= seqLen; i++) {
            long pos = start + i;
            int tok = token(pos);
            if (i < seqLen) {
                input[i] = tok;
            }
            if (i > 0) {
                target[i - 1] = tok;
                weight[i - 1] = pos < realTokens ? 1f : 0f;
            }
        }
    }

    private int token(long pos) throws IOException {
        long seq = pos / shardLen;
        if (seq != bufSeq) {
            shards.sequence(seq, buf);
            bufSeq = seq;
        }
        return buf[(int) (pos % shardLen)];
    }

    @Override
    public String digest() throws IOException {
        return shards.digest();
    }

    @Override
    public void close() throws IOException {
        shards.close();
    }
}
