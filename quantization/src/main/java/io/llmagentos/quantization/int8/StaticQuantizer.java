package io.llmagentos.quantization.int8;

import ai.onnx.proto.OnnxMl.ModelProto;
import java.util.List;
import java.util.Map;

/**
 * Static INT8 quantization in QDQ form: the activation of every INT8 op gets a fixed uint8 scale and zero
 * point from calibration ({@link ActivationRange}, see {@link QuantMath#activationParams}), written as a
 * {@code QuantizeLinear → DequantizeLinear} pair on the activation and a {@code DequantizeLinear} on the INT8
 * weight:
 * <pre>
 *   x' = DequantizeLinear(QuantizeLinear(x, s_x, z_x), s_x, z_x)      // uint8, z_x = 128 when symmetric
 *   W' = DequantizeLinear(W_q, s_W, 0, axis=1)                          // int8, s_W per column
 *   y  = MatMul(x', W')
 * </pre>
 * ONNX Runtime recognises the pattern and runs an integer kernel (u8 × s8). The pair is shared by all ops
 * that read the same activation (q, k and v read one normalized input).
 */
public final class StaticQuantizer {
    private StaticQuantizer() {
    }

    /**
     * @param ranges calibrated range of each activation tensor that an INT8 op reads (from
     *               {@code io.llmagentos.quantization.calibration})
     * @param method how the ranges were found, for the report ("minmax", "entropy", …)
     * @throws QuantizationException when an INT8 op's activation has no calibrated range
     */
    public static QuantizedModel quantize(ModelProto fp32, QuantizeConfig cfg, Map<String, ActivationRange> ranges,
                                          String method) throws QuantizationException {
        String name = "static QDQ (" + method + ", " + (cfg.perChannel() ? "per-channel" : "per-tensor") + ", "
                + (cfg.symmetricActivations() ? "symmetric" : "asymmetric") + " uint8 activations)";
        return Int8Rewriter.rewrite(fp32, cfg, new QdqScheme(ranges, cfg.symmetricActivations()), name);
    }

    static final class QdqScheme implements Int8Rewriter.LinearScheme {
        private final Map<String, ActivationRange> ranges;
        private final boolean symmetric;

        QdqScheme(Map<String, ActivationRange> ranges, boolean symmetric) {
            this.ranges = ranges;
            this.symmetric = symmetric;
        }

        @Override
        public void emit(Int8Rewriter r, QuantTarget t, Int8Rewriter.QWeight w, String x, String y)
                throws QuantizationException {
            ActivationRange range = ranges.get(x);
            if (range == null) {
                throw new QuantizationException("no calibrated range for activation \"" + x + "\" of "
                        + t.displayName() + "; calibrate the same FP32 model that is being quantized");
            }
            QuantMath.UInt8Params p = range.params(symmetric);
            String xd = r.shared("qdq:" + x, () -> {
                String s = r.addInit(OnnxTensors.floats(r.tmp("s"), new float[] {p.scale()}));
                String z = r.addInit(OnnxTensors.uint8(r.tmp("zp"), new byte[] {(byte) p.zeroPoint()}));
                String q = r.tmp("xq");
                String d = r.tmp("dqo");
                r.add(OnnxTensors.node("QuantizeLinear", r.tmp("ql"), List.of(x, s, z), List.of(q)));
                r.add(OnnxTensors.node("DequantizeLinear", r.tmp("dql"), List.of(q, s, z),
                        List.of(d)));
                return new String[] {d};
            })[0];
            String wd = DynamicQuantizer.dequantizedWeight(r, t, w);
            r.add(OnnxTensors.node("MatMul", r.tmp("MatMul"), List.of(xd, wd), List.of(y)));
        }

        @Override
        public String describe() {
            return "QDQ (uint8 activations x int8 weights)";
        }
    }
}
