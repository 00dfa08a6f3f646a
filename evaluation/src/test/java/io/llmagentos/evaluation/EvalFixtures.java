package io.llmagentos.evaluation;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.checkpoint.CheckpointWriter;
import io.llmagentos.core.config.GenerationConfig;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.safetensors.DType;
import io.llmagentos.core.tokenizer.BpeTrainer;
import io.llmagentos.core.tokenizer.BpeTrainerConfig;
import io.llmagentos.core.tokenizer.PreTokenizerStyle;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.quantization.Int8Quantizer;
import io.llmagentos.quantization.QuantizeOptions;
import io.llmagentos.quantization.export.OnnxExportConfig;
import io.llmagentos.quantization.export.OnnxExporter;
import io.llmagentos.testsupport.RepoPaths;
import io.llmagentos.training.LlamaModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A tiny random-weight model, made once per test JVM: a 320-token BPE tokenizer trained on the sample calibration
 * set, a 2-layer GQA checkpoint (weights scaled so logits are of order 1), its FP32 ONNX export and its dynamic INT8
 * quantization; plus a small eval set (the first lines of the sample one and two long texts that need sliding
 * windows).
 */
final class EvalFixtures {
    static final Path SAMPLE_EVAL = RepoPaths.root().resolve("datasets-sample/data/eval.jsonl");
    private static EvalFixtures shared;

    final Path root;
    final Path checkpoint;
    final Path onnx;
    final Path int8;
    final Path smallEval;

    private EvalFixtures(Path root) throws Exception {
        this.root = root;
        List<String> texts = new ArrayList<>();
        for (String line : Files.readAllLines(RepoPaths.root().resolve("datasets-sample/data/calibration.jsonl"))) {
            texts.add(JsonFields.MAPPER.readTree(line).get("text").asText());
        }
        Tokenizer tok = new BpeTrainer(new BpeTrainerConfig(320, 2, List.of("<|endoftext|>"), PreTokenizerStyle.LLAMA3))
                .train(texts, ProgressListener.NONE);
        int eos = tok.tokenId("<|endoftext|>").orElseThrow();
        LlamaConfig c = LlamaConfig.of(tok.vocabSize(), 64, 112, 2, 4, 2, 256).withTokenIds(eos, List.of(eos), eos);
        checkpoint = root.resolve("ckpt");
        try (LlamaModel m = LlamaModel.random(c, 11, Device.cpu())) {
            SplittableRandom r = new SplittableRandom(12);
            for (String name : c.expectedTensors().keySet()) {
                float[] v = m.weight(name).toFloatArray();
                boolean norm = m.weight(name).getShape().dimension() == 1;
                for (int i = 0; i < v.length; i++) {
                    v[i] = norm ? (float) (1 + 0.2 * r.nextGaussian()) : v[i] * 4;
                }
                m.setWeight(name, v);
            }
            try (CheckpointWriter w = CheckpointWriter.create(checkpoint, c, m.tensorSpecs(DType.F32),
                    Map.of("format", "pt"))) {
                m.writeWeights(w.weights());
                w.tokenizer(tok).generationConfig(GenerationConfig.greedy(eos, List.of(eos), eos, 16));
                w.commit();
            }
        }
        onnx = root.resolve("onnx");
        new OnnxExporter(OnnxExportConfig.defaults()).export(checkpoint, onnx, ProgressListener.NONE);
        int8 = root.resolve("int8");
        Int8Quantizer.run(onnx, int8, QuantizeOptions.dynamic(), ProgressListener.NONE);

        smallEval = root.resolve("small-eval.jsonl");
        List<String> lines = new ArrayList<>(Files.readAllLines(SAMPLE_EVAL).subList(0, 24));
        for (int i = 0; i < 2; i++) {
            ObjectNode o = JsonFields.MAPPER.createObjectNode();
            o.put("type", "text");
            o.put("id", "long-" + i);
            o.put("text", String.join(" ", texts.subList(10 * i, 10 * i + 8)));
            lines.add(JsonFields.LINE.writeValueAsString(o));
        }
        Files.write(smallEval, lines, StandardCharsets.UTF_8);
    }

    static synchronized EvalFixtures get() throws Exception {
        if (shared == null) {
            Path root = Files.createTempDirectory("agentos-eval-fixture-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(root)));
            shared = new EvalFixtures(root);
        }
        return shared;
    }

    /** Options for the tests: windows of 32 tokens moving by 16 (the long texts need several), short latency. */
    static EvalOptions options() {
        return EvalOptions.defaults().withPerplexityWindow(32, 16).withLatency(2, 8).withMaxNewTokens(8);
    }

    private static void delete(Path root) {
        try (var s = Files.walk(root)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }
}
