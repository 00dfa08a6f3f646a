package io.llmagentos.core.shards;

/**
 * The header of a token shard file.
 *
 * @param formatVersion   file format version ({@link TokenShard#FORMAT_VERSION})
 * @param vocabSize       size of the vocabulary the ids index; every id is below it
 * @param dtype           storage width of one id
 * @param seqLen          tokens per packed sequence
 * @param sequenceCount   number of packed sequences in the file
 * @param documentCount   number of documents packed into them
 * @param paddingTokens   pad ids appended to fill the last sequence
 * @param tokenizerDigest digest of the tokenizer that produced the ids ({@code Tokenizer.digest()})
 * @param eosId           id appended after every document
 * @param padId           id used to fill the last sequence
 */
public record ShardHeader(int formatVersion, int vocabSize, TokenDtype dtype, int seqLen, long sequenceCount,
                          long documentCount, long paddingTokens, String tokenizerDigest, int eosId, int padId) {
    public ShardHeader {
        if (vocabSize <= 0) {
            throw new IllegalArgumentException("vocab_size must be > 0 (got " + vocabSize + ")");
        }
        if (dtype == null || (dtype == TokenDtype.UINT16 && vocabSize > 65536)) {
            throw new IllegalArgumentException("dtype " + dtype + " cannot hold vocab_size " + vocabSize);
        }
        if (seqLen <= 0) {
            throw new IllegalArgumentException("seq_len must be > 0 (got " + seqLen + ")");
        }
        if (sequenceCount < 0 || documentCount < 0 || paddingTokens < 0 || paddingTokens >= Math.max(1, seqLen)) {
            throw new IllegalArgumentException("counts must be >= 0 and padding < seq_len (sequences "
                    + sequenceCount + ", documents " + documentCount + ", padding " + paddingTokens + ")");
        }
        if (tokenizerDigest == null || tokenizerDigest.isBlank()) {
            throw new IllegalArgumentException("tokenizer_digest is required so training can check it uses the same tokenizer");
        }
        if (eosId < 0 || eosId >= vocabSize || padId < 0 || padId >= vocabSize) {
            throw new IllegalArgumentException("eos_id (" + eosId + ") and pad_id (" + padId
                    + ") must be in [0, vocab_size=" + vocabSize + ")");
        }
    }

    /** Bytes of token data: sequences × seq_len × width. */
    public long dataBytes() {
        return sequenceCount * seqLen * dtype.bytes();
    }

    /** Total tokens stored, padding included. */
    public long tokenCount() {
        return sequenceCount * seqLen;
    }
}
