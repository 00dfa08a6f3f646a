package io.llmagentos.evaluation;

import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.quantization.runtime.OrtCausalLm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * An exported ONNX directory ({@code agentos export onnx}, or {@code agentos quantize}'s INT8 one) in ONNX Runtime,
 * through the quantization module's {@link OrtCausalLm} (Optimum's decoder I/O, KV cache). Owns one session.
 */
public final class OnnxEvalModel implements EvalModel {
    private final OrtCausalLm lm;
    private final Tokenizer tokenizer;

    private OnnxEvalModel(OrtCausalLm lm, Tokenizer tokenizer) {
        this.lm = lm;
        this.tokenizer = tokenizer;
    }

    /** Opens {@code dir/modelFile} with {@code threads} intra-op threads. */
    public static OnnxEvalModel open(Path dir, String modelFile, int threads) throws IOException {
        if (!Files.isRegularFile(dir.resolve(Tokenizer.FILE_NAME))) {
            throw new EvalFormatException(dir + ": no " + Tokenizer.FILE_NAME + " beside " + modelFile
                    + "; evaluation tokenizes the eval set with the model's own tokenizer (agentos export onnx copies it)");
        }
        Tokenizer tok = Tokenizer.load(dir);
        OrtCausalLm lm = OrtCausalLm.open(dir, OrtCausalLm.Options.defaults().withModelFile(modelFile)
                .withThreads(threads));
        return new OnnxEvalModel(lm, tok);
    }

    /** The session, for callers that need Optimum-level access. */
    public OrtCausalLm runtime() {
        return lm;
    }

    @Override
    public Path dir() {
        return lm.dir();
    }

    @Override
    public String kind() {
        return "onnx";
    }

    @Override
    public String precision() {
        return lm.metadata().containsKey("agentos.quantization") ? "int8" : "fp32";
    }

    @Override
    public LlamaConfig config() {
        return lm.config();
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public double[] tokenLogProbs(int[] tokens) throws IOException {
        return lm.tokenLogProbs(tokens);
    }

    @Override
    public int[] greedy(int[] prompt, int maxNewTokens, Set<Integer> stopIds, IntConsumer onToken) throws IOException {
        int[] all = lm.generate(prompt, maxNewTokens, stopIds, onToken);
        return Arrays.copyOfRange(all, prompt.length, all.length);
    }

    @Override
    public long weightBytes() throws IOException {
        Path f = lm.modelFile();
        long n = Files.size(f);
        Path data = f.resolveSibling(f.getFileName() + "_data");
        if (Files.isRegularFile(data)) {
            n += Files.size(data);
        }
        return n;
    }

    @Override
    public void close() throws IOException {
        lm.close();
    }
}
