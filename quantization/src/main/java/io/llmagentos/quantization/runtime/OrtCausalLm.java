package io.llmagentos.quantization.runtime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.llmagentos.core.config.LlamaConfig;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * A causal language model exported to ONNX (a directory with {@code config.json} and a model file with
 * Optimum's decoder I/O: {@code input_ids}, {@code attention_mask}, optional {@code position_ids},
 * {@code past_key_values.N.key|value} → {@code logits}, {@code present.N.key|value}), run with ONNX
 * Runtime's CPU provider. Forward passes with or without a KV cache, greedy generation, and per-token
 * log-likelihoods for perplexity. Any model file of the directory opens (e.g. {@code model.onnx},
 * {@code model_int8.onnx}); the cache layout is read from the model's own inputs.
 *
 * <p>Owns its ONNX Runtime session: close it (try-with-resources). One instance is not meant for
 * concurrent calls.
 */
public final class OrtCausalLm implements AutoCloseable {
    public static final String MODEL_FILE = "model.onnx";
    public static final int DEFAULT_THREADS = 2;
    public static final String THREADS_DOC = "ONNX Runtime intra-op threads (a decode step is one small matrix-vector"
            + " product per layer: more threads than cores only adds overhead).";
    public static final String SPINNING_DOC = "Let ONNX Runtime's idle intra-op threads spin instead of sleeping. Off by"
            + " default: on 2 shared cores spinning made 2-thread decode 2-4x slower (5.6-11 vs 20-21 tokens/s on a"
            + " 100M model); it only helps on cores nothing else wants.";

    /**
     * How to open a model.
     *
     * @param modelFile      the model file's name inside the directory
     * @param intraOpThreads ONNX Runtime intra-op threads
     * @param spinning       whether idle intra-op threads spin ({@link #SPINNING_DOC})
     */
    public record Options(String modelFile, int intraOpThreads, boolean spinning) {
        public Options {
            if (modelFile == null || modelFile.isBlank() || modelFile.contains("/") || modelFile.contains("\\")) {
                throw new IllegalArgumentException("model file must be a plain file name in the model directory (got "
                        + modelFile + ")");
            }
            if (intraOpThreads < 1) {
                throw new IllegalArgumentException("intra-op threads must be >= 1 (got " + intraOpThreads + ")");
            }
        }

        public static Options defaults() {
            return new Options(MODEL_FILE, DEFAULT_THREADS, false);
        }

        public Options withModelFile(String file) {
            return new Options(file, intraOpThreads, spinning);
        }

        public Options withThreads(int threads) {
            return new Options(modelFile, threads, spinning);
        }

        public Options withSpinning(boolean spin) {
            return new Options(modelFile, intraOpThreads, spin);
        }
    }

    private final OrtEnvironment env;
    private final OrtSession session;
    private final Path dir;
    private final Path modelFile;
    private final LlamaConfig config;
    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private final boolean hasPositionIds;
    private final Map<String, String> metadata;

    private OrtCausalLm(OrtEnvironment env, OrtSession session, Path dir, Path modelFile, LlamaConfig config,
                        int layers, int kvHeads, int headDim, boolean hasPositionIds, Map<String, String> metadata) {
        this.env = env;
        this.session = session;
        this.dir = dir;
        this.modelFile = modelFile;
        this.config = config;
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.hasPositionIds = hasPositionIds;
        this.metadata = metadata;
    }

    /** Opens {@code dir/model.onnx} with {@value #DEFAULT_THREADS} intra-op threads. */
    public static OrtCausalLm open(Path dir) throws IOException {
        return open(dir, Options.defaults());
    }

    /** Opens the model file {@code options.modelFile()} of {@code dir}; bad files are errors naming the file. */
    public static OrtCausalLm open(Path dir, Options options) throws IOException {
        Path file = dir.resolve(options.modelFile());
        if (!Files.isRegularFile(file)) {
            throw new OnnxModelException(file + ": no such model file (an exported directory holds "
                    + MODEL_FILE + " beside config.json; run `agentos export onnx` first)");
        }
        Path cfgFile = dir.resolve(LlamaConfig.FILE_NAME);
        if (!Files.isRegularFile(cfgFile)) {
            throw new OnnxModelException(dir + ": missing " + LlamaConfig.FILE_NAME + " beside " + options.modelFile());
        }
        LlamaConfig config = LlamaConfig.load(cfgFile);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession session;
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(options.intraOpThreads());
            so.setInterOpNumThreads(1);
            so.addConfigEntry("session.intra_op.allow_spinning", options.spinning() ? "1" : "0");
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            session = env.createSession(file.toString(), so);
        } catch (OrtException e) {
            throw new OnnxModelException(file + ": not a loadable ONNX model (ONNX Runtime: " + e.getMessage().strip()
                    + "); re-export it", e);
        }
        try {
            return describe(env, session, dir, file, config);
        } catch (IOException | RuntimeException e) {
            closeQuietly(session);
            throw e;
        }
    }

    private static OrtCausalLm describe(OrtEnvironment env, OrtSession session, Path dir, Path file, LlamaConfig config)
            throws IOException {
        try {
            Map<String, NodeInfo> inputs = session.getInputInfo();
            Set<String> outputs = session.getOutputNames();
            for (String need : List.of("input_ids", "attention_mask")) {
                if (!inputs.containsKey(need)) {
                    throw new OnnxModelException(file + ": the model has no input " + need + " (inputs: "
                            + inputs.keySet() + "); expected Optimum's decoder inputs");
                }
            }
            if (!outputs.contains("logits")) {
                throw new OnnxModelException(file + ": the model has no output logits (outputs: " + outputs + ")");
            }
            int layers = 0;
            while (inputs.containsKey("past_key_values." + layers + ".key")) {
                layers++;
            }
            if (layers == 0) {
                throw new OnnxModelException(file + ": the model has no past_key_values.0.key input: export it with"
                        + " the KV cache");
            }
            for (int l = 0; l < layers; l++) {
                for (String kind : List.of("key", "value")) {
                    if (!inputs.containsKey("past_key_values." + l + "." + kind)
                            || !outputs.contains("present." + l + "." + kind)) {
                        throw new OnnxModelException(file + ": layer " + l + " lacks past_key_values." + l + "." + kind
                                + " or present." + l + "." + kind);
                    }
                }
            }
            long[] past = ((TensorInfo) inputs.get("past_key_values.0.key").getInfo()).getShape();
            if (past.length != 4 || past[1] <= 0 || past[3] <= 0) {
                throw new OnnxModelException(file + ": past_key_values.0.key must be [batch, kv_heads, past, head_dim]"
                        + " with fixed kv_heads and head_dim (got " + Arrays.toString(past) + ")");
            }
            Map<String, String> meta = new HashMap<>(session.getMetadata().getCustomMetadata());
            return new OrtCausalLm(env, session, dir, file, config, layers, (int) past[1], (int) past[3],
                    inputs.containsKey("position_ids"), Map.copyOf(meta));
        } catch (OrtException e) {
            throw new OnnxModelException(file + ": could not read the model's inputs and outputs: " + e.getMessage(), e);
        }
    }

    public LlamaConfig config() {
        return config;
    }

    public Path dir() {
        return dir;
    }

    public Path modelFile() {
        return modelFile;
    }

    /** The model's metadata_props (lineage and export parameters for models this platform wrote). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Decoder layers (pairs of past/present tensors). */
    public int layers() {
        return layers;
    }

    /** An empty KV cache for {@code batch} rows (past length 0, the tensors Optimum passes on the first call). */
    public KvCache newCache(int batch) throws IOException {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1 (got " + batch + ")");
        }
        List<OnnxTensor> empties = new ArrayList<>();
        try {
            for (int i = 0; i < 2 * layers; i++) {
                empties.add(OnnxTensor.createTensor(env, FloatBuffer.allocate(0), new long[] {batch, kvHeads, 0, headDim}));
            }
        } catch (OrtException e) {
            empties.forEach(OnnxTensor::close);
            throw new OnnxModelException(modelFile + ": could not create the empty KV cache: " + e.getMessage(), e);
        }
        return new KvCache(batch, empties);
    }

    /** Logits of {@code tokens} (one row, no past), positions 0…n-1. */
    public Logits forward(int[] tokens) throws IOException {
        return forward(new int[][] {tokens});
    }

    /** Logits of equal-length rows (no padding, no past), positions 0…n-1. */
    public Logits forward(int[][] tokens) throws IOException {
        int b = tokens.length;
        int n = tokens[0].length;
        long[][] ids = new long[b][];
        long[][] mask = new long[b][n];
        long[][] pos = new long[b][n];
        for (int i = 0; i < b; i++) {
            if (tokens[i].length != n) {
                throw new IllegalArgumentException("row " + i + " has " + tokens[i].length + " tokens, row 0 has " + n
                        + "; pad rows to one length and pass an attention mask");
            }
            ids[i] = toLongs(tokens[i]);
            Arrays.fill(mask[i], 1);
            for (int j = 0; j < n; j++) {
                pos[i][j] = j;
            }
        }
        return forward(ids, mask, pos, null);
    }

    /**
     * One forward pass.
     *
     * @param inputIds      {@code [batch, seq]} new tokens
     * @param attentionMask {@code [batch, past + seq]}: 1 for real tokens, 0 for padding
     * @param positionIds   {@code [batch, seq]} position of each new token (null: past…past+seq-1)
     * @param cache         the cache to read the past from and append to, or null for no past (the presents
     *                      are then dropped)
     */
    public Logits forward(long[][] inputIds, long[][] attentionMask, long[][] positionIds, KvCache cache)
            throws IOException {
        int b = inputIds.length;
        if (b == 0 || inputIds[0].length == 0) {
            throw new IllegalArgumentException("input_ids is empty; give at least one token per row");
        }
        int seq = inputIds[0].length;
        int past = cache == null ? 0 : cache.length;
        if (cache != null && cache.batch != b) {
            throw new IllegalArgumentException("the cache holds " + cache.batch + " rows but input_ids has " + b);
        }
        check("attention_mask", attentionMask, b, past + seq);
        if (positionIds == null) {
            positionIds = new long[b][seq];
            for (long[] row : positionIds) {
                for (int j = 0; j < seq; j++) {
                    row[j] = past + j;
                }
            }
        }
        check("position_ids", positionIds, b, seq);
        check("input_ids", inputIds, b, seq);
        for (long[] row : inputIds) {
            for (long t : row) {
                if (t < 0 || t >= config.vocabSize()) {
                    throw new IllegalArgumentException("token id " + t + " is outside the vocabulary [0, "
                            + config.vocabSize() + ")");
                }
            }
        }
        KvCache scratch = cache == null ? newCache(b) : null;
        KvCache use = cache == null ? scratch : cache;
        List<OnnxTensor> made = new ArrayList<>();
        OrtSession.Result result = null;
        try {
            Map<String, OnnxTensor> in = new HashMap<>();
            in.put("input_ids", tensor(inputIds, made));
            in.put("attention_mask", tensor(attentionMask, made));
            if (hasPositionIds) {
                in.put("position_ids", tensor(positionIds, made));
            }
            for (int l = 0; l < layers; l++) {
                in.put("past_key_values." + l + ".key", use.tensors.get(2 * l));
                in.put("past_key_values." + l + ".value", use.tensors.get(2 * l + 1));
            }
            result = cache == null ? session.run(in, Set.of("logits")) : session.run(in);
            OnnxTensor logits = (OnnxTensor) result.get("logits").orElseThrow();
            long[] shape = logits.getInfo().getShape();
            FloatBuffer fb = logits.getFloatBuffer();
            float[] values = new float[fb.remaining()];
            fb.get(values);
            Logits out = new Logits(values, (int) shape[0], (int) shape[1], (int) shape[2]);
            if (cache != null) {
                cache.replace(result, layers, seq);
                result = null;
            }
            return out;
        } catch (OrtException e) {
            throw new OnnxModelException(modelFile + ": ONNX Runtime failed on a forward of " + b + "×" + seq
                    + " tokens with " + past + " cached: " + e.getMessage(), e);
        } finally {
            made.forEach(OnnxTensor::close);
            if (result != null) {
                result.close();
            }
            if (scratch != null) {
                scratch.close();
            }
        }
    }

    /**
     * Greedy generation with the KV cache: the prompt goes through once, then each step feeds only the
     * newest token. Returns the prompt followed by the new tokens; stops after {@code maxNewTokens} or at a
     * stop token (which is kept).
     */
    public int[] generate(int[] prompt, int maxNewTokens, Collection<Integer> stopIds, IntConsumer onToken)
            throws IOException {
        requirePrompt(prompt);
        int[] out = Arrays.copyOf(prompt, prompt.length + maxNewTokens);
        int n = prompt.length;
        try (KvCache cache = newCache(1)) {
            long[] feed = toLongs(prompt);
            for (int step = 0; step < maxNewTokens; step++) {
                long[] mask = new long[n];
                Arrays.fill(mask, 1);
                Logits logits = forward(new long[][] {feed}, new long[][] {mask}, null, cache);
                int next = logits.argMax(0, logits.seq() - 1);
                out[n++] = next;
                onToken.accept(next);
                if (stopIds.contains(next)) {
                    break;
                }
                feed = new long[] {next};
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** Greedy generation that runs the whole sequence at every step (no cache): the reference for the cached path. */
    public int[] generateWithoutCache(int[] prompt, int maxNewTokens, Collection<Integer> stopIds) throws IOException {
        requirePrompt(prompt);
        int[] out = Arrays.copyOf(prompt, prompt.length + maxNewTokens);
        int n = prompt.length;
        for (int step = 0; step < maxNewTokens; step++) {
            Logits logits = forward(Arrays.copyOf(out, n));
            int next = logits.argMax(0, n - 1);
            out[n++] = next;
            if (stopIds.contains(next)) {
                break;
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** {@code log p(tokens[i] | tokens[0..i))} for i = 1…n-1 (natural log), from one forward without cache. */
    public double[] tokenLogProbs(int[] tokens) throws IOException {
        if (tokens.length < 2) {
            throw new IllegalArgumentException("scoring needs at least 2 tokens (got " + tokens.length + ")");
        }
        Logits logits = forward(tokens);
        double[] out = new double[tokens.length - 1];
        for (int i = 1; i < tokens.length; i++) {
            out[i - 1] = logits.logProb(0, i - 1, tokens[i]);
        }
        return out;
    }

    /** Perplexity {@code exp(−Σ log p / N)} over every predicted token of every sequence. */
    public Perplexity perplexity(Collection<int[]> sequences) throws IOException {
        long count = 0;
        double nll = 0;
        for (int[] s : sequences) {
            for (double lp : tokenLogProbs(s)) {
                nll -= lp;
                count++;
            }
        }
        if (count == 0) {
            throw new IllegalArgumentException("no sequences to score");
        }
        return new Perplexity(count, nll);
    }

    /**
     * Summed negative log-likelihood over {@code tokens} predicted tokens.
     *
     * @param tokens           predicted tokens counted
     * @param negLogLikelihood {@code −Σ log p}, natural log
     */
    public record Perplexity(long tokens, double negLogLikelihood) {
        public double value() {
            return Math.exp(negLogLikelihood / tokens);
        }
    }

    /**
     * Optimum's position ids for a left-padded batch: {@code cumsum(mask) − 1} over the real tokens, 1 at
     * padding, for the last {@code seq} columns of {@code mask}.
     */
    public static long[][] positionsFromMask(long[][] mask, int seq) {
        long[][] pos = new long[mask.length][seq];
        for (int b = 0; b < mask.length; b++) {
            long run = 0;
            int total = mask[b].length;
            for (int j = 0; j < total; j++) {
                run += mask[b][j];
                if (j >= total - seq) {
                    pos[b][j - (total - seq)] = mask[b][j] == 0 ? 1 : run - 1;
                }
            }
        }
        return pos;
    }

    private static void requirePrompt(int[] prompt) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt is empty; give at least one token (e.g. BOS)");
        }
    }

    private static void check(String name, long[][] a, int rows, int cols) {
        if (a.length != rows) {
            throw new IllegalArgumentException(name + " has " + a.length + " rows, expected " + rows);
        }
        for (int i = 0; i < rows; i++) {
            if (a[i].length != cols) {
                throw new IllegalArgumentException(name + " row " + i + " has " + a[i].length + " columns, expected "
                        + cols);
            }
        }
    }

    private OnnxTensor tensor(long[][] rows, List<OnnxTensor> made) throws OrtException {
        int b = rows.length;
        int n = rows[0].length;
        LongBuffer buf = LongBuffer.allocate(b * n);
        for (long[] r : rows) {
            buf.put(r);
        }
        buf.flip();
        OnnxTensor t = OnnxTensor.createTensor(env, buf, new long[] {b, n});
        made.add(t);
        return t;
    }

    private static long[] toLongs(int[] a) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }

    private static void closeQuietly(OrtSession s) {
        try {
            s.close();
        } catch (OrtException ignored) {
            // closing after a failed open: the first error is the one to report
        }
    }

    @Override
    public void close() throws IOException {
        try {
            session.close();
        } catch (OrtException e) {
            throw new OnnxModelException(modelFile + ": could not close the ONNX Runtime session: " + e.getMessage(), e);
        }
    }

    /**
     * Keys and values of the positions seen so far ({@code present.N.*} of the last call, kept in ONNX
     * Runtime's memory and fed back as the next call's {@code past_key_values.N.*}). Owns those tensors.
     */
    public static final class KvCache implements AutoCloseable {
        private final int batch;
        private int length;
        private List<OnnxTensor> tensors;
        private AutoCloseable owner;

        private KvCache(int batch, List<OnnxTensor> empties) {
            this.batch = batch;
            this.tensors = empties;
            this.owner = () -> empties.forEach(OnnxTensor::close);
        }

        /** Positions cached so far. */
        public int length() {
            return length;
        }

        public int batch() {
            return batch;
        }

        private void replace(OrtSession.Result result, int layers, int added) {
            List<OnnxTensor> next = new ArrayList<>(2 * layers);
            for (int l = 0; l < layers; l++) {
                next.add(present(result, "present." + l + ".key"));
                next.add(present(result, "present." + l + ".value"));
            }
            closeOwner();
            tensors = next;
            owner = result;
            length += added;
        }

        private static OnnxTensor present(OrtSession.Result r, String name) {
            OnnxValue v = r.get(name).orElseThrow(() -> new IllegalStateException("the run returned no " + name));
            return (OnnxTensor) v;
        }

        private void closeOwner() {
            try {
                owner.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing ONNX Runtime tensors failed", e);
            }
        }

        @Override
        public void close() {
            closeOwner();
            owner = () -> { };
            tensors = List.of();
        }
    }
}
