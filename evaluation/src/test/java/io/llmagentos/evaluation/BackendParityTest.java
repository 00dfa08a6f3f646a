package io.llmagentos.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.llmagentos.core.progress.ProgressListener;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The same checkpoint in DJL and as its FP32 ONNX export gives the same quality metrics within 1e-3 relative (the
 * issue's acceptance), item by item as well as aggregated; INT8 runs through the same interface.
 */
class BackendParityTest {
    private static final List<String> QUALITY = List.of("perplexity", "mc_acc", "mc_acc_norm", "mc_pmi_acc",
            "task_acc", "exact_match", "token_f1");

    @Test
    void djlAndOnnxFp32AgreeOnEveryQualityMetric() throws Exception {
        EvalFixtures f = EvalFixtures.get();
        EvalSet set = EvalSet.load(EvalFixtures.SAMPLE_EVAL, 12);
        EvalOptions o = EvalFixtures.options();
        List<ItemResult> djl;
        List<ItemResult> ort;
        try (EvalModel d = EvalModels.open(f.checkpoint, 2); EvalModel x = EvalModels.open(f.onnx, 2)) {
            assertThat(d.kind()).isEqualTo("checkpoint");
            assertThat(x.kind()).isEqualTo("onnx");
            assertThat(x.precision()).isEqualTo("fp32");
            djl = Evaluator.scoreLocally(d, set, o, ProgressListener.Progress.NONE);
            ort = Evaluator.scoreLocally(x, set, o, ProgressListener.Progress.NONE);
            for (int i = 0; i < djl.size(); i++) {
                double[] a = djl.get(i).values();
                double[] b = ort.get(i).values();
                for (int k = 0; k < a.length; k++) {
                    assertThat(b[k]).as("item %d value %d", i, k).isCloseTo(a[k], within(1e-3 * Math.max(1, Math.abs(a[k]))));
                }
                assertThat(ort.get(i).tokens()).as("item %d greedy tokens", i).containsExactly(djl.get(i).tokens());
            }
            QualityMetrics qd = QualityMetrics.aggregate(set, djl, d.tokenizer());
            QualityMetrics qo = QualityMetrics.aggregate(set, ort, x.tokenizer());
            assertThat(qo.perplexity()).isCloseTo(qd.perplexity(), within(1e-3 * qd.perplexity()));
            assertThat(qo.mcAcc()).isCloseTo(qd.mcAcc(), within(1e-3 * Math.max(1e-9, qd.mcAcc())));
            assertThat(qo.mcAccNorm()).isCloseTo(qd.mcAccNorm(), within(1e-3 * Math.max(1e-9, qd.mcAccNorm())));
            assertThat(qo.mcPmiAcc()).isCloseTo(qd.mcPmiAcc(), within(1e-3 * Math.max(1e-9, qd.mcPmiAcc())));
            assertThat(qo.exactMatch()).isEqualTo(qd.exactMatch());
            assertThat(qo.tokenF1()).isCloseTo(qd.tokenF1(), within(1e-3 * Math.max(1e-9, qd.tokenF1())));
            assertThat(qd.mcQuestions()).isEqualTo(qo.mcQuestions()).isGreaterThan(10);
            assertThat(qd.saQuestions()).isGreaterThan(10);
            assertThat(qd.perplexity()).isFinite().isGreaterThan(1);
        }

        Evaluator ev = new Evaluator(o, ProgressListener.NONE);
        EvalSet few = set.withLimit(6);
        ModelReport rd = ev.evaluate("ckpt", f.checkpoint, few, null, 0);
        ModelReport ro = ev.evaluate("fp32", f.onnx, few, null, 0);
        ModelReport ri = ev.evaluate("int8", f.int8, few, null, 0);
        for (String m : QUALITY) {
            double a = rd.metric(m);
            assertThat(ro.metric(m)).as(m).isCloseTo(a, within(1e-3 * Math.max(1e-9, Math.abs(a))));
        }
        assertThat(ri.precision()).isEqualTo("int8");
        assertThat(ri.metric("bytes")).isLessThan(0.5 * ro.metric("bytes"));
        assertThat(ri.metric("perplexity")).isCloseTo(ro.metric("perplexity"), within(0.2 * ro.metric("perplexity")));
        for (ModelReport r : List.of(rd, ro, ri)) {
            assertThat(r.metric("ttft_ms_p50")).as(r.alias()).isPositive();
            assertThat(r.metric("ttft_ms_p95")).isGreaterThanOrEqualTo(r.metric("ttft_ms_p50"));
            assertThat(r.metric("decode_tokens_per_s")).isPositive();
            assertThat(r.metric("peak_rss_bytes")).isGreaterThan(r.metric("rss_delta_bytes"));
            assertThat(r.metric("bytes")).isPositive();
            assertThat(r.metric("parameters")).isEqualTo(rd.metric("parameters"));
            assertThat(r.metric("eval_tokens_per_s")).isPositive();
        }
    }
}
