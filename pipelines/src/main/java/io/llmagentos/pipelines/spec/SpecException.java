package io.llmagentos.pipelines.spec;

/**
 * A pipeline file that cannot run as written. The message reads {@code demo.yaml:12: steps.train.needs: …}:
 * the file, the line and the field, then what is wrong and what to do.
 */
public final class SpecException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String file;
    private final int line;
    private final String field;

    public SpecException(String file, int line, String field, String problem) {
        super(file + (line > 0 ? ":" + line : "") + ": " + (field == null || field.isEmpty() ? "" : field + ": ") + problem);
        this.file = file;
        this.line = line;
        this.field = field;
    }

    public String file() {
        return file;
    }

    /** 1-based line, or 0 when the problem has no line (a -p override). */
    public int line() {
        return line;
    }

    public String field() {
        return field;
    }
}
