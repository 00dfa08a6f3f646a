package io.llmagentos.pipelines.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.json.JsonFields;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.mlflow.api.proto.Service;
import org.mlflow.tracking.MlflowClient;
import org.mlflow.tracking.MlflowHttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tracking on an MLflow server through the official Java client ({@code org.mlflow:mlflow-client}): an experiment per
 * pipeline, a parent run per pipeline run, a nested run per step ({@code mlflow.parentRunId}) with its flattened
 * parameters, metric histories by step, tags, and artifacts. Artifacts go through the server's artifact proxy
 * ({@code PUT /api/2.0/mlflow-artifacts/artifacts/…}, a server started with {@code --artifacts-destination}), so no
 * Python is needed on the client. Model versions and aliases are created through the registry REST calls
 * ({@code registered-models/create}, {@code model-versions/create}, {@code registered-models/alias}).
 */
public final class MlflowTracking implements Tracking {
    private static final Logger LOG = LoggerFactory.getLogger(MlflowTracking.class);
    private static final int MAX_PARAM = 6000;

    private final String base;
    private final MlflowClient client;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public MlflowTracking(String trackingUri) {
        if (!trackingUri.startsWith("http://") && !trackingUri.startsWith("https://")) {
            throw new IllegalArgumentException("MLflow tracking URI must be http(s)://HOST:PORT of an 'mlflow server' "
                    + "(got " + trackingUri + ")");
        }
        this.base = trackingUri.replaceAll("/+$", "");
        this.client = new MlflowClient(base);
    }

    public MlflowClient client() {
        return client;
    }

    @Override
    public boolean enabled() {
        return true;
    }

    @Override
    public RunIds pipelineRun(String pipeline, String runId, Map<String, String> params, Map<String, String> tags,
                              RunIds existing) {
        if (existing != null && existing.run() != null) {
            return existing;
        }
        String exp = findExperiment(pipeline);
        if (exp == null) {
            exp = createExperiment(pipeline);
        }
        Service.CreateRun.Builder req = Service.CreateRun.newBuilder().setExperimentId(exp).setRunName(runId)
                .setStartTime(System.currentTimeMillis());
        tags.forEach((k, v) -> req.addTags(Service.RunTag.newBuilder().setKey(k).setValue(clip(v))));
        Service.RunInfo info = client.createRun(req.build());
        List<Service.Param> ps = new ArrayList<>();
        params.forEach((k, v) -> ps.add(Service.Param.newBuilder().setKey(k).setValue(clip(v)).build()));
        batch(info.getRunId(), List.of(), ps, List.of());
        return new RunIds(exp, info.getRunId());
    }

    /** By search, not getExperimentByName: the client retries the 404 of a missing name as if rate-limited. */
    private String findExperiment(String name) {
        for (Service.Experiment e : client.searchExperiments("name = '" + name.replace("'", "''") + "'").getItems()) {
            if (e.getName().equals(name)) {
                return e.getExperimentId();
            }
        }
        return null;
    }

    private String createExperiment(String name) {
        try {
            return client.createExperiment(name);
        } catch (MlflowHttpException e) {
            String id = findExperiment(name); // another executor created it first
            if (id == null) {
                throw e;
            }
            return id;
        }
    }

    @Override
    public String stepRun(RunIds parent, String stepId, String stage, String existing) {
        if (existing != null) {
            return existing;
        }
        Service.CreateRun req = Service.CreateRun.newBuilder().setExperimentId(parent.experiment()).setRunName(stepId)
                .setStartTime(System.currentTimeMillis())
                .addTags(Service.RunTag.newBuilder().setKey("mlflow.parentRunId").setValue(parent.run()))
                .addTags(Service.RunTag.newBuilder().setKey("agentos.stage").setValue(stage))
                .build();
        return client.createRun(req).getRunId();
    }

    @Override
    public void stepFinished(RunIds parent, StepReport r) {
        String run = r.trackingRun();
        Service.Run current = client.getRun(run);
        Set<String> hasParam = new HashSet<>();
        current.getData().getParamsList().forEach(p -> hasParam.add(p.getKey()));
        boolean hasMetrics = current.getData().getMetricsCount() > 0;
        List<Service.Param> params = new ArrayList<>();
        r.params().forEach((k, v) -> {
            if (!hasParam.contains(k)) {
                params.add(Service.Param.newBuilder().setKey(k).setValue(clip(v)).build());
            }
        });
        List<Service.Metric> metrics = new ArrayList<>();
        if (!hasMetrics) {
            long now = System.currentTimeMillis();
            for (MetricPoint m : r.history()) {
                metrics.add(Service.Metric.newBuilder().setKey(m.name()).setValue(m.value()).setStep(m.step())
                        .setTimestamp(m.timestamp()).build());
            }
            Set<String> inHistory = new HashSet<>();
            r.history().forEach(m -> inHistory.add(m.name()));
            r.summary().forEach((k, v) -> {
                if (!inHistory.contains(k)) {
                    metrics.add(Service.Metric.newBuilder().setKey(k).setValue(v).setStep(0).setTimestamp(now).build());
                }
            });
        }
        List<Service.RunTag> tags = new ArrayList<>();
        r.tags().forEach((k, v) -> tags.add(Service.RunTag.newBuilder().setKey(k).setValue(clip(v)).build()));
        if (r.error() != null) {
            tags.add(Service.RunTag.newBuilder().setKey("agentos.error").setValue(clip(r.error())).build());
        }
        batch(run, metrics, params, tags);
        String artifactRoot = current.getInfo().getArtifactUri();
        for (Map.Entry<String, Path> a : r.artifacts().entrySet()) {
            upload(artifactRoot, a.getKey(), a.getValue());
        }
        if (r.registration() != null) {
            upload(artifactRoot, "model", r.registration().dir());
            register(run, artifactRoot + "/model", r.registration());
        }
        Service.RunStatus status = r.status().equals("FAILED") ? Service.RunStatus.FAILED : Service.RunStatus.FINISHED;
        client.setTerminated(run, status, System.currentTimeMillis());
    }

    @Override
    public void pipelineFinished(RunIds ids, String status, Map<String, Double> metrics) {
        Service.Run current = client.getRun(ids.run());
        if (current.getData().getMetricsCount() == 0) {
            long now = System.currentTimeMillis();
            List<Service.Metric> ms = new ArrayList<>();
            metrics.forEach((k, v) -> ms.add(Service.Metric.newBuilder().setKey(k).setValue(v).setStep(0).setTimestamp(now)
                    .build()));
            batch(ids.run(), ms, List.of(), List.of());
        }
        client.setTag(ids.run(), "agentos.status", status);
        Service.RunStatus s = switch (status) {
            case "SUCCEEDED" -> Service.RunStatus.FINISHED;
            case "CANCELLED" -> Service.RunStatus.KILLED;
            default -> Service.RunStatus.FAILED;
        };
        client.setTerminated(ids.run(), s, System.currentTimeMillis());
    }

    @Override
    public String url(RunIds ids) {
        return base + "/#/experiments/" + ids.experiment() + "/runs/" + ids.run();
    }

    /** logBatch in the server's limits (1000 metrics, 100 params, 100 tags per call). */
    private void batch(String run, List<Service.Metric> metrics, List<Service.Param> params, List<Service.RunTag> tags) {
        for (int i = 0; i < Math.max(metrics.size(), 1); i += 1000) {
            client.logBatch(run, metrics.subList(Math.min(i, metrics.size()), Math.min(i + 1000, metrics.size())),
                    List.of(), List.of());
        }
        for (int i = 0; i < params.size(); i += 100) {
            client.logBatch(run, List.of(), params.subList(i, Math.min(i + 100, params.size())), List.of());
        }
        for (int i = 0; i < tags.size(); i += 100) {
            client.logBatch(run, List.of(), List.of(), tags.subList(i, Math.min(i + 100, tags.size())));
        }
    }

    /** Uploads a file, or every file under a directory, to {@code artifactRoot/name} through the artifact proxy. */
    void upload(String artifactRoot, String name, Path path) {
        String prefix = "mlflow-artifacts:";
        if (!artifactRoot.startsWith(prefix)) {
            throw new IllegalStateException("the MLflow server at " + base + " gives run artifact URIs like "
                    + artifactRoot + "; start it with --artifacts-destination DIR (and without --no-serve-artifacts) "
                    + "so artifacts upload through its proxy");
        }
        String root = artifactRoot.substring(prefix.length()).replaceFirst("^/+", "");
        if (root.startsWith("/")) {
            root = root.substring(1);
        }
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(path)) {
            try (Stream<Path> s = Files.walk(path)) {
                s.filter(Files::isRegularFile).sorted().forEach(files::add);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        } else {
            files.add(path);
        }
        for (Path f : files) {
            String rel = Files.isDirectory(path) ? name + "/" + path.relativize(f).toString().replace('\\', '/') : name;
            StringBuilder url = new StringBuilder(base).append("/api/2.0/mlflow-artifacts/artifacts/");
            for (String seg : (root + "/" + rel).split("/")) {
                if (!seg.isEmpty()) {
                    url.append(URLEncoder.encode(seg, StandardCharsets.UTF_8).replace("+", "%20")).append('/');
                }
            }
            url.setLength(url.length() - 1);
            try {
                HttpRequest req = HttpRequest.newBuilder(URI.create(url.toString())).timeout(Duration.ofMinutes(5))
                        .PUT(HttpRequest.BodyPublishers.ofFile(f)).build();
                HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
                if (resp.statusCode() / 100 != 2) {
                    throw new IllegalStateException("uploading " + f + " to " + url + " failed: HTTP " + resp.statusCode()
                            + " " + resp.body());
                }
            } catch (IOException e) {
                throw new IllegalStateException("uploading " + f + " to " + url + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while uploading " + f, e);
            }
        }
    }

    private void register(String run, String source, Registration reg) {
        ObjectNode create = JsonFields.MAPPER.createObjectNode().put("name", reg.model());
        try {
            client.sendPost("registered-models/create", create.toString());
        } catch (MlflowHttpException e) {
            if (!String.valueOf(e.getBodyMessage()).contains("RESOURCE_ALREADY_EXISTS")) {
                throw e;
            }
        }
        // a resumed run that already registered this run's model reuses that version
        String version = versionOf(reg.model(), run);
        if (version == null) {
            ObjectNode mv = JsonFields.MAPPER.createObjectNode().put("name", reg.model()).put("source", source)
                    .put("run_id", run);
            try {
                JsonNode resp = JsonFields.MAPPER.readTree(client.sendPost("model-versions/create", mv.toString()));
                version = resp.path("model_version").path("version").asText();
            } catch (IOException e) {
                throw new IllegalStateException("MLflow model registry answered something unreadable: " + e.getMessage(), e);
            }
        }
        for (String alias : reg.aliases()) {
            ObjectNode a = JsonFields.MAPPER.createObjectNode().put("name", reg.model()).put("alias", alias)
                    .put("version", version);
            client.sendPost("registered-models/alias", a.toString());
        }
        LOG.info("registered {} version {} with aliases {}", reg.model(), version, reg.aliases());
    }

    @Override
    public void promote(String model, String versionRun, String alias) {
        String version = versionOf(model, versionRun);
        if (version == null) {
            throw new IllegalStateException("MLflow has no version of registered model " + model + " from run "
                    + versionRun + "; cannot set alias " + alias);
        }
        ObjectNode a = JsonFields.MAPPER.createObjectNode().put("name", model).put("alias", alias).put("version", version);
        client.sendPost("registered-models/alias", a.toString());
        LOG.info("alias {} of {} -> version {}", alias, model, version);
    }

    /** The version of {@code model} that {@code run} created, or null. */
    private String versionOf(String model, String run) {
        String found = client.sendGet("model-versions/search?filter=" + URLEncoder.encode("run_id='" + run + "'",
                StandardCharsets.UTF_8));
        try {
            for (JsonNode mv : JsonFields.MAPPER.readTree(found).path("model_versions")) {
                if (mv.path("name").asText().equals(model)) {
                    return mv.path("version").asText();
                }
            }
            return null;
        } catch (IOException e) {
            throw new IllegalStateException("MLflow model registry answered something unreadable: " + e.getMessage(), e);
        }
    }

    private static String clip(String v) {
        return v.length() <= MAX_PARAM ? v : v.substring(0, MAX_PARAM - 3) + "...";
    }
}
