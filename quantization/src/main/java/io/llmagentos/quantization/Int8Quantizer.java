package io.llmagentos.quantization;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.llmagentos.core.checkpoint.Lineage;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.quantization.calibration.Calibration;
import io.llmagentos.quantization.calibration.CalibrationConfig;
import io.llmagentos.quantization.calibration.CalibrationMethod;
import io.llmagentos.quantization.calibration.CalibrationSet;
import io.llmagentos.quantization.calibration.Calibrator;
import io.llmagentos.quantization.calibration.DecoderFeeds;
import io.llmagentos.quantization.calibration.OrtModels;
import io.llmagentos.quantization.calibration.SmoothQuant;
import io.llmagentos.quantization.export.OnnxExporter;
import io.llmagentos.quantization.int8.DynamicQuantizer;
import io.llmagentos.quantization.int8.Exclusions;
import io.llmagentos.quantization.int8.OnnxModelFile;
import io.llmagentos.quantization.int8.QuantTargets;
import io.llmagentos.quantization.int8.QuantizationException;
import io.llmagentos.quantization.int8.QuantizationReport;
import io.llmagentos.quantization.int8.QuantizeConfig;
import io.llmagentos.quantization.int8.QuantizedModel;
import io.llmagentos.quantization.int8.StaticQuantizer;
import io.llmagentos.quantization.runtime.OrtCausalLm;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * INT8 quantization of an exported model directory ({@code model.onnx} + {@code config.json} + tokenizer, as
 * {@code agentos export onnx} writes it) into a new directory of the same layout:
 * <ol>
 *   <li>the FP32 model is read and checked (a corrupt file or one with nothing to quantize is an error);</li>
 *   <li>with a calibration set: activation statistics of the FP32 model; SmoothQuant, if asked, smooths the
 *       model (and checks the smoothed FP32 logits equal the original ones); static quantization calibrates
 *       the (smoothed) model with MinMax, Percentile or Entropy;</li>
 *   <li>dynamic or static INT8 ({@link DynamicQuantizer}, {@link StaticQuantizer}) with the exclusions;</li>
 *   <li>with an eval set: FP32 and INT8 perplexity, and optionally the {@link SensitivityAnalysis}, whose
 *       recommended variant is the one written;</li>
 *   <li>{@code model.onnx}, the side files, {@code quantization.json} (the full report) and
 *       {@code lineage.json} are written into a hidden sibling directory that is renamed into place.</li>
 * </ol>
 */
public final class Int8Quantizer {
    /** The report written beside the model. */
    public static final String REPORT_FILE = "quantization.json";
    static final String STAGE = "int8-quantize";
    private static final Logger LOG = LoggerFactory.getLogger(Int8Quantizer.class);

    private Int8Quantizer() {
    }

    /**
     * @param model  an exported model directory, or its {@code .onnx} file
     * @param outDir where the INT8 directory goes (must not exist, or be empty)
     */
    public static QuantizeResult run(Path model, Path outDir, QuantizeOptions o, ProgressListener progress)
            throws IOException, QuantizationException {
        long t0 = System.nanoTime();
        Path modelFile = Files.isDirectory(model) ? model.resolve(OrtCausalLm.MODEL_FILE) : model;
        Path modelDir = modelFile.toAbsolutePath().getParent();
        Path out = outDir.toAbsolutePath().normalize();
        requireEmpty(out, modelDir);
        if (!Files.isRegularFile(modelDir.resolve(LlamaConfig.FILE_NAME))) {
            throw new QuantizationException(modelDir + ": missing " + LlamaConfig.FILE_NAME + " beside "
                    + modelFile.getFileName() + "; pass a directory written by 'agentos export onnx'");
        }
        ModelProto fp32 = OnnxModelFile.load(modelFile);
        checkQuantizable(modelFile, fp32);

        Tokenizer tok = null;
        if (o.calibrationFile() != null || o.evalFile() != null) {
            if (!Files.isRegularFile(modelDir.resolve("tokenizer.json"))) {
                throw new QuantizationException(modelDir + ": no tokenizer.json beside the model; calibration and the "
                        + "perplexity check tokenize text with it");
            }
            tok = Tokenizer.load(modelDir);
        }

        // calibration statistics, SmoothQuant, static ranges
        ModelProto base = fp32;
        Calibration calibration = null;
        SmoothQuant.Result smooth = null;
        CalibrationSet calSet = null;
        if (o.calibrationFile() != null) {
            calSet = CalibrationSet.readJsonl(o.calibrationFile(), tok, o.calibration().maxSamples(),
                    o.calibration().maxTokens());
            List<String> acts = Calibrator.linearActivations(fp32);
            if (o.smoothQuantAlpha() != null) {
                CalibrationConfig statsOnly = o.calibration().withMethod(CalibrationMethod.MINMAX);
                Calibration stats = Calibrator.calibrate(fp32, acts, calSet, statsOnly, progress);
                smooth = SmoothQuant.apply(fp32, stats.stats(), o.smoothQuantAlpha());
                checkEquivalent(fp32, smooth.model(), calSet.sequences().get(0), o.threads());
                base = smooth.model();
                calibration = stats;
                LOG.info("SmoothQuant alpha {}: {} groups smoothed, {} left", o.smoothQuantAlpha(), smooth.groups().size(),
                        smooth.skipped().size());
            }
            if (o.method() == QuantizeOptions.Method.STATIC) {
                Calibration c = Calibrator.calibrate(base, acts, calSet, o.calibration(), progress);
                double before = calibration == null ? 0 : calibration.seconds();
                calibration = new Calibration(c.method(), c.ranges(), c.stats(), c.sequences(), c.tokens(),
                        before + c.seconds());
            }
        }
        ModelProto quantBase = base;
        Calibration cal = calibration;
        SensitivityAnalysis.Quantize quantize = keep -> quantize(quantBase, o, cal, keep);

        QuantizedModel q;
        try (ProgressListener.Progress p = progress.start("quantize weights to INT8 (" + o.label() + ")", 1, "models")) {
            q = quantize.apply(o.quant().exclusions());
            p.advance(1);
        }

        double fp32Ppl = Double.NaN;
        double int8Ppl = Double.NaN;
        long evalTokens = 0;
        SensitivityAnalysis.Result sens = null;
        if (o.evalFile() != null) {
            CalibrationSet evalSet = CalibrationSet.readJsonl(o.evalFile(), tok, o.evalSamples(), o.evalMaxTokens());
            List<int[]> seqs = new ArrayList<>();
            for (long[] s : evalSet.sequences()) {
                if (s.length >= 2) {
                    int[] v = new int[s.length];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (int) s[i];
                    }
                    seqs.add(v);
                }
            }
            if (seqs.isEmpty()) {
                throw new QuantizationException(o.evalFile() + ": no eval record has 2 or more tokens to score");
            }
            try (PerplexityProbe probe = new PerplexityProbe(modelDir, seqs, o.threads());
                 ProgressListener.Progress p = progress.start("perplexity FP32 vs INT8", 2, "models")) {
                OrtCausalLm.Perplexity f = probe.of(modelDir, modelFile.getFileName().toString());
                fp32Ppl = f.value();
                evalTokens = f.tokens();
                p.advance(1);
                int8Ppl = probe.of(q.model()).value();
                p.advance(1);
                if (o.sensitivity()) {
                    sens = SensitivityAnalysis.run(o.quant().exclusions(), q, o.granularity(), fp32Ppl, int8Ppl,
                            o.budget(), quantize, m -> probe.of(m).value(), progress);
                    if (!sens.recommended().isEmpty()) {
                        q = quantize.apply(o.quant().exclusions().plus(sens.recommended()));
                        int8Ppl = sens.chosen().ppl();
                    }
                }
            }
        }

        List<Path> files = write(out, modelDir, modelFile, q, o, calibration, smooth, fp32Ppl, int8Ppl, evalTokens, sens);
        long fp32Bytes = OnnxModelFile.bytesOnDisk(modelFile);
        long int8Bytes = OnnxModelFile.bytesOnDisk(out.resolve(OrtCausalLm.MODEL_FILE));
        return new QuantizeResult(out, out.resolve(OrtCausalLm.MODEL_FILE), files, q.report(), fp32Bytes, int8Bytes,
                calibration, smooth, fp32Ppl, int8Ppl, evalTokens, o.budget(), sens, (System.nanoTime() - t0) / 1e9);
    }

    private static QuantizedModel quantize(ModelProto base, QuantizeOptions o, Calibration cal, Exclusions keep)
            throws QuantizationException {
        QuantizeConfig qc = o.quant().withExclusions(keep);
        if (o.method() == QuantizeOptions.Method.DYNAMIC) {
            return DynamicQuantizer.quantize(base, qc);
        }
        return StaticQuantizer.quantize(base, qc, cal.ranges(), o.label());
    }

    private static void checkQuantizable(Path file, ModelProto m) throws QuantizationException {
        for (var e : m.getMetadataPropsList()) {
            if (e.getKey().equals("agentos.quantization")) {
                throw new QuantizationException(file + ": already quantized (" + e.getValue() + "); quantize the FP32 "
                        + "export instead");
            }
        }
        if (QuantTargets.find(m.getGraph()).targets().isEmpty()) {
            throw new QuantizationException(file + ": no MatMul, Gemm or Gather reads an FP32 weight initializer; "
                    + "there is nothing to quantize (is it already quantized, or not a decoder export?)");
        }
    }

    /**
     * SmoothQuant must not change what the FP32 model computes: logits of one calibration sequence must agree
     * within 1e-3 of their largest magnitude, or the transform is a bug.
     */
    private static void checkEquivalent(ModelProto a, ModelProto b, long[] ids, int threads) throws QuantizationException {
        float[] la = logits(a, ids, threads);
        float[] lb = logits(b, ids, threads);
        double max = 0;
        double diff = 0;
        for (int i = 0; i < la.length; i++) {
            max = Math.max(max, Math.abs(la[i]));
            diff = Math.max(diff, Math.abs(la[i] - lb[i]));
        }
        if (!(diff <= 1e-3 * Math.max(1, max))) {
            throw new IllegalStateException("SmoothQuant changed the FP32 logits by " + diff + " (largest logit " + max
                    + "); the smoothed model is not equivalent");
        }
    }

    private static float[] logits(ModelProto m, long[] ids, int threads) throws QuantizationException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = OrtModels.session(m, threads)) {
            Map<String, OnnxTensor> feeds = DecoderFeeds.prefill(env, s.getInputInfo(), ids);
            try (OrtSession.Result r = s.run(feeds, java.util.Set.of("logits"))) {
                FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
                float[] v = new float[fb.remaining()];
                fb.get(v);
                return v;
            } finally {
                DecoderFeeds.close(feeds);
            }
        } catch (OrtException e) {
            throw new QuantizationException("ONNX Runtime failed on the SmoothQuant check: " + e.getMessage(), e);
        }
    }

    private static List<Path> write(Path out, Path modelDir, Path modelFile, QuantizedModel q, QuantizeOptions o,
                                    Calibration cal, SmoothQuant.Result smooth, double fp32Ppl, double int8Ppl,
                                    long evalTokens, SensitivityAnalysis.Result sens) throws IOException {
        Path staging = out.resolveSibling("." + out.getFileName() + ".quantize-" + ProcessHandle.current().pid());
        deleteRecursively(staging);
        Files.createDirectories(staging);
        try {
            OnnxModelFile.save(q.model(), staging.resolve(OrtCausalLm.MODEL_FILE));
            for (String f : OnnxExporter.SIDE_FILES) {
                Path src = modelDir.resolve(f);
                if (Files.isRegularFile(src)) {
                    Files.copy(src, staging.resolve(f));
                }
            }
            long fp32Bytes = OnnxModelFile.bytesOnDisk(modelFile);
            long int8Bytes = OnnxModelFile.bytesOnDisk(staging.resolve(OrtCausalLm.MODEL_FILE));
            Map<String, Object> report = reportJson(q.report(), o, cal, smooth, fp32Bytes, int8Bytes, fp32Ppl, int8Ppl,
                    evalTokens, sens);
            JsonFields.MAPPER.writerWithDefaultPrettyPrinter().writeValue(staging.resolve(REPORT_FILE).toFile(), report);
            Lineage source = Files.isRegularFile(modelDir.resolve(Lineage.FILE_NAME))
                    ? Lineage.load(modelDir.resolve(Lineage.FILE_NAME)) : null;
            Map<String, Object> params = new LinkedHashMap<>();
            params.put("method", o.label());
            params.put("per_channel", o.quant().perChannel());
            params.put("embedding_int8", o.quant().quantizeEmbedding());
            params.put("exclusions", q.report().ops().stream()
                    .filter(op -> op.status() == QuantizationReport.Status.EXCLUDED).map(QuantizationReport.Op::name).toList());
            if (o.calibrationFile() != null) {
                params.put("calibration", o.calibrationFile().toAbsolutePath().toString());
            }
            if (o.smoothQuantAlpha() != null) {
                params.put("smoothquant_alpha", o.smoothQuantAlpha());
            }
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put("size_ratio", (double) int8Bytes / fp32Bytes);
            if (!Double.isNaN(fp32Ppl)) {
                metrics.put("fp32_perplexity", fp32Ppl);
                metrics.put("int8_perplexity", int8Ppl);
                metrics.put("perplexity_ratio", int8Ppl / fp32Ppl);
            }
            if (cal != null) {
                metrics.put("calibration_seconds", cal.seconds());
            }
            Lineage.of(STAGE, modelDir.toString(), source == null ? null : source.dataDigest(), params, metrics,
                    source == null ? null : source.seed())
                    .withEnvironment("onnxruntime", OrtEnvironment.getEnvironment().getVersion())
                    .save(staging.resolve(Lineage.FILE_NAME));
            if (Files.isDirectory(out)) {
                Files.delete(out);
            }
            Files.createDirectories(out.getParent());
            Files.move(staging, out, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            deleteRecursively(staging);
            throw e;
        }
        try (Stream<Path> s = Files.list(out)) {
            return s.sorted().toList();
        }
    }

    private static Map<String, Object> reportJson(QuantizationReport r, QuantizeOptions o, Calibration cal,
                                                  SmoothQuant.Result smooth, long fp32Bytes, long int8Bytes,
                                                  double fp32Ppl, double int8Ppl, long evalTokens,
                                                  SensitivityAnalysis.Result sens) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", r.method());
        m.put("fp32_bytes", fp32Bytes);
        m.put("int8_bytes", int8Bytes);
        m.put("size_ratio", (double) int8Bytes / fp32Bytes);
        m.put("weight_bytes_ratio", r.weightRatio());
        if (!Double.isNaN(fp32Ppl)) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("eval", o.evalFile().toAbsolutePath().toString());
            p.put("tokens", evalTokens);
            p.put("fp32", fp32Ppl);
            p.put("int8", int8Ppl);
            p.put("ratio", int8Ppl / fp32Ppl);
            p.put("budget", o.budget());
            p.put("within_budget", int8Ppl / fp32Ppl <= o.budget());
            m.put("perplexity", p);
        }
        if (cal != null) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("method", cal.method().cliName());
            c.put("sequences", cal.sequences());
            c.put("tokens", cal.tokens());
            c.put("seconds", cal.seconds());
            Map<String, Object> ranges = new LinkedHashMap<>();
            cal.ranges().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> ranges.put(e.getKey(), List.of(e.getValue().lo(), e.getValue().hi())));
            c.put("ranges", ranges);
            m.put("calibration", c);
        }
        if (smooth != null) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("alpha", smooth.alpha());
            s.put("groups", smooth.groups());
            s.put("skipped", smooth.skipped());
            m.put("smoothquant", s);
        }
        m.put("ops", r.ops());
        if (sens != null) {
            m.put("sensitivity", sens);
        }
        return m;
    }

    private static void requireEmpty(Path out, Path modelDir) throws QuantizationException, IOException {
        if (out.equals(modelDir)) {
            throw new QuantizationException(out + ": the output directory is the FP32 model's own; choose another");
        }
        if (Files.exists(out)) {
            if (!Files.isDirectory(out)) {
                throw new QuantizationException(out + ": exists and is not a directory; choose another output directory");
            }
            try (Stream<Path> s = Files.list(out)) {
                if (s.findAny().isPresent()) {
                    throw new QuantizationException(out + ": exists and is not empty; choose a new output directory");
                }
            }
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
