package io.llmagentos.benchmarks.distill;

import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.distillation.MultipleChoice;
import io.llmagentos.training.LlamaModel;
import java.util.List;

/**
 * Per-question outcomes of the multiple-choice task and the statistics the ablation reports with them: a Wilson
 * score interval for one accuracy and an exact McNemar test for two models on the same questions.
 *
 * <p>The per-question PMI decisions come from {@link MultipleChoice#correctByPmi} (the evaluation module's
 * scoring): {@code log p(choice | question) − log p(choice | "?")}, first maximum on ties. {@link #pmiCorrect}
 * checks its count against {@link MultipleChoice#score} and fails when they differ, so the statistics never
 * describe a different scoring than the accuracy they sit next to.
 */
final class McStats {
    private McStats() {
    }

    /** Which questions the model answers right by PMI; checked against {@code expected} (MultipleChoice.score). */
    static boolean[] pmiCorrect(LlamaModel model, Tokenizer tok, List<MultipleChoice.Question> qs,
            MultipleChoice.Score expected) throws java.io.IOException {
        boolean[] ok = MultipleChoice.correctByPmi(model, tok, qs);
        int right = count(ok);
        if (expected != null && Math.abs((double) right / qs.size() - expected.accuracy()) > 1.5 / qs.size()) {
            throw new IllegalStateException("per-question PMI decisions give " + right + "/" + qs.size()
                    + " but MultipleChoice.score gives accuracy " + expected.accuracy()
                    + ": the scoring in MultipleChoice changed; update McStats");
        }
        return ok;
    }

    static int count(boolean[] v) {
        int n = 0;
        for (boolean b : v) {
            n += b ? 1 : 0;
        }
        return n;
    }

    /** Wilson score interval {lo, hi} of {@code k} successes in {@code n} at z (1.96 for 95 %). */
    static double[] wilson(int k, int n, double z) {
        double p = (double) k / n;
        double z2 = z * z;
        double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = z * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / (1 + z2 / n);
        return new double[] {centre - half, centre + half};
    }

    /**
     * Exact two-sided McNemar p-value: {@code b} questions only model A gets right, {@code c} only model B;
     * under "no difference" each discordant question is a fair coin, so p = min(1, 2·P[Binomial(b + c, ½) ≤ min(b, c)]).
     */
    static double mcnemarExact(int b, int c) {
        int n = b + c;
        if (n == 0) {
            return 1.0;
        }
        int m = Math.min(b, c);
        double tail = 0;
        for (int i = 0; i <= m; i++) {
            tail += Math.exp(logChoose(n, i) - n * Math.log(2));
        }
        return Math.min(1.0, 2 * tail);
    }

    /** One-sided binomial p-value P[X ≥ k] for X ~ Binomial(n, p): is k right answers above chance p? */
    static double binomialUpper(int k, int n, double p) {
        double s = 0;
        for (int i = k; i <= n; i++) {
            s += Math.exp(logChoose(n, i) + i * Math.log(p) + (n - i) * Math.log(1 - p));
        }
        return Math.min(1.0, s);
    }

    private static double logChoose(int n, int k) {
        double s = 0;
        for (int i = 1; i <= k; i++) {
            s += Math.log(n - k + i) - Math.log(i);
        }
        return s;
    }
}
