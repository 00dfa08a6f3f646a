package io.llmagentos.pipelines.stage;

/**
 * A named output a stage reports, referred to as {@code ${steps.ID.outputs.NAME}}.
 *
 * @param name    output name
 * @param isPath  true when the value is a file or directory: a cache hit requires it to still exist
 * @param isModel true when the value is a model directory (a checkpoint or an exported model): with tracking on,
 *                a step that produces it gets a Model Registry version (alias {@code candidate}); see
 *                {@code register:} to name the registered model
 * @param doc     what it is
 */
public record StageOutput(String name, boolean isPath, boolean isModel, String doc) {
    public StageOutput {
        if (isModel && !isPath) {
            throw new IllegalArgumentException("output " + name + ": a model output is a directory (isPath)");
        }
    }

    public static StageOutput path(String name, String doc) {
        return new StageOutput(name, true, false, doc);
    }

    /** A model directory the step produces (registered as a model version when tracking is on). */
    public static StageOutput model(String name, String doc) {
        return new StageOutput(name, true, true, doc);
    }

    public static StageOutput value(String name, String doc) {
        return new StageOutput(name, false, false, doc);
    }
}
