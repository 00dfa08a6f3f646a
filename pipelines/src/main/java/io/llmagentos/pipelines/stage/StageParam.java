package io.llmagentos.pipelines.stage;

/**
 * A parameter a stage takes under a step's {@code with:}.
 *
 * @param name  key under {@code with:} (dotted for nested YAML, e.g. {@code training.lr})
 * @param type  what values it takes; checked when the pipeline is validated
 * @param dflt  default, or null when required
 * @param doc   one line: what it does (shown by {@code agentos pipeline stages})
 */
public record StageParam(String name, Type type, String dflt, String doc) {
    /** Value types. PATH values are digested into the step's cache key. */
    public enum Type { STRING, INT, NUMBER, BOOL, PATH, PATHS }

    public static StageParam required(String name, Type type, String doc) {
        return new StageParam(name, type, null, doc);
    }

    public static StageParam optional(String name, Type type, String dflt, String doc) {
        return new StageParam(name, type, dflt == null ? "" : dflt, doc);
    }

    public boolean isRequired() {
        return dflt == null;
    }

    /** Null when {@code value} fits the type, else what is wrong. */
    public String check(String value) {
        try {
            switch (type) {
                case INT -> Long.parseLong(value.replace("_", ""));
                case NUMBER -> Double.parseDouble(value);
                case BOOL -> {
                    if (!value.equals("true") && !value.equals("false")) {
                        return "expected true or false (got \"" + value + "\")";
                    }
                }
                default -> {
                }
            }
            return null;
        } catch (NumberFormatException e) {
            return "expected " + (type == Type.INT ? "a whole number" : "a number") + " (got \"" + value + "\")";
        }
    }
}
