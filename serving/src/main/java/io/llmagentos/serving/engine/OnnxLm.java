package io.llmagentos.serving.engine;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One ONNX Runtime session of a decoder exported with Hugging Face Optimum's decoder-with-past I/O:
 * inputs {@code input_ids} [batch, seq] (int64), {@code attention_mask} [batch, past + seq] (int64),
 * {@code position_ids} [batch, seq] (int64, optional), {@code past_key_values.N.key|value}
 * [batch, kv_heads, past, head_dim] (float32); outputs {@code logits} [batch, seq, vocab] and
 * {@code present.N.key|value} [batch, kv_heads, past + seq, head_dim]. The layer count and cache shapes come
 * from the graph, checked against {@code config.json}'s values.
 *
 * <p>{@link #forward} runs one step for a batch and hands back the present cache still owned by ONNX
 * Runtime, so an unchanged batch feeds it straight into the next step without a copy. Not thread-safe: one
 * {@link DecodeEngine} thread drives it.
 */
public final class OnnxLm implements AutoCloseable {
    static final String INPUT_IDS = "input_ids";
    static final String ATTENTION_MASK = "attention_mask";
    static final String POSITION_IDS = "position_ids";
    static final String LOGITS = "logits";

    private final Path file;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private final int vocab;
    private final boolean positionIds;
    private final String[] pastKey;
    private final String[] pastValue;
    private final String[] presentKey;
    private final String[] presentValue;

    private OnnxLm(Path file, OrtEnvironment env, OrtSession session, int layers, int kvHeads, int headDim, int vocab,
            boolean positionIds) {
        this.file = file;
        this.env = env;
        this.session = session;
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.vocab = vocab;
        this.positionIds = positionIds;
        pastKey = new String[layers];
        pastValue = new String[layers];
        presentKey = new String[layers];
        presentValue = new String[layers];
        for (int i = 0; i < layers; i++) {
            pastKey[i] = "past_key_values." + i + ".key";
            pastValue[i] = "past_key_values." + i + ".value";
            presentKey[i] = "present." + i + ".key";
            presentValue[i] = "present." + i + ".value";
        }
    }

    /**
     * Opens {@code file} with {@code threads} intra-op threads (which spin when idle only if {@code spinning},
     * {@link EngineConfig#SPINNING_DOC}) and checks its I/O against the contract above
     * and against {@code expectedKvHeads}, {@code expectedHeadDim} and {@code expectedVocab} (from
     * {@code config.json}; a graph dimension that is symbolic takes that value).
     */
    public static OnnxLm open(Path file, int threads, boolean spinning, int expectedLayers, int expectedKvHeads,
            int expectedHeadDim, int expectedVocab) throws ModelLoadException {
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException(file + ": no such ONNX file");
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession session = null;
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            opts.setIntraOpNumThreads(Math.max(1, threads));
            opts.setInterOpNumThreads(1);
            opts.addConfigEntry("session.intra_op.allow_spinning", spinning ? "1" : "0");
            session = env.createSession(file.toString(), opts);
            Map<String, NodeInfo> in = session.getInputInfo();
            Map<String, NodeInfo> out = session.getOutputInfo();
            require(file, in, INPUT_IDS, OnnxJavaType.INT64, "input");
            require(file, in, ATTENTION_MASK, OnnxJavaType.INT64, "input");
            boolean pos = in.containsKey(POSITION_IDS);
            if (pos) {
                require(file, in, POSITION_IDS, OnnxJavaType.INT64, "input");
            }
            require(file, out, LOGITS, OnnxJavaType.FLOAT, "output");
            int layers = 0;
            while (in.containsKey("past_key_values." + layers + ".key")) {
                layers++;
            }
            if (layers == 0) {
                throw new ModelLoadException(file + ": input past_key_values.0.key is missing; serving needs a decoder "
                        + "exported with its KV cache (Optimum decoder-with-past I/O); inputs are " + in.keySet());
            }
            if (layers != expectedLayers) {
                throw new ModelLoadException(file + ": the graph has " + layers + " layers of past_key_values but "
                        + "config.json says num_hidden_layers = " + expectedLayers);
            }
            for (String extra : Set.copyOf(in.keySet())) {
                boolean known = extra.equals(INPUT_IDS) || extra.equals(ATTENTION_MASK) || extra.equals(POSITION_IDS)
                        || extra.startsWith("past_key_values.");
                if (!known) {
                    throw new ModelLoadException(file + ": unexpected input '" + extra + "'; serving feeds input_ids, "
                            + "attention_mask, position_ids and past_key_values.N.key|value only");
                }
            }
            int heads = expectedKvHeads;
            int dim = expectedHeadDim;
            for (int i = 0; i < layers; i++) {
                for (String kind : new String[] {"key", "value"}) {
                    long[] s = require(file, in, "past_key_values." + i + "." + kind, OnnxJavaType.FLOAT, "input");
                    require(file, out, "present." + i + "." + kind, OnnxJavaType.FLOAT, "output");
                    if (s.length != 4) {
                        throw new ModelLoadException(file + ": input past_key_values." + i + "." + kind + " has rank "
                                + s.length + "; expected [batch, kv_heads, past, head_dim]");
                    }
                    checkDim(file, "past_key_values." + i + "." + kind, "kv_heads (num_key_value_heads)", s[1], heads);
                    checkDim(file, "past_key_values." + i + "." + kind, "head_dim", s[3], dim);
                }
            }
            long[] ls = ((TensorInfo) out.get(LOGITS).getInfo()).getShape();
            if (ls.length != 3) {
                throw new ModelLoadException(file + ": output logits has rank " + ls.length + "; expected [batch, seq, vocab]");
            }
            checkDim(file, LOGITS, "vocab_size", ls[2], expectedVocab);
            return new OnnxLm(file, env, session, layers, heads, dim, expectedVocab, pos);
        } catch (OrtException e) {
            closeQuietly(session);
            throw new ModelLoadException(file + ": ONNX Runtime cannot load it: " + e.getMessage(), e);
        } catch (ModelLoadException e) {
            closeQuietly(session);
            throw e;
        }
    }

    private static long[] require(Path file, Map<String, NodeInfo> io, String name, OnnxJavaType type, String what)
            throws ModelLoadException {
        NodeInfo n = io.get(name);
        if (n == null) {
            throw new ModelLoadException(file + ": " + what + " '" + name + "' is missing (Optimum decoder-with-past I/O "
                    + "expected); the graph has " + io.keySet());
        }
        if (!(n.getInfo() instanceof TensorInfo t) || t.type != type) {
            throw new ModelLoadException(file + ": " + what + " '" + name + "' is " + n.getInfo() + "; expected a "
                    + type + " tensor");
        }
        return t.getShape();
    }

    private static void checkDim(Path file, String tensor, String what, long actual, int expected)
            throws ModelLoadException {
        if (actual > 0 && actual != expected) {
            throw new ModelLoadException(file + ": " + tensor + " has " + what + " = " + actual + " but config.json says "
                    + expected);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // already failing; the first error is the one to report
            }
        }
    }

    public Path file() {
        return file;
    }

    public int layers() {
        return layers;
    }

    public int kvHeads() {
        return kvHeads;
    }

    public int headDim() {
        return headDim;
    }

    public int vocab() {
        return vocab;
    }

    OrtEnvironment env() {
        return env;
    }

    /** Floats of one row's cache in one layer for one of key/value: kv_heads × length × head_dim. */
    long rowFloats(int length) {
        return (long) kvHeads * length * headDim;
    }

    /** Bytes of KV cache that one sequence of {@code length} tokens holds. */
    public long cacheBytes(int length) {
        return 2L * layers * rowFloats(length) * Float.BYTES;
    }

    /**
     * One forward step: {@code ids} and {@code positions} are [batch, seq] row-major, {@code mask} is
     * [batch, past.length() + seq]. Returns the logits of each row's last position and the new cache.
     */
    Step forward(int batch, int seq, long[] ids, long[] positions, long[] mask, KvBatch past) throws OrtException {
        Map<String, OnnxTensor> feed = new HashMap<>();
        OnnxTensor idsT = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {batch, seq});
        OnnxTensor maskT = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), new long[] {batch, past.length() + seq});
        OnnxTensor posT = positionIds
                ? OnnxTensor.createTensor(env, LongBuffer.wrap(positions), new long[] {batch, seq}) : null;
        OrtSession.Result result = null;
        try {
            feed.put(INPUT_IDS, idsT);
            feed.put(ATTENTION_MASK, maskT);
            if (posT != null) {
                feed.put(POSITION_IDS, posT);
            }
            for (int i = 0; i < layers; i++) {
                feed.put(pastKey[i], past.key(i));
                feed.put(pastValue[i], past.value(i));
            }
            result = session.run(feed);
            float[] last = lastLogits(result, batch, seq);
            OnnxTensor[] k = new OnnxTensor[layers];
            OnnxTensor[] v = new OnnxTensor[layers];
            for (int i = 0; i < layers; i++) {
                k[i] = output(result, presentKey[i]);
                v[i] = output(result, presentValue[i]);
            }
            Step step = new Step(last, new KvBatch(this, k, v, batch, past.length() + seq, result));
            result = null;
            return step;
        } finally {
            idsT.close();
            maskT.close();
            if (posT != null) {
                posT.close();
            }
            if (result != null) {
                result.close();
            }
        }
    }

    private float[] lastLogits(OrtSession.Result result, int batch, int seq) throws OrtException {
        OnnxTensor t = output(result, LOGITS);
        long[] shape = t.getInfo().getShape();
        if (shape.length != 3 || shape[0] != batch || shape[2] != vocab) {
            throw new IllegalStateException(file + ": logits came out with shape " + java.util.Arrays.toString(shape)
                    + "; expected [" + batch + ", " + seq + ", " + vocab + "]");
        }
        int outSeq = (int) shape[1];   // some exports return only the last position
        FloatBuffer all = t.getFloatBuffer();
        float[] last = new float[batch * vocab];
        for (int b = 0; b < batch; b++) {
            all.position((b * outSeq + outSeq - 1) * vocab);
            all.get(last, b * vocab, vocab);
        }
        return last;
    }

    private static OnnxTensor output(OrtSession.Result result, String name) {
        Optional<OnnxValue> v = result.get(name);
        if (v.isEmpty() || !(v.get() instanceof OnnxTensor t)) {
            throw new IllegalStateException("ONNX Runtime returned no tensor '" + name + "'");
        }
        return t;
    }

    /** An empty cache ([rows, kv_heads, 0, head_dim]) for a prefill. */
    KvBatch emptyCache(int rows) throws OrtException {
        OnnxTensor[] k = new OnnxTensor[layers];
        OnnxTensor[] v = new OnnxTensor[layers];
        long[] shape = {rows, kvHeads, 0, headDim};
        for (int i = 0; i < layers; i++) {
            k[i] = OnnxTensor.createTensor(env, FloatBuffer.allocate(0), shape);
            v[i] = OnnxTensor.createTensor(env, FloatBuffer.allocate(0), shape);
        }
        return new KvBatch(this, k, v, rows, 0, null);
    }

    /** The logits of each row's last position, [batch × vocab], and the cache after the step. */
    record Step(float[] logits, KvBatch cache) {
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
