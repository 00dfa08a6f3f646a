package io.llmagentos.training;

import static io.llmagentos.training.LmTrainer.OBJECTIVE_FILE;
import static io.llmagentos.training.LmTrainer.OPTIMIZER_FILE;
import static io.llmagentos.training.LmTrainer.STATE_FILE;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.checkpoint.CheckpointWriter;
import io.llmagentos.core.checkpoint.Lineage;
import io.llmagentos.core.config.GenerationConfig;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.internal.Files2;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.safetensors.DType;
import io.llmagentos.core.safetensors.SafetensorsFile;
import io.llmagentos.core.safetensors.SafetensorsWriter;
import io.llmagentos.core.safetensors.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a run writes as checkpoints in its output directory, and resuming from them.
 *
 * <p>{@code checkpoint-N/} is resumable: the weights in F32, the AdamW moments ({@value LmTrainer#OPTIMIZER_FILE}),
 * the objective's own tensors ({@value LmTrainer#OBJECTIVE_FILE}, when it has any), the LoRA adapters, and
 * {@value LmTrainer#STATE_FILE} (step, validation history, the config); only the newest
 * {@code training.keep_checkpoints} are kept. Resuming refuses a checkpoint whose config differs in a setting
 * that decides which step sees what. {@code final/} is the HF checkpoint in {@code save_dtype} with LoRA
 * merged, {@code adapter/} the PEFT files. Every checkpoint carries the tokenizer, a greedy generation config
 * and the run's lineage.
 */
final class TrainCheckpoints {
    // under the loop's name, which is where users look for (and configure) training logs
    private static final Logger LOG = LoggerFactory.getLogger(LmTrainer.class);
    private static final String ADAPTER = "adapter";

    private final RunContext run;
    private final TrainConfig cfg;
    private final Path out;
    private final AdamW adamw;
    private final Replicas replicas;
    private final Map<String, Parameter> trainable;
    private final Validation validation;
    private final MetricsLog metricsLog;

    TrainCheckpoints(RunContext run, AdamW adamw, Replicas replicas, Map<String, Parameter> trainable,
            Validation validation, MetricsLog metricsLog) {
        this.run = run;
        this.cfg = run.cfg();
        this.out = run.out();
        this.adamw = adamw;
        this.replicas = replicas;
        this.trainable = trainable;
        this.validation = validation;
        this.metricsLog = metricsLog;
    }

    /** Deletes what an earlier run left in the output directory (checkpoints, metrics, summary). */
    void clearOldRun() throws IOException {
        try (Stream<Path> s = Files.list(out)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith("checkpoint-") || n.equals("final") || n.equals(ADAPTER)
                        || n.equals(MetricsLog.FILE) || n.equals(TrainSummary.FILE)) {
                    Files2.deleteRecursively(p);
                }
            }
        }
    }

    private Lineage lineage(int step, double lastLoss) throws IOException {
        Map<String, Object> p = new LinkedHashMap<>(cfg.flatten());
        p.putAll(run.runParameters());
        Map<String, Double> m = new LinkedHashMap<>();
        if (!Double.isNaN(lastLoss)) {
            m.put("train_loss", lastLoss);
        }
        Double lastVal = validation.last();
        if (lastVal != null) {
            m.put("val_loss", lastVal);
            m.put("val_ppl", Math.exp(lastVal));
        }
        m.put("steps", (double) step);
        Checkpoint base = run.base();
        return Lineage.of(run.stage(), base == null ? null : base.dir().toAbsolutePath().toString(),
                run.data().digest(), p, m, cfg.seed()).withEnvironment("djl", Engine.getDjlVersion())
                .withEnvironment("engine", Engine.getInstance().getEngineName() + " "
                        + Engine.getInstance().getVersion());
    }

    private GenerationConfig generation() {
        LlamaConfig c = run.model().config();
        return GenerationConfig.greedy(c.bosTokenId(), c.eosTokenIds(), c.padTokenId(), 128);
    }

    /** Writes {@code checkpoint-step/} ({@code lastLoss}: the step's training loss, for lineage). */
    void saveResumable(int step, double lastLoss) throws IOException {
        LlamaModel model = run.model();
        Path dir = out.resolve("checkpoint-" + step);
        Files2.deleteRecursively(dir);
        try (CheckpointWriter w = CheckpointWriter.create(dir, model.config(), model.tensorSpecs(DType.F32),
                Map.of("format", "pt"))) {
            model.writeWeights(w.weights());
            w.tokenizer(run.tok()).generationConfig(generation()).lineage(lineage(step, lastLoss));
            Map<String, NDArray> st = adamw.state();
            List<TensorSpec> specs = new ArrayList<>();
            st.forEach((n, a) -> specs.add(new TensorSpec(n, DType.F32, a.getShape().getShape())));
            try (SafetensorsWriter ow = new SafetensorsWriter(w.stagingDir().resolve(OPTIMIZER_FILE), specs,
                    Map.of("step", Integer.toString(step)))) {
                for (var e : st.entrySet()) {
                    ow.writeFloats(e.getKey(), e.getValue().toFloatArray());
                }
            }
            if (run.lora() != null) {
                run.lora().savePeft(w.stagingDir().resolve(ADAPTER), run.base().dir().toAbsolutePath().toString());
            }
            Map<String, Parameter> extra = run.objective().parameters();
            if (!extra.isEmpty()) {
                List<TensorSpec> es = new ArrayList<>();
                extra.forEach((n, p) -> es.add(new TensorSpec(n, DType.F32, p.getArray().getShape().getShape())));
                try (SafetensorsWriter ow = new SafetensorsWriter(w.stagingDir().resolve(OBJECTIVE_FILE), es,
                        Map.of("step", Integer.toString(step)))) {
                    for (var e : extra.entrySet()) {
                        ow.writeFloats(e.getKey(), e.getValue().getArray().toFloatArray());
                    }
                }
            }
            ObjectNode s = JsonFields.MAPPER.createObjectNode();
            s.put("step", step);
            s.put("examples_seen", (long) step * cfg.intOpt("training.grad_accum") * cfg.batchSize());
            s.put("stage", run.stage());
            if (validation.best() != null) {
                s.put("best_val_loss", validation.best());
            }
            if (validation.first() != null) {
                s.put("initial_val_loss", validation.first());
            }
            s.put("evals_without_improvement", validation.badEvals());
            ObjectNode c = s.putObject("config");
            cfg.flatten().forEach(c::put);
            JsonFields.MAPPER.writeValue(w.stagingDir().resolve(STATE_FILE).toFile(), s);
            w.commit();
        }
        prune();
        LOG.info("step {}: resumable checkpoint -> {}", step, dir);
    }

    private void prune() throws IOException {
        int keep = cfg.intOpt("training.keep_checkpoints");
        List<Integer> steps = checkpointSteps();
        for (int i = 0; i < steps.size() - keep; i++) {
            Files2.deleteRecursively(out.resolve("checkpoint-" + steps.get(i)));
        }
    }

    private List<Integer> checkpointSteps() throws IOException {
        List<Integer> steps = new ArrayList<>();
        try (Stream<Path> s = Files.list(out)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (n.matches("checkpoint-\\d+") && Files.isRegularFile(p.resolve(STATE_FILE))) {
                    steps.add(Integer.parseInt(n.substring("checkpoint-".length())));
                }
            }
        }
        steps.sort(null);
        return steps;
    }

    /**
     * Loads the newest resumable checkpoint (weights, adapters, objective tensors, optimizer moments, validation
     * history; metrics cut back to its step); returns its step. Without one, clears the old run and returns 0.
     */
    int restore() throws IOException {
        List<Integer> steps = checkpointSteps();
        if (steps.isEmpty()) {
            LOG.info("no resumable checkpoint in {}; starting from step 0", out);
            clearOldRun();
            return 0;
        }
        int step = steps.get(steps.size() - 1);
        Path dir = out.resolve("checkpoint-" + step);
        JsonNode s = JsonFields.readObject(dir.resolve(STATE_FILE));
        JsonNode saved = s.get("config");
        for (String k : List.of("mode", "training.seq_len", "training.batch_size", "training.grad_accum",
                "training.seed", "training.max_steps", "data.shards", "data.sft", "data.max_train_examples")) {
            String now = cfg.flatten().get(k);
            JsonNode then = saved == null ? null : saved.get(k);
            if ((then == null ? null : then.asText()) != null && !then.asText().equals(now)) {
                throw new IOException(dir.resolve(STATE_FILE) + ": the run was started with " + k + " = "
                        + then.asText() + " but the config now says " + now + "; resuming would not continue the "
                        + "same run (start a new output directory instead)");
            }
        }
        LlamaModel model = run.model();
        try (Checkpoint ck = Checkpoint.open(dir)) {
            for (String n : model.parameters().keySet()) {
                model.setWeight(n, ck.readFloats(n));
            }
        }
        if (run.lora() != null) {
            run.lora().loadPeft(dir.resolve(ADAPTER));
        }
        Map<String, Parameter> extra = run.objective().parameters();
        if (!extra.isEmpty()) {
            Path ef = dir.resolve(OBJECTIVE_FILE);
            if (!Files.isRegularFile(ef)) {
                throw new IOException(ef + " is missing: the checkpoint was written without this objective's "
                        + "tensors " + extra.keySet() + "; resume with the settings the run was started with");
            }
            try (SafetensorsFile f = SafetensorsFile.open(ef)) {
                for (var e : extra.entrySet()) {
                    if (!f.contains(e.getKey())) {
                        throw new IOException(ef + ": no tensor " + e.getKey() + "; resume with the settings the "
                                + "run was started with");
                    }
                    NDArray a = e.getValue().getArray();
                    try (NDArray v = LlamaModel.owned(a.getManager().create(f.readFloats(e.getKey()), a.getShape()))
                            .toDevice(a.getDevice(), false)) {
                        LlamaModel.copyInto(a, v);
                    }
                }
            }
        }
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(OPTIMIZER_FILE))) {
            for (var e : trainable.entrySet()) {
                String n = e.getKey();
                if (f.contains("m." + n)) {
                    adamw.restore(n, f.readFloats("m." + n), f.readFloats("v." + n), e.getValue().getArray());
                }
            }
        }
        replicas.broadcastAll();
        validation.restore(s.has("best_val_loss") ? s.get("best_val_loss").asDouble() : null,
                s.has("initial_val_loss") ? s.get("initial_val_loss").asDouble() : null,
                s.path("evals_without_improvement").asInt());
        metricsLog.truncate(step);
        LOG.info("resuming from {} (step {})", dir, step);
        return step;
    }

    /** Writes {@code final/} (LoRA merged); fails when a merge changed nothing, i.e. the adapters did not train. */
    Path saveFinal(int step, double lastLoss) throws IOException {
        LlamaModel model = run.model();
        Lora lora = run.lora();
        Path dir = out.resolve("final");
        Files2.deleteRecursively(dir);
        Map<String, float[]> merged = lora == null ? Map.of() : lora.merged(model);
        if (lora != null && merged.entrySet().stream().allMatch(e ->
                Arrays.equals(e.getValue(), model.weight(e.getKey()).toFloatArray()))) {
            throw new IllegalStateException("the LoRA merge changed no weight: the adapters did not train "
                    + "(check training.lr and that the chat records have assistant turns)");
        }
        try (CheckpointWriter w = CheckpointWriter.create(dir, model.config(), model.tensorSpecs(cfg.saveDtype()),
                Map.of("format", "pt"))) {
            for (var e : model.parameters().entrySet()) {
                float[] v = merged.containsKey(e.getKey()) ? merged.get(e.getKey())
                        : e.getValue().getArray().toFloatArray();
                w.weights().writeFloats(e.getKey(), v);
            }
            w.tokenizer(run.tok()).generationConfig(generation()).lineage(lineage(step, lastLoss));
            w.commit();
        }
        return dir;
    }

    /** Writes {@code adapter/}: the PEFT files of a LoRA run. */
    void saveAdapter() throws IOException {
        Path adapter = adapterDir();
        Files2.deleteRecursively(adapter);
        run.lora().savePeft(adapter, run.base().dir().toAbsolutePath().toString());
    }

    Path adapterDir() {
        return out.resolve(ADAPTER);
    }
}
