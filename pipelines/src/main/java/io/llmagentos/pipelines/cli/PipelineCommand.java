package io.llmagentos.pipelines.cli;

import io.llmagentos.pipelines.db.MetadataDb;
import io.llmagentos.pipelines.db.Rows;
import io.llmagentos.pipelines.exec.Executor;
import io.llmagentos.pipelines.exec.RunReport;
import io.llmagentos.pipelines.spec.ParamSpec;
import io.llmagentos.pipelines.spec.PipelineSpec;
import io.llmagentos.pipelines.spec.SpecLoader;
import io.llmagentos.pipelines.spec.StepSpec;
import io.llmagentos.pipelines.stage.Stage;
import io.llmagentos.pipelines.stage.StageOutput;
import io.llmagentos.pipelines.stage.StageParam;
import io.llmagentos.pipelines.stage.StageRegistry;
import io.llmagentos.pipelines.tracking.MlflowTracking;
import io.llmagentos.pipelines.tracking.Tracking;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code agentos pipeline run|validate|list|status|logs|retry|resume|cancel|stages}. */
@Command(name = "pipeline", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Run pipelines (DAGs of stages) with retries, a step cache, resume and MLflow tracking.",
        subcommands = {PipelineCommand.Run.class, PipelineCommand.Validate.class, PipelineCommand.ListRuns.class,
            PipelineCommand.Status.class, PipelineCommand.Logs.class, PipelineCommand.Retry.class,
            PipelineCommand.Resume.class, PipelineCommand.Cancel.class, PipelineCommand.Stages.class})
final class PipelineCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    /** Where state lives: shared by every sub-command. */
    static class Where {
        @Option(names = "--db", paramLabel = "JDBC_URL", description = "Metadata database: jdbc:sqlite:FILE or "
                + "jdbc:postgresql://HOST:PORT/DB?user=U&password=P (default: $AGENTOS_DB, else jdbc:sqlite:<runs>/agentos.db).")
        String db;

        @Option(names = "--runs", paramLabel = "DIR", defaultValue = "runs", description = "Parent directory of run directories.")
        Path runs;

        MetadataDb open() {
            String url = db != null ? db : System.getenv("AGENTOS_DB");
            if (url == null || url.isBlank()) {
                url = "jdbc:sqlite:" + runs.resolve("agentos.db").toAbsolutePath();
            }
            return MetadataDb.open(url);
        }
    }

    /** Options of the commands that execute. */
    static class Exec extends Where {
        @Option(names = "--tracking-uri", paramLabel = "URI",
                description = "MLflow tracking server (default: $MLFLOW_TRACKING_URI; none = records stay in the run "
                        + "directory and the database).")
        String trackingUri;

        @Option(names = "--max-parallel", defaultValue = "0", description = "Steps at once (0 = the pipeline's max_parallel).")
        int maxParallel;

        @Option(names = "--quiet", description = "Do not echo the steps' log lines.")
        boolean quiet;

        Tracking tracking() {
            String uri = trackingUri != null ? trackingUri : System.getenv("MLFLOW_TRACKING_URI");
            return uri == null || uri.isBlank() ? Tracking.NONE : new MlflowTracking(uri);
        }

        Executor executor(MetadataDb db, Tracking t) {
            Executor.Config c = new Executor.Config(runs, maxParallel, java.time.Duration.ofSeconds(30), List.of(), System.out,
                    !quiet);
            return new Executor(db, StageRegistry.load(), t, c);
        }
    }

    static int finish(RunReport r) {
        printSummary(System.out, r);
        return r.status().equals("SUCCEEDED") ? 0 : 1;
    }

    static void printSummary(PrintStream out, RunReport r) {
        out.println();
        out.printf(Locale.ROOT, "%-18s %-12s %-15s %5s %9s  %s%n", "step", "stage", "status", "tries", "seconds", "key metrics");
        for (RunReport.StepLine s : r.steps()) {
            StringBuilder m = new StringBuilder();
            int n = 0;
            for (Map.Entry<String, Double> e : s.metrics().entrySet()) {
                if (n++ == 4) {
                    break;
                }
                m.append(m.length() == 0 ? "" : ", ").append(e.getKey()).append(' ')
                        .append(e.getValue() == Math.rint(e.getValue()) ? String.format(Locale.ROOT, "%,d", e.getValue().longValue())
                                : String.format(Locale.ROOT, "%.4g", e.getValue()));
            }
            if (s.cachedFrom() != null) {
                m.append(m.length() == 0 ? "" : "; ").append("cache hit: ").append(s.cachedFrom());
            }
            out.printf(Locale.ROOT, "%-18s %-12s %-15s %5d %9.1f  %s%n", s.step(), s.stage(), s.status(), s.tries(),
                    s.seconds(), m);
        }
        out.println();
        out.printf(Locale.ROOT, "run %s %s in %.1f s%s%n", r.runId(), r.status(), r.seconds(),
                r.error() == null ? "" : " (" + r.error() + ")");
        out.println("  run directory  " + r.runDir());
        out.println("  summary        " + Path.of(r.runDir()).resolve("run.json"));
        if (r.trackingUrl() != null) {
            out.println("  MLflow run     " + r.trackingUrl());
        }
        if (!r.status().equals("SUCCEEDED")) {
            out.println("  logs: agentos pipeline logs " + r.runId() + " STEP; continue with: agentos pipeline resume " + r.runId());
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Run a pipeline file; prints each step as it starts and ends, then a summary table.")
    static final class Run extends Exec implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "PIPELINE.yaml", description = "The pipeline file.")
        Path file;

        @Option(names = {"-p", "--param"}, paramLabel = "KEY=VALUE", description = "Set a pipeline parameter (repeatable).")
        Map<String, String> params = new LinkedHashMap<>();

        @Override
        public Integer call() throws Exception {
            PipelineSpec spec = new SpecLoader(StageRegistry.load()).load(file, params);
            try (MetadataDb db = open(); Tracking t = tracking()) {
                Executor ex = executor(db, t);
                String id = ex.createRun(spec, "manual", null);
                return finish(ex.execute(id));
            }
        }
    }

    @Command(name = "validate", mixinStandardHelpOptions = true,
            description = "Check a pipeline file (stages, parameters, references, cycles, cron) and show its steps in order.")
    static final class Validate implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "PIPELINE.yaml", description = "The pipeline file.")
        Path file;

        @Option(names = {"-p", "--param"}, paramLabel = "KEY=VALUE", description = "Set a pipeline parameter (repeatable).")
        Map<String, String> params = new LinkedHashMap<>();

        @Override
        public Integer call() throws Exception {
            StageRegistry reg = StageRegistry.load();
            PipelineSpec spec = new SpecLoader(reg).load(file, params);
            PrintStream out = System.out;
            out.printf("%s: pipeline %s is valid: %d steps, up to %d at once%n", file, spec.name(), spec.steps().size(),
                    spec.maxParallel());
            if (!spec.params().isEmpty()) {
                out.println("parameters:");
                for (ParamSpec p : spec.params().values()) {
                    out.printf("  %-16s = %-24s %s%n", p.name(), spec.values().get(p.name()), p.description());
                }
            }
            out.println("steps (in order):");
            for (String id : spec.topologicalOrder()) {
                StepSpec s = spec.steps().get(id);
                Stage st = reg.get(s.uses());
                out.printf("  %-18s uses %-12s %-11s needs %s%s%s%s%n", id, s.uses(),
                        (s.isolation() != null ? s.isolation() : st.isolation()).yamlName(),
                        s.needs().isEmpty() ? "-" : String.join(", ", s.needs()),
                        s.retry().retries() > 0 ? "; retries " + s.retry().retries() : "",
                        s.timeout() != null ? "; timeout " + s.timeout().toSeconds() + " s" : "",
                        s.when() != null ? "; when " + s.when() : "");
            }
            if (spec.schedule() != null) {
                out.printf("schedule: %s (%s), catchup %s, max %d active runs%n", spec.schedule().cron(),
                        spec.schedule().zone(), spec.schedule().catchup(), spec.schedule().maxActiveRuns());
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List runs, newest first.")
    static final class ListRuns extends Where implements Callable<Integer> {
        @Option(names = "--pipeline", description = "Only runs of this pipeline.")
        String pipeline;

        @Option(names = "--limit", defaultValue = "20", description = "At most this many runs.")
        int limit;

        @Override
        public Integer call() {
            try (MetadataDb db = open()) {
                List<Rows.Run> runs = db.listRuns(pipeline, limit);
                System.out.printf(Locale.ROOT, "%-40s %-14s %-10s %-19s %9s  %s%n", "run", "pipeline", "status", "started",
                        "seconds", "by");
                for (Rows.Run r : runs) {
                    System.out.printf(Locale.ROOT, "%-40s %-14s %-10s %-19s %9s  %s%n", r.id(), r.pipeline(), r.status(),
                            r.startedAt() == null ? "-" : TIME.format(Instant.ofEpochMilli(r.startedAt())),
                            r.startedAt() != null && r.endedAt() != null
                                    ? String.format(Locale.ROOT, "%.1f", (r.endedAt() - r.startedAt()) / 1e3) : "-",
                            r.triggeredBy() + (r.logicalTime() == null ? "" : " " + TIME.format(Instant.ofEpochMilli(r.logicalTime()))));
                }
                if (runs.isEmpty()) {
                    System.out.println("(no runs in " + db.url() + ")");
                }
            }
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "A run's steps and their tries.")
    static final class Status extends Where implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "RUN", description = "Run id (see 'agentos pipeline list').")
        String runId;

        @Override
        public Integer call() {
            try (MetadataDb db = open()) {
                Rows.Run r = db.getRun(runId);
                PrintStream out = System.out;
                out.printf("run %s (pipeline %s): %s%s%n", r.id(), r.pipeline(), r.status(),
                        r.error() == null ? "" : " (" + r.error() + ")");
                out.println("  run directory " + r.runDir());
                if (r.leaseOwner() != null) {
                    out.println("  executed by   " + r.leaseOwner());
                }
                if (r.mlflowRun() != null) {
                    out.println("  MLflow run    " + r.mlflowRun() + " (experiment " + r.mlflowExperiment() + ")");
                }
                Map<String, List<Rows.Try>> tries = new LinkedHashMap<>();
                for (Rows.Try t : db.tries(runId)) {
                    tries.computeIfAbsent(t.step(), k -> new ArrayList<>()).add(t);
                }
                out.printf(Locale.ROOT, "%-18s %-12s %-16s %s%n", "step", "stage", "status", "tries");
                for (Rows.Step s : db.steps(runId)) {
                    StringBuilder tl = new StringBuilder();
                    for (Rows.Try t : tries.getOrDefault(s.step(), List.of())) {
                        tl.append(tl.length() == 0 ? "" : ", ").append('#').append(t.attempt()).append(' ').append(t.status())
                                .append(t.exitCode() == null ? "" : " (exit " + t.exitCode() + ")");
                    }
                    if (s.cachedFrom() != null) {
                        tl.append("cache hit: ").append(s.cachedFrom());
                    }
                    out.printf(Locale.ROOT, "%-18s %-12s %-16s %s%n", s.step(), s.stage(), s.status(), tl);
                    if (s.error() != null && !s.status().equals("SUCCEEDED")) {
                        out.println("    " + s.error().lines().findFirst().orElse(""));
                    }
                }
            }
            return 0;
        }
    }

    @Command(name = "logs", mixinStandardHelpOptions = true, description = "Print a step's stdout (or stderr) of one try.")
    static final class Logs extends Where implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "RUN", description = "Run id.")
        String runId;

        @Parameters(index = "1", arity = "0..1", paramLabel = "STEP", description = "Step (default: every step's newest try).")
        String step;

        @Option(names = "--try", defaultValue = "0", description = "Try number (0 = the newest).")
        int attempt;

        @Option(names = "--stderr", description = "Print stderr.log instead of stdout.log.")
        boolean stderr;

        @Override
        public Integer call() throws Exception {
            try (MetadataDb db = open()) {
                db.getRun(runId);
                Map<String, Rows.Try> pick = new LinkedHashMap<>();
                for (Rows.Try t : db.tries(runId)) {
                    if ((step == null || t.step().equals(step)) && (attempt == 0 || t.attempt() == attempt)) {
                        pick.put(t.step(), t);
                    }
                }
                if (pick.isEmpty()) {
                    throw new IllegalArgumentException("run " + runId + " has no try" + (step == null ? "" : " of step " + step)
                            + (attempt == 0 ? "" : " numbered " + attempt) + "; 'agentos pipeline status " + runId
                            + "' lists them");
                }
                for (Rows.Try t : pick.values()) {
                    Path f = Path.of(stderr ? t.stderr() : t.stdout());
                    System.out.println("==> " + t.step() + " try " + t.attempt() + " (" + t.status() + "): " + f);
                    if (Files.exists(f)) {
                        System.out.print(Files.readString(f, StandardCharsets.UTF_8));
                    }
                    if (t.error() != null) {
                        System.out.println("error: " + t.error());
                    }
                }
            }
            return 0;
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true,
            description = "Continue a failed, cancelled or interrupted run: finished steps are kept, the rest run.")
    static final class Resume extends Exec implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "RUN", description = "Run id.")
        String runId;

        @Override
        public Integer call() throws Exception {
            try (MetadataDb db = open(); Tracking t = tracking()) {
                return finish(executor(db, t).execute(runId));
            }
        }
    }

    @Command(name = "retry", mixinStandardHelpOptions = true,
            description = "Run steps of a run again (and the steps after them), bypassing the step cache.")
    static final class Retry extends Exec implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "RUN", description = "Run id.")
        String runId;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "STEP", description = "Steps to run again.")
        List<String> steps;

        @Override
        public Integer call() throws Exception {
            try (MetadataDb db = open(); Tracking t = tracking()) {
                return finish(executor(db, t).execute(runId, new LinkedHashSet<>(steps)));
            }
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true,
            description = "Cancel a run: its executor stops the running steps and marks the run CANCELLED.")
    static final class Cancel extends Where implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "RUN", description = "Run id.")
        String runId;

        @Override
        public Integer call() {
            try (MetadataDb db = open()) {
                Rows.Run r = db.getRun(runId);
                if (List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(r.status())) {
                    System.out.println("run " + runId + " already ended: " + r.status());
                    return 0;
                }
                db.requestCancel(runId);
                boolean live = r.leaseOwner() != null && r.leaseUntil() != null && r.leaseUntil() > System.currentTimeMillis();
                if (!live) {
                    db.setRunStatus(runId, "CANCELLED", null, System.currentTimeMillis(), "cancelled while no executor ran it");
                    System.out.println("run " + runId + " cancelled (no executor was running it)");
                } else {
                    System.out.println("run " + runId + ": cancel requested; its executor " + r.leaseOwner()
                            + " stops it within a second");
                }
            }
            return 0;
        }
    }

    @Command(name = "stages", mixinStandardHelpOptions = true, description = "List the stages steps can use, with parameters.")
    static final class Stages implements Callable<Integer> {
        @Parameters(index = "0", arity = "0..1", paramLabel = "STAGE", description = "Show only this stage.")
        String only;

        @Override
        public Integer call() {
            StageRegistry reg = StageRegistry.load();
            for (Stage s : reg.all()) {
                if (only != null && !only.equals(s.name())) {
                    continue;
                }
                System.out.printf("%s (%s): %s%n", s.name(), s.isolation().yamlName(), s.description());
                for (StageParam p : s.params()) {
                    System.out.printf("    with.%-32s %-6s %s%s%n", p.name(), p.type().name().toLowerCase(Locale.ROOT),
                            p.isRequired() ? "(required) " : "", p.doc());
                }
                for (StageOutput o : s.outputs()) {
                    System.out.printf("    outputs.%-29s %s%n", o.name(), o.doc());
                }
            }
            if (only != null && reg.find(only).isEmpty()) {
                throw new IllegalArgumentException("unknown stage " + only + "; known: " + reg.names());
            }
            return 0;
        }
    }
}
