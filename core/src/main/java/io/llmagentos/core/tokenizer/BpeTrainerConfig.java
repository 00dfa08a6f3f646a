package io.llmagentos.core.tokenizer;

import java.util.HashSet;
import java.util.List;

/**
 * Settings of {@link BpeTrainer}. The {@code *_DOC} strings are the one description of each setting that
 * the CLI help and run records reuse.
 *
 * @param vocabSize     final vocabulary size: special tokens + 256 byte tokens + merges
 * @param minFrequency  a pair is merged only if it occurs at least this often
 * @param specialTokens added tokens, given ids 0, 1, … in this order
 * @param style         the pre-tokenizer expression
 */
public record BpeTrainerConfig(int vocabSize, int minFrequency, List<String> specialTokens, PreTokenizerStyle style) {
    public static final String VOCAB_SIZE_DOC =
            "Vocabulary size: special tokens + 256 byte tokens + merges learned until this size is reached.";
    public static final String MIN_FREQUENCY_DOC = "Merge a pair only if it occurs at least this many times.";
    public static final String SPECIAL_TOKENS_DOC =
            "Special tokens, given ids 0, 1, ... in this order (matched whole in text, never split).";
    public static final String STYLE_DOC = "Pre-tokenizer expression: LLAMA3 (Llama 3 / tiktoken cl100k) or GPT2.";

    public BpeTrainerConfig {
        specialTokens = specialTokens == null ? List.of() : List.copyOf(specialTokens);
        if (style == null) {
            throw new IllegalArgumentException("style is required (LLAMA3 or GPT2)");
        }
        if (minFrequency < 1) {
            throw new IllegalArgumentException("min frequency must be >= 1 (got " + minFrequency + ")");
        }
        if (new HashSet<>(specialTokens).size() != specialTokens.size()) {
            throw new IllegalArgumentException("special tokens must be distinct (got " + specialTokens + ")");
        }
        for (String s : specialTokens) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("a special token must not be empty");
            }
        }
        int floor = 256 + specialTokens.size();
        if (vocabSize < floor) {
            throw new IllegalArgumentException("vocab size must be >= " + floor + " (256 byte tokens + "
                    + specialTokens.size() + " special tokens) (got " + vocabSize + ")");
        }
    }
}
