package io.llmagentos.evaluation;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.safetensors.TensorInfo;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.quantization.runtime.Logits;
import io.llmagentos.training.Generator;
import io.llmagentos.training.LlamaModel;
import io.llmagentos.training.Sampling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.function.IntConsumer;
import java.util.stream.Stream;

/**
 * A checkpoint directory (HF layout) in DJL, through the training module's {@link LlamaModel} and its KV-cache
 * {@link Generator}. Log-probabilities come from the float32 logits through the same double-precision log-softmax
 * as the ONNX side ({@link Logits#logProb}), so the two backends differ only where their logits do.
 */
public final class DjlEvalModel implements EvalModel {
    private final Path dir;
    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final String precision;
    private final AutoCloseable owned;

    private DjlEvalModel(Path dir, LlamaModel model, Tokenizer tokenizer, String precision, AutoCloseable owned) {
        this.dir = dir;
        this.model = model;
        this.tokenizer = tokenizer;
        this.precision = precision;
        this.owned = owned;
    }

    /** Loads the checkpoint in {@code dir} on {@code device}. */
    public static DjlEvalModel open(Path dir, Device device) throws IOException {
        Checkpoint ck = Checkpoint.open(dir);
        try {
            if (!ck.hasTokenizer()) {
                throw new EvalFormatException(dir + ": no " + Tokenizer.FILE_NAME + " in the checkpoint; evaluation"
                        + " tokenizes the eval set with the model's own tokenizer");
            }
            Tokenizer tok = ck.tokenizer();
            LlamaModel m = LlamaModel.load(ck, device);
            String precision = ck.tensors().stream().map(TensorInfo::dtype).findFirst().map(d -> switch (d) {
                case F32 -> "fp32";
                case F16 -> "fp16";
                default -> d.name().toLowerCase(Locale.ROOT);
            }).orElse("fp32");
            return new DjlEvalModel(dir, m, tok, precision, () -> {
                m.close();
                ck.close();
            });
        } catch (IOException | RuntimeException e) {
            ck.close();
            throw e;
        }
    }

    /** A model someone else owns (closing this leaves it open), e.g. distillation's retention report. */
    public static DjlEvalModel wrap(Path dir, LlamaModel model, Tokenizer tokenizer) {
        return new DjlEvalModel(dir, model, tokenizer, "fp32", () -> { });
    }

    @Override
    public Path dir() {
        return dir;
    }

    @Override
    public String kind() {
        return "checkpoint";
    }

    @Override
    public String precision() {
        return precision;
    }

    @Override
    public LlamaConfig config() {
        return model.config();
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public double[] tokenLogProbs(int[] tokens) {
        if (tokens.length < 2) {
            throw new IllegalArgumentException("scoring needs at least 2 tokens (got " + tokens.length + ")");
        }
        float[] values;
        try (NDManager m = model.manager().newSubManager()) {
            NDArray ids = LlamaModel.ids(m, new int[][] {tokens}).toDevice(model.device(), false);
            values = model.forward(model.weights(), ids, null).toFloatArray();
        }
        Logits logits = new Logits(values, 1, tokens.length, model.config().vocabSize());
        double[] out = new double[tokens.length - 1];
        for (int i = 1; i < tokens.length; i++) {
            out[i - 1] = logits.logProb(0, i - 1, tokens[i]);
        }
        return out;
    }

    /**
     * The rows in one forward pass, padded at the end (a causal model never attends to later positions, so padding
     * changes a row's logits only by float rounding between kernels of different shapes).
     */
    @Override
    public java.util.List<double[]> tokenLogProbs(java.util.List<int[]> rows) {
        int len = 0;
        for (int[] r : rows) {
            if (r.length < 2) {
                throw new IllegalArgumentException("scoring needs at least 2 tokens (got " + r.length + ")");
            }
            len = Math.max(len, r.length);
        }
        int[][] in = new int[rows.size()][len];
        for (int i = 0; i < in.length; i++) {
            System.arraycopy(rows.get(i), 0, in[i], 0, rows.get(i).length);
        }
        float[] values;
        try (NDManager m = model.manager().newSubManager()) {
            NDArray ids = LlamaModel.ids(m, in).toDevice(model.device(), false);
            values = model.forward(model.weights(), ids, null).toFloatArray();
        }
        Logits logits = new Logits(values, in.length, len, model.config().vocabSize());
        java.util.List<double[]> out = new java.util.ArrayList<>(in.length);
        for (int b = 0; b < in.length; b++) {
            int[] r = rows.get(b);
            double[] lp = new double[r.length - 1];
            for (int i = 1; i < r.length; i++) {
                lp[i - 1] = logits.logProb(b, i - 1, r[i]);
            }
            out.add(lp);
        }
        return out;
    }

    @Override
    public int[] greedy(int[] prompt, int maxNewTokens, Set<Integer> stopIds, IntConsumer onToken) {
        int[] all = new Generator(model).generate(prompt, Sampling.greedy(maxNewTokens, new ArrayList<>(stopIds)),
                onToken);
        return Arrays.copyOfRange(all, prompt.length, all.length);
    }

    @Override
    public long weightBytes() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            long n = 0;
            for (Path p : (Iterable<Path>) s::iterator) {
                if (p.getFileName().toString().endsWith(".safetensors") && !p.getFileName().toString()
                        .startsWith("optimizer")) {
                    n += Files.size(p);
                }
            }
            return n;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            owned.close();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(dir + ": closing the model failed: " + e.getMessage(), e);
        }
    }
}
