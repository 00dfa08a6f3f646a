package io.llmagentos.training.internal;

import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.config.RopeScaling;

/**
 * Rotary position embedding tables as Hugging Face's {@code LlamaRotaryEmbedding} computes them.
 *
 * <p>{@code inv_freq[i] = 1 / theta^(2i/d)} for i in [0, d/2), then per {@code rope_scaling}: "linear"
 * divides every frequency by {@code factor}; "llama3" divides low frequencies (wavelength above
 * {@code original_max_position_embeddings / low_freq_factor}) by {@code factor}, keeps high ones and
 * interpolates in between; "dynamic" (NTK) raises the base for sequences longer than
 * {@code max_position_embeddings}: {@code theta' = theta · (factor·len/max − (factor − 1))^(d/(d−2))}.
 * For position p: {@code cos[p] = cos(p · [inv_freq, inv_freq])}, likewise {@code sin}; a head vector x
 * becomes {@code x·cos + rotate_half(x)·sin} with {@code rotate_half([a, b]) = [−b, a]}.
 */
public final class Rope {
    private final LlamaConfig config;

    public Rope(LlamaConfig config) {
        this.config = config;
    }

    /** The inverse frequencies for a sequence of {@code seqLen} positions. */
    public double[] invFreq(int seqLen) {
        int d = config.headDim();
        double theta = config.ropeTheta();
        RopeScaling s = config.ropeScaling();
        if (s != null && "dynamic".equals(s.type()) && seqLen > config.maxPositionEmbeddings()) {
            double ratio = s.factor() * seqLen / config.maxPositionEmbeddings() - (s.factor() - 1);
            theta = theta * StrictMath.pow(ratio, d / (d - 2.0));
        }
        double[] inv = new double[d / 2];
        for (int i = 0; i < inv.length; i++) {
            // HF computes the exponent in float32: arange(0, d, 2).float() / d
            float exponent = (float) (2 * i) / d;
            inv[i] = (float) (1.0 / StrictMath.pow(theta, exponent));
        }
        if (s == null || "default".equals(s.type()) || "dynamic".equals(s.type())) {
            return inv;
        }
        if ("linear".equals(s.type())) {
            for (int i = 0; i < inv.length; i++) {
                inv[i] /= s.factor();
            }
            return inv;
        }
        // llama3
        double factor = s.factor();
        double low = s.param("low_freq_factor");
        double high = s.param("high_freq_factor");
        double oldLen = s.param("original_max_position_embeddings");
        double lowWavelen = oldLen / low;
        double highWavelen = oldLen / high;
        for (int i = 0; i < inv.length; i++) {
            double wavelen = 2 * Math.PI / inv[i];
            double f = wavelen > lowWavelen ? inv[i] / factor : inv[i];
            if (!(wavelen < highWavelen) && !(wavelen > lowWavelen)) {
                double smooth = (oldLen / wavelen - low) / (high - low);
                f = (1 - smooth) * f / factor + smooth * f;
            }
            inv[i] = f;
        }
        return inv;
    }

    /**
     * {@code [cos | sin]} for positions {@code [from, from + count)}: two row-major tables of
     * {@code count × headDim} floats, the second starting at {@code count × headDim}.
     */
    public float[] table(int from, int count, int seqLenForScaling) {
        int d = config.headDim();
        double[] inv = invFreq(seqLenForScaling);
        float[] out = new float[2 * count * d];
        for (int p = 0; p < count; p++) {
            float pos = from + p;
            for (int i = 0; i < d / 2; i++) {
                // HF: freqs = position (float32) * inv_freq (float32), then cos/sin in float32
                float angle = pos * (float) inv[i];
                float c = (float) StrictMath.cos(angle);
                float sn = (float) StrictMath.sin(angle);
                out[p * d + i] = c;
                out[p * d + i + d / 2] = c;
                out[count * d + p * d + i] = sn;
                out[count * d + p * d + i + d / 2] = sn;
            }
        }
        return out;
    }
}
