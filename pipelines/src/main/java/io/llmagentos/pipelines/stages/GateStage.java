package io.llmagentos.pipelines.stages;

import io.llmagentos.evaluation.ComparisonReport;
import io.llmagentos.evaluation.EvaluationRun;
import io.llmagentos.evaluation.QualityGates;
import io.llmagentos.pipelines.stage.Stage;
import io.llmagentos.pipelines.stage.StageContext;
import io.llmagentos.pipelines.stage.StageOutput;
import io.llmagentos.pipelines.stage.StageParam;
import io.llmagentos.pipelines.stage.StageResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code uses: gate}: checks quality gates against an eval step's report.json; the step fails (and so everything
 * that needs it, e.g. publishing) when a gate fails. Writes gates.json beside the report.
 */
public final class GateStage implements Stage {
    /** A gate that did not hold: the message is the table. */
    public static final class GateFailedException extends Exception {
        private static final long serialVersionUID = 1L;

        GateFailedException(long failed, List<QualityGates.Outcome> outcomes, Path gate) {
            super(failed + " of " + outcomes.size() + " quality gates failed (" + gate + "):\n"
                    + QualityGates.table(outcomes));
        }
    }

    @Override
    public String name() {
        return "gate";
    }

    @Override
    public String description() {
        return "Check quality gates (YAML) against an eval report; fails the step when a gate fails.";
    }

    @Override
    public List<StageParam> params() {
        return List.of(StageParam.required("report", StageParam.Type.PATH, "The eval step's report.json (or its "
                        + "directory), e.g. ${steps.eval.outputs.report}."),
                StageParam.required("gate", StageParam.Type.PATH, "Quality gates YAML (e.g. configs/gates/demo.yaml)."));
    }

    @Override
    public List<StageOutput> outputs() {
        return List.of(StageOutput.path("gates", "gates.json: every gate's values and outcome"));
    }

    @Override
    public StageResult run(StageContext ctx) throws Exception {
        Path report = ctx.path("report");
        if (Files.isDirectory(report)) {
            report = report.resolve(ComparisonReport.JSON);
        }
        List<QualityGates.Outcome> outcomes = EvaluationRun.checkReport(report, ctx.path("gate"));
        Path written = report.resolveSibling(EvaluationRun.GATES_FILE);
        ctx.log().print(QualityGates.table(outcomes));
        ctx.log().println("wrote " + written);
        long failed = outcomes.stream().filter(o -> !o.passed()).count();
        if (failed > 0) {
            throw new GateFailedException(failed, outcomes, ctx.path("gate"));
        }
        return StageResult.builder().output("gates", written).metric("gates_passed", outcomes.size())
                .metric("gates_failed", 0).artifact("gate/" + EvaluationRun.GATES_FILE, written).build();
    }
}
