package io.llmagentos.pipelines.stages;

import io.llmagentos.pipelines.spec.Isolation;
import io.llmagentos.pipelines.stage.Stage;
import io.llmagentos.pipelines.stage.StageContext;
import io.llmagentos.pipelines.stage.StageOutput;
import io.llmagentos.pipelines.stage.StageParam;
import io.llmagentos.pipelines.stage.StageResult;
import io.llmagentos.quantization.Int8Quantizer;
import io.llmagentos.quantization.QuantizeOptions;
import io.llmagentos.quantization.QuantizeResult;
import io.llmagentos.quantization.SensitivityAnalysis;
import io.llmagentos.quantization.calibration.CalibrationConfig;
import io.llmagentos.quantization.calibration.CalibrationMethod;
import io.llmagentos.quantization.int8.Exclusions;
import io.llmagentos.quantization.int8.QuantizeConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code uses: quantize}: an exported ONNX model to INT8 with {@link Int8Quantizer} (dynamic, or static QDQ calibrated
 * on a calibration set), its perplexity compared with FP32 on an eval set, optionally with a sensitivity search for
 * the ops to keep in FP32. A model over the perplexity budget fails the step unless {@code fail_over_budget: false}
 * (then the {@code within_budget} metric tells later steps, such as a gate). Runs in a child JVM (ONNX Runtime).
 */
public final class QuantizeStage implements Stage {
    @Override
    public String name() {
        return "quantize";
    }

    @Override
    public String description() {
        return "INT8 quantization of an ONNX export (dynamic or static QDQ), perplexity-checked against FP32.";
    }

    @Override
    public Isolation isolation() {
        return Isolation.CHILD_JVM;
    }

    @Override
    public List<StageParam> params() {
        return List.of(
                StageParam.required("model", StageParam.Type.PATH, "Exported FP32 model directory (export's model output)."),
                StageParam.optional("method", StageParam.Type.STRING, "dynamic", QuantizeOptions.METHOD_DOC),
                StageParam.optional("calibration", StageParam.Type.PATH, "", QuantizeOptions.CALIBRATION_DOC),
                StageParam.optional("calib_method", StageParam.Type.STRING, "entropy", CalibrationConfig.METHOD_DOC),
                StageParam.optional("percentile", StageParam.Type.NUMBER, "99.99", CalibrationConfig.PERCENTILE_DOC),
                StageParam.optional("calib_samples", StageParam.Type.INT, "0", CalibrationConfig.MAX_SAMPLES_DOC),
                StageParam.optional("smoothquant", StageParam.Type.NUMBER, "", QuantizeOptions.SMOOTHQUANT_DOC),
                StageParam.optional("per_channel", StageParam.Type.BOOL, "true", "One scale per output channel (false: "
                        + "one per weight tensor)."),
                StageParam.optional("kernel", StageParam.Type.STRING, "matmul-integer", "Dynamic only. "
                        + QuantizeConfig.DYNAMIC_KERNEL_DOC),
                StageParam.optional("embedding", StageParam.Type.BOOL, "true", "Quantize the embedding table too."),
                StageParam.optional("asymmetric_activations", StageParam.Type.BOOL, "false", "Static: uint8 activations "
                        + "with a computed zero point."),
                StageParam.optional("exclude", StageParam.Type.STRING, "", QuantizeConfig.EXCLUDE_DOC + " Comma-separated."),
                StageParam.optional("eval", StageParam.Type.PATH, "", QuantizeOptions.EVAL_DOC + " Empty: no check."),
                StageParam.optional("eval_samples", StageParam.Type.INT, "200", QuantizeOptions.EVAL_SAMPLES_DOC),
                StageParam.optional("sensitivity", StageParam.Type.BOOL, "false", QuantizeOptions.SENSITIVITY_DOC),
                StageParam.optional("granularity", StageParam.Type.STRING, "op", QuantizeOptions.GRANULARITY_DOC),
                StageParam.optional("budget", StageParam.Type.NUMBER, "1.02", QuantizeOptions.BUDGET_DOC),
                StageParam.optional("fail_over_budget", StageParam.Type.BOOL, "true", "Fail the step when the INT8 "
                        + "perplexity misses the budget (false: report within_budget 0 and go on)."),
                StageParam.optional("threads", StageParam.Type.INT, "2", QuantizeOptions.THREADS_DOC));
    }

    @Override
    public List<StageOutput> outputs() {
        return List.of(StageOutput.model("model", "the INT8 model directory (model.onnx, config, tokenizer, quantization.json)"),
                StageOutput.path("onnx", "the INT8 model.onnx"),
                StageOutput.path("report", "quantization.json"));
    }

    @Override
    public StageResult run(StageContext ctx) throws Exception {
        QuantizeOptions o = options(ctx);
        Path out = ctx.workDir().resolve("int8");
        ExportStage.deleteTree(out); // an earlier try may have left a model; the quantizer wants an empty directory
        ctx.log().println("quantize: " + ctx.path("model") + " -> " + out + " (" + o.label() + ")");
        QuantizeResult r = Int8Quantizer.run(ctx.path("model"), out, o, ctx.progress());
        if (r.calibration() != null) {
            ctx.log().printf(Locale.ROOT, "  calibration: %s over %d sequences (%,d tokens) in %.1f s%n",
                    r.calibration().method().cliName(), r.calibration().sequences(), r.calibration().tokens(),
                    r.calibration().seconds());
        }
        if (r.sensitivity() != null) {
            ctx.log().print(r.sensitivity().summary().replaceAll("(?m)^", "  "));
        }
        ctx.log().print(r.summary().replaceAll("(?m)^", "  "));
        for (Path f : r.files()) {
            ctx.log().println("  -> " + f);
        }
        Path report = r.outDir().resolve(Int8Quantizer.REPORT_FILE);
        StageResult.Builder b = StageResult.builder().output("model", r.outDir()).output("onnx", r.modelFile())
                .output("report", report)
                .metric("int8_bytes", r.int8Bytes()).metric("fp32_bytes", r.fp32Bytes()).metric("size_ratio", r.sizeRatio())
                .metric("seconds", r.seconds())
                .artifact("quantize/" + Int8Quantizer.REPORT_FILE, report)
                .artifact("quantize/lineage.json", r.outDir().resolve("lineage.json"))
                .model(r.outDir());
        if (!Double.isNaN(r.pplRatio())) {
            b.metric("fp32_ppl", r.fp32Ppl()).metric("int8_ppl", r.int8Ppl()).metric("ppl_ratio", r.pplRatio())
                    .metric("within_budget", r.withinBudget() ? 1 : 0).metric("eval_tokens", r.evalTokens());
            if (!r.withinBudget() && ctx.bool("fail_over_budget")) {
                throw new IllegalStateException(String.format(Locale.ROOT, "INT8 perplexity is %.4fx FP32, over the "
                        + "budget %.3fx; the model in %s is kept for inspection; set with.sensitivity: true to find ops to "
                        + "keep in FP32, raise with.budget, or set with.fail_over_budget: false", r.pplRatio(), r.budget(),
                        r.outDir()));
            }
        }
        if (r.sensitivity() != null) {
            b.metric("kept_fp32", r.sensitivity().recommended().size());
        }
        return b.build();
    }

    static QuantizeOptions options(StageContext ctx) {
        String step = "step " + ctx.stepId() + ": with.";
        QuantizeOptions.Method m = switch (ctx.string("method").toLowerCase(Locale.ROOT)) {
            case "dynamic" -> QuantizeOptions.Method.DYNAMIC;
            case "static" -> QuantizeOptions.Method.STATIC;
            default -> throw new IllegalArgumentException(step + "method must be dynamic or static (got \""
                    + ctx.string("method") + "\")");
        };
        SensitivityAnalysis.Granularity g = switch (ctx.string("granularity").toLowerCase(Locale.ROOT)) {
            case "op" -> SensitivityAnalysis.Granularity.OP;
            case "layer" -> SensitivityAnalysis.Granularity.LAYER;
            default -> throw new IllegalArgumentException(step + "granularity must be op or layer (got \""
                    + ctx.string("granularity") + "\")");
        };
        Path eval = ctx.path("eval");
        if (ctx.bool("sensitivity") && eval == null) {
            throw new IllegalArgumentException(step + "sensitivity measures perplexity: give with.eval (an eval JSONL)");
        }
        if (m == QuantizeOptions.Method.STATIC && ctx.path("calibration") == null) {
            throw new IllegalArgumentException(step + "method: static needs with.calibration (a JSONL of {\"text\"} records)");
        }
        int threads = (int) ctx.integer("threads");
        CalibrationConfig cc = CalibrationConfig.defaults(CalibrationMethod.parse(ctx.string("calib_method")))
                .withPercentile(ctx.number("percentile")).withMaxSamples((int) ctx.integer("calib_samples"))
                .withThreads(threads);
        QuantizeConfig qc = QuantizeConfig.defaults().withPerChannel(ctx.bool("per_channel"))
                .withDynamicKernel(QuantizeConfig.DynamicKernel.parse(ctx.string("kernel")))
                .withEmbedding(ctx.bool("embedding")).withSymmetricActivations(!ctx.bool("asymmetric_activations"))
                .withExclusions(new Exclusions(ctx.list("exclude")));
        Double sq = ctx.optional("smoothquant") == null ? null : ctx.number("smoothquant");
        return QuantizeOptions.dynamic().withQuant(qc).withCalibration(ctx.path("calibration"), cc).withMethod(m)
                .withSmoothQuant(sq).withEval(eval, (int) ctx.integer("eval_samples"))
                .withSensitivity(ctx.bool("sensitivity"), ctx.number("budget"), g).withThreads(threads);
    }
}
