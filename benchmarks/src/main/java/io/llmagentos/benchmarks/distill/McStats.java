package io.llmagentos.benchmarks.distill;

import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.distillation.MultipleChoice;
import io.llmagentos.training.LlamaModel;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-question outcomes of the multiple-choice task and the statistics the ablation reports with them: a Wilson
 * score interval for one accuracy and an exact McNemar test for two models on the same questions.
 *
 * <p>The per-question PMI decisions are recomputed here from {@link MultipleChoice#logLikelihoods} (the scoring
 * itself stays in {@link MultipleChoice}): {@code log p(choice | question) − log p(choice | "?")}, first maximum on
 * ties. {@link #pmiCorrect} checks its count against {@link MultipleChoice#score} and fails when they differ, so the
 * statistics never describe a different scoring than the accuracy they sit next to.
 */
final class McStats {
    /** The null question {@link MultipleChoice} subtracts (its package-private {@code NULL_QUESTION}). */
    private static final String NULL_QUESTION = "?";

    private McStats() {
    }

    /** Which questions the model answers right by PMI; checked against {@code expected} (MultipleChoice.score). */
    static boolean[] pmiCorrect(LlamaModel model, Tokenizer tok, List<MultipleChoice.Question> qs, int batch,
            MultipleChoice.Score expected) {
        double[] ll = MultipleChoice.logLikelihoods(model, tok, qs, batch);
        List<MultipleChoice.Question> nulls = new ArrayList<>();
        for (MultipleChoice.Question q : qs) {
            nulls.add(new MultipleChoice.Question(q.id(), NULL_QUESTION, q.choices(), q.answer()));
        }
        double[] prior = MultipleChoice.logLikelihoods(model, tok, nulls, batch);
        boolean[] ok = new boolean[qs.size()];
        int k = 0;
        int right = 0;
        for (int i = 0; i < qs.size(); i++) {
            MultipleChoice.Question q = qs.get(i);
            int best = 0;
            for (int c = 1; c < q.choices().size(); c++) {
                if (ll[k + c] - prior[k + c] > ll[k + best] - prior[k + best]) {
                    best = c;
                }
            }
            ok[i] = best == q.answer();
            right += ok[i] ? 1 : 0;
            k += q.choices().size();
        }
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
