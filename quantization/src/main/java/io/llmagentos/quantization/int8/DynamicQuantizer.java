package io.llmagentos.quantization.int8;

import ai.onnx.proto.OnnxMl.ModelProto;
import java.util.List;

/**
 * Dynamic INT8 quantization: weights go to INT8 offline ({@link WeightQuantizer}: symmetric, per output
 * channel unless per-tensor is asked for), activations are quantized at run time, per call, from their
 * own min/max ({@link QuantMath#dynamicParams}). No calibration data is needed.
 *
 * <p>With {@link QuantizeConfig.DynamicKernel#MATMUL_INTEGER} each {@code y = x · W} becomes
 * <pre>
 *   (x_q, s_x, z_x) = DynamicQuantizeLinear(x)                  // uint8, asymmetric, per tensor
 *   y = float(MatMulInteger(x_q, W_q, z_x)) · (s_x · s_W)        // int32 accumulation, s_W per column
 * </pre>
 * which ONNX Runtime fuses into one {@code DynamicQuantizeMatMul} kernel (u8 × s8, VNNI where the CPU has
 * it). With {@link QuantizeConfig.DynamicKernel#DEQUANTIZE_WEIGHTS} only the storage is INT8:
 * {@code y = x · DequantizeLinear(W_q, s_W)} in FP32. With {@link QuantizeConfig.DynamicKernel#MATMUL_NBITS}
 * each weight is stored in 8-bit blocks of up to 128 along K ({@link BlockwiseWeight}) and runs in ONNX Runtime's
 * {@code com.microsoft.MatMulNBits} with {@code accuracy_level = 4}: the activation is quantized to int8 per block
 * at run time and multiplied in int8 (VNNI where the CPU has it) by a kernel made for batch-1 decode; a weight
 * shared with the embedding table (a tied LM head) keeps the MatMulInteger form, so it is stored once.
 * Embedding tables become an INT8 Gather whose rows are scaled back by their own scale.
 */
public final class DynamicQuantizer {
    private DynamicQuantizer() {
    }

    public static QuantizedModel quantize(ModelProto fp32, QuantizeConfig cfg) throws QuantizationException {
        Int8Rewriter.LinearScheme scheme = switch (cfg.dynamicKernel()) {
            case MATMUL_INTEGER -> new MatMulIntegerScheme();
            case DEQUANTIZE_WEIGHTS -> new DequantizeWeightsScheme();
            case MATMUL_NBITS -> new MatMulNBitsScheme(MatMulNBitsScheme.BLOCK_SIZE);
        };
        String granularity = cfg.dynamicKernel() == QuantizeConfig.DynamicKernel.MATMUL_NBITS ? "8-bit blocks"
                : cfg.perChannel() ? "per-channel" : "per-tensor";
        String method = "dynamic (" + granularity + ", "
                + cfg.dynamicKernel().name().toLowerCase(java.util.Locale.ROOT) + ")";
        return Int8Rewriter.rewrite(fp32, cfg, scheme, method);
    }

    /** DynamicQuantizeLinear per activation (shared by the ops that read it) + MatMulInteger + Cast + Mul. */
    static final class MatMulIntegerScheme implements Int8Rewriter.LinearScheme {
        @Override
        public void emit(Int8Rewriter r, QuantTarget t, Int8Rewriter.QWeight w, String x, String y) {
            String[] q = r.shared("dynamic-quantize:" + x, () -> {
                String xq = r.tmp("xq");
                String xs = r.tmp("s");
                String xz = r.tmp("zp");
                r.add(OnnxTensors.node("DynamicQuantizeLinear", r.tmp("dql"), List.of(x),
                        List.of(xq, xs, xz)));
                return new String[] {xq, xs, xz};
            });
            String b = r.kMajor(t, w);
            String yi = r.tmp("i32");
            r.add(OnnxTensors.node("MatMulInteger", r.tmp("mmi"), List.of(q[0], b, q[2]),
                    List.of(yi)));
            String yf = r.tmp("f32");
            r.add(OnnxTensors.node("Cast", r.tmp("cast"), List.of(yi), List.of(yf))
                    .addAttribute(OnnxTensors.intAttr("to", OnnxTensors.FLOAT)));
            String s = r.tmp("s");
            r.add(OnnxTensors.node("Mul", r.tmp("smul"), List.of(q[1], w.scale()), List.of(s)));
            r.add(OnnxTensors.node("Mul", r.tmp("dq"), List.of(yf, s), List.of(y)));
        }

        @Override
        public String describe() {
            return "DynamicQuantizeLinear + MatMulInteger (uint8 x int8)";
        }
    }

    /**
     * {@code com.microsoft.MatMulNBits(x, B, scales)} with 8-bit symmetric blocks (zero point 128, the op's
     * default) and {@code accuracy_level = 4} (int8 compute); a tied weight falls back to {@link MatMulIntegerScheme}.
     */
    static final class MatMulNBitsScheme implements Int8Rewriter.LinearScheme {
        static final int BLOCK_SIZE = 128;
        private final int maxBlock;
        private final MatMulIntegerScheme shared = new MatMulIntegerScheme();

        /** Blocks of up to {@code maxBlock} along K ({@link BlockwiseWeight#blockSizeFor}). */
        MatMulNBitsScheme(int maxBlock) {
            this.maxBlock = maxBlock;
        }

        @Override
        public void emit(Int8Rewriter r, QuantTarget t, Int8Rewriter.QWeight w, String x, String y) {
            shared.emit(r, t, w, x, y);
        }

        @Override
        public boolean ownsWeights() {
            return true;
        }

        @Override
        public void emitOwned(Int8Rewriter r, QuantTarget t, ai.onnx.proto.OnnxMl.TensorProto fp32, String x, String y) {
            int block = BlockwiseWeight.blockSizeFor(t.inFeatures(), maxBlock);
            BlockwiseWeight b = BlockwiseWeight.quantize(OnnxTensors.readFloats(fp32), t.rows(), t.cols(),
                    t.channelAxis() == 1, block);
            String base = fp32.getName();
            String data = r.addInit(OnnxTensors.uint8(r.fresh(base + "_q8"), b.data(), b.n(), b.kBlocks(), block));
            String scales = r.addInit(OnnxTensors.floats(r.fresh(base + "_scales"), b.scales(),
                    (long) b.n() * b.kBlocks()));
            r.add(OnnxTensors.node("MatMulNBits", r.tmp("mmnb"), List.of(x, data, scales), List.of(y))
                    .setDomain("com.microsoft")
                    .addAttribute(OnnxTensors.intAttr("K", b.k()))
                    .addAttribute(OnnxTensors.intAttr("N", b.n()))
                    .addAttribute(OnnxTensors.intAttr("bits", 8))
                    .addAttribute(OnnxTensors.intAttr("block_size", block))
                    .addAttribute(OnnxTensors.intAttr("accuracy_level", 4)));
        }

        @Override
        public String describe() {
            return shared.describe() + " (weight shared with the embedding)";
        }

        @Override
        public String describeOwned() {
            return "8-bit symmetric blocks (up to " + maxBlock + ") along K, MatMulNBits (int8 activations per "
                    + "block, accuracy_level 4)";
        }
    }

    /** DequantizeLinear of the weight (once per weight) + FP32 MatMul. */
    static final class DequantizeWeightsScheme implements Int8Rewriter.LinearScheme {
        @Override
        public void emit(Int8Rewriter r, QuantTarget t, Int8Rewriter.QWeight w, String x, String y) {
            String wf = dequantizedWeight(r, t, w);
            r.add(OnnxTensors.node("MatMul", r.tmp("MatMul"), List.of(x, wf), List.of(y)));
        }

        @Override
        public String describe() {
            return "DequantizeLinear weights + FP32 MatMul";
        }
    }

    /** {@code DequantizeLinear(W_q [K, N], s_W, 0, axis=1)}, written once per weight. */
    static String dequantizedWeight(Int8Rewriter r, QuantTarget t, Int8Rewriter.QWeight w) {
        return r.shared("dequantize-weight:" + w.data(), () -> {
            String b = r.kMajor(t, w);
            String out = r.tmp("dqo");
            var n = OnnxTensors.node("DequantizeLinear", r.tmp("dql"),
                    List.of(b, w.scale(), r.zeroPoint(w)), List.of(out));
            if (w.perChannel()) {
                n.addAttribute(OnnxTensors.intAttr("axis", 1));
            }
            r.add(n);
            return new String[] {out};
        })[0];
    }
}
