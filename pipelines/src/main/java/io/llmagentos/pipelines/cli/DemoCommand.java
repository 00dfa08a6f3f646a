package io.llmagentos.pipelines.cli;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.MetricsListener;
import io.llmagentos.core.shards.TokenShardSet;
import io.llmagentos.core.tokenizer.BpeTrainer;
import io.llmagentos.core.tokenizer.BpeTrainerConfig;
import io.llmagentos.core.tokenizer.PreTokenizerStyle;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.datasets.sample.SampleData;
import io.llmagentos.quantization.Int8Quantizer;
import io.llmagentos.quantization.QuantizeOptions;
import io.llmagentos.quantization.QuantizeResult;
import io.llmagentos.quantization.SensitivityAnalysis;
import io.llmagentos.quantization.calibration.CalibrationMethod;
import io.llmagentos.quantization.export.OnnxExportConfig;
import io.llmagentos.quantization.export.OnnxExportResult;
import io.llmagentos.quantization.export.OnnxExporter;
import io.llmagentos.quantization.runtime.OrtCausalLm;
import io.llmagentos.dataprep.DataPrep;
import io.llmagentos.dataprep.PrepConfig;
import io.llmagentos.dataprep.PrepReport;
import io.llmagentos.training.Generator;
import io.llmagentos.training.LlamaModel;
import io.llmagentos.training.LmTrainer;
import io.llmagentos.training.Sampling;
import io.llmagentos.training.TrainConfig;
import io.llmagentos.training.TrainMode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code agentos demo}: the product's spine, end to end on the bundled sample data. Each stage, once
 * built, adds itself here. Today: the sample datasets, data-prep on Spark (clean, dedup, PII, split), a
 * tokenizer trained on the clean corpus, token shards, a teacher pretrained on them with DJL, a
 * generation from it, a student distilled from it, the student's ONNX export run in ONNX Runtime, that export
 * quantized to INT8 (static, entropy-calibrated on the calibration set, perplexity-checked on the eval set), and the
 * INT8 student served behind the OpenAI-compatible API for one chat request — under one run directory.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Run the pipeline end to end on the bundled sample data and print where every output went.")
final class DemoCommand implements Callable<Integer> {
    private static final int STAGES = 10;

    private static final int GENERATED_TOKENS = 40;

    @Option(names = "--out", defaultValue = "runs", paramLabel = "DIR",
            description = "Parent directory of the run directory (runs/demo-<timestamp>).")
    Path out;

    @Option(names = "--vocab-size", defaultValue = "2048", description = BpeTrainerConfig.VOCAB_SIZE_DOC)
    int vocabSize;

    @Option(names = "--seq-len", defaultValue = "128", description = "Tokens per packed training sequence.")
    int seqLen;

    @Option(names = "--teacher-steps", defaultValue = "200", description = "Pretraining steps of the demo teacher.")
    int teacherSteps;

    @Option(names = "--student-steps", defaultValue = "100", description = "Distillation steps of the demo student.")
    int studentSteps;

    @Option(names = "--prompt", defaultValue = "To replace the hydraulic filter,",
            description = "Prompt for the generation at the end.")
    String prompt;

    @Override
    public Integer call() throws IOException, io.llmagentos.dataprep.PrepException,
            io.llmagentos.quantization.int8.QuantizationException {
        long t0 = System.nanoTime();
        Path run = out.resolve("demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")))
                .toAbsolutePath();
        Files.createDirectories(run);
        System.out.println("agentos demo: run directory " + run);
        Map<String, Object> outputs = new LinkedHashMap<>();
        Map<String, Object> timings = new LinkedHashMap<>();

        // Stage 1: the bundled sample datasets
        long ts = System.nanoTime();
        Map<String, Path> data = SampleData.copyDatasets(run.resolve("data"));
        Path corpusFile = data.get("corpus-00000.jsonl.gz");
        System.out.printf(Locale.ROOT, "%n[1/%d] sample data: the dirty field-service corpus (%,d bytes gzip), "
                + "SFT, eval and calibration sets%n", STAGES, Files.size(corpusFile));
        System.out.println("  -> " + corpusFile.getParent() + " (" + String.join(", ", data.keySet()) + ")");
        outputs.put("data", corpusFile.getParent().toString());
        timings.put("data", seconds(ts));

        // Stage 2: data-prep on Spark (clean, filter, dedup, PII, split); token shards come in stage 4
        ts = System.nanoTime();
        System.out.printf(Locale.ROOT, "%n[2/%d] data-prep: Spark %s on the corpus%n", STAGES, "local[*]");
        Path prepDir = run.resolve("prep");
        PrepConfig prepCfg = PrepConfig.defaults();
        PrepReport report;
        try (SparkSession spark = DataPrep.createSession("local[*]", prepCfg.spark())) {
            report = new DataPrep(spark, prepCfg).run(List.of(corpusFile.toString()), prepDir,
                    new ConsoleProgress(System.out));
        }
        PrepCommand.printSummary(System.out, report, prepDir);
        outputs.put("prep", prepDir.toString());
        timings.put("prep", seconds(ts));

        // Stage 3: tokenizer on the clean training split
        ts = System.nanoTime();
        List<String> texts = Corpus.readDir(Path.of(report.outputs().get("corpus_train")));
        Path text = run.resolve("prep/corpus-train.txt");
        Files.writeString(text, String.join("\n\n", texts) + "\n", StandardCharsets.UTF_8);
        System.out.printf(Locale.ROOT, "%n[3/%d] tokenizer: training byte-level BPE (vocab %d) on %,d clean documents%n",
                STAGES, vocabSize, texts.size());
        BpeTrainerConfig cfg = new BpeTrainerConfig(vocabSize, 2,
                List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>"), PreTokenizerStyle.LLAMA3);
        Tokenizer tok = new BpeTrainer(cfg).trainFiles(List.of(text), new ConsoleProgress(System.out));
        Path tokDir = run.resolve("tokenizer");
        tok.save(tokDir);
        String first = texts.get(0);
        System.out.print(TokenizerCommand.describe(tok, first.substring(0, Math.min(90, first.length()))));
        System.out.println("  -> " + tokDir.resolve("tokenizer.json") + " (+ tokenizer_config.json)");
        outputs.put("tokenizer", tokDir.toString());
        timings.put("tokenizer", seconds(ts));

        // Stage 4: token shards: data-prep again with the tokenizer; its finished stages are reused
        ts = System.nanoTime();
        System.out.printf(Locale.ROOT, "%n[4/%d] token shards: data-prep tokenize + pack (sequences of %d), reusing its "
                + "finished stages%n", STAGES, seqLen);
        PrepConfig withTok = new PrepConfig(prepCfg.input(), prepCfg.normalize(), prepCfg.quality(), prepCfg.dedup(),
                prepCfg.pii(), prepCfg.split(), new PrepConfig.Tokenize(tokDir.toString(), seqLen, null, null, 1),
                prepCfg.spark());
        try (SparkSession spark = DataPrep.createSession("local[*]", withTok.spark())) {
            report = new DataPrep(spark, withTok).run(List.of(corpusFile.toString()), prepDir,
                    new ConsoleProgress(System.out));
        }
        Path shards = Path.of(report.outputs().get("shards")).resolve("train");
        try (TokenShardSet set = TokenShardSet.open(shards)) {
            System.out.printf(Locale.ROOT, "  %,d sequences of %d tokens (train split)%n", set.sequenceCount(),
                    set.header().seqLen());
        }
        System.out.println("  -> " + shards);
        outputs.put("shards", shards.toString());
        timings.put("shards", seconds(ts));

        // Stage 5: teacher pretraining (DJL, PyTorch engine)
        ts = System.nanoTime();
        System.out.printf(Locale.ROOT, "%n[5/%d] teacher: pretraining the demo-teacher preset for %d steps (DJL, PyTorch)%n",
                STAGES, teacherSteps);
        TrainConfig tc = TrainConfig.of(TrainMode.PRETRAIN, "demo-teacher", null, shards, null, tokDir,
                run.resolve("teacher"), Map.of("training.max_steps", Integer.toString(teacherSteps),
                        "training.seq_len", Integer.toString(seqLen), "training.eval_every",
                        Integer.toString(Math.max(1, teacherSteps / 4)), "training.save_every", "0",
                        "training.warmup_steps", Integer.toString(Math.max(1, teacherSteps / 10))));
        MetricsListener evals = (step, m) -> {
            if (m.containsKey("val_ppl")) {
                System.out.printf(Locale.ROOT, "  step %4d  validation perplexity %8.2f%n", step, m.get("val_ppl"));
            }
        };
        LmTrainer.Result teacher = new LmTrainer(tc, new ConsoleProgress(System.out), evals).run(false);
        TrainCommand.print(teacher);
        outputs.put("teacher", teacher.finalCheckpoint().toString());
        timings.put("teacher", seconds(ts));

        // Stage 6: a generation from the teacher, with the KV cache
        ts = System.nanoTime();
        System.out.printf(Locale.ROOT, "%n[6/%d] generate: greedy from the teacher, KV cache%n", STAGES);
        String generated;
        int[] promptIds = tok.encode(prompt);
        int[] djlTokens;
        List<Integer> stop;
        try (Checkpoint ck = Checkpoint.open(teacher.finalCheckpoint());
             LlamaModel model = LlamaModel.load(ck, Device.cpu())) {
            stop = model.config().eosTokenIds();
            djlTokens = new Generator(model).generate(promptIds, Sampling.greedy(GENERATED_TOKENS, stop), t -> { });
            generated = tok.decode(java.util.Arrays.copyOfRange(djlTokens, promptIds.length, djlTokens.length), true);
        }
        System.out.println("  " + prompt + generated.replace("\n", "\n  "));
        timings.put("generate", seconds(ts));

        // Stage 7: distillation into a student with under half the teacher's parameters
        ts = System.nanoTime();
        io.llmagentos.distillation.Distiller.Result student = distill(teacher.finalCheckpoint(), shards,
                data.get("eval.jsonl"), run.resolve("student"));
        outputs.put("student", student.training().finalCheckpoint().toString());
        outputs.put("retention", student.retentionFile().toString());
        timings.put("distill", seconds(ts));

        // Stage 8: ONNX export of the student, then the same greedy generation in DJL and in ONNX Runtime
        ts = System.nanoTime();
        System.out.printf(Locale.ROOT, "%n[8/%d] ONNX: export the student (FP32, KV cache, Optimum's I/O) and generate"
                + " greedily from it in ONNX Runtime%n", STAGES);
        Path studentDir = student.training().finalCheckpoint();
        try (Checkpoint ck = Checkpoint.open(studentDir);
             LlamaModel model = LlamaModel.load(ck, Device.cpu())) {
            djlTokens = new Generator(model).generate(promptIds, Sampling.greedy(GENERATED_TOKENS, stop), t -> { });
        }
        Path onnxDir = run.resolve("student-onnx");
        OnnxExportResult exported = new OnnxExporter(OnnxExportConfig.defaults()).export(studentDir,
                onnxDir, new ConsoleProgress(System.out));
        ExportCommand.print(System.out, exported);
        int[] ortTokens;
        try (OrtCausalLm lm = OrtCausalLm.open(onnxDir)) {
            ortTokens = lm.generate(promptIds, GENERATED_TOKENS, stop, t -> { });
        }
        int firstDiff = java.util.Arrays.mismatch(ortTokens, djlTokens);
        boolean sameTokens = firstDiff < 0;
        System.out.printf(Locale.ROOT, "  ONNX Runtime greedy tokens equal DJL's: %s (%d new tokens)%n",
                sameTokens ? "yes" : "NO, first difference at token " + firstDiff, ortTokens.length - promptIds.length);
        outputs.put("student_onnx", onnxDir.toString());
        timings.put("onnx", seconds(ts));

        // Stage 9: INT8 quantization of the export: static QDQ calibrated on the calibration set, perplexity
        // against FP32 on the eval set, sensitivity-based FP32 exclusions if the budget is missed
        ts = System.nanoTime();
        System.out.printf(Locale.ROOT, "%n[9/%d] INT8: quantize the ONNX export (static QDQ, entropy calibration on %s,"
                + " perplexity check on %s)%n", STAGES, data.get("calibration.jsonl").getFileName(),
                data.get("eval.jsonl").getFileName());
        Path int8Dir = run.resolve("student-onnx-int8");
        QuantizeResult int8 = Int8Quantizer.run(onnxDir, int8Dir, QuantizeOptions.staticQdq(data.get("calibration.jsonl"),
                        CalibrationMethod.ENTROPY).withEval(data.get("eval.jsonl"), 200)
                        .withSensitivity(true, 1.02, SensitivityAnalysis.Granularity.LAYER),
                new ConsoleProgress(System.out));
        QuantizeCommand.print(System.out, int8);
        outputs.put("student_int8", int8Dir.toString());
        timings.put("int8", seconds(ts));

        // Stage 10: the INT8 student behind the OpenAI-compatible API, one chat request over HTTP
        ts = System.nanoTime();
        System.out.printf(Locale.ROOT, "%n[10/%d] serve: the INT8 student behind the OpenAI-compatible API, one chat "
                + "request%n", STAGES);
        String answer;
        try {
            answer = ServeCommand.demoChat(int8Dir, "How do I replace the hydraulic filter?", System.out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while serving the demo model", e);
        }
        timings.put("serve", seconds(ts));

        Path summary = run.resolve("demo-summary.json");
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("run_dir", run.toString());
        s.put("seconds", seconds(t0));
        s.put("stage_seconds", timings);
        s.put("outputs", outputs);
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("teacher_val_ppl_initial", teacher.initialValLoss() == null ? null : Math.exp(teacher.initialValLoss()));
        metrics.put("teacher_val_ppl", teacher.valPerplexity());
        metrics.put("teacher_tokens_per_s", teacher.tokensPerSecond());
        metrics.put("student_val_ppl", student.retention().student().valPerplexity());
        metrics.put("student_parameter_ratio", student.retention().parameterRatio());
        metrics.put("student_task_accuracy", student.retention().student().task().accuracy());
        metrics.put("teacher_task_accuracy", student.retention().teacher().task().accuracy());
        metrics.put("student_speed_ratio", student.retention().speedRatio());
        s.put("metrics", metrics);
        s.put("generation", Map.of("prompt", prompt, "continuation", generated));
        s.put("chat", Map.of("question", "How do I replace the hydraulic filter?", "answer", answer));
        Map<String, Object> onnx = new LinkedHashMap<>();
        onnx.put("model", exported.modelFile().toString());
        onnx.put("bytes", exported.modelBytes());
        onnx.put("max_abs_diff_reference", exported.validation().maxAbsDiffReference());
        onnx.put("greedy_tokens_equal_djl", sameTokens);
        s.put("onnx", onnx);
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("model", int8.modelFile().toString());
        q.put("method", int8.report().method());
        q.put("bytes", int8.int8Bytes());
        q.put("size_ratio", int8.sizeRatio());
        q.put("fp32_perplexity", int8.fp32Ppl());
        q.put("int8_perplexity", int8.int8Ppl());
        q.put("perplexity_ratio", int8.pplRatio());
        q.put("within_budget", int8.withinBudget());
        q.put("kept_fp32", int8.sensitivity() == null ? List.of() : int8.sensitivity().recommended());
        s.put("int8", q);
        JsonFields.MAPPER.writeValue(summary.toFile(), s);
        System.out.printf(Locale.ROOT, "%ndemo finished in %.1f s; outputs:%n", seconds(t0));
        outputs.forEach((k, v) -> System.out.printf(Locale.ROOT, "  %-10s %s%n", k, v));
        System.out.println("  summary    " + summary);
        return 0;
    }

    /** Online KD (α 0.5, T 2) of the teacher into configs/distill/student-half.yaml's shape, random init. */
    private io.llmagentos.distillation.Distiller.Result distill(Path teacherDir, Path shards, Path evalSet, Path out)
            throws IOException {
        System.out.printf(Locale.ROOT, "%n[7/%d] distill: the teacher into a student of hidden 96 x 2 layers (random init), "
                + "online KD for %d steps (alpha 0.5, T 2)%n", STAGES, studentSteps);
        io.llmagentos.distillation.StudentSpec spec = io.llmagentos.distillation.StudentSpec.randomConfig(Map.of(
                "hidden_size", "96", "intermediate_size", "256", "num_hidden_layers", "2", "num_attention_heads", "4",
                "num_key_value_heads", "2"), null);
        io.llmagentos.distillation.DistillConfig dc = io.llmagentos.distillation.DistillConfig.of(shards, out, Map.of(
                "distill.alpha", "0.5", "distill.temperature", "2", "retention.eval_set", evalSet.toString(),
                "training.seq_len", Integer.toString(seqLen), "training.max_steps", Integer.toString(studentSteps),
                "training.eval_every", Integer.toString(Math.max(1, studentSteps / 2)), "training.save_every", "0",
                "training.warmup_steps", Integer.toString(Math.max(1, studentSteps / 10))));
        io.llmagentos.distillation.Distiller.Result r = new io.llmagentos.distillation.Distiller(teacherDir, spec, dc,
                new ConsoleProgress(System.out), DistillCommand.printer()).run(false);
        DistillCommand.print(System.out, r);
        return r;
    }

    private static double seconds(long t0) {
        return Math.round((System.nanoTime() - t0) / 1e8) / 10.0;
    }

    /** The "text" of the JSON-lines files data-prep writes for one split (Spark part files, gzip). */
    static final class Corpus {
        private Corpus() {
        }

        static List<String> readDir(Path dir) throws IOException {
            List<Path> parts;
            try (Stream<Path> s = Files.list(dir)) {
                parts = s.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList();
            }
            List<String> texts = new ArrayList<>();
            for (Path part : parts) {
                boolean gz = part.getFileName().toString().endsWith(".gz");
                try (BufferedReader r = new BufferedReader(new InputStreamReader(gz
                        ? new GZIPInputStream(Files.newInputStream(part)) : Files.newInputStream(part),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        JsonNode n = JsonFields.MAPPER.readTree(line);
                        String t = n.path("text").asText("");
                        if (!t.isBlank()) {
                            texts.add(t);
                        }
                    }
                }
            }
            if (texts.isEmpty()) {
                throw new IOException(dir + ": data-prep wrote no training documents");
            }
            return texts;
        }
    }
}
