package io.llmagentos.pipelines.stage;

/**
 * A named output a stage reports, referred to as {@code ${steps.ID.outputs.NAME}}.
 *
 * @param name   output name
 * @param isPath true when the value is a file or directory: a cache hit requires it to still exist
 * @param doc    what it is
 */
public record StageOutput(String name, boolean isPath, String doc) {
    public static StageOutput path(String name, String doc) {
        return new StageOutput(name, true, doc);
    }

    public static StageOutput value(String name, String doc) {
        return new StageOutput(name, false, doc);
    }
}
