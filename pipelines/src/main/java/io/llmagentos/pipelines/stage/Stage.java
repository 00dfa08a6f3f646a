package io.llmagentos.pipelines.stage;

import io.llmagentos.pipelines.spec.Isolation;
import java.util.List;

/**
 * A stage a pipeline step can {@code uses:}: a thin adapter from a step's parameters to one module's Java API
 * (data-prep, the tokenizer trainer, the training loop, …). Stages know nothing of the executor, the database or
 * MLflow. Adding one is one class plus a line in
 * {@code META-INF/services/io.llmagentos.pipelines.stage.Stage}.
 */
public interface Stage {
    /** The name written after {@code uses:}. */
    String name();

    /** One line: what it does. */
    String description();

    /** Parameters it takes (validated before a run starts). */
    List<StageParam> params();

    /** Outputs it reports. */
    List<StageOutput> outputs();

    /**
     * Where it runs by default. Stages with native code (libtorch, Spark, ONNX Runtime) run in a child JVM so that a
     * crash or an OOM kills only the step.
     */
    default Isolation isolation() {
        return Isolation.IN_PROCESS;
    }

    /**
     * A version of the stage's behaviour, part of its steps' cache key: bump it when the same inputs would give
     * different outputs.
     */
    default String version() {
        return "1";
    }

    /** Runs one try. Bad input is a checked exception whose message names the file or parameter. */
    StageResult run(StageContext ctx) throws Exception;
}
