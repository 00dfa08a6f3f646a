package io.llmagentos.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.checkpoint.CheckpointException;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.safetensors.DType;
import io.llmagentos.core.safetensors.SafetensorsWriter;
import io.llmagentos.core.safetensors.TensorSpec;
import io.llmagentos.training.internal.Rope;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Llama-style decoder ({@code LlamaForCausalLM}) in DJL: token embedding, per layer RMSNorm →
 * grouped-query attention with rotary positions and a causal mask → residual → RMSNorm → SwiGLU MLP →
 * residual, then a final RMSNorm and the LM head (optionally tied to the embedding). Parameters carry
 * Hugging Face's names one to one, so any HF-layout checkpoint loads and saves through core's safetensors.
 *
 * <p>The model owns its parameters (one {@link NDManager}); forward passes take their weights from a
 * {@link Weights}, so the same code serves inference, data-parallel replicas and LoRA.
 */
public final class LlamaModel implements AutoCloseable {
    /** Hugging Face's {@code initializer_range}: weights start as N(0, 0.02²), norms as 1. */
    public static final double INIT_STD = 0.02;

    private final LlamaConfig config;
    private final NDManager manager;
    private final Device device;
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Rope rope;
    private final Map<Device, NDArray[]> ropeTables = new ConcurrentHashMap<>();
    private final Map<Device, NDArray> causalMasks = new ConcurrentHashMap<>();

    private LlamaModel(LlamaConfig config, Device device) {
        this.config = config;
        this.device = device;
        this.manager = NDManager.newBaseManager(device);
        this.rope = new Rope(config);
    }

    /** A model with freshly initialised weights, identical for the same config and seed on any machine. */
    public static LlamaModel random(LlamaConfig config, long seed, Device device) {
        LlamaModel m = new LlamaModel(config, device);
        SplittableRandom r = new SplittableRandom(seed);
        for (Map.Entry<String, long[]> e : config.expectedTensors().entrySet()) {
            long[] shape = e.getValue();
            float[] v = new float[Math.toIntExact(elements(shape))];
            if (shape.length == 1) {
                Arrays.fill(v, 1f);
            } else {
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (r.nextGaussian() * INIT_STD);
                }
            }
            m.add(e.getKey(), v, shape);
        }
        return m;
    }

    /**
     * Loads a checkpoint's weights (F32, F16 or BF16; computed in F32) after checking every tensor against
     * {@code config.json}: a missing, unexpected or mis-shaped tensor is an error naming it.
     */
    public static LlamaModel load(Checkpoint ck, Device device) throws CheckpointException {
        ck.validateTensors();
        LlamaConfig c = ck.config();
        if (ck.hasTokenizer()) {
            int tokVocab;
            try {
                tokVocab = ck.tokenizer().vocabSize();
            } catch (IOException e) {
                throw new CheckpointException(ck.dir() + ": tokenizer.json does not load: " + e.getMessage());
            }
            if (tokVocab > c.vocabSize()) {
                throw new CheckpointException(ck.dir() + ": the tokenizer has " + tokVocab + " tokens but config.json"
                        + " vocab_size is " + c.vocabSize() + "; ids past " + (c.vocabSize() - 1)
                        + " would have no embedding (raise vocab_size or use the matching tokenizer)");
            }
        }
        LlamaModel m = new LlamaModel(c, device);
        for (Map.Entry<String, long[]> e : c.expectedTensors().entrySet()) {
            m.add(e.getKey(), ck.readFloats(e.getKey()), e.getValue());
        }
        return m;
    }

    private void add(String name, float[] values, long[] shape) {
        NDArray a = owned(manager.create(values, new Shape(shape)));
        Parameter p = Parameter.builder().setName(name)
                .setType(shape.length == 1 ? Parameter.Type.GAMMA : Parameter.Type.WEIGHT).build();
        p.setArray(a);
        params.put(name, p);
    }

    static long elements(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    public LlamaConfig config() {
        return config;
    }

    public Device device() {
        return device;
    }

    public NDManager manager() {
        return manager;
    }

    /** Parameters by HF name, in checkpoint order. */
    public Map<String, Parameter> parameters() {
        return Collections.unmodifiableMap(params);
    }

    public NDArray weight(String name) {
        Parameter p = params.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no tensor " + name + " in this " + config.numHiddenLayers() + "-layer model");
        }
        return p.getArray();
    }

    /** The model's own parameters as {@link Weights} (inference on the model's device). */
    public Weights weights() {
        return this::weight;
    }

    public long parameterCount() {
        long n = 0;
        for (Parameter p : params.values()) {
            n += p.getArray().getShape().size();
        }
        return n;
    }

    private String lmHead() {
        return config.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight";
    }

    /**
     * Logits for {@code inputIds} ({@code [batch, seq]}, int64) at positions starting at the cache's length
     * (0 without a cache): {@code [batch, seq, vocab]}. With a cache, the new keys and values are appended.
     */
    public NDArray forward(Weights w, NDArray inputIds, KvCache cache) {
        return head(w, hidden(w, inputIds, cache));
    }

    /** The final hidden states (after the last RMSNorm): {@code [batch, seq, hidden]}. */
    public NDArray hidden(Weights w, NDArray inputIds, KvCache cache) {
        return hidden(w, inputIds, cache, null, null);
    }

    /**
     * Logits and every hidden state, as {@code transformers} returns them with {@code output_hidden_states=True}:
     * {@code hiddenStates[0]} is the embedding output, {@code hiddenStates[i]} the residual stream after block i,
     * and the last ({@code i = num_hidden_layers}) is after the final RMSNorm; each {@code [batch, seq, hidden]}.
     */
    public record Outputs(NDArray logits, NDArray[] hiddenStates) {
    }

    /** {@link #forward} without a cache, also returning the hidden states (see {@link Outputs}). */
    public Outputs forwardWithHiddenStates(Weights w, NDArray inputIds) {
        NDArray[] states = new NDArray[config.numHiddenLayers() + 1];
        NDArray last = hidden(w, inputIds, null, states, null);
        return new Outputs(head(w, last), states);
    }

    /**
     * Each MLP neuron's summed output magnitude {@code Σ |silu(gate·x) ⊙ (up·x)|} over the batch's positions, per layer
     * ({@code [num_hidden_layers][intermediate_size]}), from a forward without a cache: the activation importance that
     * width pruning ranks neurons by (Minitron, Muralidharan et al. 2024).
     */
    public double[][] mlpActivationSums(Weights w, NDArray inputIds) {
        double[][] sums = new double[config.numHiddenLayers()][config.intermediateSize()];
        hidden(w, inputIds, null, null, sums);
        return sums;
    }

    private NDArray hidden(Weights w, NDArray inputIds, KvCache cache, NDArray[] states, double[][] mlpSums) {
        Shape s = inputIds.getShape();
        int batch = (int) s.get(0);
        int seq = (int) s.get(1);
        int past = cache == null ? 0 : cache.length();
        NDArray x = inputIds.getNDArrayInternal()
                .embedding(inputIds, w.get("model.embed_tokens.weight"), SparseFormat.DENSE).singletonOrThrow();
        NDArray[] cs = ropeSlice(x.getDevice(), past, seq, x.getManager());
        NDArray mask = causalMask(x.getManager(), past, seq);
        if (states != null) {
            states[0] = x;
        }
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            String p = "model.layers." + l + ".";
            NDArray h = rmsNorm(x, w.get(p + "input_layernorm.weight"));
            x = x.add(attention(w, p, l, h, batch, seq, cs, mask, cache));
            NDArray h2 = rmsNorm(x, w.get(p + "post_attention_layernorm.weight"));
            NDArray g = w.linear(p + "mlp.gate_proj.weight", h2);
            NDArray gate = g.mul(Activation.sigmoid(g)); // SiLU; DJL's swish(x, 1) multiplies by a Number (Scalars)
            NDArray up = w.linear(p + "mlp.up_proj.weight", h2);
            NDArray act = gate.mul(up);
            if (mlpSums != null) {
                float[] a = act.abs().sum(new int[] {0, 1}).toFloatArray();
                for (int j = 0; j < a.length; j++) {
                    mlpSums[l][j] += a[j];
                }
            }
            x = x.add(w.linear(p + "mlp.down_proj.weight", act));
            if (states != null && l < config.numHiddenLayers() - 1) {
                states[l + 1] = x;
            }
        }
        if (cache != null) {
            cache.advance(seq);
        }
        NDArray out = rmsNorm(x, w.get("model.norm.weight"));
        if (states != null) {
            states[config.numHiddenLayers()] = out;
        }
        return out;
    }

    /** {@code hidden · lm_headᵀ}. */
    public NDArray head(Weights w, NDArray hidden) {
        return config.tieWordEmbeddings() ? hidden.getNDArrayInternal().linear(hidden, w.get(lmHead()), null)
                .singletonOrThrow() : w.linear(lmHead(), hidden);
    }

    /** {@code x / sqrt(mean(x²) + eps) · weight}, over the last axis (HF's LlamaRMSNorm, in float32). */
    NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray var = x.square().mean(new int[] {-1}, true);
        return x.mul(Scalars.pow(var.add(config.rmsNormEps()), -0.5)).mul(weight);
    }

    private NDArray attention(Weights w, String p, int layer, NDArray h, int batch, int seq, NDArray[] cs,
            NDArray mask, KvCache cache) {
        int heads = config.numAttentionHeads();
        int kvHeads = config.numKeyValueHeads();
        int d = config.headDim();
        NDArray q = w.linear(p + "self_attn.q_proj.weight", h).reshape(batch, seq, heads, d).transpose(0, 2, 1, 3);
        NDArray k = w.linear(p + "self_attn.k_proj.weight", h).reshape(batch, seq, kvHeads, d).transpose(0, 2, 1, 3);
        NDArray v = w.linear(p + "self_attn.v_proj.weight", h).reshape(batch, seq, kvHeads, d).transpose(0, 2, 1, 3);
        q = applyRope(q, cs);
        k = applyRope(k, cs);
        if (cache != null) {
            if (cache.keys(layer) != null) {
                k = cache.keys(layer).concat(k, 2);
                v = cache.values(layer).concat(v, 2);
            }
            cache.set(layer, k, v);
        }
        int total = (int) k.getShape().get(2);
        if (kvHeads != heads) {
            int g = heads / kvHeads;
            k = k.expandDims(2).broadcast(new Shape(batch, kvHeads, g, total, d)).reshape(batch, heads, total, d);
            v = v.expandDims(2).broadcast(new Shape(batch, kvHeads, g, total, d)).reshape(batch, heads, total, d);
        }
        NDArray scores = Scalars.mul(q.matMul(k.transpose(0, 1, 3, 2)), 1.0 / Math.sqrt(d));
        if (mask != null) {
            scores = scores.add(mask);
        }
        NDArray out = scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(batch, seq, (long) heads * d);
        return w.linear(p + "self_attn.o_proj.weight", out);
    }

    /** {@code x·cos + rotate_half(x)·sin} on {@code [batch, heads, seq, head_dim]}. */
    private NDArray applyRope(NDArray x, NDArray[] cs) {
        int half = config.headDim() / 2;
        NDArray x1 = x.get("..., :{}", half);
        NDArray x2 = x.get("..., {}:", half);
        NDArray rotated = NDArrays.concat(new NDList(x2.neg(), x1), -1);
        return x.mul(cs[0]).add(rotated.mul(cs[1]));
    }

    private NDArray[] ropeSlice(Device dev, int from, int count, NDManager into) {
        int needed = from + count;
        NDArray[] table = ropeTables.get(dev);
        if (table == null || table[0].getShape().get(0) < needed) {
            int len = Math.max(needed, Math.min(config.maxPositionEmbeddings(), 4096));
            float[] t = rope.table(0, len, len);
            NDManager owner = manager;
            NDArray cos = owned(owner.create(Arrays.copyOfRange(t, 0, len * config.headDim()),
                    new Shape(len, config.headDim())).toDevice(dev, false));
            NDArray sin = owned(owner.create(Arrays.copyOfRange(t, len * config.headDim(), t.length),
                    new Shape(len, config.headDim())).toDevice(dev, false));
            cos.attach(manager);
            sin.attach(manager);
            table = new NDArray[] {cos, sin};
            ropeTables.put(dev, table);
        }
        NDArray cos = table[0].get("{}:{}", from, needed);
        NDArray sin = table[1].get("{}:{}", from, needed);
        cos.attach(into);
        sin.attach(into);
        return new NDArray[] {cos, sin};
    }

    /** Additive mask {@code [seq, past + seq]}: 0 where a query may attend, the most negative float elsewhere. */
    private NDArray causalMask(NDManager into, int past, int seq) {
        if (seq == 1) {
            return null; // one new token sees every cached position
        }
        int total = past + seq;
        float[] m = new float[seq * total];
        for (int i = 0; i < seq; i++) {
            for (int j = past + i + 1; j < total; j++) {
                m[i * total + j] = -Float.MAX_VALUE;
            }
        }
        return owned(into.create(m, new Shape(seq, total)).toDevice(into.getDevice(), false));
    }

    /**
     * Writes every parameter into {@code out} (declared by {@link #tensorSpecs}), converting to the declared
     * dtype (F32 or BF16).
     */
    public void writeWeights(SafetensorsWriter out) throws IOException {
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            out.writeFloats(e.getKey(), e.getValue().getArray().toFloatArray());
        }
    }

    /** The tensor list a checkpoint of this model declares, in {@code dtype}. */
    public List<TensorSpec> tensorSpecs(DType dtype) {
        List<TensorSpec> specs = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            specs.add(new TensorSpec(e.getKey(), dtype, e.getValue().getArray().getShape().getShape()));
        }
        return specs;
    }

    /** Copies new values into a parameter (shapes must match). */
    public void setWeight(String name, float[] values) {
        NDArray a = weight(name);
        if (values.length != a.size()) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for shape " + a.getShape());
        }
        try (NDArray v = manager.create(values, a.getShape()).toDevice(a.getDevice(), false)) {
            copyInto(a, v);
        }
    }

    /**
     * Copies {@code src} into {@code dst} in place (same shape), keeping {@code dst}'s identity, device and
     * gradient flag. ({@code NDArray.set(Buffer)} would re-point a CPU tensor at the buffer's memory.)
     */
    static void copyInto(NDArray dst, NDArray src) {
        dst.set(new ai.djl.ndarray.index.NDIndex("..."), src);
    }

    /** Every parameter's float values by name (a copy on the Java heap). */
    public Map<String, float[]> snapshot() {
        Map<String, float[]> m = new LinkedHashMap<>();
        params.forEach((n, p) -> m.put(n, p.getArray().toFloatArray()));
        return m;
    }

    @Override
    public void close() {
        manager.close();
    }

    /**
     * A copy of {@code fromJava} in memory that libtorch allocated, and {@code fromJava} closed. Every tensor the
     * training code makes from a Java array (float weights, masks and moments, and the int64 ids and targets) goes
     * through here. On the CPU, {@code NDManager.create(float[]|long[])} wraps a Java direct buffer with
     * {@code torch::from_blob}: only the Java {@code PtNDArray} keeps that buffer alive, while libtorch views of it
     * (reshape, index, transpose) and tensors autograd saves for backward do not, so once the Java object is closed
     * and collected they read freed memory that the JVM may already have handed out again. Such a buffer is also
     * malloc'd (16-byte aligned), so kernels reading it see an address that depends on the JVM's allocation
     * history: a run's losses then drifted by ~1e-7 at a step that varied with garbage-collection
     * timing, which breaks exact resume. libtorch's allocator gives every copy the same 64-byte alignment.
     */
    public static NDArray owned(NDArray fromJava) {
        NDArray copy = fromJava.duplicate();
        fromJava.close();
        return copy;
    }

    /** Int64 ids as DJL wants them for embedding lookups, in libtorch-owned memory (see {@link #owned}). */
    public static NDArray ids(NDManager m, int[][] batch) {
        int b = batch.length;
        int t = batch[0].length;
        long[] flat = new long[b * t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                flat[i * t + j] = batch[i][j];
            }
        }
        return owned(m.create(flat, new Shape(b, t)));
    }
}
