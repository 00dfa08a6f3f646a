package io.llmagentos.core.tokenizer;

/**
 * A token matched whole in the text before BPE runs ({@code added_tokens} in {@code tokenizer.json}),
 * such as {@code <|endoftext|>} or {@code <|im_start|>}.
 *
 * @param id         its id
 * @param content    the exact text it matches
 * @param singleWord match only where it is not inside a word
 * @param lstrip     also swallow the whitespace before it
 * @param rstrip     also swallow the whitespace after it
 * @param normalized match against normalized text (kept for the round trip; this implementation matches raw text)
 * @param special    a control token: dropped by {@code decode(ids, true)}
 */
public record AddedToken(int id, String content, boolean singleWord, boolean lstrip, boolean rstrip,
                         boolean normalized, boolean special) {
    public AddedToken {
        if (id < 0) {
            throw new IllegalArgumentException("added token id must be >= 0 (got " + id + ")");
        }
        if (content == null || content.isEmpty()) {
            throw new IllegalArgumentException("added token " + id + " has empty content");
        }
    }

    /** A special token as trainers create them: whole, unstripped, matched on raw text. */
    public static AddedToken special(int id, String content) {
        return new AddedToken(id, content, false, false, false, false, true);
    }
}
