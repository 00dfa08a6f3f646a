package io.llmagentos.pipelines.exec;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.pipelines.db.Rows;
import io.llmagentos.pipelines.spec.Isolation;
import io.llmagentos.pipelines.spec.StepSpec;
import io.llmagentos.pipelines.stage.StageRegistry;
import io.llmagentos.pipelines.stage.StageResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs the tries of one run's steps, each in the executor's JVM (on a stage thread) or in a child JVM of its own
 * ({@link StepMain}): enforces the step's timeout, echoes its log, turns a child's exit code (out of memory, crash,
 * kill) into a reason, and reads back what the try left in its {@link TryFiles}. It knows every try still running,
 * so that a cancel or a lost lease can stop them all.
 */
final class TryRunner implements AutoCloseable {
    private final StageRegistry registry;
    private final Executor.Config cfg;
    private final String pipelineFile;
    private final Set<Process> children = ConcurrentHashMap.newKeySet();
    private final Set<Future<?>> inProcess = ConcurrentHashMap.newKeySet();
    private final ExecutorService stageThreads = Executors.newCachedThreadPool(ActiveRun.daemon("agentos-stage"));

    /** @param pipelineFile the pipeline's file, named in timeout messages */
    TryRunner(StageRegistry registry, Executor.Config cfg, String pipelineFile) {
        this.registry = registry;
        this.cfg = cfg;
        this.pipelineFile = pipelineFile;
    }

    /** Runs one try of {@code s} with the isolation {@code iso} and waits for it to end. */
    Outcome run(StepSpec s, Isolation iso, StepRequest req, TryFiles files) throws IOException, InterruptedException {
        return iso == Isolation.CHILD_JVM ? runChild(s, req, files) : runInProcess(s, req, files);
    }

    /** Kills every child JVM (and what it started) and interrupts every in-process try. */
    void stopAll() {
        children.forEach(p -> p.descendants().forEach(ProcessHandle::destroyForcibly));
        children.forEach(Process::destroyForcibly);
        inProcess.forEach(f -> f.cancel(true));
    }

    private Outcome runInProcess(StepSpec s, StepRequest req, TryFiles files) throws IOException {
        LogTailer tail = cfg.echoLogs() && cfg.out() != null ? new LogTailer(files.stdout(), s.id(), cfg.out()) : null;
        try (PrintStream log = StepInvoker.append(files.stdout());
             PrintStream err = StepInvoker.append(files.stderr())) {
            Future<Boolean> f = stageThreads.submit(() -> StepInvoker.invoke(req, registry, log, err));
            inProcess.add(f);
            try {
                if (s.timeout() != null) {
                    f.get(s.timeout().toMillis(), TimeUnit.MILLISECONDS);
                } else {
                    f.get();
                }
            } catch (TimeoutException e) {
                f.cancel(true);
                return Outcome.failed("timed out after " + s.timeout().toSeconds() + " s (timeout: in " + pipelineFile
                        + ")", null, true, tail(files));
            } catch (java.util.concurrent.CancellationException | InterruptedException e) {
                return Outcome.failed("cancelled", null, false, tail(files));
            } catch (ExecutionException e) {
                return Outcome.failed("stage " + s.uses() + " failed: " + e.getCause(), null, false, tail(files));
            } finally {
                inProcess.remove(f);
            }
        } finally {
            if (tail != null) {
                tail.close();
            }
        }
        return readResult(files, null);
    }

    private Outcome runChild(StepSpec s, StepRequest req, TryFiles files) throws IOException, InterruptedException {
        JsonFields.MAPPER.writeValue(files.request().toFile(), req);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:+ExitOnOutOfMemoryError");
        cmd.add("-XX:ErrorFile=" + files.crashLog());
        cmd.add("-Dai.djl.offline=true");
        cmd.addAll(cfg.childJvmOpts());
        if (!s.jvmOpts().isBlank()) {
            cmd.addAll(List.of(s.jvmOpts().strip().split("\\s+")));
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(StepMain.class.getName());
        cmd.add(files.request().toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(files.dir().toFile())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(files.stdout().toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(files.stderr().toFile()));
        LogTailer tail = cfg.echoLogs() && cfg.out() != null ? new LogTailer(files.stdout(), s.id(), cfg.out()) : null;
        Process p = pb.start();
        children.add(p);
        boolean timedOut = false;
        try {
            long deadline = s.timeout() == null ? Long.MAX_VALUE : System.nanoTime() + s.timeout().toNanos();
            while (!p.waitFor(100, TimeUnit.MILLISECONDS)) {
                if (System.nanoTime() > deadline) {
                    timedOut = true;
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    p.waitFor();
                    break;
                }
            }
        } finally {
            children.remove(p);
            p.getOutputStream().close();
            if (tail != null) {
                tail.close();
            }
        }
        int code = p.exitValue();
        if (timedOut) {
            return Outcome.failed("timed out after " + s.timeout().toSeconds() + " s; the child JVM was killed",
                    code, true, tail(files));
        }
        if (code == 0) {
            return readResult(files, code);
        }
        Outcome r = readResult(files, code);
        if (r.error != null && Files.exists(files.result())) {
            return r;
        }
        String why = switch (code) {
            case 3 -> "the child JVM ran out of memory (java.lang.OutOfMemoryError); give the step more heap with "
                    + "jvm_opts: -Xmx…";
            case 134, 139 -> "the child JVM crashed (signal " + (code - 128) + ")"
                    + (Files.exists(files.crashLog()) ? "; crash report " + files.crashLog() : "");
            case 137 -> "the child JVM was killed (SIGKILL)";
            case 143 -> "the child JVM was terminated (SIGTERM)";
            default -> "the child JVM exited with code " + code;
        };
        return Outcome.failed(why, code, false, tail(files));
    }

    private static Outcome readResult(TryFiles files, Integer code) throws IOException {
        if (!Files.exists(files.result())) {
            return Outcome.failed("the step wrote no result" + (code == null ? "" : " (exit code " + code + ")"),
                    code, false, tail(files));
        }
        JsonNode r = JsonFields.MAPPER.readTree(files.result().toFile());
        if (!r.path("ok").asBoolean(false)) {
            return Outcome.failed(r.path("error").asText("failed"), code, false, tail(files));
        }
        Outcome o = new Outcome();
        o.ok = true;
        o.exitCode = code;
        o.outputs = JsonFields.MAPPER.convertValue(r.path("outputs"),
                new TypeReference<LinkedHashMap<String, String>>() {
                });
        o.metrics = JsonFields.MAPPER.convertValue(r.path("metrics"),
                new TypeReference<LinkedHashMap<String, Double>>() {
                });
        Map<String, String> arts = JsonFields.MAPPER.convertValue(r.path("artifacts"),
                new TypeReference<LinkedHashMap<String, String>>() {
                });
        arts.forEach((k, v) -> o.artifacts.put(k, Path.of(v)));
        o.model = r.hasNonNull("model") ? Path.of(r.get("model").asText()) : null;
        for (JsonNode pr : r.path("promotions")) {
            o.promotions.add(new StageResult.Promotion(Path.of(pr.path("model").asText()), pr.path("alias").asText()));
        }
        return o;
    }

    /** The metrics a try wrote to its {@code metrics.jsonl}, as rows of {@code step}'s try {@code attempt}. */
    static List<Rows.Metric> readMetrics(String step, int attempt, TryFiles files) throws IOException {
        List<Rows.Metric> out = new ArrayList<>();
        if (!Files.exists(files.metrics())) {
            return out;
        }
        try (BufferedReader r = Files.newBufferedReader(files.metrics(), StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n;
                try {
                    n = JsonFields.MAPPER.readTree(line);
                } catch (IOException e) {
                    continue; // a line cut short by a killed child
                }
                long stepNo = n.path("step").asLong();
                long ts = n.path("ts").asLong(System.currentTimeMillis());
                n.path("values").fields().forEachRemaining(e -> out.add(new Rows.Metric(step, attempt, e.getKey(),
                        stepNo, e.getValue().asDouble(), ts)));
            }
        }
        return out;
    }

    private static String tail(TryFiles files) {
        StringBuilder sb = new StringBuilder();
        for (Path p : List.of(files.stderr(), files.stdout())) {
            List<String> lines = lastLines(p, 12);
            if (!lines.isEmpty()) {
                sb.append(p.getFileName()).append(" (last ").append(lines.size()).append(" lines):\n");
                lines.forEach(l -> sb.append("  ").append(l).append('\n'));
            }
        }
        return sb.toString().stripTrailing();
    }

    private static List<String> lastLines(Path p, int n) {
        try {
            if (!Files.exists(p)) {
                return List.of();
            }
            List<String> all = Files.readAllLines(p, StandardCharsets.UTF_8);
            List<String> nonBlank = all.stream().filter(l -> !l.isBlank()).toList();
            return nonBlank.subList(Math.max(0, nonBlank.size() - n), nonBlank.size());
        } catch (IOException | java.io.UncheckedIOException e) {
            return List.of();
        }
    }

    @Override
    public void close() {
        stageThreads.shutdownNow();
    }

    /** How one try ended. */
    static final class Outcome {
        boolean ok;
        boolean timedOut;
        Integer exitCode;
        String error;
        String logTail = "";
        Map<String, String> outputs = Map.of();
        Map<String, Double> metrics = Map.of();
        final Map<String, Path> artifacts = new LinkedHashMap<>();
        Path model;
        final List<StageResult.Promotion> promotions = new ArrayList<>();

        static Outcome failed(String error, Integer code, boolean timedOut, String tail) {
            Outcome o = new Outcome();
            o.error = error;
            o.exitCode = code;
            o.timedOut = timedOut;
            o.logTail = tail;
            return o;
        }
    }
}
