package io.llmagentos.quantization.calibration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.quantization.int8.ActivationRange;
import io.llmagentos.quantization.int8.OnnxTensors;
import io.llmagentos.quantization.int8.QuantizationException;
import io.llmagentos.quantization.int8.QuantizeConfig;
import io.llmagentos.quantization.int8.QuantizedModel;
import io.llmagentos.quantization.int8.StaticQuantizer;
import io.llmagentos.quantization.testing.OpCounts;
import io.llmagentos.quantization.testing.Ort;
import io.llmagentos.quantization.testing.TinyLm;
import io.llmagentos.testsupport.Tolerance;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class StaticCalibrationTest {
    static final int VOCAB = 256;

    static CalibrationSet randomSet(int n, int len, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<long[]> seqs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long[] s = new long[len];
            for (int j = 0; j < len; j++) {
                s[j] = r.nextInt(VOCAB);
            }
            seqs.add(s);
        }
        return new CalibrationSet("random(" + seed + ")", seqs);
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
            return ort.logits(ids, 1);
        }
    }

    static long[] evalIds() {
        return randomSet(1, 64, 99).sequences().get(0);
    }

    @ParameterizedTest
    @EnumSource(CalibrationMethod.class)
    void calibratedQdqModelRunsFusedAndCloseToFp32(CalibrationMethod method) throws Exception {
        ModelProto fp32 = TinyLm.build(VOCAB, 64, 128, 2, TinyLm.Head.UNTIED_MATMUL, 0, 3);
        List<String> acts = Calibrator.linearActivations(fp32);
        assertThat(acts).hasSize(2 * 2 + 1); // (gate|up) and down per layer, the LM head
        AtomicLong ticks = new AtomicLong();
        ProgressListener counting = (task, total, unit) -> new ProgressListener.Progress() {
            @Override
            public void advance(long units) {
                ticks.addAndGet(units);
            }

            @Override
            public void close() {
            }
        };
        Calibration cal = Calibrator.calibrate(fp32, acts, randomSet(24, 32, 1),
                CalibrationConfig.defaults(method).withMaxSamples(20).withHistogramBins(512), counting);
        assertThat(cal.sequences()).isEqualTo(20);
        assertThat(ticks.get()).isGreaterThanOrEqualTo(20);
        assertThat(cal.ranges()).containsOnlyKeys(acts);
        for (String a : acts) {
            TensorStats s = cal.stats().get(a);
            ActivationRange r = cal.ranges().get(a);
            assertThat(r.lo()).isGreaterThanOrEqualTo(Math.min(0, s.min()));
            assertThat(r.hi()).isLessThanOrEqualTo(Math.max(0, s.max()));
            if (method == CalibrationMethod.MINMAX) {
                assertThat(r.absMax()).isEqualTo(s.absMax());
            }
        }
        QuantizedModel q = StaticQuantizer.quantize(fp32, QuantizeConfig.defaults(), cal.ranges(), method.cliName());
        Map<String, Integer> fused = OpCounts.afterOrt(q.model());
        assertThat(fused.getOrDefault("QLinearMatMul", 0) + fused.getOrDefault("MatMulIntegerToFloat", 0))
                .as(fused.toString()).isEqualTo(7);
        assertThat(fused).doesNotContainKeys("MatMul", "DequantizeLinear");
        long[] ids = evalIds();
        double err = relL2(logits(q.model(), ids), logits(fp32, ids));
        assertThat(err).as(method + " INT8 logits error").isLessThan(0.06);
    }

    @Test
    void smoothQuantIsExactInFp32AndShrinksTheInt8ErrorOfOutlierChannels() throws Exception {
        ModelProto fp32 = TinyLm.build(VOCAB, 64, 128, 2, TinyLm.Head.UNTIED_MATMUL, 3, 5);
        CalibrationSet set = randomSet(16, 32, 2);
        List<String> acts = Calibrator.linearActivations(fp32);
        CalibrationConfig cfg = CalibrationConfig.defaults(CalibrationMethod.MINMAX);
        Calibration before = Calibrator.calibrate(fp32, acts, set, cfg, ProgressListener.NONE);
        SmoothQuant.Result sq = SmoothQuant.apply(fp32, before.stats(), 0.5);
        // gate|up fold into the post-attention norm, down into up_proj, the head into the final norm
        assertThat(sq.groups()).hasSize(5);
        assertThat(sq.skipped()).isEmpty();
        assertThat(sq.groups()).extracting(SmoothQuant.Group::foldedInto)
                .contains("model.layers.0.post_attention_layernorm.weight", "model.layers.0.mlp.up_proj.weight",
                        "model.norm.weight");
        long[] ids = evalIds();
        float[] ref = logits(fp32, ids);
        Tolerance.assertAllClose(logits(sq.model(), ids), ref, 1e-4, 1e-4);
        // the outlier channels of the normalized input are tamed
        Calibration after = Calibrator.calibrate(sq.model(), acts, set, cfg, ProgressListener.NONE);
        String normOut = "model.layers.0.post_attention_layernorm.output";
        float[] chBefore = before.stats().get(normOut).channelAbsMax();
        float[] chAfter = after.stats().get(normOut).channelAbsMax();
        assertThat(spread(chAfter)).isLessThan(spread(chBefore) / 3);

        double plain = relL2(logits(StaticQuantizer.quantize(fp32, QuantizeConfig.defaults(), before.ranges(), "minmax")
                .model(), ids), ref);
        double smoothed = relL2(logits(StaticQuantizer.quantize(sq.model(), QuantizeConfig.defaults(), after.ranges(),
                "minmax").model(), ids), ref);
        assertThat(smoothed).as("INT8 error with SmoothQuant (%s) vs without (%s)", smoothed, plain)
                .isLessThan(plain * 0.7);
    }

    @Test
    void smoothQuantScalesFollowTheFormula() {
        float[] s = SmoothQuant.scales(new float[] {16f, 1f, 0f}, new float[] {1f, 4f, 2f}, 0.5);
        assertThat(s[0]).isEqualTo(4f);          // sqrt(16) / sqrt(1)
        assertThat(s[1]).isEqualTo(0.5f);        // sqrt(1) / sqrt(4)
        assertThat(s[2]).isEqualTo(1f);          // a dead channel is left alone
        float[] a1 = SmoothQuant.scales(new float[] {16f}, new float[] {4f}, 1.0);
        assertThat(a1[0]).isEqualTo(16f);        // alpha 1: all of the activation's range moves
        assertThatThrownBy(() -> SmoothQuant.scales(new float[1], new float[1], 1.5)).hasMessageContaining("[0, 1]");
    }

    @Test
    void tiedHeadIsNotSmoothedThroughTheEmbedding() throws Exception {
        ModelProto fp32 = TinyLm.build(VOCAB, 32, 64, 1, TinyLm.Head.TIED_TRANSPOSE, 2, 6);
        List<String> acts = Calibrator.linearActivations(fp32);
        Calibration c = Calibrator.calibrate(fp32, acts, randomSet(4, 16, 3), CalibrationConfig.defaults(
                CalibrationMethod.MINMAX), ProgressListener.NONE);
        SmoothQuant.Result sq = SmoothQuant.apply(fp32, c.stats(), 0.5);
        assertThat(sq.skipped()).containsKey("model.norm.output");
        assertThat(sq.skipped().get("model.norm.output")).contains("shared");
        TensorProto e0 = fp32.getGraph().getInitializer(0);
        TensorProto e1 = sq.model().getGraph().getInitializer(0);
        assertThat(OnnxTensors.readFloats(e1)).containsExactly(OnnxTensors.readFloats(e0));
    }

    @Test
    void emptyCalibrationSetIsAClearError() {
        ModelProto fp32 = TinyLm.standard(1);
        assertThatThrownBy(() -> Calibrator.calibrate(fp32, Calibrator.linearActivations(fp32),
                new CalibrationSet("empty.jsonl", List.of()), CalibrationConfig.defaults(CalibrationMethod.MINMAX),
                ProgressListener.NONE))
                .isInstanceOf(QuantizationException.class).hasMessageContaining("empty.jsonl").hasMessageContaining("empty");
    }

    private static float spread(float[] v) {
        float lo = Float.MAX_VALUE;
        float hi = 0;
        for (float x : v) {
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
        }
        return hi / lo;
    }
}
