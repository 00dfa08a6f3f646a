package io.llmagentos.pipelines.exec;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.MetricsListener;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.pipelines.stage.Stage;
import io.llmagentos.pipelines.stage.StageContext;
import io.llmagentos.pipelines.stage.StageRegistry;
import io.llmagentos.pipelines.stage.StageResult;
import java.io.BufferedWriter;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Runs one try of a stage where it is called (the executor's JVM or a child JVM): the stage's log goes to the
 * try's {@code stdout.log}, its metrics to {@code metrics.jsonl} as they come, its result (or failure) to
 * {@code result.json}.
 */
public final class StepInvoker {
    private StepInvoker() {
    }

    /** Runs the try; true when the stage succeeded. Never throws for a stage failure: that goes to result.json. */
    public static boolean invoke(StepRequest req, StageRegistry registry, PrintStream log, PrintStream errLog)
            throws IOException {
        TryFiles files = new TryFiles(Path.of(req.tryDir()));
        Path work = Path.of(req.workDir());
        Files.createDirectories(work);
        ObjectNode result = JsonFields.MAPPER.createObjectNode();
        try (BufferedWriter metricsOut = Files.newBufferedWriter(files.metrics(), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            MetricsListener metrics = new MetricsListener() {
                @Override
                public synchronized void metrics(long step, Map<String, Double> values) {
                    ObjectNode line = JsonFields.MAPPER.createObjectNode();
                    line.put("step", step);
                    line.put("ts", System.currentTimeMillis());
                    ObjectNode v = line.putObject("values");
                    values.forEach((k, x) -> {
                        if (x != null && Double.isFinite(x)) {
                            v.put(k, x);
                        }
                    });
                    try {
                        metricsOut.write(JsonFields.LINE.writeValueAsString(line));
                        metricsOut.newLine();
                        metricsOut.flush();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }

                @Override
                public synchronized void params(Map<String, String> params) {
                    try {
                        JsonFields.MAPPER.writeValue(files.params().toFile(), new LinkedHashMap<>(params));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            };
            Stage stage = registry.get(req.stage());
            StageContext ctx = new StageContext(req.runId(), req.stepId(), req.attempt(), req.params(), work,
                    new LogProgress(log), metrics, log);
            StageResult r = stage.run(ctx);
            result.put("ok", true);
            result.set("outputs", JsonFields.MAPPER.valueToTree(r.outputs()));
            result.set("metrics", JsonFields.MAPPER.valueToTree(r.metrics()));
            Map<String, String> arts = new LinkedHashMap<>();
            r.artifacts().forEach((k, v) -> arts.put(k, v.toString()));
            result.set("artifacts", JsonFields.MAPPER.valueToTree(arts));
            if (r.model() != null) {
                result.put("model", r.model().toString());
            }
            var promos = result.putArray("promotions");
            r.promotions().forEach(pr -> promos.addObject().put("model", pr.model().toString()).put("alias", pr.alias()));
        } catch (Throwable t) {
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            result.removeAll();
            result.put("ok", false);
            result.put("error", t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
            result.put("exception", t.getClass().getName());
            StringWriter sw = new StringWriter();
            t.printStackTrace(new PrintWriter(sw));
            errLog.println(sw);
            errLog.flush();
            if (t instanceof VirtualMachineError vme && !(t instanceof OutOfMemoryError)) {
                throw vme;
            }
        }
        log.flush();
        Path tmp = files.result().resolveSibling("result.json.tmp");
        JsonFields.MAPPER.writeValue(tmp.toFile(), result);
        Files.move(tmp, files.result(), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return result.path("ok").asBoolean(false);
    }

    /** Opens a log file for appending. */
    static PrintStream append(Path file) throws IOException {
        return new PrintStream(new FileOutputStream(file.toFile(), true), true, StandardCharsets.UTF_8);
    }

    /** Progress as log lines, one per 10 % (logs are files, not terminals). */
    static final class LogProgress implements ProgressListener {
        private final PrintStream out;

        LogProgress(PrintStream out) {
            this.out = out;
        }

        @Override
        public Progress start(String task, long total, String unit) {
            long t0 = System.nanoTime();
            return new Progress() {
                private long done;
                private int decile = -1;
                private String status = "";

                @Override
                public synchronized void advance(long units) {
                    done += units;
                    if (total > 0) {
                        int d = (int) Math.min(10, done * 10 / total);
                        if (d > decile && d < 10) {
                            decile = d;
                            print();
                        }
                    }
                }

                @Override
                public synchronized void status(String text) {
                    status = text;
                }

                @Override
                public synchronized void close() {
                    print();
                }

                private void print() {
                    out.printf(Locale.ROOT, "  %s %s %,d/%s %s (%.1f s)%s%n",
                            total > 0 ? String.format(Locale.ROOT, "%3d%%", done * 100 / total) : "    ", task, done,
                            total > 0 ? String.format(Locale.ROOT, "%,d", total) : "?", unit,
                            (System.nanoTime() - t0) / 1e9, status.isEmpty() ? "" : "  " + status);
                }
            };
        }
    }
}
