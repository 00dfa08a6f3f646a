package io.llmagentos.quantization.export.internal;

import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.config.RopeScaling;

/**
 * Rotary inverse frequencies as training's {@code LlamaModel} (and Hugging Face's {@code LlamaRotaryEmbedding})
 * computes them, for the exported graph's constants and the reference forward.
 *
 * <p>{@code inv_freq[i] = 1 / theta^(2i/d)} for i in [0, d/2) with the exponent rounded to float32 first;
 * then per {@code rope_scaling}: "linear" divides every frequency by {@code factor}; "llama3" divides low
 * frequencies (wavelength above {@code original_max_position_embeddings / low_freq_factor}) by {@code factor},
 * keeps high ones and interpolates in between with
 * {@code smooth = (original_max / wavelength − low_freq_factor) / (high_freq_factor − low_freq_factor)};
 * "dynamic" (NTK) raises the base once the sequence (past + new tokens) is longer than
 * {@code max_position_embeddings}: {@code theta' = theta · (factor·len/max − (factor − 1))^(d/(d−2))}.
 * Each frequency is rounded to float32, as the float32 buffer in transformers holds it.
 */
public final class RopeFrequencies {
    private RopeFrequencies() {
    }

    /** True when the frequencies depend on the sequence length (dynamic NTK scaling). */
    public static boolean isDynamic(LlamaConfig c) {
        return c.ropeScaling() != null && "dynamic".equals(c.ropeScaling().type());
    }

    /** The float32 exponents {@code 2i/d}, widened to double. */
    public static double[] exponents(int headDim) {
        double[] e = new double[headDim / 2];
        for (int i = 0; i < e.length; i++) {
            e[i] = (float) (2 * i) / headDim;
        }
        return e;
    }

    /** The inverse frequencies for a sequence of {@code seqLen} positions (past included). */
    public static float[] invFreq(LlamaConfig c, int seqLen) {
        int d = c.headDim();
        double theta = c.ropeTheta();
        RopeScaling s = c.ropeScaling();
        if (isDynamic(c) && seqLen > c.maxPositionEmbeddings()) {
            theta = dynamicTheta(c, seqLen);
        }
        double[] exps = exponents(d);
        double[] inv = new double[d / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = (float) (1.0 / StrictMath.pow(theta, exps[i]));
        }
        if (s != null && "linear".equals(s.type())) {
            for (int i = 0; i < inv.length; i++) {
                inv[i] /= s.factor();
            }
        } else if (s != null && "llama3".equals(s.type())) {
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
        }
        float[] out = new float[inv.length];
        for (int i = 0; i < inv.length; i++) {
            out[i] = (float) inv[i];
        }
        return out;
    }

    /** {@code theta · (factor·len/max − (factor − 1))^(d/(d−2))}, the dynamic-NTK base for {@code seqLen}. */
    public static double dynamicTheta(LlamaConfig c, int seqLen) {
        RopeScaling s = c.ropeScaling();
        int d = c.headDim();
        double ratio = s.factor() * seqLen / c.maxPositionEmbeddings() - (s.factor() - 1);
        return c.ropeTheta() * StrictMath.pow(ratio, d / (d - 2.0));
    }
}
