package io.llmagentos.evaluation;

import java.io.IOException;

/**
 * An eval set or a gate file that does not have the documented shape. The message names the file, the line and
 * the field, and says what is expected, e.g. {@code eval.jsonl:12: $.answer_index: expected 0..3 (got 7)}.
 */
public class EvalFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public EvalFormatException(String message) {
        super(message);
    }
}
