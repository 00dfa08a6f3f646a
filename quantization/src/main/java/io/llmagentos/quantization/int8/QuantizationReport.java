package io.llmagentos.quantization.int8;

import java.util.List;
import java.util.Locale;

/**
 * What a quantizer did to each candidate op, and the sizes before and after.
 *
 * @param method         "dynamic" or "static-…"
 * @param ops            one entry per candidate op, in graph order
 * @param fp32ModelBytes  serialized bytes of the input model (what its files take)
 * @param int8ModelBytes  serialized bytes of the quantized model
 * @param fp32WeightBytes bytes of the input model's initializers (tensor data only)
 * @param int8WeightBytes bytes of the quantized model's initializers
 */
public record QuantizationReport(String method, List<Op> ops, long fp32ModelBytes, long int8ModelBytes,
                                 long fp32WeightBytes, long int8WeightBytes) {
    public QuantizationReport {
        ops = List.copyOf(ops);
    }

    /** What happened to one op. */
    public enum Status {
        QUANTIZED, EXCLUDED, UNSUPPORTED
    }

    /**
     * @param name   the op's display name (its weight)
     * @param kind   MATMUL, GEMM, EMBEDDING (or the op type of an unsupported op)
     * @param layer  decoder layer or "embedding"/"lm_head"
     * @param status what happened
     * @param detail the scheme ("per-channel int8 …"), the exclusion pattern, or why it is unsupported
     */
    public record Op(String name, String kind, String layer, Status status, String detail) {
    }

    public long count(Status s) {
        return ops.stream().filter(o -> o.status() == s).count();
    }

    /** INT8 model bytes / FP32 model bytes. */
    public double sizeRatio() {
        return fp32ModelBytes == 0 ? Double.NaN : (double) int8ModelBytes / fp32ModelBytes;
    }

    /** INT8 initializer bytes / FP32 initializer bytes (the graph's own bytes left out). */
    public double weightRatio() {
        return fp32WeightBytes == 0 ? Double.NaN : (double) int8WeightBytes / fp32WeightBytes;
    }

    /** A few lines for a terminal. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%s: %d ops in INT8, %d kept FP32 by exclusions, %d unsupported; "
                        + "model %,d -> %,d bytes (%.1f %% of FP32; weights alone %.1f %%)%n", method,
                count(Status.QUANTIZED), count(Status.EXCLUDED), count(Status.UNSUPPORTED), fp32ModelBytes, int8ModelBytes,
                100 * sizeRatio(), 100 * weightRatio()));
        for (Op o : ops) {
            if (o.status() != Status.QUANTIZED) {
                sb.append(String.format(Locale.ROOT, "  %-9s %s (%s)%n", o.status().name().toLowerCase(Locale.ROOT),
                        o.name(), o.detail()));
            }
        }
        return sb.toString();
    }
}
