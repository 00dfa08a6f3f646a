package io.llmagentos.core.shards;

/** How token ids are stored in a shard: the narrowest unsigned width that holds the vocabulary. */
public enum TokenDtype {
    UINT16(2),
    UINT32(4);

    private final int bytes;

    TokenDtype(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    /** uint16 for vocabularies up to 65,536 tokens, uint32 beyond. */
    public static TokenDtype forVocab(int vocabSize) {
        return vocabSize <= 65536 ? UINT16 : UINT32;
    }
}
