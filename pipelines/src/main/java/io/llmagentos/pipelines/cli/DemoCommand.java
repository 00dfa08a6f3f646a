package io.llmagentos.pipelines.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.evaluation.ComparisonReport;
import io.llmagentos.evaluation.EvaluationRun;
import io.llmagentos.pipelines.db.MetadataDb;
import io.llmagentos.pipelines.db.Rows;
import io.llmagentos.pipelines.exec.Executor;
import io.llmagentos.pipelines.exec.RunReport;
import io.llmagentos.pipelines.spec.PipelineSpec;
import io.llmagentos.pipelines.spec.SpecLoader;
import io.llmagentos.pipelines.stage.StageRegistry;
import io.llmagentos.pipelines.tracking.Tracking;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code agentos demo}: the shipped example pipeline {@code configs/pipelines/demo.yaml} (bundled in this jar) run
 * through the {@link Executor}: sample data, data-prep on Spark, a tokenizer, token shards, a teacher pretrained in
 * DJL, a generation from it, a student distilled from it, the student's ONNX export (greedy tokens checked against
 * DJL), INT8 quantization, the evaluation of teacher vs student vs FP32 vs INT8 with the quality gates of
 * {@code configs/gates/demo.yaml}, and the INT8 student served behind the OpenAI-compatible API for one chat request.
 * Each heavy step runs in a child JVM; the step cache, the metadata DB and (with a tracking URI) MLflow record it like
 * any pipeline run, so a second {@code agentos demo} with the same {@code --out} is all cache hits. Ends with a summary
 * table, the comparison report and the gates, the run directory and the MLflow run URL.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Run the shipped demo pipeline (configs/pipelines/demo.yaml) end to end on the bundled sample "
                + "data and print each step, a summary table (time, key metrics, cache hits) and where every output "
                + "went. A second run with the same --out reuses every unchanged step."})
final class DemoCommand implements Callable<Integer> {
    /** Where the bundled copy of the repository's configs/ directory sits in the jar. */
    static final String BUNDLED = "/io/llmagentos/pipelines/configs/";

    /** The bundled files the demo pipeline reads, relative to configs/ (the pipeline first). */
    static final List<String> DEMO_FILES = List.of("pipelines/demo.yaml", "gates/demo.yaml", "gates/smoke.yaml");

    /** The metrics the summary table shows per stage (others are in run.json and demo-summary.json). */
    private static final Map<String, List<String>> KEY_METRICS = Map.ofEntries(
            Map.entry("sample-data", List.of("bytes")),
            Map.entry("prep", List.of("records_in", "records_kept", "quarantined", "train_sequences")),
            Map.entry("tokenizer", List.of("vocab_size", "documents")),
            Map.entry("pretrain", List.of("val_ppl_initial", "val_ppl", "tokens_per_s")),
            Map.entry("sft", List.of("val_ppl", "tokens_per_s")),
            Map.entry("lora", List.of("val_ppl", "tokens_per_s")),
            Map.entry("generate", List.of("new_tokens")),
            Map.entry("distill", List.of("parameter_ratio", "val_ppl", "teacher_val_ppl", "task_accuracy")),
            Map.entry("export", List.of("bytes", "max_abs_diff_reference", "greedy_tokens_equal_djl")),
            Map.entry("quantize", List.of("size_ratio", "ppl_ratio", "within_budget")),
            Map.entry("eval", List.of("teacher.task_acc", "student.task_acc", "int8.perplexity", "int8.bytes")),
            Map.entry("gate", List.of("gates_passed", "gates_failed")),
            Map.entry("promote", List.of()),
            Map.entry("serve-check", List.of("completion_tokens", "request_seconds")));

    @Option(names = "--out", defaultValue = "runs", paramLabel = "DIR",
            description = "Parent directory of run directories; its agentos.db holds the state and the step cache.")
    Path out;

    @Option(names = "--db", paramLabel = "JDBC_URL", description = "Metadata database (default: $AGENTOS_DB, else "
            + "jdbc:sqlite:<out>/agentos.db).")
    String db;

    @Option(names = "--tracking-uri", paramLabel = "URI", description = "MLflow tracking server (default: "
            + "$MLFLOW_TRACKING_URI; none = records stay in the run directory and the database).")
    String trackingUri;

    @Option(names = "--pipeline", paramLabel = "FILE", description = "Run this pipeline file instead of the bundled "
            + "demo.yaml.")
    Path pipeline;

    @Option(names = {"-p", "--param"}, paramLabel = "KEY=VALUE", description = "Set a pipeline parameter (repeatable; "
            + "see 'agentos pipeline validate configs/pipelines/demo.yaml').")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--vocab-size", paramLabel = "N", description = "Same as -p vocab_size=N (default 2048).")
    Integer vocabSize;

    @Option(names = "--seq-len", paramLabel = "N", description = "Same as -p seq_len=N (default 128).")
    Integer seqLen;

    @Option(names = "--teacher-steps", paramLabel = "N", description = "Same as -p teacher_steps=N (default 200); "
            + "validation every N/4 steps.")
    Integer teacherSteps;

    @Option(names = "--student-steps", paramLabel = "N", description = "Same as -p student_steps=N (default 100); "
            + "validation every N/2 steps.")
    Integer studentSteps;

    @Option(names = "--quiet", description = "Do not echo the steps' log lines.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        if (vocabSize != null) {
            p.put("vocab_size", vocabSize.toString());
        }
        if (seqLen != null) {
            p.put("seq_len", seqLen.toString());
        }
        if (teacherSteps != null) {
            p.put("teacher_steps", teacherSteps.toString());
            p.put("teacher_eval_every", Integer.toString(Math.max(1, teacherSteps / 4)));
            p.put("teacher_warmup", Integer.toString(Math.max(1, teacherSteps / 10)));
        }
        if (studentSteps != null) {
            p.put("student_steps", studentSteps.toString());
            p.put("student_eval_every", Integer.toString(Math.max(1, studentSteps / 2)));
            p.put("student_warmup", Integer.toString(Math.max(1, studentSteps / 10)));
        }
        p.putAll(params);
        StageRegistry reg = StageRegistry.load();
        Path file = pipeline != null ? pipeline : writeBundled(out.resolve("configs"));
        PipelineSpec spec = new SpecLoader(reg).load(file, p);
        PipelineCommand.Exec where = new PipelineCommand.Exec();
        where.db = db;
        where.runs = out;
        where.trackingUri = trackingUri;
        where.quiet = quiet;
        System.out.printf(Locale.ROOT, "agentos demo: pipeline %s (%s, %d steps) under %s%n", spec.name(),
                pipeline != null ? pipeline : file + ", bundled", spec.steps().size(),
                out.toAbsolutePath());
        try (MetadataDb mdb = where.open(); Tracking t = where.tracking()) {
            Executor ex = where.executor(mdb, t);
            String id = ex.createRun(spec, "demo", null);
            RunReport r = ex.execute(id);
            Path summary = writeSummary(mdb, r);
            printTable(System.out, r);
            printEvaluation(System.out, mdb, r);
            System.out.printf(Locale.ROOT, "%ndemo %s in %.1f s (%d of %d steps from the cache)%n",
                    r.status().equals("SUCCEEDED") ? "finished" : r.status(), r.seconds(),
                    r.steps().stream().filter(s -> s.status().equals("CACHED")).count(), r.steps().size());
            System.out.println("  run directory  " + r.runDir());
            System.out.println("  summary        " + summary);
            System.out.println("  database       " + mdb.url());
            if (r.trackingUrl() != null) {
                System.out.println("  MLflow run     " + r.trackingUrl());
            }
            if (!r.status().equals("SUCCEEDED")) {
                System.out.println("  " + (r.error() == null ? "" : r.error() + "; ") + "logs: agentos pipeline logs "
                        + r.runId() + " STEP --runs " + out + "; continue with: agentos pipeline resume " + r.runId()
                        + " --runs " + out);
                return 1;
            }
            return 0;
        }
    }

    /** The bundled copy of {@code configs/NAME}. */
    static String bundled(String name) throws IOException {
        try (InputStream in = DemoCommand.class.getResourceAsStream(BUNDLED + name)) {
            if (in == null) {
                throw new IllegalStateException("configs/" + name + " is missing from the pipelines jar (" + BUNDLED
                        + name + "); rebuild with 'mvn -q -DskipTests install'");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * Writes the demo's bundled files under {@code configs} in the repository's layout (pipelines/demo.yaml,
     * gates/*.yaml: the pipeline finds its gates through ${pipeline.dir}), replacing copies that differ, and
     * returns the pipeline file. A user can edit the copies and run them with {@code --pipeline}.
     */
    static Path writeBundled(Path configs) throws IOException {
        Path first = null;
        for (String name : DEMO_FILES) {
            Path f = configs.resolve(name);
            String text = bundled(name);
            if (!Files.isRegularFile(f) || !Files.readString(f, StandardCharsets.UTF_8).equals(text)) {
                Files.createDirectories(f.getParent());
                Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
                Files.writeString(tmp, text, StandardCharsets.UTF_8);
                Files.move(tmp, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
            first = first == null ? f : first;
        }
        return first;
    }

    /** step, stage, status, time, key metrics, cache hit: one line per step. */
    static void printTable(PrintStream o, RunReport r) {
        o.println();
        o.printf(Locale.ROOT, "%-10s %-12s %-10s %8s  %-6s %s%n", "step", "stage", "status", "seconds", "cache", "key metrics");
        for (RunReport.StepLine s : r.steps()) {
            StringBuilder m = new StringBuilder();
            List<String> keys = KEY_METRICS.getOrDefault(s.stage(), List.copyOf(s.metrics().keySet()).subList(0,
                    Math.min(3, s.metrics().size())));
            for (String k : keys) {
                Double v = s.metrics().get(k);
                if (v != null) {
                    m.append(m.length() == 0 ? "" : ", ").append(k).append(' ').append(number(v));
                }
            }
            if (s.error() != null && !s.status().equals("SUCCEEDED") && !s.status().equals("CACHED")) {
                m.append(m.length() == 0 ? "" : "; ").append(s.error().lines().findFirst().orElse(""));
            }
            o.printf(Locale.ROOT, "%-10s %-12s %-10s %8.1f  %-6s %s%n", s.step(), s.stage(), s.status(), s.seconds(),
                    s.cachedFrom() != null ? "hit" : s.status().equals("SUCCEEDED") ? "miss" : "-", m);
        }
    }

    /**
     * The eval step's comparison table (report.md) and, when a gate step checked it, the gates (gates.json beside
     * the report, also written when a gate failed), with where the HTML report is.
     */
    static void printEvaluation(PrintStream o, MetadataDb db, RunReport r) throws IOException {
        for (RunReport.StepLine l : r.steps()) {
            if (!l.stage().equals("eval") || !(l.status().equals("SUCCEEDED") || l.status().equals("CACHED"))) {
                continue;
            }
            Map<String, String> outputs = outputs(db.findStep(r.runId(), l.step()).orElseThrow());
            Path dir = Path.of(outputs.get("dir"));
            o.println();
            o.println("evaluation (step " + l.step() + ", " + dir.resolve(ComparisonReport.HTML) + "):");
            o.print(Files.readString(dir.resolve(ComparisonReport.MARKDOWN), StandardCharsets.UTF_8));
            Path gates = dir.resolve(EvaluationRun.GATES_FILE);
            if (Files.isRegularFile(gates)) {
                o.println();
                o.println("quality gates (" + gates + "):");
                o.print(EvaluationRun.gatesTable(gates));
            }
        }
    }

    private static Map<String, String> outputs(Rows.Step row) throws IOException {
        return row.outputs() == null ? Map.of() : JsonFields.MAPPER.readValue(row.outputs(),
                new TypeReference<LinkedHashMap<String, String>>() {
                });
    }

    private static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.format(Locale.ROOT, "%,d", (long) v);
        }
        return String.format(Locale.ROOT, Math.abs(v) < 1e-2 ? "%.2e" : "%.4g", v);
    }

    /**
     * demo-summary.json in the run directory: the run, and per step its status, seconds, cache origin, outputs and
     * metrics (what the DB holds, in one file).
     */
    static Path writeSummary(MetadataDb db, RunReport r) throws IOException {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("run_id", r.runId());
        s.put("pipeline", r.pipeline());
        s.put("status", r.status());
        s.put("run_dir", r.runDir());
        s.put("seconds", r.seconds());
        s.put("mlflow_run_url", r.trackingUrl());
        Map<String, Object> steps = new LinkedHashMap<>();
        for (RunReport.StepLine l : r.steps()) {
            Rows.Step row = db.findStep(r.runId(), l.step()).orElseThrow();
            Map<String, Object> st = new LinkedHashMap<>();
            st.put("stage", l.stage());
            st.put("status", l.status());
            st.put("seconds", l.seconds());
            st.put("cached_from", l.cachedFrom());
            st.put("outputs", outputs(row));
            st.put("metrics", l.metrics());
            steps.put(l.step(), st);
        }
        s.put("steps", steps);
        Path f = Path.of(r.runDir()).resolve("demo-summary.json");
        JsonFields.MAPPER.writerWithDefaultPrettyPrinter().writeValue(f.toFile(), s);
        return f;
    }
}
