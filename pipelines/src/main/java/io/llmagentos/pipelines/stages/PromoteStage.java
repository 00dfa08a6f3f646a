package io.llmagentos.pipelines.stages;

import io.llmagentos.pipelines.stage.Stage;
import io.llmagentos.pipelines.stage.StageContext;
import io.llmagentos.pipelines.stage.StageOutput;
import io.llmagentos.pipelines.stage.StageParam;
import io.llmagentos.pipelines.stage.StageResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code uses: promote}: moves a Model Registry alias (by default {@code champion}) onto the version that an earlier
 * step of the run registered for a model directory. To promote only what a gate passed, give it {@code needs:
 * [gate]} (a failed gate fails its step, so this one does not run), or a {@code when:} on a metric. Without tracking
 * the executor notes that the registry needs {@code --tracking-uri}.
 */
public final class PromoteStage implements Stage {
    @Override
    public String name() {
        return "promote";
    }

    @Override
    public String description() {
        return "Set a Model Registry alias (default champion) on the version an earlier step registered for a model dir.";
    }

    @Override
    public List<StageParam> params() {
        return List.of(StageParam.required("model", StageParam.Type.PATH, "A model directory an earlier step produced "
                        + "(e.g. ${steps.int8.outputs.model})."),
                StageParam.optional("alias", StageParam.Type.STRING, "champion", "The alias to set."));
    }

    @Override
    public List<StageOutput> outputs() {
        return List.of(StageOutput.value("alias", "the alias set"), StageOutput.value("model", "the model directory"));
    }

    @Override
    public StageResult run(StageContext ctx) throws Exception {
        Path model = ctx.path("model");
        if (!Files.isDirectory(model)) {
            throw new java.io.IOException("step " + ctx.stepId() + ": with.model " + model + " is not a directory");
        }
        ctx.log().println("promote: alias " + ctx.string("alias") + " -> the registered version of " + model);
        return StageResult.builder().output("alias", ctx.string("alias")).output("model", model)
                .promote(model, ctx.string("alias")).build();
    }
}
