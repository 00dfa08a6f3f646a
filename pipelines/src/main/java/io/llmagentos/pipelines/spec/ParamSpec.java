package io.llmagentos.pipelines.spec;

/**
 * A pipeline parameter: {@code ${params.NAME}} in step settings.
 *
 * @param name        the parameter's name
 * @param dflt        its default, or null when it must be given with {@code -p NAME=VALUE}
 * @param description what it means (shown by {@code agentos pipeline validate})
 * @param line        line of its declaration in the pipeline file
 */
public record ParamSpec(String name, String dflt, String description, int line) {
    public ParamSpec {
        if (name == null || !name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("parameter names are letters, digits and _ (got \"" + name + "\")");
        }
    }

    public boolean required() {
        return dflt == null;
    }
}
