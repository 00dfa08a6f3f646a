package io.llmagentos.quantization;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.quantization.int8.DynamicQuantizer;
import io.llmagentos.quantization.int8.Exclusions;
import io.llmagentos.quantization.int8.QuantizationReport;
import io.llmagentos.quantization.int8.QuantizeConfig;
import io.llmagentos.quantization.int8.QuantizedModel;
import io.llmagentos.quantization.testing.TinyLm;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The ranking and greedy search against a scorer whose cost per op is known. */
class SensitivityAnalysisTest {
    /** ppl = 10 · Π (1 + cost of each op in INT8). */
    static final Map<String, Double> COST = Map.of(
            "lm_head.weight", 0.010,
            "model.layers.1.mlp.down_proj.weight", 0.006,
            "model.embed_tokens.weight", 0.004,
            "model.layers.0.mlp.up_proj.weight", 0.001);

    static double score(QuantizedModel q) {
        double p = 10;
        for (QuantizationReport.Op op : q.report().ops()) {
            if (op.status() == QuantizationReport.Status.QUANTIZED) {
                p *= 1 + COST.getOrDefault(op.name(), 0.0002);
            }
        }
        return p;
    }

    @Test
    void ranksByCostAndKeepsTheCostliestInFp32UntilWithinBudget() throws Exception {
        ModelProto fp32 = TinyLm.standard(1);
        Map<ModelProto, QuantizedModel> made = new java.util.IdentityHashMap<>();
        SensitivityAnalysis.Quantize quantize = keep -> {
            QuantizedModel q = DynamicQuantizer.quantize(fp32, QuantizeConfig.defaults().withExclusions(keep));
            made.put(q.model(), q);
            return q;
        };
        QuantizedModel full = quantize.apply(Exclusions.NONE);
        double fullPpl = score(full);
        // 8 ops: 10 · 1.01 · 1.006 · 1.004 · 1.001 · 1.0002^4 ≈ 10.21; budget 1.008 needs lm_head and down_proj in FP32
        SensitivityAnalysis.Result r = SensitivityAnalysis.run(Exclusions.NONE, full, SensitivityAnalysis.Granularity.OP,
                10.0, fullPpl, 1.008, quantize, m -> score(made.get(m)), ProgressListener.NONE);
        assertThat(r.ranking()).hasSize(8);
        assertThat(r.ranking()).extracting(e -> e.group().name()).startsWith("lm_head.weight",
                "model.layers.1.mlp.down_proj.weight", "model.embed_tokens.weight", "model.layers.0.mlp.up_proj.weight");
        assertThat(r.ranking().get(0).ratio()).isCloseTo(1.010, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.recommended()).containsExactly("lm_head.weight", "model.layers.1.mlp.down_proj.weight");
        assertThat(r.met()).isTrue();
        assertThat(r.steps()).hasSize(3);
        assertThat(r.steps().get(0).keptFp32()).isEmpty();
        assertThat(r.steps().get(1).ratio()).isGreaterThan(1.008);
        assertThat(r.chosen().ratio()).isLessThanOrEqualTo(1.008);
        assertThat(r.chosen().sizeRatio()).isGreaterThan(r.steps().get(0).sizeRatio());
        assertThat(r.summary()).contains("recommended: --exclude lm_head.weight --exclude model.layers.1.mlp.down_proj.weight");
    }

    @Test
    void layerGroupsUseGlobsThatMatchOnlyTheirLayer() throws Exception {
        ModelProto fp32 = TinyLm.standard(1);
        QuantizedModel full = DynamicQuantizer.quantize(fp32, QuantizeConfig.defaults());
        var groups = SensitivityAnalysis.groups(full.report(), SensitivityAnalysis.Granularity.LAYER);
        assertThat(groups).extracting(SensitivityAnalysis.Group::name)
                .containsExactly("embedding", "layers.0", "layers.1", "lm_head.weight");
        assertThat(groups.get(1).pattern()).isEqualTo("*layers.0.*");
        assertThat(groups.get(1).ops()).hasSize(3);
        // the pattern excludes exactly that layer
        QuantizedModel q = DynamicQuantizer.quantize(fp32, QuantizeConfig.defaults()
                .withExclusions(Exclusions.of(groups.get(1).pattern())));
        assertThat(q.report().count(QuantizationReport.Status.EXCLUDED)).isEqualTo(3);
    }

    @Test
    void unmetBudgetKeepsEverythingInFp32AndSaysSo() throws Exception {
        ModelProto fp32 = TinyLm.standard(1);
        SensitivityAnalysis.Quantize quantize = keep -> DynamicQuantizer.quantize(fp32,
                QuantizeConfig.defaults().withExclusions(keep));
        QuantizedModel full = quantize.apply(Exclusions.NONE);
        // a scorer that never reaches the budget
        SensitivityAnalysis.Result r = SensitivityAnalysis.run(Exclusions.NONE, full, SensitivityAnalysis.Granularity.LAYER,
                10.0, 11.0, 1.02, quantize, m -> 11.0, ProgressListener.NONE);
        assertThat(r.met()).isFalse();
        assertThat(r.recommended()).hasSize(4);
        assertThat(r.summary()).contains("not met");
    }
}
