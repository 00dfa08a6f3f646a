package io.llmagentos.quantization.int8;

import static io.llmagentos.quantization.int8.DynamicQuantizerTest.ids;
import static io.llmagentos.quantization.int8.DynamicQuantizerTest.logits;
import static io.llmagentos.quantization.int8.DynamicQuantizerTest.relL2;
import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.llmagentos.quantization.testing.OpCounts;
import io.llmagentos.quantization.testing.TinyLm;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The MATMUL_NBITS dynamic kernel: 8-bit blockwise weights in ONNX Runtime's MatMulNBits. */
class MatMulNBitsTest {
    private static final QuantizeConfig NBITS = QuantizeConfig.defaults()
            .withDynamicKernel(QuantizeConfig.DynamicKernel.MATMUL_NBITS);

    @Test
    void everyValueIsWithinHalfItsBlockScaleAndPaddingIsZero() {
        int k = 300;   // 3 blocks of 128, the last one padded
        int n = 5;
        float[] w = new float[k * n];
        SplittableRandom r = new SplittableRandom(4);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian() * (i % n == 2 ? 40 : 1);
        }
        BlockwiseWeight b = BlockwiseWeight.quantize(w, k, n, true, 128);
        assertThat(b.kBlocks()).isEqualTo(3);
        for (int col = 0; col < n; col++) {
            for (int row = 0; row < k; row++) {
                float s = b.scales()[col * 3 + row / 128];
                assertThat((double) Math.abs(b.dequantize(row, col) - w[row * n + col])).as("w[%d, %d]", row, col)
                        .isLessThanOrEqualTo(s / 2 * (1 + 1e-6));
            }
            for (int i = k - 256; i < 128; i++) {
                assertThat(b.data()[(col * 3 + 2) * 128 + i] & 0xff).as("padding").isEqualTo(128);
            }
        }
        // the same weight stored [N, K] (a Gemm with transB) gives the same blocks
        float[] t = new float[k * n];
        for (int row = 0; row < k; row++) {
            for (int col = 0; col < n; col++) {
                t[col * k + row] = w[row * n + col];
            }
        }
        BlockwiseWeight bt = BlockwiseWeight.quantize(t, n, k, false, 128);
        assertThat(bt.data()).isEqualTo(b.data());
        assertThat(bt.scales()).isEqualTo(b.scales());
    }

    @Test
    void blockSizeIsTheOneThatStoresAColumnInTheFewestBytes() {
        assertThat(BlockwiseWeight.blockSizeFor(768, 128)).isEqualTo(128);
        assertThat(BlockwiseWeight.blockSizeFor(2048, 128)).isEqualTo(128);
        assertThat(BlockwiseWeight.blockSizeFor(352, 128)).isEqualTo(128);  // 384 + 12 bytes, as 32 blocks: 352 + 44
        assertThat(BlockwiseWeight.blockSizeFor(64, 128)).isEqualTo(64);
        assertThat(BlockwiseWeight.blockSizeFor(48, 128)).isEqualTo(16);    // 48 + 12 beats 64 + 4
    }

    /**
     * Every untied linear becomes one MatMulNBits, and ORT's result equals the FP32 model with each weight replaced
     * by its blockwise-dequantized value up to the int8 activation rounding of accuracy_level 4.
     */
    @Test
    void untiedLinearsRunInMatMulNBitsAndMatchTheDequantizedWeights() throws Exception {
        ModelProto fp32 = TinyLm.build(512, 64, 128, 2, TinyLm.Head.UNTIED_MATMUL, 0, 1);
        QuantizedModel q = DynamicQuantizer.quantize(fp32, NBITS);
        assertThat(OpCounts.of(q.model()).get("MatMulNBits")).isEqualTo(2 * 3 + 1);
        assertThat(OpCounts.of(q.model())).doesNotContainKeys("MatMul", "MatMulInteger");
        assertThat(q.model().getOpsetImportList()).extracting(OperatorSetIdProto::getDomain).contains("com.microsoft");
        assertThat(q.report().weightRatio()).isLessThan(0.27);
        assertThat(q.report().ops()).filteredOn(o -> o.kind().equals("MATMUL"))
                .allMatch(o -> o.detail().contains("MatMulNBits"), "reported as MatMulNBits");

        long[] ids = ids(2 * 24, 512, 3);
        float[] got = logits(q.model(), ids);
        double vsDequantized = relL2(got, logits(withBlockwiseWeights(fp32), ids));
        double vsFp32 = relL2(got, logits(fp32, ids));
        assertThat(vsDequantized).as("vs FP32 with the blockwise weights").isLessThan(0.02);
        assertThat(vsFp32).as("vs FP32").isLessThan(0.05).isGreaterThan(0);
        // finer scales than per channel: no worse than the MatMulInteger graph
        double perChannel = relL2(logits(DynamicQuantizer.quantize(fp32, QuantizeConfig.defaults()).model(), ids),
                logits(fp32, ids));
        assertThat(vsFp32).isLessThan(perChannel * 1.25);
    }

    @Test
    void aHeadTiedToTheEmbeddingKeepsOneInt8TableAndMatMulInteger() throws Exception {
        ModelProto fp32 = TinyLm.build(512, 64, 128, 1, TinyLm.Head.TIED_TRANSPOSE, 0, 2);
        QuantizedModel q = DynamicQuantizer.quantize(fp32, NBITS);
        long int8Tables = q.model().getGraph().getInitializerList().stream()
                .filter(t -> t.getDataType() == OnnxTensors.INT8 && t.getDimsList().equals(List.of(512L, 64L))).count();
        assertThat(int8Tables).isEqualTo(1);
        Map<String, Integer> ops = OpCounts.of(q.model());
        assertThat(ops.get("MatMulNBits")).isEqualTo(3);
        assertThat(ops.get("MatMulInteger")).isEqualTo(1);
        assertThat(ops).doesNotContainKey("MatMul");
        long[] ids = ids(2 * 16, 512, 7);
        assertThat(relL2(logits(q.model(), ids), logits(fp32, ids))).isLessThan(0.05);
    }

    /** FP32 model whose matrix-product weights are their blockwise INT8 values, dequantized (embedding kept). */
    private static ModelProto withBlockwiseWeights(ModelProto fp32) {
        GraphProto.Builder g = fp32.getGraph().toBuilder();
        Map<String, QuantTarget> byWeight = new HashMap<>();
        for (QuantTarget t : QuantTargets.find(fp32.getGraph()).targets()) {
            byWeight.put(t.weight(), t);
        }
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            QuantTarget qt = byWeight.get(t.getName());
            if (qt == null) {
                continue;
            }
            if (qt.kind() == QuantTarget.Kind.EMBEDDING) {
                // the embedding table as the quantized model stores it: per-row INT8
                QuantizedWeight qw = WeightQuantizer.quantizeReference(OnnxTensors.readFloats(t), qt.rows(), qt.cols(),
                        qt.channelAxis(), true);
                g.setInitializer(i, OnnxTensors.floats(t.getName(), qw.dequantize(), qt.rows(), qt.cols()));
                continue;
            }
            boolean kMajor = qt.channelAxis() == 1;
            BlockwiseWeight b = BlockwiseWeight.quantize(OnnxTensors.readFloats(t), qt.rows(), qt.cols(), kMajor,
                    BlockwiseWeight.blockSizeFor(qt.inFeatures(), 128));
            float[] w = new float[qt.rows() * qt.cols()];
            for (int row = 0; row < qt.rows(); row++) {
                for (int col = 0; col < qt.cols(); col++) {
                    w[row * qt.cols() + col] = kMajor ? b.dequantize(row, col) : b.dequantize(col, row);
                }
            }
            g.setInitializer(i, OnnxTensors.floats(t.getName(), w, qt.rows(), qt.cols()));
        }
        return fp32.toBuilder().setGraph(g).build();
    }
}
