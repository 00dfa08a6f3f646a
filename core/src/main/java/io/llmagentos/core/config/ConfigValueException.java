package io.llmagentos.core.config;

/**
 * A configuration value that is out of range or inconsistent with another. Thrown by the
 * self-validating config records; loaders turn it into a {@link io.llmagentos.core.json.JsonFormatException}
 * that points at {@code $.<field>} in the file.
 */
public class ConfigValueException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String field;

    public ConfigValueException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The external (JSON) name of the offending field, e.g. {@code rope_theta}. */
    public String field() {
        return field;
    }
}
