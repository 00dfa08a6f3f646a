package io.llmagentos.quantization.int8;

/**
 * How weights and activations go to INT8. Each field's description is the one the CLI help shows.
 *
 * @param perChannel           {@value #PER_CHANNEL_DOC}
 * @param quantizeEmbedding    {@value #EMBEDDING_DOC}
 * @param exclusions           {@value #EXCLUDE_DOC}
 * @param dynamicKernel        {@value #DYNAMIC_KERNEL_DOC}
 * @param symmetricActivations {@value #SYMMETRIC_DOC}
 */
public record QuantizeConfig(boolean perChannel, boolean quantizeEmbedding, Exclusions exclusions,
                             DynamicKernel dynamicKernel, boolean symmetricActivations) {
    public static final String PER_CHANNEL_DOC = "One INT8 scale per output channel of each weight (false: one per tensor).";
    public static final String EMBEDDING_DOC = "Store the embedding table in INT8 too (Gather on INT8 rows, one scale per row).";
    public static final String EXCLUDE_DOC = "Ops kept in FP32: substrings of an op, weight or output name, globs "
            + "(*layers.0.*), or re:REGEX.";
    public static final String DYNAMIC_KERNEL_DOC = "Dynamic quantization graph: matmul-integer (DynamicQuantizeLinear + "
            + "MatMulInteger, standard ONNX ops; ORT fuses them into DynamicQuantizeMatMul), matmul-nbits (8-bit blocks "
            + "of 128 along K in ONNX Runtime's com.microsoft MatMulNBits with int8 activations per block: the fastest "
            + "batch-1 decode, ONNX Runtime only) or dequantize-weights (INT8 storage only, DequantizeLinear + FP32 "
            + "MatMul).";
    public static final String SYMMETRIC_DOC = "Static activations: symmetric uint8 around zero point 128 (false: "
            + "asymmetric min/max with a computed zero point).";

    public QuantizeConfig {
        if (exclusions == null) {
            exclusions = Exclusions.NONE;
        }
        if (dynamicKernel == null) {
            throw new IllegalArgumentException("dynamicKernel must be set (MATMUL_INTEGER, DEQUANTIZE_WEIGHTS or MATMUL_NBITS)");
        }
    }

    /** Per-channel weights, INT8 embedding, no exclusions, MatMulInteger kernels, symmetric activations. */
    public static QuantizeConfig defaults() {
        return new QuantizeConfig(true, true, Exclusions.NONE, DynamicKernel.MATMUL_INTEGER, true);
    }

    public QuantizeConfig withPerChannel(boolean v) {
        return new QuantizeConfig(v, quantizeEmbedding, exclusions, dynamicKernel, symmetricActivations);
    }

    public QuantizeConfig withEmbedding(boolean v) {
        return new QuantizeConfig(perChannel, v, exclusions, dynamicKernel, symmetricActivations);
    }

    public QuantizeConfig withExclusions(Exclusions v) {
        return new QuantizeConfig(perChannel, quantizeEmbedding, v, dynamicKernel, symmetricActivations);
    }

    public QuantizeConfig withDynamicKernel(DynamicKernel v) {
        return new QuantizeConfig(perChannel, quantizeEmbedding, exclusions, v, symmetricActivations);
    }

    public QuantizeConfig withSymmetricActivations(boolean v) {
        return new QuantizeConfig(perChannel, quantizeEmbedding, exclusions, dynamicKernel, v);
    }

    /** The graph that dynamic quantization writes for a MatMul. */
    public enum DynamicKernel {
        MATMUL_INTEGER, DEQUANTIZE_WEIGHTS, MATMUL_NBITS;

        /** {@code matmul-integer}, {@code matmul-nbits} or {@code dequantize-weights} (case and _/- free). */
        public static DynamicKernel parse(String s) {
            String k = s.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
            for (DynamicKernel d : values()) {
                if (d.name().equals(k)) {
                    return d;
                }
            }
            throw new IllegalArgumentException("unknown kernel '" + s + "': use matmul-integer, matmul-nbits or "
                    + "dequantize-weights");
        }
    }
}
