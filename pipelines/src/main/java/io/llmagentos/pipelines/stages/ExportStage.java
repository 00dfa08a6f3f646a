package io.llmagentos.pipelines.stages;

import ai.djl.Device;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.pipelines.spec.Isolation;
import io.llmagentos.pipelines.stage.Stage;
import io.llmagentos.pipelines.stage.StageContext;
import io.llmagentos.pipelines.stage.StageOutput;
import io.llmagentos.pipelines.stage.StageParam;
import io.llmagentos.pipelines.stage.StageResult;
import io.llmagentos.quantization.export.OnnxExportConfig;
import io.llmagentos.quantization.export.OnnxExportResult;
import io.llmagentos.quantization.export.OnnxExporter;
import io.llmagentos.quantization.export.OnnxValidation;
import io.llmagentos.quantization.runtime.OrtCausalLm;
import io.llmagentos.training.Generator;
import io.llmagentos.training.LlamaModel;
import io.llmagentos.training.Sampling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * {@code uses: export}: a checkpoint to ONNX (FP32, KV cache, Optimum's decoder I/O) with {@link OnnxExporter}, whose
 * check compares ONNX Runtime's logits with a plain-Java reference. With {@code parity_tokens > 0} it also generates
 * greedily from {@code parity_prompt} in DJL and in ONNX Runtime and fails when the token sequences differ: an
 * export that changes what the model says is caught here, not by its users. Runs in a child JVM (libtorch and ONNX
 * Runtime).
 */
public final class ExportStage implements Stage {
    @Override
    public String name() {
        return "export";
    }

    @Override
    public String description() {
        return "Export a checkpoint to ONNX (FP32, KV cache), checked in ONNX Runtime; optional greedy-token parity vs DJL.";
    }

    @Override
    public Isolation isolation() {
        return Isolation.CHILD_JVM;
    }

    @Override
    public List<StageParam> params() {
        return List.of(
                StageParam.required("checkpoint", StageParam.Type.PATH, "Checkpoint directory (HF layout)."),
                StageParam.optional("opset", StageParam.Type.INT, "" + OnnxExportConfig.DEFAULT_OPSET, OnnxExportConfig.OPSET_DOC),
                StageParam.optional("external_data_threshold", StageParam.Type.INT,
                        "" + OnnxExportConfig.DEFAULT_EXTERNAL_DATA_THRESHOLD, OnnxExportConfig.EXTERNAL_DATA_DOC),
                StageParam.optional("validate", StageParam.Type.BOOL, "true", OnnxExportConfig.VALIDATE_DOC),
                StageParam.optional("tolerance", StageParam.Type.NUMBER, "" + OnnxExportConfig.DEFAULT_TOLERANCE,
                        OnnxExportConfig.TOLERANCE_DOC),
                StageParam.optional("parity_prompt", StageParam.Type.STRING, "To replace the hydraulic filter,",
                        "Prompt of the greedy-token parity check."),
                StageParam.optional("parity_tokens", StageParam.Type.INT, "40", "Greedy tokens compared between DJL and "
                        + "ONNX Runtime (0 = no parity check)."));
    }

    @Override
    public List<StageOutput> outputs() {
        return List.of(StageOutput.model("model", "the exported directory (model.onnx, config.json, tokenizer.json, …)"),
                StageOutput.path("onnx", "model.onnx"));
    }

    @Override
    public StageResult run(StageContext ctx) throws Exception {
        Path ck = ctx.path("checkpoint");
        Path out = ctx.workDir().resolve("onnx");
        deleteTree(out); // an earlier try of this step may have left it; the exporter wants an empty directory
        OnnxExportConfig cfg = new OnnxExportConfig((int) ctx.integer("opset"), ctx.integer("external_data_threshold"),
                ctx.bool("validate"), ctx.number("tolerance"), 2);
        ctx.log().println("export onnx: " + ck + " -> " + out);
        OnnxExportResult r = new OnnxExporter(cfg).export(ck, out, ctx.progress());
        OnnxValidation v = r.validation();
        ctx.log().printf(Locale.ROOT, "  ONNX opset %d, FP32, %,d parameters, %,d bytes, %.1f s%n", r.opset(),
                r.parameters(), r.modelBytes(), r.seconds());
        ctx.log().println("  check: " + (v == null ? "skipped (validate: false)" : v.summary()));
        StageResult.Builder b = StageResult.builder().output("model", r.outDir()).output("onnx", r.modelFile())
                .metric("parameters", r.parameters()).metric("bytes", r.modelBytes()).metric("seconds", r.seconds())
                .artifact("export/lineage.json", r.outDir().resolve("lineage.json"))
                .model(r.outDir());
        if (v != null) {
            b.metric("max_abs_diff_reference", v.maxAbsDiffReference()).metric("max_abs_diff_cache", v.maxAbsDiffCache())
                    .metric("check_passed", v.passed() ? 1 : 0);
        }
        int n = (int) ctx.integer("parity_tokens");
        if (n > 0) {
            String prompt = ctx.string("parity_prompt");
            int[] djl;
            int[] ids;
            List<Integer> stop;
            try (Checkpoint c = Checkpoint.open(ck); LlamaModel model = LlamaModel.load(c, Device.cpu())) {
                ids = c.tokenizer().encode(prompt);
                stop = model.config().eosTokenIds();
                djl = new Generator(model).generate(ids, Sampling.greedy(n, stop), t -> { });
            }
            int[] ort;
            try (OrtCausalLm lm = OrtCausalLm.open(out)) {
                ort = lm.generate(ids, n, stop, t -> { });
            }
            int diff = Arrays.mismatch(ort, djl);
            ctx.log().printf(Locale.ROOT, "  ONNX Runtime greedy tokens equal DJL's: %s (%d new tokens)%n",
                    diff < 0 ? "yes" : "NO, first difference at token " + diff, ort.length - ids.length);
            b.metric("greedy_tokens_equal_djl", diff < 0 ? 1 : 0).metric("parity_tokens", ort.length - ids.length);
            if (diff >= 0) {
                throw new IllegalStateException("the ONNX export of " + ck + " generates other greedy tokens than DJL from "
                        + "\"" + prompt + "\" (first difference at token " + diff + "): the export changes the model; "
                        + "the exported files are in " + out);
            }
        }
        ctx.log().println("  -> " + r.modelFile());
        ctx.log().println("  -> " + r.outDir() + " (" + String.join(", ", r.copiedFiles()) + ")");
        return b.build();
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
