package io.llmagentos.benchmarks.eval;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.benchmarks.BenchReport;
import io.llmagentos.benchmarks.Stopwatch;
import io.llmagentos.core.checkpoint.CheckpointWriter;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.safetensors.DType;
import io.llmagentos.core.tokenizer.BpeTrainer;
import io.llmagentos.core.tokenizer.BpeTrainerConfig;
import io.llmagentos.core.tokenizer.PreTokenizerStyle;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.evaluation.EvalModel;
import io.llmagentos.evaluation.EvalModels;
import io.llmagentos.evaluation.EvalOptions;
import io.llmagentos.evaluation.EvalSet;
import io.llmagentos.evaluation.Evaluator;
import io.llmagentos.evaluation.QualityMetrics;
import io.llmagentos.evaluation.SparkEvaluator;
import io.llmagentos.quantization.export.OnnxExportConfig;
import io.llmagentos.quantization.export.OnnxExporter;
import io.llmagentos.training.LlamaModel;
import io.llmagentos.training.ModelPresets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * Evaluation throughput (tokens through the model per second) of one exported ONNX model on the bundled eval set:
 * local evaluation in one process (one ONNX Runtime session, 2 and 1 intra-op threads) against Spark
 * {@code local[2]} (2 partitions, one session of 1 thread each), and the perplexity + multiple-choice part against
 * the same computation in Python onnxruntime + numpy ({@code scripts/parity/eval_check.py}, the peer, in
 * .venv-bench). The model is the {@code demo-teacher} shape with random weights (throughput does not depend on the
 * weights) and a tokenizer trained on the sample calibration set. Before timing, Spark's numbers are checked equal
 * to local's and Python's perplexity within 1e-3; the run stops otherwise.
 */
public final class EvalBench {
    private static final String USAGE = "options: --max-per-type N (0 = all, default 0) --runs N (3) --warmup N (1)"
            + " --vocab N (2048)";

    private EvalBench() {
    }

    public static void main(String[] args) throws Exception {
        int maxPerType = 0;
        int runs = 3;
        int warmup = 1;
        int vocab = 2048;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--max-per-type" -> maxPerType = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--vocab" -> vocab = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("unknown option " + args[i] + "\n" + USAGE);
                    System.exit(2);
                }
            }
        }
        Path repo = Path.of(System.getProperty("agentos.repo.root", "."));
        Path evalFile = repo.resolve("datasets-sample/data/eval.jsonl");
        Path scratch = Files.createTempDirectory("eval-bench");
        String loadBefore = loadAverage();
        BenchReport report = new BenchReport("eval", "Evaluation throughput: local vs Spark local[2] vs Python "
                + "onnxruntime");
        try {
            Path onnx = model(repo, scratch, vocab);
            EvalSet all = EvalSet.load(evalFile, maxPerType);
            EvalSet pplMc = new EvalSet(all.source(), all.multipleChoice(), List.of(), all.texts());
            EvalOptions two = EvalOptions.defaults().withThreads(2);
            EvalOptions one = EvalOptions.defaults().withThreads(1);
            report.param("model", "demo-teacher shape, random weights, vocab " + vocab + ", FP32 ONNX")
                    .param("eval_set", evalFile.toString()).param("multiple_choice", all.multipleChoice().size())
                    .param("short_answer", all.shortAnswer().size()).param("texts", all.texts().size())
                    .param("runs", runs).param("warmup", warmup).param("load_average_before", loadBefore)
                    .param("onnxruntime", ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion());

            QualityMetrics[] local = new QualityMetrics[1];
            double localSec = timeLocal(onnx, all, two, warmup, runs, local);
            row(report, "local, 1 ORT session x 2 threads (all metrics)", local[0], localSec);
            QualityMetrics[] local1 = new QualityMetrics[1];
            double local1Sec = timeLocal(onnx, all, one, warmup, runs, local1);
            row(report, "local, 1 ORT session x 1 thread (all metrics)", local1[0], local1Sec);

            long t0 = System.nanoTime();
            SparkSession spark = SparkEvaluator.session("local[2]");
            double startup = (System.nanoTime() - t0) / 1e9;
            report.row("Spark local[2] session start-up").put("s", startup);
            try {
                QualityMetrics[] sp = new QualityMetrics[1];
                double sparkSec = Stopwatch.medianSeconds(warmup, runs, () ->
                        sp[0] = SparkEvaluator.evaluate(spark, onnx, all, one, 2));
                if (sp[0].perplexity() != local[0].perplexity() || sp[0].mcAcc() != local[0].mcAcc()
                        || sp[0].tokenF1() != local[0].tokenF1() || sp[0].processedTokens() != local[0].processedTokens()) {
                    throw new IllegalStateException("Spark and local evaluation disagree: " + sp[0] + " vs " + local[0]);
                }
                row(report, "Spark local[2], 2 partitions x 1 ORT thread (all metrics)", sp[0], sparkSec)
                        .put("vs_local_2_threads", localSec / sparkSec);
            } finally {
                spark.stop();
            }

            QualityMetrics[] lp = new QualityMetrics[1];
            double lpSec = timeLocal(onnx, pplMc, two, warmup, runs, lp);
            row(report, "local, 2 threads (perplexity + multiple choice)", lp[0], lpSec);
            Path python = Path.of(System.getProperty("agentos.bench.python", repo.resolve(".venv-bench/bin/python")
                    .toString()));
            Path setFile = scratch.resolve("ppl-mc.jsonl");
            writePplMc(evalFile, setFile, maxPerType);
            double[] py = new double[runs];
            double pyTokens = 0;
            double pyPpl = 0;
            for (int r = -warmup; r < runs; r++) {
                JsonNode out = python(python, repo.resolve("scripts/parity/eval_check.py"), onnx, setFile);
                if (r >= 0) {
                    py[r] = out.get("seconds").asDouble();
                }
                pyTokens = out.get("tokens").asDouble();
                pyPpl = out.get("perplexity").asDouble();
            }
            if (Math.abs(pyPpl - lp[0].perplexity()) > 1e-3 * pyPpl) {
                throw new IllegalStateException("Python perplexity " + pyPpl + " vs Java " + lp[0].perplexity());
            }
            java.util.Arrays.sort(py);
            double pySec = runs % 2 == 1 ? py[runs / 2] : (py[runs / 2 - 1] + py[runs / 2]) / 2;
            report.row("Python onnxruntime + numpy, 2 threads (perplexity + multiple choice)")
                    .put("tokens", pyTokens).put("s", pySec).put("tokens_per_s", pyTokens / pySec)
                    .put("perplexity", pyPpl);
            report.note("tokens = tokens through the model (every perplexity window, every (prompt, choice) row and its"
                    + " null-question twin, every short-answer prompt and generated token)");
            report.note("Spark's numbers equal local's exactly (checked before timing); Python's perplexity equals"
                    + " Java's within 1e-3");
            report.note("Python's seconds are its scoring loop (time.perf_counter), without interpreter start-up and "
                    + "session creation; Java's include opening the ORT session (local) or each partition's (Spark)");
        } finally {
            report.param("load_average_after", loadAverage());
            deleteRecursively(scratch);
        }
        report.printAndWrite(Path.of(System.getProperty("agentos.bench.results", "benchmarks/results")));
    }

    private static double timeLocal(Path onnx, EvalSet set, EvalOptions o, int warmup, int runs, QualityMetrics[] out)
            throws Exception {
        return Stopwatch.medianSeconds(warmup, runs, () -> {
            try (EvalModel m = EvalModels.open(onnx, o.threads())) {
                out[0] = QualityMetrics.aggregate(set, Evaluator.scoreLocally(m, set, o, ProgressListener.Progress.NONE),
                        m.tokenizer());
            }
        });
    }

    private static BenchReport.Row row(BenchReport report, String name, QualityMetrics q, double sec) {
        System.out.printf(Locale.ROOT, "%s: %.2f s, %.0f tokens/s%n", name, sec, q.processedTokens() / sec);
        return report.row(name).put("tokens", q.processedTokens()).put("s", sec)
                .put("tokens_per_s", q.processedTokens() / sec).put("perplexity", q.perplexity());
    }

    /** A tokenizer trained on the sample calibration set, the demo-teacher shape with random weights, exported. */
    private static Path model(Path repo, Path scratch, int vocab) throws Exception {
        List<String> texts = new ArrayList<>();
        for (String line : Files.readAllLines(repo.resolve("datasets-sample/data/calibration.jsonl"))) {
            texts.add(JsonFields.MAPPER.readTree(line).get("text").asText());
        }
        Tokenizer tok = new BpeTrainer(new BpeTrainerConfig(vocab, 2, List.of("<|endoftext|>"), PreTokenizerStyle.LLAMA3))
                .train(texts, ProgressListener.NONE);
        int eos = tok.tokenId("<|endoftext|>").orElseThrow();
        LlamaConfig c = ModelPresets.config("demo-teacher", tok.vocabSize()).withTokenIds(eos, List.of(eos), eos);
        Path ck = scratch.resolve("ckpt");
        try (LlamaModel m = LlamaModel.random(c, 1, Device.cpu());
             CheckpointWriter w = CheckpointWriter.create(ck, c, m.tensorSpecs(DType.F32), Map.of("format", "pt"))) {
            m.writeWeights(w.weights());
            w.tokenizer(tok);
            w.commit();
        }
        Path onnx = scratch.resolve("onnx");
        new OnnxExporter(OnnxExportConfig.defaults()).export(ck, onnx, ProgressListener.NONE);
        return onnx;
    }

    private static void writePplMc(Path evalFile, Path out, int maxPerType) throws IOException {
        List<String> keep = new ArrayList<>();
        int mc = 0;
        int sa = 0;
        for (String line : Files.readAllLines(evalFile, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            String type = JsonFields.MAPPER.readTree(line).path("type").asText();
            boolean isMc = type.equals("multiple_choice");
            if (maxPerType > 0 && (isMc ? mc : sa) >= maxPerType) {
                continue;
            }
            if (isMc) {
                mc++;
                keep.add(line);
            } else {
                // a short-answer record's text still counts for perplexity: as a text record
                sa++;
                JsonNode o = JsonFields.MAPPER.readTree(line);
                keep.add(JsonFields.MAPPER.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsString(Map.of("type", "text", "text", "Question: " + o.get("question").asText()
                                + "\nAnswer: " + o.get("answer").asText())));
            }
        }
        Files.write(out, keep, StandardCharsets.UTF_8);
    }

    private static JsonNode python(Path python, Path script, Path model, Path set) throws Exception {
        Path outFile = Files.createTempFile("eval-bench-py", ".json");
        Process p = new ProcessBuilder(python.toString(), script.toString(), model.toString(), set.toString())
                .redirectOutput(outFile.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        if (!p.waitFor(3600, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("the Python peer failed: " + python + " " + script);
        }
        JsonNode n = JsonFields.MAPPER.readTree(outFile.toFile());
        Files.deleteIfExists(outFile);
        return n;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
