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
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pipeline with real stages (sample data, tokenizer, SFT on DJL in a child JVM) tracked in a real MLflow server,
 * then read back with Python {@code mlflow}: parent and nested runs, parameters, the training loss history,
 * evaluation metrics, artifacts whose downloaded bytes equal the originals, a model version with its aliases.
 */
class MlflowTrackingTest {
    @TempDir
    Path dir;

    @Test
    void pipelineRunIsReadableInMlflow() throws Exception {
        try (MlflowServer mlflow = MlflowServer.start(dir.resolve("mlflow"));
             MetadataDb db = MetadataDb.open("jdbc:sqlite:" + dir.resolve("agentos.db"));
             MlflowTracking tracking = new MlflowTracking(mlflow.uri())) {
            PipelineSpec spec = Pipelines.load(dir, "m.yaml", """
                    pipeline: tracked
                    params:
                      steps: 6
                    steps:
                      data: {uses: sample-data}
                      tokenizer:
                        uses: tokenizer
                        with: {input: "${steps.data.outputs.corpus}", vocab_size: 512}
                      sft:
                        uses: sft
                        with:
                          model.preset: demo-student
                          data.sft: ${steps.data.outputs.sft}
                          data.tokenizer: ${steps.tokenizer.outputs.tokenizer}
                          training: {max_steps: "${params.steps}", seq_len: 256, batch_size: 2, eval_every: 3,
                                     eval_batches: 2, warmup_steps: 1, save_every: 0}
                        register:
                          model: tracked-student
                          aliases: [candidate]
                          champion_when: ${steps.sft.metrics.val_ppl} < 1e9
                    """);
            Executor ex = Pipelines.executor(db, dir.resolve("runs"), tracking);
            String id = ex.createRun(spec, "manual", null);
            RunReport r = ex.execute(id);
            assertThat(r.status()).isEqualTo("SUCCEEDED");
            assertThat(r.trackingUrl()).startsWith(mlflow.uri() + "/#/experiments/");
            Rows.Run run = db.getRun(id);
            Path tokJson = Path.of(r.runDir()).resolve("steps/tokenizer/work/tokenizer/tokenizer.json");
            Rows.Step sft = db.findStep(id, "sft").orElseThrow();
            Path ck = Path.of(JsonFields.MAPPER.readTree(sft.outputs()).get("checkpoint").asText());

            String out = mlflow.python("""
                    import hashlib, json, sys, tempfile, os, mlflow
                    uri, exp, parent = sys.argv[1:4]
                    c = mlflow.MlflowClient(uri)
                    p = c.get_run(parent)
                    nested = {x.info.run_name: x for x in c.search_runs([exp], "tags.`mlflow.parentRunId` = '%s'" % parent)}
                    s = nested["sft"]
                    loss = c.get_metric_history(s.info.run_id, "loss")
                    def sha(path):
                        return hashlib.sha256(open(path, "rb").read()).hexdigest()
                    d = tempfile.mkdtemp()
                    tok = c.download_artifacts(nested["tokenizer"].info.run_id, "tokenizer/tokenizer.json", d)
                    model = c.download_artifacts(s.info.run_id, "model/model.safetensors", d)
                    cand = c.get_model_version_by_alias("tracked-student", "candidate")
                    champ = c.get_model_version_by_alias("tracked-student", "champion")
                    print(json.dumps({
                        "parent_status": p.info.status, "parent_tags": p.data.tags, "parent_params": p.data.params,
                        "nested": sorted(nested), "status": {k: v.info.status for k, v in nested.items()},
                        "sft_params": s.data.params, "sft_metrics": s.data.metrics,
                        "loss_steps": [m.step for m in loss], "loss_values": [m.value for m in loss],
                        "tokenizer_sha": sha(tok), "model_sha": sha(model),
                        "candidate": [cand.version, cand.run_id], "champion": champ.version}))
                    """, mlflow.uri(), run.mlflowExperiment(), run.mlflowRun());
            JsonNode j = JsonFields.MAPPER.readTree(out.strip().lines().reduce((a, b) -> b).orElseThrow());
            assertThat(j.path("parent_status").asText()).isEqualTo("FINISHED");
            assertThat(j.path("parent_tags").path("agentos.pipeline").asText()).isEqualTo("tracked");
            assertThat(j.path("parent_params").path("steps").asText()).isEqualTo("6");
            assertThat(j.path("nested").toString()).isEqualTo("[\"data\",\"sft\",\"tokenizer\"]");
            assertThat(j.path("status").path("sft").asText()).isEqualTo("FINISHED");
            assertThat(j.path("sft_params").path("training.max_steps").asText()).isEqualTo("6");
            assertThat(j.path("sft_params").path("model.preset").asText()).isEqualTo("demo-student");
            assertThat(j.path("sft_params").path("stage.train_examples").asText()).isNotEmpty();
            assertThat(j.path("loss_steps").toString()).isEqualTo("[1,2,3,4,5,6]");
            assertThat(j.path("sft_metrics").has("val_ppl")).isTrue();
            // the loss history equals the one the DB holds
            java.util.List<Double> dbLoss = db.metrics(id, "sft").stream().filter(m -> m.name().equals("loss"))
                    .map(Rows.Metric::value).toList();
            for (int i = 0; i < 6; i++) {
                assertThat(j.path("loss_values").get(i).asDouble()).isEqualTo(dbLoss.get(i));
            }
            assertThat(j.path("tokenizer_sha").asText()).isEqualTo(CacheKeys.fileDigest(tokJson));
            assertThat(j.path("model_sha").asText()).isEqualTo(CacheKeys.fileDigest(ck.resolve("model.safetensors")));
            assertThat(j.path("candidate").get(1).asText()).isEqualTo(sft.mlflowRun());
            assertThat(j.path("champion").asText()).isEqualTo(j.path("candidate").get(0).asText());
        }
    }
}
