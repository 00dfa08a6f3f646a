package io.llmagentos.pipelines.stages;

import io.llmagentos.pipelines.stage.Stage;
import io.llmagentos.pipelines.stage.StageContext;
import io.llmagentos.pipelines.stage.StageOutput;
import io.llmagentos.pipelines.stage.StageParam;
import io.llmagentos.pipelines.stage.StageResult;
import java.util.List;

/**
 * {@code uses: noop}: does nothing (optionally waits), for joining branches, measuring the executor's own
 * overhead and trying out a DAG's shape.
 */
public final class NoopStage implements Stage {
    @Override
    public String name() {
        return "noop";
    }

    @Override
    public String description() {
        return "Do nothing (optionally wait sleep_ms); joins branches and measures scheduling overhead.";
    }

    @Override
    public List<StageParam> params() {
        return List.of(StageParam.optional("sleep_ms", StageParam.Type.INT, "0", "Milliseconds to wait."),
                StageParam.optional("value", StageParam.Type.STRING, "", "A value passed through as the output value."));
    }

    @Override
    public List<StageOutput> outputs() {
        return List.of(StageOutput.value("value", "the value parameter"));
    }

    @Override
    public StageResult run(StageContext ctx) throws InterruptedException {
        long ms = ctx.integer("sleep_ms");
        if (ms > 0) {
            Thread.sleep(ms);
        }
        return StageResult.builder().output("value", ctx.string("value")).build();
    }
}
