package io.llmagentos.quantization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llmagentos.core.checkpoint.Lineage;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.tokenizer.BpeTrainer;
import io.llmagentos.core.tokenizer.BpeTrainerConfig;
import io.llmagentos.core.tokenizer.PreTokenizerStyle;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.datasets.sample.SampleDatasets;
import io.llmagentos.quantization.calibration.CalibrationMethod;
import io.llmagentos.quantization.export.OnnxExportConfig;
import io.llmagentos.quantization.export.OnnxExporter;
import io.llmagentos.quantization.export.TinyModels;
import io.llmagentos.quantization.int8.Exclusions;
import io.llmagentos.quantization.int8.QuantizationException;
import io.llmagentos.quantization.int8.QuantizationReport;
import io.llmagentos.quantization.runtime.OrtCausalLm;
import io.llmagentos.testsupport.RepoPaths;
import io.llmagentos.training.LlamaModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** End to end on a model exported by {@link OnnxExporter}: directory in, INT8 directory out, checked in ONNX Runtime. */
class Int8QuantizerTest {
    static Path fp32;
    static Path calibration;
    static Path eval;

    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    @BeforeAll
    static void export() throws Exception {
        Path data = RepoPaths.root().resolve("datasets-sample/data");
        calibration = data.resolve(SampleDatasets.CALIBRATION);
        eval = data.resolve(SampleDatasets.EVAL);
        List<String> texts = new ArrayList<>();
        for (String line : Files.readAllLines(calibration)) {
            texts.add(JsonFields.MAPPER.readTree(line).get("text").asText());
        }
        Tokenizer tok = new BpeTrainer(new BpeTrainerConfig(320, 2, List.of("<|endoftext|>"), PreTokenizerStyle.LLAMA3))
                .train(texts, ProgressListener.NONE);
        LlamaConfig c = LlamaConfig.of(tok.vocabSize(), 64, 128, 2, 4, 2, 128).withTokenIds(0, List.of(0), 0);
        Path ck;
        try (LlamaModel m = TinyModels.model(c, 11)) {
            ck = TinyModels.save(m, shared.resolve("ckpt"));
        }
        tok.save(ck);
        fp32 = shared.resolve("fp32");
        new OnnxExporter(OnnxExportConfig.defaults()).export(ck, fp32, ProgressListener.NONE);
    }

    @Test
    void dynamicWritesAUsableDirectoryWithTheChecksItRan() throws Exception {
        Path out = dir.resolve("int8");
        QuantizeResult r = Int8Quantizer.run(fp32, out, QuantizeOptions.dynamic().withEval(eval, 40),
                ProgressListener.NONE);
        assertThat(r.outDir()).isEqualTo(out.toAbsolutePath());
        assertThat(Arrays.stream(out.toFile().list()).sorted().toList()).containsExactly("config.json",
                "generation_config.json", "lineage.json", "model.onnx", "quantization.json", "tokenizer.json",
                "tokenizer_config.json");
        // every linear layer and the embedding in INT8 (2 layers x 7 + embedding + head)
        assertThat(r.report().count(QuantizationReport.Status.QUANTIZED)).isEqualTo(16);
        assertThat(r.report().weightRatio()).isLessThan(0.27);
        assertThat(r.int8Bytes()).isEqualTo(Files.size(out.resolve("model.onnx")));
        assertThat(r.sizeRatio()).isLessThan(0.32);
        assertThat(r.fp32Ppl()).isFinite().isGreaterThan(1);
        assertThat(r.pplRatio()).isBetween(0.95, 1.05);
        assertThat(r.evalTokens()).isPositive();
        // the directory runs as it is: generation through the KV cache
        try (OrtCausalLm lm = OrtCausalLm.open(out)) {
            int[] toks = lm.generate(new int[] {5, 6, 7}, 5, List.of(), t -> { });
            assertThat(toks).hasSize(8);
            assertThat(lm.metadata()).containsEntry("agentos.quantization", r.report().method());
        }
        var json = JsonFields.MAPPER.readTree(out.resolve(Int8Quantizer.REPORT_FILE).toFile());
        assertThat(json.get("perplexity").get("within_budget").asBoolean()).isEqualTo(r.withinBudget());
        assertThat(json.get("ops")).hasSize(16);
        Lineage lin = Lineage.load(out.resolve("lineage.json"));
        assertThat(lin.stage()).isEqualTo("int8-quantize");
        assertThat(lin.parent()).isEqualTo(fp32.toAbsolutePath().toString());
        assertThat(lin.dataDigest()).isEqualTo("sha256:test-data");
        assertThat(lin.metrics()).containsKeys("size_ratio", "perplexity_ratio");
        assertThat(r.summary()).contains("perplexity on").contains("% of FP32");
    }

    @ParameterizedTest
    @EnumSource(CalibrationMethod.class)
    void staticCalibratesOnTheCalibrationSet(CalibrationMethod m) throws Exception {
        QuantizeOptions o = QuantizeOptions.staticQdq(calibration, m).withEval(eval, 40)
                .withCalibration(calibration, io.llmagentos.quantization.calibration.CalibrationConfig.defaults(m)
                        .withMaxSamples(60).withHistogramBins(512));
        QuantizeResult r = Int8Quantizer.run(fp32, dir.resolve("int8"), o, ProgressListener.NONE);
        assertThat(r.calibration().sequences()).isEqualTo(60);
        assertThat(r.calibration().method()).isEqualTo(m);
        assertThat(r.report().method()).contains("static QDQ");
        assertThat(r.pplRatio()).isBetween(0.95, 1.05);
    }

    @Test
    void smoothQuantAndSensitivityMeetATightBudget() throws Exception {
        QuantizeOptions o = QuantizeOptions.staticQdq(calibration, CalibrationMethod.MINMAX).withSmoothQuant(0.5)
                .withEval(eval, 40).withSensitivity(true, 1.0005, SensitivityAnalysis.Granularity.LAYER);
        QuantizeResult r = Int8Quantizer.run(fp32, dir.resolve("int8"), o, ProgressListener.NONE);
        assertThat(r.smoothQuant().groups()).isNotEmpty();
        SensitivityAnalysis.Result s = r.sensitivity();
        assertThat(s.ranking()).hasSize(4);
        // what was written is the recommendation: its exclusions, its perplexity
        List<String> excluded = r.report().ops().stream().filter(op -> op.status() == QuantizationReport.Status.EXCLUDED)
                .map(QuantizationReport.Op::name).toList();
        int expected = 0;
        for (String p : s.recommended()) {
            expected += s.ranking().stream().filter(e -> e.group().pattern().equals(p)).findFirst().orElseThrow()
                    .group().ops().size();
        }
        assertThat(excluded).hasSize(expected);
        if (s.met()) {
            assertThat(r.pplRatio()).isLessThanOrEqualTo(1.0005);
        }
        assertThat(r.int8Ppl()).isEqualTo(s.chosen().ppl());
    }

    @Test
    void badInputIsAClearError() throws Exception {
        // a corrupt model file
        Path bad = dir.resolve("bad");
        Files.createDirectories(bad);
        Files.copy(fp32.resolve("config.json"), bad.resolve("config.json"));
        byte[] model = Files.readAllBytes(fp32.resolve("model.onnx"));
        Files.write(bad.resolve("model.onnx"), Arrays.copyOf(model, model.length / 2));
        assertThatThrownBy(() -> Int8Quantizer.run(bad, dir.resolve("o1"), QuantizeOptions.dynamic(),
                ProgressListener.NONE)).isInstanceOf(QuantizationException.class)
                .hasMessageContaining("model.onnx").hasMessageContaining("not a valid ONNX model");
        // an empty calibration set
        Path empty = Files.writeString(dir.resolve("empty.jsonl"), "");
        assertThatThrownBy(() -> Int8Quantizer.run(fp32, dir.resolve("o2"), QuantizeOptions.staticQdq(empty,
                CalibrationMethod.MINMAX), ProgressListener.NONE)).isInstanceOf(QuantizationException.class)
                .hasMessageContaining("empty.jsonl").hasMessageContaining("empty");
        // quantizing an INT8 model again
        Path once = dir.resolve("once");
        Int8Quantizer.run(fp32, once, QuantizeOptions.dynamic(), ProgressListener.NONE);
        assertThatThrownBy(() -> Int8Quantizer.run(once, dir.resolve("o3"), QuantizeOptions.dynamic(),
                ProgressListener.NONE)).hasMessageContaining("already quantized");
        // an output directory in use, the FP32 directory itself
        assertThatThrownBy(() -> Int8Quantizer.run(fp32, once, QuantizeOptions.dynamic(), ProgressListener.NONE))
                .hasMessageContaining("not empty");
        assertThatThrownBy(() -> Int8Quantizer.run(fp32, fp32, QuantizeOptions.dynamic(), ProgressListener.NONE))
                .hasMessageContaining("FP32 model's own");
        // an exclusion that names nothing
        assertThatThrownBy(() -> Int8Quantizer.run(fp32, dir.resolve("o4"), QuantizeOptions.dynamic().withQuant(
                io.llmagentos.quantization.int8.QuantizeConfig.defaults().withExclusions(Exclusions.of("lm_haed"))),
                ProgressListener.NONE)).hasMessageContaining("matches no quantizable op");
        // a dynamic-only kernel asked of static quantization (the pipeline stage builds its options the same way)
        assertThatThrownBy(() -> QuantizeOptions.dynamic().withQuant(io.llmagentos.quantization.int8.QuantizeConfig
                .defaults().withDynamicKernel(io.llmagentos.quantization.int8.QuantizeConfig.DynamicKernel.MATMUL_NBITS))
                .withCalibration(calibration, io.llmagentos.quantization.calibration.CalibrationConfig.defaults(
                        CalibrationMethod.MINMAX)).withMethod(QuantizeOptions.Method.STATIC))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the kernel (MATMUL_NBITS) applies to dynamic quantization");
        assertThat(dir.resolve("o1")).doesNotExist();
        assertThat(dir.resolve("o4")).doesNotExist();
    }
}
