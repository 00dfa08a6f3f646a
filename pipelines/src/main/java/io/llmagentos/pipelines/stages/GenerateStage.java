package io.llmagentos.pipelines.stages;

import ai.djl.Device;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.pipelines.spec.Isolation;
import io.llmagentos.pipelines.stage.Stage;
import io.llmagentos.pipelines.stage.StageContext;
import io.llmagentos.pipelines.stage.StageOutput;
import io.llmagentos.pipelines.stage.StageParam;
import io.llmagentos.pipelines.stage.StageResult;
import io.llmagentos.training.Generator;
import io.llmagentos.training.LlamaModel;
import io.llmagentos.training.Sampling;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code uses: generate}: greedy generation from a checkpoint in DJL with the KV cache, written to
 * {@code generation.json} (prompt, continuation, token ids). Runs in a child JVM (libtorch).
 */
public final class GenerateStage implements Stage {
    @Override
    public String name() {
        return "generate";
    }

    @Override
    public String description() {
        return "Greedy generation from a checkpoint (DJL, KV cache); writes generation.json.";
    }

    @Override
    public Isolation isolation() {
        return Isolation.CHILD_JVM;
    }

    @Override
    public List<StageParam> params() {
        return List.of(StageParam.required("checkpoint", StageParam.Type.PATH, "HF-layout checkpoint with tokenizer.json."),
                StageParam.optional("prompt", StageParam.Type.STRING, "To replace the hydraulic filter,", "Prompt text."),
                StageParam.optional("max_new_tokens", StageParam.Type.INT, "40", "Tokens to generate at most."));
    }

    @Override
    public List<StageOutput> outputs() {
        return List.of(StageOutput.value("text", "the continuation"),
                StageOutput.path("file", "generation.json: prompt, continuation and token ids"));
    }

    @Override
    public StageResult run(StageContext ctx) throws Exception {
        String prompt = ctx.string("prompt");
        int n = (int) ctx.integer("max_new_tokens");
        if (n < 1) {
            throw new IllegalArgumentException("step " + ctx.stepId() + ": with.max_new_tokens must be >= 1 (got " + n + ")");
        }
        long t0 = System.nanoTime();
        int[] promptIds;
        int[] tokens;
        String text;
        try (Checkpoint ck = Checkpoint.open(ctx.path("checkpoint"));
             LlamaModel model = LlamaModel.load(ck, Device.cpu())) {
            Tokenizer tok = ck.tokenizer();
            promptIds = tok.encode(prompt);
            tokens = new Generator(model).generate(promptIds, Sampling.greedy(n, model.config().eosTokenIds()), t -> { });
            text = tok.decode(Arrays.copyOfRange(tokens, promptIds.length, tokens.length), true);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        int generated = tokens.length - promptIds.length;
        Path file = ctx.workDir().resolve("generation.json");
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("checkpoint", ctx.string("checkpoint"));
        j.put("prompt", prompt);
        j.put("continuation", text);
        j.put("prompt_ids", promptIds);
        j.put("generated_ids", Arrays.copyOfRange(tokens, promptIds.length, tokens.length));
        JsonFields.MAPPER.writeValue(file.toFile(), j);
        ctx.log().println("  " + prompt + text.replace("\n", "\n  "));
        ctx.log().printf(java.util.Locale.ROOT, "%d new tokens in %.2f s -> %s%n", generated, secs, file);
        return StageResult.builder().output("text", text).output("file", file).metric("new_tokens", generated)
                .metric("seconds", secs).artifact("generation.json", file).build();
    }
}
