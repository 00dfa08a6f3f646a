package io.llmagentos.serving.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SamplerTest {
    private static SamplingParams params(double t, int k, double p) {
        return new SamplingParams(8, t, k, p, 1, 0, 0, List.of(), 7);
    }

    private static float[] randomLogits(SplittableRandom r, int n) {
        float[] l = new float[n];
        for (int i = 0; i < n; i++) {
            l[i] = (float) (r.nextGaussian() * 3);
        }
        if (n > 10) {
            l[3] = l[5];   // a tie, ordered by id
        }
        return l;
    }

    @Test
    void optimizedSamplingEqualsTheReferenceForManyShapes() {
        SplittableRandom r = new SplittableRandom(1);
        int checked = 0;
        for (int trial = 0; trial < 400; trial++) {
            float[] l = randomLogits(r, 1 + r.nextInt(300));
            SamplingParams p = params(0.2 + r.nextDouble() * 1.5, r.nextInt(4) == 0 ? 0 : 1 + r.nextInt(50),
                    r.nextInt(3) == 0 ? 1 : 0.05 + r.nextDouble() * 0.95);
            double u = r.nextDouble();
            assertThat(Sampler.sample(l, p, u)).as("trial %d", trial).isEqualTo(Sampler.sampleReference(l, p, u));
            checked++;
        }
        assertThat(checked).isEqualTo(400);
    }

    @Test
    void topIndicesAreDescendingWithTiesBySmallerId() {
        float[] l = {0.5f, 2f, -1f, 2f, Float.NEGATIVE_INFINITY, 1f};
        assertThat(Sampler.topIndices(l, 6)).containsExactly(1, 3, 5, 0, 2, 4);
        assertThat(Sampler.topIndices(l, 2)).containsExactly(1, 3);
    }

    @Test
    void greedyPicksTheFirstMaximum() {
        Sampler s = new Sampler(SamplingParams.greedy(4), 5, new int[] {0});
        assertThat(s.next(new float[] {9, 1, 3, 3, 0, 2}, 1)).isEqualTo(1);   // offset 1: {1, 3, 3, 0, 2}
    }

    @Test
    void topKOfOneIsGreedyWhateverTheDraw() {
        float[] l = randomLogits(new SplittableRandom(3), 100);
        int greedy = Sampler.argMax(l, 0, l.length);
        for (double u : new double[] {0, 0.3, 0.999999}) {
            assertThat(Sampler.sample(l, params(1.5, 1, 1), u)).isEqualTo(greedy);
        }
    }

    @Test
    void topPKeepsOnlyTheNucleus() {
        // probabilities ~ {0.665, 0.245, 0.09}: top_p 0.5 keeps only the first, 0.8 the first two
        float[] l = {2, 1, 0};
        for (int i = 0; i < 50; i++) {
            double u = i / 50.0;
            assertThat(Sampler.sample(l, params(1, 0, 0.5), u)).isZero();
            assertThat(Sampler.sample(l, params(1, 0, 0.8), u)).isIn(0, 1);
        }
        assertThat(Sampler.sample(l, params(1, 0, 1), 0.99)).isEqualTo(2);
    }

    @Test
    void theSameSeedRepeatsAndAnotherSeedDiffers() {
        float[] l = randomLogits(new SplittableRandom(5), 200);
        int[] a = draws(l, 11);
        assertThat(draws(l, 11)).containsExactly(a);
        assertThat(draws(l, 12)).isNotEqualTo(a);
    }

    private static int[] draws(float[] l, long seed) {
        Sampler s = new Sampler(new SamplingParams(32, 1.0, 0, 1, 1, 0, 0, List.of(), seed), l.length, new int[] {0});
        int[] out = new int[32];
        for (int i = 0; i < out.length; i++) {
            out[i] = s.next(l, 0);
        }
        return out;
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOfSeenTokens() {
        // token 0 (logit 3, in the prompt) falls to 1.5 under penalty 2, below token 1 (2); token 2 (-1) is unseen
        SamplingParams p = new SamplingParams(4, 0, 0, 1, 2.0, 0, 0, List.of(), 0);
        Sampler s = new Sampler(p, 3, new int[] {0});
        assertThat(s.next(new float[] {3, 2, -1}, 0)).isEqualTo(1);
        // now 1 was generated too: 3/2 = 1.5 vs 2/2 = 1 -> 0 wins again
        assertThat(s.next(new float[] {3, 2, -1}, 0)).isEqualTo(0);
        Sampler none = new Sampler(SamplingParams.greedy(4), 3, new int[] {0});
        assertThat(none.next(new float[] {3, 2, -1}, 0)).isEqualTo(0);
    }

    @Test
    void frequencyAndPresencePenaltiesCountGeneratedTokensOnly() {
        SamplingParams p = new SamplingParams(4, 0, 0, 1, 1, 0.6, 0.5, List.of(), 0);
        Sampler s = new Sampler(p, 2, new int[] {0, 0, 0});
        float[] l = {1.0f, 0.5f};
        assertThat(s.next(l, 0)).isEqualTo(0);    // the prompt does not count
        assertThat(s.next(l, 0)).isEqualTo(1);    // 1.0 - 0.6 - 0.5 < 0.5
    }

    @Test
    void invalidValuesNameTheirField() {
        assertThatThrownBy(() -> params(-0.1, 0, 1)).isInstanceOf(ParameterException.class)
                .hasMessageContaining("temperature").extracting(e -> ((ParameterException) e).param())
                .isEqualTo("temperature");
        assertThatThrownBy(() -> params(1, -1, 1)).hasMessageContaining("top_k");
        assertThatThrownBy(() -> params(1, 0, 0)).hasMessageContaining("top_p");
        assertThatThrownBy(() -> params(1, 0, 1.5)).hasMessageContaining("top_p");
        assertThatThrownBy(() -> new SamplingParams(0, 0, 0, 1, 1, 0, 0, List.of(), 0)).hasMessageContaining("max_tokens");
        assertThatThrownBy(() -> new SamplingParams(1, 0, 0, 1, 0, 0, 0, List.of(), 0))
                .hasMessageContaining("repetition_penalty");
        assertThatThrownBy(() -> new SamplingParams(1, 0, 0, 1, 1, 3, 0, List.of(), 0))
                .hasMessageContaining("frequency_penalty");
        assertThatThrownBy(() -> new SamplingParams(1, 0, 0, 1, 1, 0, 0, List.of("a", "b", "c", "d", "e"), 0))
                .hasMessageContaining("stop");
        assertThatThrownBy(() -> new SamplingParams(1, 0, 0, 1, 1, 0, 0, List.of(""), 0)).hasMessageContaining("stop");
        assertThatThrownBy(() -> params(Double.NaN, 0, 1)).hasMessageContaining("temperature");
    }
}
