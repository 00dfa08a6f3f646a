package io.llmagentos.pipelines.exec;

import io.llmagentos.pipelines.db.MetadataDb;
import io.llmagentos.pipelines.spec.PipelineSpec;
import io.llmagentos.pipelines.spec.SpecLoader;
import io.llmagentos.pipelines.stage.StageRegistry;
import io.llmagentos.pipelines.tracking.Tracking;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Test helpers: write a pipeline file, load it, run it. */
public final class Pipelines {
    private Pipelines() {
    }

    public static PipelineSpec load(Path dir, String name, String yaml) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, yaml, StandardCharsets.UTF_8);
        return new SpecLoader(StageRegistry.load()).load(f, Map.of());
    }

    public static Executor executor(MetadataDb db, Path runs, Tracking t) {
        return new Executor(db, StageRegistry.load(), t, new Executor.Config(runs, 0, Duration.ofSeconds(5), List.of(),
                new PrintStream(System.out, true, StandardCharsets.UTF_8), true));
    }

    public static RunReport run(MetadataDb db, Path runs, PipelineSpec spec) throws Exception {
        Executor ex = executor(db, runs, Tracking.NONE);
        return ex.execute(ex.createRun(spec, "manual", null));
    }

    public static RunReport.StepLine step(RunReport r, String id) {
        return r.steps().stream().filter(s -> s.step().equals(id)).findFirst().orElseThrow();
    }
}
