package io.llmagentos.pipelines.tracking;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.pipelines.db.MetadataDb;
import io.llmagentos.pipelines.db.Rows;
import io.llmagentos.pipelines.exec.CacheKeys;
import io.llmagentos.pipelines.exec.Executor;
import io.llmagentos.pipelines.exec.Pipelines;
import io.llmagentos.pipelines.exec.RunReport;
import io.llmagentos.pipelines.spec.PipelineSpec;
import io.llmagentos.pipelines.spec.SpecLoader;
import io.llmagentos.pipelines.stage.StageRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance check of tracking: the shipped {@code configs/pipelines/demo.yaml} (smaller: 12 teacher steps, 4
 * student steps, vocabulary 600, one PyTorch thread, which also checks that {@code training.threads} works in a
 * child JVM, the smoke gates), tracked in a real {@code mlflow server}, then read back with Python {@code mlflow}:
 * the parent run and its nested step runs, their parameters, the training loss as a metric history equal to the DB's,
 * the eval step's {@code alias.metric} metrics and report, artifacts whose downloaded bytes equal the files on disk, a
 * model version with alias {@code candidate} for every step that made a model, and {@code champion} on the INT8
 * student's version once the gate passed.
 */
class DemoPipelineMlflowTest {
    @TempDir
    Path dir;

    @Test
    void demoPipelineIsReadableInMlflow() throws Exception {
        // the shipped file itself: its gate step finds configs/gates/smoke.yaml through ${pipeline.dir}
        Path demo = Path.of(System.getProperty("agentos.repo.root", "..")).resolve("configs/pipelines/demo.yaml");
        PipelineSpec spec = new SpecLoader(StageRegistry.load()).load(demo, Map.of("teacher_steps", "12",
                "teacher_eval_every", "6", "teacher_warmup", "2", "student_steps", "4", "student_eval_every", "2",
                "student_warmup", "1", "vocab_size", "600", "threads", "1", "gates", "smoke"));
        try (MlflowServer mlflow = MlflowServer.start(dir.resolve("mlflow"));
             MetadataDb db = MetadataDb.open("jdbc:sqlite:" + dir.resolve("agentos.db"));
             MlflowTracking tracking = new MlflowTracking(mlflow.uri())) {
            Executor ex = Pipelines.executor(db, dir.resolve("runs"), tracking);
            String id = ex.createRun(spec, "manual", null);
            RunReport r = ex.execute(id);
            assertThat(r.status()).as(r.error()).isEqualTo("SUCCEEDED");
            Rows.Run run = db.getRun(id);
            Path teacher = Path.of(outputs(db, id, "teacher").get("checkpoint").asText());
            Path int8 = Path.of(outputs(db, id, "int8").get("model").asText());

            String out = mlflow.python("""
                    import hashlib, json, sys, tempfile, mlflow
                    uri, exp, parent = sys.argv[1:4]
                    c = mlflow.MlflowClient(uri)
                    p = c.get_run(parent)
                    nested = {x.info.run_name: x for x in c.search_runs([exp], "tags.`mlflow.parentRunId` = '%s'" % parent)}
                    def sha(path):
                        return hashlib.sha256(open(path, "rb").read()).hexdigest()
                    d = tempfile.mkdtemp()
                    t, s, q = nested["teacher"], nested["student"], nested["int8"]
                    versions = {}
                    for name in ["demo-teacher", "demo-student", "demo-student-onnx", "demo-student-int8"]:
                        v = c.get_model_version_by_alias(name, "candidate")
                        versions[name] = {"version": v.version, "run_id": v.run_id,
                                          "count": len(c.search_model_versions("name='%s'" % name))}
                    champ = c.get_model_version_by_alias("demo-student-int8", "champion")
                    print(json.dumps({
                        "parent_status": p.info.status, "parent_tags": p.data.tags, "parent_params": p.data.params,
                        "nested": sorted(nested), "status": {k: v.info.status for k, v in nested.items()},
                        "run_ids": {k: v.info.run_id for k, v in nested.items()},
                        "teacher_params": t.data.params, "student_params": s.data.params, "int8_params": q.data.params,
                        "teacher_loss": [[m.step, m.value] for m in c.get_metric_history(t.info.run_id, "loss")],
                        "student_loss_steps": [m.step for m in c.get_metric_history(s.info.run_id, "loss")],
                        "student_metrics": s.data.metrics, "int8_metrics": q.data.metrics,
                        "teacher_model_sha": sha(c.download_artifacts(t.info.run_id, "model/model.safetensors", d)),
                        "int8_model_sha": sha(c.download_artifacts(q.info.run_id, "model/model.onnx", d)),
                        "int8_report_sha": sha(c.download_artifacts(q.info.run_id, "quantize/quantization.json", d)),
                        "prep_report_sha": sha(c.download_artifacts(nested["prep"].info.run_id, "prep/prep-report.json", d)),
                        "shards_report_sha": sha(c.download_artifacts(nested["shards"].info.run_id, "prep/prep-report.json", tempfile.mkdtemp())),
                        "eval_metrics": nested["eval"].data.metrics, "gate_metrics": nested["gate"].data.metrics,
                        "eval_html_sha": sha(c.download_artifacts(nested["eval"].info.run_id, "eval/report.html", d)),
                        "versions": versions, "champion": [champ.version, champ.run_id]}))
                    """, mlflow.uri(), run.mlflowExperiment(), run.mlflowRun());
            JsonNode j = JsonFields.MAPPER.readTree(out.strip().lines().reduce((a, b) -> b).orElseThrow());

            assertThat(j.path("parent_status").asText()).isEqualTo("FINISHED");
            assertThat(j.path("parent_tags").path("agentos.pipeline").asText()).isEqualTo("demo");
            assertThat(j.path("parent_params").path("teacher_steps").asText()).isEqualTo("12");
            assertThat(j.path("nested").toString()).isEqualTo("[\"champion\",\"data\",\"eval\",\"gate\",\"generate\","
                    + "\"int8\",\"onnx\",\"prep\",\"serve\",\"shards\",\"student\",\"teacher\",\"tokenizer\"]");
            j.path("status").fields().forEachRemaining(e -> assertThat(e.getValue().asText()).as(e.getKey())
                    .isEqualTo("FINISHED"));
            assertThat(j.path("teacher_params").path("model.preset").asText()).isEqualTo("demo-teacher");
            assertThat(j.path("teacher_params").path("training.max_steps").asText()).isEqualTo("12");
            assertThat(j.path("teacher_params").path("training.threads").asText()).isEqualTo("1");
            assertThat(j.path("student_params").path("student.layers").asText()).isEqualTo("0");
            assertThat(j.path("student_params").path("student.prune.intermediate_size").asText()).isEqualTo("144");
            assertThat(j.path("student_params").path("distill.alpha").asText()).isEqualTo("0.5");
            assertThat(j.path("int8_params").path("method").asText()).isEqualTo("static");

            // the training loss curve, step by step, equals what the DB recorded
            List<Rows.Metric> dbLoss = db.metrics(id, "teacher").stream().filter(m -> m.name().equals("loss")).toList();
            assertThat(dbLoss).hasSize(12);
            JsonNode loss = j.path("teacher_loss");
            assertThat(loss.size()).isEqualTo(12);
            for (int i = 0; i < 12; i++) {
                assertThat(loss.get(i).get(0).asLong()).isEqualTo(dbLoss.get(i).stepNo());
                assertThat(loss.get(i).get(1).asDouble()).isEqualTo(dbLoss.get(i).value());
            }
            assertThat(j.path("student_loss_steps").toString()).isEqualTo("[1,2,3,4]");
            // evaluation metrics: the student's retention report and the INT8 perplexity check
            assertThat(j.path("student_metrics").path("parameter_ratio").asDouble()).isBetween(0.0, 0.5);
            assertThat(j.path("student_metrics").path("val_ppl").asDouble()).isPositive();
            assertThat(j.path("student_metrics").has("task_accuracy")).isTrue();
            assertThat(j.path("int8_metrics").path("ppl_ratio").asDouble()).isPositive();
            assertThat(j.path("int8_metrics").path("size_ratio").asDouble()).isLessThan(0.3);
            Path report = Path.of(outputs(db, id, "eval").path("report").asText());
            assertThat(j.path("eval_metrics").path("int8.perplexity").asDouble())
                    .isEqualTo(JsonFields.MAPPER.readTree(report.toFile()).path("models").get(3).path("metrics")
                            .path("perplexity").asDouble());
            assertThat(j.path("eval_metrics").has("teacher.task_acc")).isTrue();
            assertThat(j.path("gate_metrics").path("gates_passed").asDouble()).isEqualTo(3);
            assertThat(j.path("eval_html_sha").asText()).isEqualTo(CacheKeys.fileDigest(report.resolveSibling("report.html")));

            assertThat(j.path("teacher_model_sha").asText()).isEqualTo(CacheKeys.fileDigest(teacher.resolve("model.safetensors")));
            assertThat(j.path("int8_model_sha").asText()).isEqualTo(CacheKeys.fileDigest(int8.resolve("model.onnx")));
            assertThat(j.path("int8_report_sha").asText()).isEqualTo(CacheKeys.fileDigest(int8.resolve("quantization.json")));
            // the shards step rewrites prep's directory (and its report) after prep ended: prep's artifact is the
            // report as prep left it (the digest the DB took when prep ended), the file on disk is the shards step's
            String prepDigest = db.artifacts(id).stream()
                    .filter(a -> a.step().equals("prep") && a.name().equals("prep/prep-report.json")).findFirst()
                    .orElseThrow().sha256();
            assertThat(j.path("prep_report_sha").asText()).isEqualTo(prepDigest);
            assertThat(j.path("shards_report_sha").asText()).isEqualTo(CacheKeys.fileDigest(
                    Path.of(outputs(db, id, "shards").get("report").asText())));

            // one version per model-making step, made by that step's run, alias candidate; champion on the INT8 one
            for (String[] m : List.of(new String[] {"demo-teacher", "teacher"}, new String[] {"demo-student", "student"},
                    new String[] {"demo-student-onnx", "onnx"}, new String[] {"demo-student-int8", "int8"})) {
                JsonNode v = j.path("versions").path(m[0]);
                assertThat(v.path("count").asInt()).as(m[0]).isEqualTo(1);
                assertThat(v.path("run_id").asText()).as(m[0]).isEqualTo(j.path("run_ids").path(m[1]).asText());
                assertThat(v.path("run_id").asText()).isEqualTo(db.findStep(id, m[1]).orElseThrow().mlflowRun());
            }
            assertThat(j.path("champion").get(0).asText()).isEqualTo(j.path("versions").path("demo-student-int8")
                    .path("version").asText());
        }
    }

    private static JsonNode outputs(MetadataDb db, String run, String step) throws Exception {
        return JsonFields.MAPPER.readTree(db.findStep(run, step).orElseThrow().outputs());
    }
}
