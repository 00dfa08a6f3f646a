package io.llmagentos.pipelines.stages;

import io.llmagentos.evaluation.ComparisonReport;
import io.llmagentos.evaluation.EvalOptions;
import io.llmagentos.evaluation.EvaluationRun;
import io.llmagentos.evaluation.QualityGates;
import io.llmagentos.pipelines.spec.Isolation;
import io.llmagentos.pipelines.stage.Stage;
import io.llmagentos.pipelines.stage.StageContext;
import io.llmagentos.pipelines.stage.StageOutput;
import io.llmagentos.pipelines.stage.StageParam;
import io.llmagentos.pipelines.stage.StageResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code uses: eval}: evaluates models side by side ({@link EvaluationRun}) and reports every metric as
 * {@code alias.metric}; with {@code gate} it also checks quality gates and fails the step when one fails. Runs in a
 * child JVM (ONNX Runtime, libtorch, Spark).
 */
public final class EvalStage implements Stage {
    @Override
    public String name() {
        return "eval";
    }

    @Override
    public String description() {
        return "Evaluate models side by side (perplexity, MC acc/acc_norm, EM/F1, latency, memory, size); writes "
                + "report.json/md/html; optional quality gates.";
    }

    @Override
    public Isolation isolation() {
        return Isolation.CHILD_JVM;
    }

    @Override
    public List<StageParam> params() {
        return List.of(
                StageParam.required("models", StageParam.Type.PATHS, "Model directories (DJL checkpoints or exported "
                        + "ONNX, FP32 or INT8), a list."),
                StageParam.optional("aliases", StageParam.Type.STRING, "", "Names of the models in the same order, a "
                        + "list (gates refer to alias.metric); default: the directory names."),
                StageParam.required("eval_set", StageParam.Type.PATH, "JSON-lines eval set (e.g. "
                        + "${steps.data.outputs.eval})."),
                StageParam.optional("gate", StageParam.Type.PATH, "", "Quality gates YAML; a failed gate fails the step."),
                StageParam.optional("spark", StageParam.Type.BOOL, "false", "Compute quality metrics on Spark."),
                StageParam.optional("master", StageParam.Type.STRING, "local[*]", "Spark master with spark: true."),
                StageParam.optional("threads", StageParam.Type.INT, "2", EvalOptions.THREADS_DOC),
                StageParam.optional("ppl_window", StageParam.Type.INT, "0", EvalOptions.PPL_WINDOW_DOC),
                StageParam.optional("ppl_stride", StageParam.Type.INT, "0", EvalOptions.PPL_STRIDE_DOC),
                StageParam.optional("max_new_tokens", StageParam.Type.INT, "16", EvalOptions.MAX_NEW_TOKENS_DOC),
                StageParam.optional("latency_prompts", StageParam.Type.INT, "8", EvalOptions.LATENCY_PROMPTS_DOC),
                StageParam.optional("latency_tokens", StageParam.Type.INT, "32", EvalOptions.LATENCY_TOKENS_DOC),
                StageParam.optional("max_per_type", StageParam.Type.INT, "0", EvalOptions.MAX_PER_TYPE_DOC),
                StageParam.optional("mc_prompt", StageParam.Type.STRING, "question", EvalOptions.MC_PROMPT_DOC));
    }

    @Override
    public List<StageOutput> outputs() {
        return List.of(StageOutput.path("dir", "the report directory"),
                StageOutput.path("report", "report.json (every metric of every model)"),
                StageOutput.path("markdown", "report.md (the comparison table)"),
                StageOutput.path("html", "report.html (chart of quality vs size vs latency)"));
    }

    @Override
    public StageResult run(StageContext ctx) throws Exception {
        List<String> dirs = ctx.list("models");
        List<String> aliases = ctx.list("aliases");
        if (!aliases.isEmpty() && aliases.size() != dirs.size()) {
            throw new IllegalArgumentException("step " + ctx.stepId() + ": aliases names " + aliases.size()
                    + " models but models lists " + dirs.size() + "; give one alias per model, in order");
        }
        List<EvaluationRun.NamedModel> named = new ArrayList<>();
        for (int i = 0; i < dirs.size(); i++) {
            named.add(aliases.isEmpty() ? EvaluationRun.NamedModel.parse(dirs.get(i))
                    : new EvaluationRun.NamedModel(aliases.get(i), Path.of(dirs.get(i))));
        }
        EvalOptions o = new EvalOptions((int) ctx.integer("threads"), (int) ctx.integer("ppl_window"),
                (int) ctx.integer("ppl_stride"), (int) ctx.integer("max_new_tokens"),
                (int) ctx.integer("latency_prompts"), (int) ctx.integer("latency_tokens"),
                (int) ctx.integer("max_per_type"), EvalOptions.McPrompt.parse(ctx.string("mc_prompt")));
        Path out = ctx.workDir().resolve("eval");
        ctx.log().println("eval: " + named.size() + " models on " + ctx.path("eval_set") + " -> " + out);
        EvaluationRun.Result r = EvaluationRun.run(named, ctx.path("eval_set"), out, ctx.path("gate"), o,
                ctx.bool("spark") ? ctx.string("master") : null, 0, ctx.progress());
        ctx.log().print(r.report().toMarkdown());
        for (Path f : r.files()) {
            ctx.log().println("wrote " + f);
        }
        StageResult.Builder b = result(r.report(), out, r.files());
        if (!r.outcomes().isEmpty()) {
            ctx.log().print(QualityGates.table(r.outcomes()));
            b.metric("gates_failed", r.gatesFailed()).metric("gates_passed", r.outcomes().size() - r.gatesFailed());
            if (!r.gatesPassed()) {
                throw new GateStage.GateFailedException(r.gatesFailed(), r.outcomes(), ctx.path("gate"));
            }
        }
        return b.build();
    }

    static StageResult.Builder result(ComparisonReport report, Path dir, List<Path> files) {
        StageResult.Builder b = StageResult.builder().output("dir", dir)
                .output("report", dir.resolve(ComparisonReport.JSON))
                .output("markdown", dir.resolve(ComparisonReport.MARKDOWN))
                .output("html", dir.resolve(ComparisonReport.HTML));
        for (Map.Entry<String, Double> e : EvaluationRun.flatMetrics(report).entrySet()) {
            b.metric(e.getKey(), e.getValue());
        }
        for (Path f : files) {
            b.artifact("eval/" + f.getFileName(), f);
        }
        return b;
    }
}
