package io.llmagentos.core.tokenizer.internal;

/** Splits text into the words that BPE encodes one by one. Implementations are immutable and thread-safe. */
public interface PreTokenizer {
    /** Receives one word as the half-open char range {@code [start, end)} of the text. */
    @FunctionalInterface
    interface Sink {
        void word(int start, int end);
    }

    /** Splits {@code text[from, to)} into consecutive, non-empty words that together cover the range. */
    void split(String text, int from, int to, Sink sink);
}
