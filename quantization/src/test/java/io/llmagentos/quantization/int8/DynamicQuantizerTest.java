package io.llmagentos.quantization.int8;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.llmagentos.quantization.testing.OpCounts;
import io.llmagentos.quantization.testing.Ort;
import io.llmagentos.quantization.testing.TinyLm;
import io.llmagentos.testsupport.Tolerance;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DynamicQuantizerTest {
    static long[] ids(int n, int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextInt(vocab);
        }
        return ids;
    }

    static double relL2(float[] a, float[] ref) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - ref[i]) * (double) (a[i] - ref[i]);
            den += ref[i] * (double) ref[i];
        }
        return Math.sqrt(num / den);
    }

    static float[] logits(ModelProto m, long[] ids) throws Exception {
        try (Ort ort = new Ort(m)) {
            return ort.logits(ids, 2);
        }
    }

    @ParameterizedTest
    @EnumSource(TinyLm.Head.class)
    void everyLinearAndTheEmbeddingGoToInt8AndOrtFusesThem(TinyLm.Head head) throws Exception {
        ModelProto fp32 = TinyLm.build(512, 64, 128, 2, head, 0, 1);
        QuantizedModel q = DynamicQuantizer.quantize(fp32, QuantizeConfig.defaults());
        QuantizationReport rep = q.report();
        assertThat(rep.count(QuantizationReport.Status.QUANTIZED)).isEqualTo(2 * 3 + 1 + 1);
        assertThat(rep.count(QuantizationReport.Status.UNSUPPORTED)).isZero();
        // no FP32 weight matrix is left
        for (TensorProto t : q.model().getGraph().getInitializerList()) {
            if (t.getDataType() == OnnxTensors.FLOAT) {
                assertThat(t.getDimsCount()).as(t.getName()).isLessThanOrEqualTo(1);
            }
        }
        // hidden 64: a per-channel FP32 scale costs 4/64 bytes per weight, so the weights alone take ~26.6 %
        assertThat(rep.weightRatio()).isLessThan(0.27);
        assertThat(rep.sizeRatio()).isLessThan(0.30);
        Map<String, Integer> fused = OpCounts.afterOrt(q.model());
        // one fused integer kernel per linear: DynamicQuantizeMatMul where the op quantizes its own input,
        // MatMulIntegerToFloat where gate and up share one DynamicQuantizeLinear
        assertThat(fused.getOrDefault("DynamicQuantizeMatMul", 0) + fused.getOrDefault("MatMulIntegerToFloat", 0))
                .as(fused.toString()).isEqualTo(7);
        assertThat(fused).doesNotContainKeys("MatMulInteger", "MatMul", "Gemm");

        long[] ids = ids(2 * 24, 512, 3);
        double err = relL2(logits(q.model(), ids), logits(fp32, ids));
        assertThat(err).as("relative L2 error of the INT8 logits").isLessThan(0.05).isGreaterThan(0);
    }

    @Test
    void tiedHeadSharesOneInt8Table() throws Exception {
        ModelProto fp32 = TinyLm.build(512, 64, 128, 1, TinyLm.Head.TIED_TRANSPOSE, 0, 2);
        QuantizedModel q = DynamicQuantizer.quantize(fp32, QuantizeConfig.defaults());
        long int8Tables = q.model().getGraph().getInitializerList().stream()
                .filter(t -> t.getDataType() == OnnxTensors.INT8 && t.getDimsList().equals(List.of(512L, 64L))).count();
        assertThat(int8Tables).isEqualTo(1);
        assertThat(OpCounts.of(q.model())).doesNotContainKey("MatMul");
    }

    /**
     * The DequantizeLinear graph must compute exactly the FP32 model with each weight replaced by its
     * dequantized INT8 value (q·s), embedding included: this pins the graph to the formulas.
     */
    @ParameterizedTest
    @EnumSource(TinyLm.Head.class)
    void dequantizedWeightGraphEqualsFp32WithDequantizedWeights(TinyLm.Head head) throws Exception {
        for (boolean perChannel : new boolean[] {true, false}) {
            ModelProto fp32 = TinyLm.build(128, 32, 48, 2, head, 2, 4);
            QuantizeConfig cfg = QuantizeConfig.defaults().withPerChannel(perChannel)
                    .withDynamicKernel(QuantizeConfig.DynamicKernel.DEQUANTIZE_WEIGHTS);
            ModelProto q = DynamicQuantizer.quantize(fp32, cfg).model();
            ModelProto expected = withDequantizedWeights(fp32, perChannel);
            long[] ids = ids(2 * 10, 128, 5);
            float[] got = logits(q, ids);
            float[] want = logits(expected, ids);
            Tolerance.assertAllClose(got, want, 1e-5, 1e-5);
        }
    }

    /** FP32 model whose weights are replaced by what {@link WeightQuantizer} makes of them, dequantized. */
    static ModelProto withDequantizedWeights(ModelProto fp32, boolean perChannel) {
        GraphProto.Builder g = fp32.getGraph().toBuilder();
        Map<String, QuantTarget> byWeight = new java.util.HashMap<>();
        for (QuantTarget t : QuantTargets.find(fp32.getGraph()).targets()) {
            byWeight.put(t.weight(), t);
        }
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            QuantTarget qt = byWeight.get(t.getName());
            if (qt != null) {
                QuantizedWeight qw = WeightQuantizer.quantizeReference(OnnxTensors.readFloats(t), qt.rows(), qt.cols(),
                        qt.channelAxis(), perChannel);
                g.setInitializer(i, OnnxTensors.floats(t.getName(), qw.dequantize(), qt.rows(), qt.cols()));
            }
        }
        return fp32.toBuilder().setGraph(g).build();
    }

    /**
     * A Java reference of what the MatMulInteger graph computes for {@code y = x·W}: x quantized as
     * DynamicQuantizeLinear does (asymmetric uint8 over [min(0, min x), max(0, max x)]), an integer product,
     * and the scales applied once. ORT's fused kernel must agree with it.
     */
    @Test
    void matMulIntegerGraphMatchesTheJavaReference() throws Exception {
        int m = 5;
        int k = 48;
        ModelProto fp32 = TinyLm.matmulChain(k, 1, 1);
        QuantizedModel q = DynamicQuantizer.quantize(fp32, QuantizeConfig.defaults());
        float[] w = OnnxTensors.readFloats(fp32.getGraph().getInitializer(0));
        QuantizedWeight qw = WeightQuantizer.quantizeReference(w, k, k, 1, true);
        SplittableRandom r = new SplittableRandom(9);
        float[] x = new float[m * k];
        float lo = 0;
        float hi = 0;
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian() + 0.3f;
            lo = Math.min(lo, x[i]);
            hi = Math.max(hi, x[i]);
        }
        QuantMath.UInt8Params p = QuantMath.dynamicParams(lo, hi);
        float[] want = new float[m * k];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < k; j++) {
                long acc = 0;
                for (int kk = 0; kk < k; kk++) {
                    acc += (long) (QuantMath.quantizeUInt8(x[i * k + kk], p) - p.zeroPoint()) * qw.data()[kk * k + j];
                }
                want[i * k + j] = acc * (p.scale() * qw.scales()[j]);
            }
        }
        try (Ort ort = new Ort(q.model())) {
            float[] got = ort.run("x", x, m, k);
            Tolerance.assertAllClose(got, want, 1e-5, 1e-5);
        }
    }

    @Test
    void exclusionsKeepOpsInFp32AndAreReported() throws Exception {
        ModelProto fp32 = TinyLm.build(96, 32, 64, 2, TinyLm.Head.UNTIED_MATMUL, 0, 1);
        QuantizedModel q = DynamicQuantizer.quantize(fp32, QuantizeConfig.defaults()
                .withExclusions(Exclusions.of("lm_head", "*layers.1.mlp.down*")));
        QuantizationReport rep = q.report();
        assertThat(rep.ops()).filteredOn(o -> o.status() == QuantizationReport.Status.EXCLUDED)
                .extracting(QuantizationReport.Op::name)
                .containsExactly("model.layers.1.mlp.down_proj.weight", "lm_head.weight");
        assertThat(OpCounts.of(q.model()).get("MatMul")).isEqualTo(2);
        assertThat(q.model().getGraph().getInitializerList()).extracting(TensorProto::getName)
                .contains("lm_head.weight", "model.layers.1.mlp.down_proj.weight")
                .doesNotContain("model.layers.0.mlp.down_proj.weight");
        assertThat(rep.summary()).contains("matches exclusion 'lm_head'");
        long[] ids = ids(2 * 8, 96, 3);
        assertThat(relL2(logits(q.model(), ids), logits(fp32, ids))).isLessThan(0.05);
    }

    @Test
    void anExclusionThatMatchesNothingIsAnError() {
        assertThatThrownBy(() -> DynamicQuantizer.quantize(TinyLm.standard(1), QuantizeConfig.defaults()
                .withExclusions(Exclusions.of("lm_haed"))))
                .isInstanceOf(QuantizationException.class)
                .hasMessageContaining("'lm_haed' matches no quantizable op")
                .hasMessageContaining("model.embed_tokens.weight");
    }

    @Test
    void embeddingCanStayFp32() throws Exception {
        QuantizedModel q = DynamicQuantizer.quantize(TinyLm.standard(1), QuantizeConfig.defaults().withEmbedding(false));
        assertThat(q.model().getGraph().getInitializerList()).extracting(TensorProto::getName)
                .contains("model.embed_tokens.weight");
        assertThat(q.report().ops().get(0).status()).isEqualTo(QuantizationReport.Status.EXCLUDED);
    }

    @Test
    void perChannelBeatsPerTensorOnOutlierColumns() throws Exception {
        ModelProto fp32 = TinyLm.build(256, 64, 128, 2, TinyLm.Head.UNTIED_MATMUL, 0, 8);
        // make one output column of every weight 50x louder
        GraphProto.Builder g = fp32.getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            if (t.getDimsCount() == 2 && !t.getName().contains("embed")) {
                float[] w = OnnxTensors.readFloats(t);
                int cols = (int) t.getDims(1);
                for (int r = 0; r < t.getDims(0); r++) {
                    w[r * cols] *= 50;
                }
                g.setInitializer(i, OnnxTensors.floats(t.getName(), w, t.getDims(0), t.getDims(1)));
            }
        }
        fp32 = fp32.toBuilder().setGraph(g).build();
        long[] ids = ids(2 * 16, 256, 1);
        float[] ref = logits(fp32, ids);
        QuantizeConfig dq = QuantizeConfig.defaults().withDynamicKernel(QuantizeConfig.DynamicKernel.DEQUANTIZE_WEIGHTS);
        double perChannel = relL2(logits(DynamicQuantizer.quantize(fp32, dq).model(), ids), ref);
        double perTensor = relL2(logits(DynamicQuantizer.quantize(fp32, dq.withPerChannel(false)).model(), ids), ref);
        assertThat(perChannel * 3).isLessThan(perTensor);
    }
}
