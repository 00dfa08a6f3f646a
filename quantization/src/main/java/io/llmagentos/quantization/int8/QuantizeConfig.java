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
    public static final String DYNAMIC_KERNEL_DOC = "Dynamic quantization graph: MATMUL_INTEGER (DynamicQuantizeLinear + "
            + "MatMulInteger, activations quantized per call; ORT fuses it into DynamicQuantizeMatMul) or "
            + "DEQUANTIZE_WEIGHTS (INT8 storage only, DequantizeLinear + FP32 MatMul).";
    public static final String SYMMETRIC_DOC = "Static activations: symmetric uint8 around zero point 128 (false: "
            + "asymmetric min/max with a computed zero point).";

    public QuantizeConfig {
        if (exclusions == null) {
            exclusions = Exclusions.NONE;
        }
        if (dynamicKernel == null) {
            throw new IllegalArgumentException("dynamicKernel must be set (MATMUL_INTEGER or DEQUANTIZE_WEIGHTS)");
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
        MATMUL_INTEGER, DEQUANTIZE_WEIGHTS
    }
}
