package io.llmagentos.serving;

import ai.djl.Device;
import io.llmagentos.core.checkpoint.CheckpointWriter;
import io.llmagentos.core.checkpoint.Lineage;
import io.llmagentos.core.config.GenerationConfig;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.safetensors.DType;
import io.llmagentos.core.tokenizer.BpeTrainer;
import io.llmagentos.core.tokenizer.BpeTrainerConfig;
import io.llmagentos.core.tokenizer.PreTokenizerStyle;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.datasets.sample.SampleData;
import io.llmagentos.quantization.export.OnnxExportConfig;
import io.llmagentos.quantization.export.OnnxExporter;
import io.llmagentos.testsupport.TempDirectory;
import io.llmagentos.training.LlamaModel;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Exported models for the serving tests, made once per JVM: a byte-level BPE tokenizer trained on the bundled
 * field-service text (with ChatML's special tokens), a small random Llama (DJL) in a checkpoint, and its ONNX
 * export by the quantization stage's {@link OnnxExporter} (which checks the export in ONNX Runtime). The
 * weights are scaled so that logits spread (order 1), which keeps greedy choices away from near-ties.
 */
public final class TestModels {
    public static final String EOS = "<|endoftext|>";
    private static final Map<String, Path> MADE = new HashMap<>();
    private static TempDirectory root;
    private static Tokenizer tokenizer;

    private TestModels() {
    }

    /** The export of the random model with {@code seed} (layers 2, hidden 64, 4 heads over 2 kv heads, context 256). */
    public static Path exported(long seed) throws Exception {
        return exported(seed, 256);
    }

    /**
     * The same model with a longer context: requests of over 1,000 tokens stay in flight long enough, whatever the
     * machine's speed, for tests that must catch them running (drain, deadlines).
     */
    public static Path exported(long seed, int context) throws Exception {
        return exported(seed, context, 64, 2);
    }

    /**
     * A model of another size ({@code hidden} wide, intermediate 2 × hidden, {@code layers} deep, hidden / 16 heads
     * over half as many kv heads): for tests whose subject is time per step, e.g. a load test on a model whose decode
     * step is milliseconds, as a real edge model's is, rather than the 0.5 ms of the default one.
     */
    public static synchronized Path exported(long seed, int context, int hidden, int layers) throws Exception {
        String key = seed + "-" + context + "-" + hidden + "x" + layers;
        Path p = MADE.get(key);
        if (p == null) {
            if (root == null) {
                root = new TempDirectory("serving-models");
                Runtime.getRuntime().addShutdownHook(new Thread(root::close));
            }
            p = build(root.path(), seed, context, hidden, layers);
            MADE.put(key, p);
        }
        return p;
    }

    public static synchronized Tokenizer tokenizer() {
        if (tokenizer == null) {
            BpeTrainerConfig cfg = new BpeTrainerConfig(384, 2, List.of(EOS, "<|im_start|>", "<|im_end|>"),
                    PreTokenizerStyle.LLAMA3);
            tokenizer = new BpeTrainer(cfg).train(SampleData.fieldServiceDocuments(), ProgressListener.NONE);
        }
        return tokenizer;
    }

    private static Path build(Path dir, long seed, int context, int hidden, int layers) throws Exception {
        Tokenizer tok = tokenizer();
        int eos = tok.tokenId(EOS).getAsInt();
        int heads = Math.max(4, hidden / 16);
        LlamaConfig c = LlamaConfig.of(tok.vocabSize(), hidden, 2 * hidden, layers, heads, heads / 2, context)
                .withTokenIds(eos, List.of(eos), eos);
        boolean standard = hidden == 64 && layers == 2;
        String size = standard ? "" : "-" + hidden + "x" + layers;
        Path ckpt = dir.resolve("checkpoint-" + seed + "-" + context + size);
        try (LlamaModel m = LlamaModel.random(c, seed, Device.cpu())) {
            SplittableRandom r = new SplittableRandom(seed + 1);
            for (String name : c.expectedTensors().keySet()) {
                float[] v = m.weight(name).toFloatArray();
                boolean norm = m.weight(name).getShape().dimension() == 1;
                for (int i = 0; i < v.length; i++) {
                    v[i] = norm ? (float) (1 + 0.2 * r.nextGaussian()) : v[i] * 4;
                }
                m.setWeight(name, v);
            }
            try (CheckpointWriter w = CheckpointWriter.create(ckpt, c, m.tensorSpecs(DType.F32), Map.of("format", "pt"))) {
                m.writeWeights(w.weights());
                w.generationConfig(GenerationConfig.greedy(eos, List.of(eos), eos, 48)).tokenizer(tok)
                        .lineage(Lineage.of("test", null, "sha256:test-data", Map.of(), Map.of(), seed));
                w.commit();
            }
        }
        Path out = dir.resolve((context == 256 ? "onnx-" + seed : "onnx-" + seed + "-ctx" + context) + size);
        new OnnxExporter(OnnxExportConfig.defaults()).export(ckpt, out, ProgressListener.NONE);
        return out;
    }
}
