package io.llmagentos.dataprep;

/**
 * An invalid {@code prep.yaml}: the message starts with the file, line and field, e.g.
 * {@code prep.yaml:12: quality.minWords: expected an integer (got "fifty")}.
 */
public class PrepConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final int line;
    private final String field;

    public PrepConfigException(String file, int line, String field, String problem) {
        super(file + (line > 0 ? ":" + line : "") + ": " + (field == null || field.isEmpty() ? "" : field + ": ")
                + problem);
        this.file = file;
        this.line = line;
        this.field = field;
    }

    public String file() {
        return file;
    }

    /** 1-based line, or 0 when unknown. */
    public int line() {
        return line;
    }

    /** Dotted field path, e.g. {@code quality.minWords}. */
    public String field() {
        return field;
    }
}
