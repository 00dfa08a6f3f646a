package io.llmagentos.evaluation;

import io.llmagentos.core.tokenizer.Tokenizer;
import java.util.OptionalInt;

/**
 * How eval records become token sequences; {@code scripts/parity/eval_check.py} follows the same rules.
 * A question is the prompt {@code "Question: " + question + "\nAnswer:"} and an answer its continuation
 * {@code " " + answer}. Every sequence starts with {@code <|endoftext|>} when the tokenizer has it (documents start
 * after it in the pretraining stream); prompt and continuation are tokenized separately and concatenated, so every
 * choice of a question is scored on the same prompt tokens. Under {@link EvalOptions.McPrompt#CLOZE} a
 * multiple-choice record with a {@code cloze} is scored on that sentence start instead, and PMI's null prompt is
 * the bare null question {@code "?"}.
 */
public final class Prompts {
    /** The token every sequence starts with, when the tokenizer has it. */
    public static final String BOS_TOKEN = "<|endoftext|>";
    /** The prompt of the null question that PMI subtracts (Holtzman et al., 2021). */
    public static final String NULL_QUESTION = "?";

    private Prompts() {
    }

    public static String prompt(String question) {
        return "Question: " + question + "\nAnswer:";
    }

    public static String continuation(String answer) {
        return " " + answer;
    }

    /** The prompt {@code q}'s choices continue under {@code form}. */
    public static String prompt(EvalSet.MultipleChoiceItem q, EvalOptions.McPrompt form) {
        return cloze(q, form) ? q.cloze() : prompt(q.question());
    }

    /** The null prompt PMI subtracts for {@code q} under {@code form}: the null question in the same form. */
    public static String nullPrompt(EvalSet.MultipleChoiceItem q, EvalOptions.McPrompt form) {
        return cloze(q, form) ? NULL_QUESTION : prompt(NULL_QUESTION);
    }

    private static boolean cloze(EvalSet.MultipleChoiceItem q, EvalOptions.McPrompt form) {
        return form == EvalOptions.McPrompt.CLOZE && q.cloze() != null;
    }

    /** The text perplexity is scored on for a question record. */
    public static String withAnswer(String question, String answer) {
        return prompt(question) + continuation(answer);
    }

    /** {@code <|endoftext|>}'s id, or empty. */
    public static OptionalInt bos(Tokenizer tok) {
        return tok.tokenId(BOS_TOKEN);
    }

    /** BOS (when the tokenizer has it) followed by {@code text}'s tokens. */
    public static int[] encode(Tokenizer tok, String text) {
        int[] ids = tok.encode(text);
        OptionalInt bos = bos(tok);
        if (bos.isEmpty()) {
            return ids;
        }
        int[] out = new int[ids.length + 1];
        out[0] = bos.getAsInt();
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }

    /** {@code a} followed by {@code b}. */
    public static int[] concat(int[] a, int[] b) {
        int[] out = new int[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
