package io.llmagentos.quantization.export.internal;

import io.llmagentos.core.config.LlamaConfig;
import java.io.IOException;
import java.util.stream.IntStream;

/**
 * A plain-Java forward pass of a Llama decoder straight from the checkpoint's tensors (one sequence, no
 * cache, dot products accumulated in double), used to check an exported graph against the weights it was
 * made from. It reads one tensor at a time, so its memory stays at the largest tensor plus activations,
 * and it is slow: meant for a few probe tokens.
 *
 * <p>Same maths as training's {@code LlamaModel}: RMSNorm {@code x / sqrt(mean(x²) + eps) · w}; rotary
 * embedding with cos/sin of {@code position · inv_freq} ({@link RopeFrequencies}); grouped-query
 * attention where head h reads key/value head {@code h / (heads / kv_heads)}, scaled by {@code 1/sqrt(d)},
 * causal; SwiGLU {@code down(silu(gate(x)) · up(x))}; final RMSNorm and the (possibly tied) LM head.
 */
public final class ReferenceForward {
    private ReferenceForward() {
    }

    /** Logits {@code [tokens.length][vocab]} for {@code tokens} at positions 0…n-1. */
    public static float[][] logits(LlamaConfig c, DecoderGraph.Weights w, int[] tokens) throws IOException {
        int n = tokens.length;
        int h = c.hiddenSize();
        int d = c.headDim();
        int heads = c.numAttentionHeads();
        int kvHeads = c.numKeyValueHeads();
        int groups = heads / kvHeads;
        float[] embed = w.read("model.embed_tokens.weight");
        float[][] x = new float[n][h];
        for (int i = 0; i < n; i++) {
            System.arraycopy(embed, tokens[i] * h, x[i], 0, h);
        }
        float[] inv = RopeFrequencies.invFreq(c, n);
        float[][] cos = new float[n][d];
        float[][] sin = new float[n][d];
        for (int p = 0; p < n; p++) {
            for (int i = 0; i < d / 2; i++) {
                float angle = (float) p * inv[i];
                cos[p][i] = cos[p][i + d / 2] = (float) StrictMath.cos(angle);
                sin[p][i] = sin[p][i + d / 2] = (float) StrictMath.sin(angle);
            }
        }
        double scale = 1.0 / Math.sqrt(d);
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            String pre = "model.layers." + l + ".";
            float[][] hn = rmsNorm(x, w.read(pre + "input_layernorm.weight"), c.rmsNormEps());
            float[][] q = linear(hn, w.read(pre + "self_attn.q_proj.weight"), heads * d);
            float[][] k = linear(hn, w.read(pre + "self_attn.k_proj.weight"), kvHeads * d);
            float[][] v = linear(hn, w.read(pre + "self_attn.v_proj.weight"), kvHeads * d);
            rope(q, heads, d, cos, sin);
            rope(k, kvHeads, d, cos, sin);
            float[][] ctx = new float[n][heads * d];
            for (int hh = 0; hh < heads; hh++) {
                int kv = hh / groups;
                for (int i = 0; i < n; i++) {
                    double[] s = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        double dot = 0;
                        for (int e = 0; e < d; e++) {
                            dot += (double) q[i][hh * d + e] * k[j][kv * d + e];
                        }
                        s[j] = dot * scale;
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int e = 0; e < d; e++) {
                        double acc = 0;
                        for (int j = 0; j <= i; j++) {
                            acc += s[j] * v[j][kv * d + e];
                        }
                        ctx[i][hh * d + e] = (float) (acc / sum);
                    }
                }
            }
            add(x, linear(ctx, w.read(pre + "self_attn.o_proj.weight"), h));
            float[][] h2 = rmsNorm(x, w.read(pre + "post_attention_layernorm.weight"), c.rmsNormEps());
            float[][] gate = linear(h2, w.read(pre + "mlp.gate_proj.weight"), c.intermediateSize());
            float[][] up = linear(h2, w.read(pre + "mlp.up_proj.weight"), c.intermediateSize());
            for (int i = 0; i < n; i++) {
                for (int e = 0; e < gate[i].length; e++) {
                    double g = gate[i][e];
                    gate[i][e] = (float) (g / (1 + Math.exp(-g)) * up[i][e]);
                }
            }
            add(x, linear(gate, w.read(pre + "mlp.down_proj.weight"), h));
        }
        float[][] normed = rmsNorm(x, w.read("model.norm.weight"), c.rmsNormEps());
        float[] head = c.tieWordEmbeddings() ? embed : w.read("lm_head.weight");
        return linear(normed, head, c.vocabSize());
    }

    /** {@code x · Wᵀ} for W stored {@code [out, in]} row-major. */
    static float[][] linear(float[][] x, float[] w, int out) {
        int n = x.length;
        int in = x[0].length;
        if ((long) out * in != w.length) {
            throw new IllegalArgumentException("weight of " + w.length + " values is not [" + out + ", " + in + "]");
        }
        float[][] y = new float[n][out];
        IntStream.range(0, out).parallel().forEach(o -> {
            int off = o * in;
            for (int i = 0; i < n; i++) {
                float[] xi = x[i];
                double acc = 0;
                for (int e = 0; e < in; e++) {
                    acc += (double) xi[e] * w[off + e];
                }
                y[i][o] = (float) acc;
            }
        });
        return y;
    }

    static float[][] rmsNorm(float[][] x, float[] w, double eps) {
        float[][] y = new float[x.length][];
        for (int i = 0; i < x.length; i++) {
            double ss = 0;
            for (float v : x[i]) {
                ss += (double) v * v;
            }
            double r = 1.0 / Math.sqrt(ss / x[i].length + eps);
            y[i] = new float[x[i].length];
            for (int e = 0; e < x[i].length; e++) {
                y[i][e] = (float) (x[i][e] * r * w[e]);
            }
        }
        return y;
    }

    private static void rope(float[][] t, int count, int d, float[][] cos, float[][] sin) {
        int half = d / 2;
        for (int p = 0; p < t.length; p++) {
            for (int hh = 0; hh < count; hh++) {
                int off = hh * d;
                float[] row = t[p];
                float[] orig = java.util.Arrays.copyOfRange(row, off, off + d);
                for (int e = 0; e < d; e++) {
                    float rot = e < half ? -orig[e + half] : orig[e - half];
                    row[off + e] = orig[e] * cos[p][e] + rot * sin[p][e];
                }
            }
        }
    }

    private static void add(float[][] x, float[][] y) {
        for (int i = 0; i < x.length; i++) {
            for (int e = 0; e < x[i].length; e++) {
                x[i][e] += y[i][e];
            }
        }
    }
}
