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
 * {@code y = x · DequantizeLinear(W_q, s_W)} in FP32. Embedding tables become an INT8 Gather whose rows
 * are scaled back by their own scale.
 */
public final class DynamicQuantizer {
    private DynamicQuantizer() {
    }

    public static QuantizedModel quantize(ModelProto fp32, QuantizeConfig cfg) throws QuantizationException {
        Int8Rewriter.LinearScheme scheme = cfg.dynamicKernel() == QuantizeConfig.DynamicKernel.MATMUL_INTEGER
                ? new MatMulIntegerScheme() : new DequantizeWeightsScheme();
        String method = "dynamic (" + (cfg.perChannel() ? "per-channel" : "per-tensor") + ", "
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
