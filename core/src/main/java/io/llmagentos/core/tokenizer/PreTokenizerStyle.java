package io.llmagentos.core.tokenizer;

/**
 * How text is split into words before byte-level BPE. Both split with a regular expression and then map
 * the words' UTF-8 bytes to byte-level chars; they differ in the expression, exactly as Hugging Face
 * {@code tokenizers} writes them in {@code tokenizer.json}.
 */
public enum PreTokenizerStyle {
    /**
     * Llama 3 / tiktoken cl100k: case-insensitive contractions, a leading punctuation or space glued to a
     * word, digits in groups of at most three, newlines kept with the whitespace before them. Saved as
     * {@code Sequence[Split(regex, Isolated), ByteLevel(use_regex=false)]}.
     */
    LLAMA3("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    /** GPT-2: the original byte-level expression, saved as {@code ByteLevel(use_regex=true)}. */
    GPT2("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

    private final String regex;

    PreTokenizerStyle(String regex) {
        this.regex = regex;
    }

    /** The split expression, in the syntax Hugging Face {@code tokenizers} (Oniguruma) reads. */
    public String regex() {
        return regex;
    }

    /** The style whose expression is exactly {@code regex}, or null. */
    public static PreTokenizerStyle ofRegex(String regex) {
        for (PreTokenizerStyle s : values()) {
            if (s.regex.equals(regex)) {
                return s;
            }
        }
        return null;
    }
}
