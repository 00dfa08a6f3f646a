package io.llmagentos.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.testsupport.Python;
import io.llmagentos.testsupport.RepoPaths;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Perplexity and multiple-choice accuracy of an ONNX model (FP32 and INT8) equal an independent computation in
 * Python onnxruntime + numpy with Python tokenizers ({@code scripts/parity/eval_check.py}, the test .venv) within
 * 1e-3 relative; each choice's log-likelihood too. The eval set includes texts longer than the 32-token window.
 */
class PythonEvalParityTest {
    @ParameterizedTest
    @ValueSource(strings = {"fp32 question", "int8 question", "fp32 cloze"})
    void perplexityAndAccuracyEqualPythonOnnxRuntime(String variant) throws Exception {
        Python py = Python.require("onnxruntime", "numpy", "tokenizers");
        EvalFixtures f = EvalFixtures.get();
        Path dir = variant.startsWith("fp32") ? f.onnx : f.int8;
        String form = variant.split(" ")[1];
        EvalOptions o = EvalFixtures.options().withMcPrompt(EvalOptions.McPrompt.parse(form));
        EvalSet set = EvalSet.load(f.smallEval);
        QualityMetrics java;
        try (EvalModel m = EvalModels.open(dir, 2)) {
            java = QualityMetrics.aggregate(set, Evaluator.scoreLocally(m, set, o, ProgressListener.Progress.NONE),
                    m.tokenizer());
        }
        JsonNode p = JsonFields.MAPPER.readTree(py.runScript(RepoPaths.script("parity/eval_check.py"), dir.toString(),
                f.smallEval.toString(), "--window", "32", "--stride", "16", "--mc-prompt", form));
        assertThat(p.get("ppl_tokens").asLong()).isEqualTo(java.pplTokens());
        assertThat(java.perplexity()).isCloseTo(p.get("perplexity").asDouble(), within(1e-3 * p.get("perplexity").asDouble()));
        assertThat(p.get("mc_questions").asInt()).isEqualTo(java.mcQuestions()).isPositive();
        for (String k : List.of("mc_acc", "mc_acc_norm", "mc_pmi_acc")) {
            double ref = p.get(k).asDouble();
            double got = switch (k) {
                case "mc_acc" -> java.mcAcc();
                case "mc_acc_norm" -> java.mcAccNorm();
                default -> java.mcPmiAcc();
            };
            assertThat(got).as(k).isCloseTo(ref, within(1e-3 * Math.max(ref, 1e-9)));
        }
        // and every choice's log-likelihood, the numbers the accuracies are argmaxes of
        try (EvalModel m = EvalModels.open(dir, 2)) {
            ItemScorer s = new ItemScorer(m, set, o);
            for (int q = 0; q < set.multipleChoice().size(); q++) {
                double[] v = s.score(set.texts().size() + q).values();
                JsonNode ref = p.get("choice_ll").get(q);
                for (int c = 0; c < ref.size(); c++) {
                    assertThat(v[c]).as("question %d choice %d", q, c)
                            .isCloseTo(ref.get(c).asDouble(), within(1e-3 * Math.abs(ref.get(c).asDouble())));
                }
            }
        }
    }
}
