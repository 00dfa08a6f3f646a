package io.llmagentos.pipelines.exec;

import io.llmagentos.pipelines.db.MetadataDb;
import io.llmagentos.pipelines.db.Rows;
import io.llmagentos.pipelines.spec.Condition;
import io.llmagentos.pipelines.spec.StepSpec;
import io.llmagentos.pipelines.spec.Templates;
import io.llmagentos.pipelines.stage.Stage;
import io.llmagentos.pipelines.stage.StageOutput;
import io.llmagentos.pipelines.stage.StageRegistry;
import io.llmagentos.pipelines.stage.StageResult;
import io.llmagentos.pipelines.tracking.Tracking;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One run's reports to the tracking store (MLflow): the pipeline's parent run (made, or taken up again on resume),
 * a nested run per finished step with its parameters, metric history, tags and artifacts, the Model Registry
 * version of a step's model directory with its aliases, the promotions stages ask for, and the run's end. Does
 * nothing (beyond noting promotions it cannot make) without tracking.
 */
final class RunTracking {
    private final Tracking tracking;
    private final MetadataDb db;
    private final StageRegistry registry;
    private final RunState state;
    private final ProgressPrinter out;
    private Tracking.RunIds trackingIds;

    RunTracking(Tracking tracking, MetadataDb db, StageRegistry registry, RunState state, ProgressPrinter out) {
        this.tracking = tracking;
        this.db = db;
        this.registry = registry;
        this.state = state;
        this.out = out;
    }

    /** Makes (or, for a run tracked before, takes up again) the pipeline's tracking run and stores its ids. */
    void start() {
        if (!tracking.enabled()) {
            return;
        }
        Rows.Run run = state.run();
        Tracking.RunIds existing = run.mlflowRun() == null ? null
                : new Tracking.RunIds(run.mlflowExperiment(), run.mlflowRun());
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("agentos.pipeline", state.spec().name());
        tags.put("agentos.run_id", run.id());
        tags.put("agentos.run_dir", state.runDir().toString());
        tags.put("agentos.code_version", CacheKeys.codeVersion());
        tags.put("agentos.triggered_by", run.triggeredBy());
        String sha = GitInfo.sha();
        if (sha != null) {
            tags.put("mlflow.source.git.commit", sha);
        }
        trackingIds = tracking.pipelineRun(state.spec().name(), run.id(), state.spec().values(), tags, existing);
        db.setRunMlflow(run.id(), trackingIds.experiment(), trackingIds.run());
        out.say("  MLflow run    %s", tracking.url(trackingIds));
    }

    /** Ends the pipeline's tracking run with the run's status and metrics; its page, or null without tracking. */
    String finish(String status, Map<String, Double> runMetrics) {
        if (tracking.enabled() && trackingIds != null) {
            tracking.pipelineFinished(trackingIds, status, runMetrics);
            return tracking.url(trackingIds);
        }
        return null;
    }

    /** Reports the step to the tracking store once (the DB remembers that it did). */
    void report(StepSpec s, Stage stage, String status, Map<String, String> params, int attempt,
                Map<String, String> outs, Map<String, Double> metrics, Map<String, Path> artifacts,
                Path model, List<StageResult.Promotion> promotions) throws IOException {
        if (!tracking.enabled() || trackingIds == null) {
            for (StageResult.Promotion pr : promotions) {
                out.say("  [note ] %-16s would set alias %s on the model in %s: the Model Registry needs "
                        + "--tracking-uri", s.id(), pr.alias(), pr.model());
            }
            return;
        }
        String runId = state.run().id();
        Rows.Step row = db.findStep(runId, s.id()).orElseThrow();
        if (row.tracked()) {
            return;
        }
        String trackingRun = tracking.stepRun(trackingIds, s.id(), s.uses(), row.mlflowRun());
        db.setStepMlflow(runId, s.id(), trackingRun);
        Map<String, String> p = new LinkedHashMap<>();
        params.forEach((k, v) -> {
            if (!v.isEmpty()) {
                p.put(k, v);
            }
        });
        if (attempt > 0) {
            Path reported = state.runDir().resolve("steps").resolve(s.id()).resolve("try-" + attempt)
                    .resolve("params.json");
            if (Files.exists(reported)) {
                RunState.json(Files.readString(reported)).forEach((k, v) -> p.put("stage." + k, v));
            }
        }
        // the history of every try, later tries winning at equal steps (a resumed training repeats no step)
        Map<String, Tracking.MetricPoint> hist = new LinkedHashMap<>();
        for (Rows.Metric m : db.metrics(runId, s.id())) {
            hist.put(m.name() + "@" + m.stepNo(), new Tracking.MetricPoint(m.name(), m.stepNo(), m.value(), m.ts()));
        }
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("agentos.step", s.id());
        tags.put("agentos.stage", s.uses());
        tags.put("agentos.status", status);
        tags.put("agentos.tries", Integer.toString(attempt));
        if (status.equals("CACHED")) {
            tags.put("agentos.cached_from", state.state(s.id()).cachedFrom);
        }
        outs.forEach((k, v) -> tags.put("agentos.output." + k, v));
        Tracking.Registration reg = null;
        Path dir = status.equals("SUCCEEDED") ? registeredDir(s, stage, outs, model) : null;
        if (dir != null) {
            List<String> aliases = new ArrayList<>(s.register() == null || s.register().aliases().isEmpty()
                    ? List.of("candidate") : s.register().aliases());
            if (s.register() != null && s.register().championWhen() != null && championHolds(s, outs, metrics)) {
                aliases.add("champion");
            }
            reg = new Tracking.Registration(registeredName(s), dir, aliases);
        }
        Rows.Step after = db.findStep(runId, s.id()).orElseThrow();
        tracking.stepFinished(trackingIds, new Tracking.StepReport(trackingRun, s.id(), s.uses(), status, p,
                new ArrayList<>(hist.values()), metrics, tags, artifacts == null ? Map.of() : artifacts, reg,
                after.error()));
        for (StageResult.Promotion pr : promotions) {
            promote(s, pr);
        }
        db.setStepTracked(runId, s.id(), true);
    }

    /**
     * The model directory a successful step registers: {@code register.output}'s value, else the model the stage
     * reported, else its first declared model output; null when the step has no {@code register:} and its stage
     * declares no model output.
     */
    private static Path registeredDir(StepSpec s, Stage stage, Map<String, String> outs, Path model) {
        if (s.register() != null && s.register().output() != null) {
            String v = outs.get(s.register().output());
            return v == null || v.isEmpty() ? null : Path.of(v);
        }
        List<StageOutput> models = stage.outputs().stream().filter(StageOutput::isModel).toList();
        if (s.register() == null && models.isEmpty()) {
            return null;
        }
        if (model != null) {
            return model;
        }
        for (StageOutput o : models) {
            String v = outs.get(o.name());
            if (v != null && !v.isEmpty()) {
                return Path.of(v);
            }
        }
        return null;
    }

    /** {@code register.model}, else PIPELINE-STEP. */
    private String registeredName(StepSpec s) {
        return s.register() != null ? s.register().model() : state.spec().name() + "-" + s.id();
    }

    /**
     * Moves an alias onto the version registered for a model directory: the step of this run whose model
     * output (or {@code register.output}) is that directory; a cached step's version is the one its original
     * run registered.
     */
    private void promote(StepSpec by, StageResult.Promotion pr) throws IOException {
        String runId = state.run().id();
        for (String id : state.spec().topologicalOrder()) {
            StepSpec t = state.spec().steps().get(id);
            RunState.StepState st = state.state(id);
            if (id.equals(by.id()) || st == null || !RunState.DONE_OK.contains(st.status)) {
                continue;
            }
            Stage stage = registry.get(t.uses());
            Set<String> dirs = new HashSet<>();
            stage.outputs().stream().filter(StageOutput::isModel).map(o -> st.outputs.get(o.name()))
                    .filter(v -> v != null && !v.isEmpty()).forEach(dirs::add);
            if (t.register() != null && t.register().output() != null) {
                dirs.add(st.outputs.getOrDefault(t.register().output(), ""));
            }
            if (dirs.stream().filter(v -> !v.isEmpty()).noneMatch(v -> Path.of(v).toAbsolutePath().normalize()
                    .equals(pr.model()))) {
                continue;
            }
            String versionRun;
            if (st.status.equals("CACHED") && st.cachedFrom != null) {
                String[] from = st.cachedFrom.split("/", 2);
                versionRun = db.findStep(from[0], from[1]).map(Rows.Step::mlflowRun).orElse(null);
            } else {
                versionRun = db.findStep(runId, id).map(Rows.Step::mlflowRun).orElse(null);
            }
            if (versionRun == null) {
                break;
            }
            tracking.promote(registeredName(t), versionRun, pr.alias());
            out.say("  [model] %-16s %s: alias %s on the version of %s registered by step %s", by.id(),
                    registeredName(t), pr.alias(), pr.model(), id);
            return;
        }
        out.say("  [note ] %-16s no step of run %s registered a model version for %s; alias %s not set", by.id(),
                runId, pr.model(), pr.alias());
    }

    private boolean championHolds(StepSpec s, Map<String, String> outs, Map<String, Double> metrics) {
        String cond = Templates.resolve(s.register().championWhen(), r -> {
            if (r.kind().equals("steps") && r.step().equals(s.id())) {
                return r.section().equals("outputs") ? outs.getOrDefault(r.name(), "")
                        : metrics.containsKey(r.name()) ? RunState.fmt(metrics.get(r.name())) : "";
            }
            return state.lookup(r, s, "register.champion_when");
        });
        return Condition.evaluate(cond);
    }
}
