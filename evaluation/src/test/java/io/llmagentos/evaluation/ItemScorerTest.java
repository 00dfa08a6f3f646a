package io.llmagentos.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Sliding-window perplexity scores every token but the first exactly once, and equals one window when it fits. */
class ItemScorerTest {
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
