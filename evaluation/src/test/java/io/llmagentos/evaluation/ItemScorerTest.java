package io.llmagentos.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Sliding-window perplexity scores every token but the first exactly once, and equals one window when it fits; a
 * multiple-choice item is scored on its question or, under the cloze form, on its cloze, each against its own null.
 */
class ItemScorerTest {
    @Test
    void multipleChoiceScoresTheQuestionOrItsClozeAgainstTheMatchingNullPrompt() throws Exception {
        EvalFixtures f = EvalFixtures.get();
        EvalSet.MultipleChoiceItem withCloze = new EvalSet.MultipleChoiceItem("c", "Which condition does F1 report?",
                java.util.List.of("low oil", "overheat"), 1, "Fault code F1 means");
        EvalSet.MultipleChoiceItem without = new EvalSet.MultipleChoiceItem("q", withCloze.question(),
                withCloze.choices(), 1);
        EvalSet set = new EvalSet("t", java.util.List.of(withCloze, without), java.util.List.of(), java.util.List.of());
        try (EvalModel m = EvalModels.open(f.onnx, 2)) {
            EvalOptions cloze = EvalOptions.defaults().withMcPrompt(EvalOptions.McPrompt.CLOZE);
            double[] byCloze = new ItemScorer(m, set, cloze).multipleChoice(0, withCloze).values();
            double[] byQuestion = new ItemScorer(m, set, EvalOptions.defaults()).multipleChoice(0, withCloze).values();
            double[] fallBack = new ItemScorer(m, set, cloze).multipleChoice(1, without).values();
            for (int c = 0; c < 2; c++) {
                String choice = Prompts.continuation(withCloze.choices().get(c));
                assertThat(byCloze[c]).isCloseTo(direct(m, "Fault code F1 means", choice), within(1e-6));
                assertThat(byCloze[2 + c]).isCloseTo(direct(m, "?", choice), within(1e-6));
                assertThat(byQuestion[c]).isCloseTo(direct(m, Prompts.prompt(withCloze.question()), choice), within(1e-6));
                assertThat(byQuestion[2 + c]).isCloseTo(direct(m, Prompts.prompt("?"), choice), within(1e-6));
            }
            assertThat(fallBack).as("a record without a cloze keeps its question").containsExactly(byQuestion);
            assertThat(byCloze[0]).isNotEqualTo(byQuestion[0]);
        }
        assertThat(EvalOptions.McPrompt.parse(" Cloze ")).isEqualTo(EvalOptions.McPrompt.CLOZE);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EvalOptions.McPrompt.parse("chat"))
                .hasMessage("multiple-choice prompt must be 'question' or 'cloze' (got 'chat')");
    }

    /** The summed log-probability of {@code cont}'s tokens after BOS + {@code prompt}, from one forward pass. */
    private static double direct(EvalModel m, String prompt, String cont) throws Exception {
        int[] p = Prompts.encode(m.tokenizer(), prompt);
        int[] c = m.tokenizer().encode(cont);
        double[] lp = m.tokenLogProbs(Prompts.concat(p, c));
        double s = 0;
        for (int i = p.length; i < p.length + c.length; i++) {
            s += lp[i - 1];
        }
        return s;
    }

    @Test
    void slidingWindowsScoreEachTokenOnce() throws Exception {
        EvalFixtures f = EvalFixtures.get();
        EvalSet set = EvalSet.load(f.smallEval);
        String shortText = set.texts().get(0);
        String longText = set.texts().get(set.texts().size() - 1);
        try (EvalModel m = EvalModels.open(f.onnx, 2)) {
            int[] s = Prompts.encode(m.tokenizer(), shortText);
            assertThat(s.length).isGreaterThan(20).isLessThanOrEqualTo(m.maxPositions());
            ItemResult whole = new ItemScorer(m, set, EvalOptions.defaults()).perplexity(0, shortText);
            assertThat(whole.values()[1]).isEqualTo(s.length - 1);
            double direct = -Arrays.stream(m.tokenLogProbs(s)).sum();
            assertThat(whole.values()[0]).isCloseTo(direct, within(1e-9));
            ItemResult windowed = new ItemScorer(m, set, EvalOptions.defaults().withPerplexityWindow(8, 4))
                    .perplexity(0, shortText);
            assertThat(windowed.values()[1]).isEqualTo(s.length - 1);
            assertThat(windowed.values()[0]).isNotEqualTo(whole.values()[0]); // less context, other numbers
            assertThat(windowed.processed()).isGreaterThan(whole.processed());

            int[] l = Prompts.encode(m.tokenizer(), longText);
            assertThat(l.length).as("the long text is longer than the model's positions").isGreaterThan(m.maxPositions());
            ItemResult byDefault = new ItemScorer(m, set, EvalOptions.defaults()).perplexity(0, longText);
            assertThat(byDefault.values()[1]).isEqualTo(l.length - 1);
            assertThat(byDefault.values()[0] / byDefault.values()[1]).isFinite().isPositive();
            // stride = window: disjoint windows, the first token of each is never predicted (HF's convention)
            ItemResult disjoint = new ItemScorer(m, set, EvalOptions.defaults().withPerplexityWindow(32, 32))
                    .perplexity(0, longText);
            int windows = (l.length + 31) / 32;
            assertThat(disjoint.values()[1]).isEqualTo(l.length - windows);
        }
    }
}
