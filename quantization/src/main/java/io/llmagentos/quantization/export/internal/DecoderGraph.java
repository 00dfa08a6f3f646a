package io.llmagentos.quantization.export.internal;

import static io.llmagentos.quantization.export.internal.OnnxGraph.BOOL;
import static io.llmagentos.quantization.export.internal.OnnxGraph.DOUBLE;
import static io.llmagentos.quantization.export.internal.OnnxGraph.FLOAT;
import static io.llmagentos.quantization.export.internal.OnnxGraph.INT64;

import io.llmagentos.core.config.LlamaConfig;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Builds the ONNX graph of a {@code LlamaForCausalLM} decoder with a KV cache, with the input and output
 * names of Hugging Face Optimum's decoder export:
 * <pre>
 *   input_ids                 int64 [batch_size, sequence_length]
 *   attention_mask            int64 [batch_size, past_sequence_length + sequence_length]   1 = attend, 0 = padding
 *   position_ids              int64 [batch_size, sequence_length]
 *   past_key_values.N.key     float [batch_size, num_key_value_heads, past_sequence_length, head_dim]  (and .value)
 *   → logits                  float [batch_size, sequence_length, vocab_size]
 *   → present.N.key           float [batch_size, num_key_value_heads, past_sequence_length + sequence_length, head_dim]
 * </pre>
 * Standard ONNX operators only (opset 17+), so the file runs on any ONNX Runtime build, web included.
 * Per layer: RMSNorm {@code x / sqrt(mean(x²) + eps) · w} (Pow, ReduceMean, Add, Sqrt, Div, Mul: the
 * pattern ORT fuses into SimplifiedLayerNormalization), q/k/v projections (MatMul with the weight stored
 * transposed, {@code [in, out]}), rotary embedding {@code x·cos + rotate_half(x)·sin} with cos/sin computed
 * once from {@code position_ids}, keys and values appended to the past, grouped-query attention as a
 * broadcast MatMul over {@code [batch, kv_heads, groups, seq, head_dim]} (no copy of the cache per group),
 * causal + padding mask applied with Where, softmax, output projection, residual, then RMSNorm and the
 * SwiGLU MLP {@code down(silu(gate(x)) · up(x))}. A tied LM head multiplies by the transposed embedding
 * (one initializer; ORT folds the Transpose at load).
 *
 * <p>Weight initializers keep their Hugging Face names; the linear ones hold the transposed matrix.
 */
public final class DecoderGraph {
    /** Reads one checkpoint tensor as float32 in its HF layout. */
    @FunctionalInterface
    public interface Weights {
        float[] read(String hfName) throws IOException;
    }

    public static final String BATCH = "batch_size";
    public static final String SEQ = "sequence_length";
    public static final String PAST = "past_sequence_length";
    public static final String TOTAL = "past_sequence_length + sequence_length";

    private final OnnxGraph g;
    private final LlamaConfig c;
    private final Weights weights;
    private final Runnable onTensor;
    private final Map<String, long[]> shapes;

    private DecoderGraph(OnnxGraph g, LlamaConfig c, Weights weights, Runnable onTensor) {
        this.shapes = c.expectedTensors();
        this.g = g;
        this.c = c;
        this.weights = weights;
        this.onTensor = onTensor;
    }

    /** Adds the whole decoder to {@code g}; {@code onTensor} runs after each checkpoint tensor is stored. */
    public static void build(OnnxGraph g, LlamaConfig c, Weights weights, Runnable onTensor) throws IOException {
        new DecoderGraph(g, c, weights, onTensor).build();
    }

    private void build() throws IOException {
        int layers = c.numHiddenLayers();
        int kv = c.numKeyValueHeads();
        int d = c.headDim();
        String ids = g.input("input_ids", INT64, BATCH, SEQ);
        String mask = g.input("attention_mask", INT64, BATCH, TOTAL);
        String pos = g.input("position_ids", INT64, BATCH, SEQ);
        for (int l = 0; l < layers; l++) {
            g.input("past_key_values." + l + ".key", FLOAT, BATCH, (long) kv, PAST, (long) d);
            g.input("past_key_values." + l + ".value", FLOAT, BATCH, (long) kv, PAST, (long) d);
        }

        String embed = weight("model.embed_tokens.weight", false);
        String x = g.op("Gather", "/model/embed_tokens/Gather", null, List.of(embed, ids), Map.of("axis", 0L));

        // lengths: seq = input_ids.shape[1], total = attention_mask.shape[1], past = total - seq
        String seqLen = g.op("Gather", "/model/seq_len", null, List.of(g.op("Shape", "/model/ids_shape", ids),
                g.int64Scalar(1)), Map.of("axis", 0L));
        String total = g.op("Gather", "/model/total_len", null, List.of(g.op("Shape", "/model/mask_shape", mask),
                g.int64Scalar(1)), Map.of("axis", 0L));
        String past = g.op("Sub", "/model/past_len", total, seqLen);

        String allowed = attentionMask(mask, seqLen, total, past);
        String[] cosSin = rotary(pos, total);

        for (int l = 0; l < layers; l++) {
            x = layer(l, x, allowed, cosSin[0], cosSin[1]);
        }
        String normed = rmsNorm("/model/norm", x, weight("model.norm.weight", false));
        String head;
        if (c.tieWordEmbeddings()) {
            head = g.op("Transpose", "/lm_head/Transpose", Map.of("perm", new long[] {1, 0}), embed);
        } else {
            head = weight("lm_head.weight", true);
        }
        g.op("MatMul", "/lm_head/MatMul", "logits", List.of(normed, head), Map.of());
        g.output("logits", FLOAT, BATCH, SEQ, (long) c.vocabSize());
        for (int l = 0; l < layers; l++) {
            g.output("present." + l + ".key", FLOAT, BATCH, (long) kv, TOTAL, (long) d);
            g.output("present." + l + ".value", FLOAT, BATCH, (long) kv, TOTAL, (long) d);
        }
    }

    /**
     * Bool {@code [batch, 1, 1, seq, total]}: query i (at absolute position past + i) may attend key j when
     * j ≤ past + i and attention_mask[b, j] is 1.
     */
    private String attentionMask(String mask, String seqLen, String total, String past) {
        String zero = g.int64Scalar(0);
        String step = g.int64Scalar(1);
        String rows = g.op("Range", "/model/mask/rows", zero, seqLen, step);
        String rowsAbs = g.op("Add", "/model/mask/rows_abs", rows, past);
        String rowsCol = g.op("Unsqueeze", "/model/mask/rows_col", rowsAbs, g.int64s(1));
        String cols = g.op("Range", "/model/mask/cols", zero, total, step);
        String causal = g.op("LessOrEqual", "/model/mask/causal", cols, rowsCol);
        String padBool = g.op("Cast", "/model/mask/padding", Map.of("to", (long) BOOL), mask);
        String pad5 = g.op("Unsqueeze", "/model/mask/padding_5d", padBool, g.int64s(1, 2, 3));
        return g.op("And", "/model/mask/allowed", pad5, causal);
    }

    /** cos and sin, {@code [batch, 1, seq, head_dim]}, for the positions in {@code position_ids}. */
    private String[] rotary(String pos, String total) {
        String inv;
        float[] base = RopeFrequencies.invFreq(c, 0);
        String baseConst = g.floats("inv_freq", concat(base, base));
        if (RopeFrequencies.isDynamic(c)) {
            inv = dynamicInvFreq(total, baseConst);
        } else {
            inv = baseConst;
        }
        String posF = g.op("Cast", "/model/rotary/positions", Map.of("to", (long) FLOAT), pos);
        String posCol = g.op("Unsqueeze", "/model/rotary/positions_col", posF, g.int64s(2));
        String angle = g.op("Mul", "/model/rotary/angle", posCol, inv);
        String cos = g.op("Unsqueeze", "/model/rotary/cos_4d", g.op("Cos", "/model/rotary/Cos", angle), g.int64s(1));
        String sin = g.op("Unsqueeze", "/model/rotary/sin_4d", g.op("Sin", "/model/rotary/Sin", angle), g.int64s(1));
        return new String[] {cos, sin};
    }

    /**
     * Dynamic NTK: for total length L > max_position_embeddings the base becomes
     * {@code theta · (factor·L/max − (factor − 1))^(d/(d−2))}; computed in float64 like training does, then
     * rounded to float32.
     */
    private String dynamicInvFreq(String total, String baseConst) {
        int d = c.headDim();
        double factor = c.ropeScaling().factor();
        double max = c.maxPositionEmbeddings();
        String l = g.op("Cast", "/model/rotary/len_f64", Map.of("to", (long) DOUBLE), total);
        String ratio = g.op("Sub", "/model/rotary/ratio",
                g.op("Div", "/model/rotary/scaled_len", g.op("Mul", "/model/rotary/factor_len",
                        l, g.doubles("factor", true, factor)), g.doubles("max_positions", true, max)),
                g.doubles("factor_minus_one", true, factor - 1));
        String theta = g.op("Mul", "/model/rotary/theta", g.doubles("rope_theta", true, c.ropeTheta()),
                g.op("Pow", "/model/rotary/ratio_pow", ratio, g.doubles("ntk_exponent", true, d / (d - 2.0))));
        double[] exps = RopeFrequencies.exponents(d);
        double[] full = new double[d];
        System.arraycopy(exps, 0, full, 0, exps.length);
        System.arraycopy(exps, 0, full, exps.length, exps.length);
        String invD = g.op("Reciprocal", "/model/rotary/inv_freq_f64",
                g.op("Pow", "/model/rotary/theta_pow", theta, g.doubles("exponents", false, full)));
        String invF = g.op("Cast", "/model/rotary/inv_freq_dynamic", Map.of("to", (long) FLOAT), invD);
        String longer = g.op("Greater", "/model/rotary/beyond_max", total, g.int64Scalar(c.maxPositionEmbeddings()));
        return g.op("Where", "/model/rotary/inv_freq", longer, invF, baseConst);
    }

    private String layer(int l, String x, String allowed, String cos, String sin) throws IOException {
        String p = "model.layers." + l + ".";
        String n = "/model/layers." + l;
        int heads = c.numAttentionHeads();
        int kv = c.numKeyValueHeads();
        int d = c.headDim();
        int groups = heads / kv;

        String h = rmsNorm(n + "/input_layernorm", x, weight(p + "input_layernorm.weight", false));
        String q = heads(n + "/self_attn/q_proj", h, weight(p + "self_attn.q_proj.weight", true), heads);
        String k = heads(n + "/self_attn/k_proj", h, weight(p + "self_attn.k_proj.weight", true), kv);
        String v = heads(n + "/self_attn/v_proj", h, weight(p + "self_attn.v_proj.weight", true), kv);
        q = rope(n + "/self_attn/q_rotary", q, cos, sin);
        k = rope(n + "/self_attn/k_rotary", k, cos, sin);
        String keys = g.op("Concat", n + "/self_attn/present_key", "present." + l + ".key",
                List.of("past_key_values." + l + ".key", k), Map.of("axis", 2L));
        String values = g.op("Concat", n + "/self_attn/present_value", "present." + l + ".value",
                List.of("past_key_values." + l + ".value", v), Map.of("axis", 2L));

        // [b, heads, s, d] → [b, kv, groups, s, d]; head h reads kv head h / groups (HF's repeat_kv)
        String q5 = g.op("Reshape", n + "/self_attn/q_groups", q, g.int64s(0, kv, groups, -1, d));
        String k5 = g.op("Unsqueeze", n + "/self_attn/k_groups", keys, g.int64s(2));
        String v5 = g.op("Unsqueeze", n + "/self_attn/v_groups", values, g.int64s(2));
        String kT = g.op("Transpose", n + "/self_attn/k_transpose", Map.of("perm", new long[] {0, 1, 2, 4, 3}), k5);
        String scores = g.op("Mul", n + "/self_attn/scale", g.op("MatMul", n + "/self_attn/scores", q5, kT),
                g.floatScalar((float) (1.0 / Math.sqrt(d))));
        String masked = g.op("Where", n + "/self_attn/mask", allowed, scores, g.floatScalar(-Float.MAX_VALUE));
        String probs = g.op("Softmax", n + "/self_attn/Softmax", Map.of("axis", -1L), masked);
        String ctx5 = g.op("MatMul", n + "/self_attn/context", probs, v5);
        String ctx4 = g.op("Reshape", n + "/self_attn/context_heads", ctx5, g.int64s(0, heads, -1, d));
        String ctxT = g.op("Transpose", n + "/self_attn/context_transpose", Map.of("perm", new long[] {0, 2, 1, 3}), ctx4);
        String ctx = g.op("Reshape", n + "/self_attn/context_flat", ctxT, g.int64s(0, 0, (long) heads * d));
        String attn = g.op("MatMul", n + "/self_attn/o_proj/MatMul", ctx, weight(p + "self_attn.o_proj.weight", true));
        x = g.op("Add", n + "/attn_residual", x, attn);

        String h2 = rmsNorm(n + "/post_attention_layernorm", x, weight(p + "post_attention_layernorm.weight", false));
        String gate = g.op("MatMul", n + "/mlp/gate_proj/MatMul", h2, weight(p + "mlp.gate_proj.weight", true));
        String silu = g.op("Mul", n + "/mlp/act_fn/Mul", gate, g.op("Sigmoid", n + "/mlp/act_fn/Sigmoid", gate));
        String up = g.op("MatMul", n + "/mlp/up_proj/MatMul", h2, weight(p + "mlp.up_proj.weight", true));
        String down = g.op("MatMul", n + "/mlp/down_proj/MatMul", g.op("Mul", n + "/mlp/Mul", silu, up),
                weight(p + "mlp.down_proj.weight", true));
        return g.op("Add", n + "/mlp_residual", x, down);
    }

    /** {@code MatMul(h, W)} reshaped to {@code [batch, count, seq, head_dim]}. */
    private String heads(String n, String h, String w, int count) {
        String y = g.op("MatMul", n + "/MatMul", h, w);
        String r = g.op("Reshape", n + "/Reshape", y, g.int64s(0, 0, count, c.headDim()));
        return g.op("Transpose", n + "/Transpose", Map.of("perm", new long[] {0, 2, 1, 3}), r);
    }

    /** {@code x·cos + rotate_half(x)·sin}, {@code rotate_half([a, b]) = [−b, a]} on the last axis. */
    private String rope(String n, String x, String cos, String sin) {
        int half = c.headDim() / 2;
        String axis = g.int64s(-1);
        String x1 = g.op("Slice", n + "/first_half", x, g.int64s(0), g.int64s(half), axis);
        String x2 = g.op("Slice", n + "/second_half", x, g.int64s(half), g.int64s(Long.MAX_VALUE), axis);
        String rotated = g.op("Concat", n + "/rotate_half", null, List.of(g.op("Neg", n + "/Neg", x2), x1),
                Map.of("axis", -1L));
        return g.op("Add", n + "/Add", g.op("Mul", n + "/cos", x, cos), g.op("Mul", n + "/sin", rotated, sin));
    }

    /** {@code x / sqrt(mean(x²) + eps) · w} over the last axis. */
    private String rmsNorm(String n, String x, String w) {
        String sq = g.op("Pow", n + "/Pow", x, g.floatScalar(2f));
        String mean;
        if (g.opset() >= 18) {
            mean = g.op("ReduceMean", n + "/ReduceMean", null, List.of(sq, g.int64s(-1)), Map.of("keepdims", 1L));
        } else {
            mean = g.op("ReduceMean", n + "/ReduceMean", Map.of("axes", new long[] {-1}, "keepdims", 1L), sq);
        }
        String var = g.op("Add", n + "/Add", mean, g.floatScalar((float) c.rmsNormEps()));
        String div = g.op("Div", n + "/Div", x, g.op("Sqrt", n + "/Sqrt", var));
        return g.op("Mul", n + "/Mul", div, w);
    }

    /** Stores a checkpoint tensor as an initializer; linear weights {@code [out, in]} are stored as {@code [in, out]}. */
    private String weight(String hfName, boolean transpose) throws IOException {
        float[] v = weights.read(hfName);
        long[] shape = shapes.get(hfName);
        String name;
        if (transpose) {
            int rows = Math.toIntExact(shape[0]);
            int cols = Math.toIntExact(shape[1]);
            name = g.weight(hfName, new long[] {cols, rows}, transpose(v, rows, cols));
        } else {
            name = g.weight(hfName, shape, v);
        }
        onTensor.run();
        return name;
    }

    static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        final int block = 64;
        for (int r0 = 0; r0 < rows; r0 += block) {
            for (int c0 = 0; c0 < cols; c0 += block) {
                int r1 = Math.min(rows, r0 + block);
                int c1 = Math.min(cols, c0 + block);
                for (int r = r0; r < r1; r++) {
                    for (int col = c0; col < c1; col++) {
                        t[col * rows + r] = m[r * cols + col];
                    }
                }
            }
        }
        return t;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = new float[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
