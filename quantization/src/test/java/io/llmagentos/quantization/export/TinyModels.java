package io.llmagentos.quantization.export;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.llmagentos.core.checkpoint.CheckpointWriter;
import io.llmagentos.core.checkpoint.Lineage;
import io.llmagentos.core.config.GenerationConfig;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.config.RopeScaling;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.safetensors.DType;
import io.llmagentos.core.tokenizer.BpeTrainer;
import io.llmagentos.core.tokenizer.BpeTrainerConfig;
import io.llmagentos.core.tokenizer.PreTokenizerStyle;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.testsupport.MixedText;
import io.llmagentos.training.KvCache;
import io.llmagentos.training.LlamaModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Tiny random Llama models (DJL) written as checkpoints, and their DJL logits: the sources the exports are checked against. */
public final class TinyModels {
    private TinyModels() {
    }

    /**
     * Named shapes: "mha" (4 heads = 4 kv heads, untied, default rope), "gqa" (4 heads over 2 kv heads),
     * "gqa-tied-llama3" (6 heads over 2, tied embeddings, llama3 rope scaling), "linear" and "dynamic" rope
     * scaling (dynamic with max_position_embeddings 12, so sequences past it change the base).
     */
    public static LlamaConfig config(String name) {
        return switch (name) {
            case "mha" -> LlamaConfig.of(96, 64, 112, 2, 4, 4, 64).withTokenIds(1, List.of(2), 0);
            case "gqa" -> LlamaConfig.of(96, 64, 112, 2, 4, 2, 64).withTokenIds(1, List.of(2), 0);
            case "gqa-tied-llama3" -> new LlamaConfig(80, 48, 96, 3, 6, 2, 8, 64, 1e-5, 500000.0,
                    new RopeScaling("llama3", 8.0, Map.of("low_freq_factor", 1.0, "high_freq_factor", 4.0,
                            "original_max_position_embeddings", 16)),
                    true, 1, List.of(2), 0, Map.of());
            case "linear" -> new LlamaConfig(64, 32, 64, 2, 2, 1, 16, 64, 1e-6, 10000.0,
                    new RopeScaling("linear", 4.0, Map.of()), false, 1, List.of(2), 0, Map.of());
            case "dynamic" -> new LlamaConfig(64, 32, 64, 2, 2, 1, 16, 12, 1e-6, 10000.0,
                    new RopeScaling("dynamic", 2.0, Map.of()), false, 1, List.of(2), 0, Map.of());
            default -> throw new IllegalArgumentException(name);
        };
    }

    /**
     * Random weights with logits of order 1 (the 0.02 init gives logits near 0, where a wrong tensor could hide
     * under the tolerance) and norm weights away from 1 (so a dropped or swapped norm shows).
     */
    public static LlamaModel model(LlamaConfig c, long seed) {
        LlamaModel m = LlamaModel.random(c, seed, Device.cpu());
        SplittableRandom r = new SplittableRandom(seed + 1);
        for (String name : c.expectedTensors().keySet()) {
            float[] v = m.weight(name).toFloatArray();
            boolean norm = m.weight(name).getShape().dimension() == 1;
            for (int i = 0; i < v.length; i++) {
                v[i] = norm ? (float) (1 + 0.2 * r.nextGaussian()) : v[i] * 4;
            }
            m.setWeight(name, v);
        }
        return m;
    }

    /** Writes {@code m} as a checkpoint the way training's final save does. */
    public static Path save(LlamaModel m, Path dir) throws Exception {
        LlamaConfig c = m.config();
        try (CheckpointWriter w = CheckpointWriter.create(dir, c, m.tensorSpecs(DType.F32), Map.of("format", "pt"))) {
            m.writeWeights(w.weights());
            w.generationConfig(GenerationConfig.greedy(c.bosTokenId(), c.eosTokenIds(), c.padTokenId(), 16))
                    .lineage(Lineage.of("test", null, "sha256:test-data", Map.of(), Map.of(), 7L));
            return w.commit();
        }
    }

    /** A checkpoint with a tokenizer beside it, as training writes one. */
    public record WithTokenizer(Path checkpoint, Tokenizer tokenizer, int eos) {
    }

    /**
     * A GQA model whose vocabulary is a 320-token byte-level BPE tokenizer trained on mixed text (EOS and PAD =
     * {@code <|endoftext|>}), saved with tokenizer, generation config and lineage.
     */
    public static WithTokenizer checkpointWithTokenizer(Path dir, long seed) throws Exception {
        Tokenizer tok = new BpeTrainer(new BpeTrainerConfig(320, 2, List.of("<|endoftext|>", "<|im_start|>",
                "<|im_end|>"), PreTokenizerStyle.LLAMA3)).train(MixedText.lines(3, 40_000), ProgressListener.NONE);
        if (tok.vocabSize() != 320) {
            throw new IllegalStateException("tokenizer has " + tok.vocabSize() + " tokens, expected 320");
        }
        int eos = tok.tokenId("<|endoftext|>").orElseThrow();
        LlamaConfig c = LlamaConfig.of(320, 64, 112, 2, 4, 2, 128).withTokenIds(null, List.of(eos), eos);
        try (LlamaModel m = model(c, seed);
             CheckpointWriter w = CheckpointWriter.create(dir, c, m.tensorSpecs(DType.F32), Map.of("format", "pt"))) {
            m.writeWeights(w.weights());
            w.tokenizer(tok).generationConfig(GenerationConfig.greedy(null, List.of(eos), eos, 16))
                    .lineage(Lineage.of("test", null, null, Map.of(), Map.of(), seed));
            w.commit();
        }
        return new WithTokenizer(dir, tok, eos);
    }

    /** DJL logits {@code [batch, seq, vocab]} flattened, no cache. */
    public static float[] djlLogits(LlamaModel m, int[][] ids) {
        try (NDManager mm = m.manager().newSubManager()) {
            NDArray logits = m.forward(m.weights(), LlamaModel.ids(mm, ids), null);
            return logits.toFloatArray();
        }
    }

    /** DJL logits of one row fed in chunks through its KV cache (the first chunk, then one token at a time). */
    public static float[] djlCachedLogits(LlamaModel m, int[] ids, int prefix) {
        int vocab = m.config().vocabSize();
        float[] out = new float[ids.length * vocab];
        try (NDManager mm = m.manager().newSubManager(); KvCache cache = new KvCache(mm, m.config().numHiddenLayers())) {
            int pos = 0;
            while (pos < ids.length) {
                int len = pos == 0 ? prefix : 1;
                int[] chunk = java.util.Arrays.copyOfRange(ids, pos, pos + len);
                try (NDManager step = mm.newSubManager()) {
                    float[] l = m.forward(m.weights(), LlamaModel.ids(step, new int[][] {chunk}), cache).toFloatArray();
                    System.arraycopy(l, 0, out, pos * vocab, l.length);
                }
                pos += len;
            }
        }
        return out;
    }

    public static int[][] ids(int vocab, int rows, int len, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[][] ids = new int[rows][len];
        for (int[] row : ids) {
            for (int j = 0; j < len; j++) {
                row[j] = r.nextInt(vocab);
            }
        }
        return ids;
    }
}
