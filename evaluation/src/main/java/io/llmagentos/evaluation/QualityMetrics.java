package io.llmagentos.evaluation;

import io.llmagentos.core.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Quality metrics aggregated from per-item results, in item order (so local and Spark evaluation agree exactly).
 *
 * @param perplexity     {@code exp(Σ nll / Σ tokens)} over every perplexity text (token level)
 * @param pplTokens      tokens predicted for perplexity
 * @param mcAcc          lm-evaluation-harness {@code acc}: argmax of the summed log-likelihood of the choice
 * @param mcAccNorm      lm-evaluation-harness {@code acc_norm}: argmax of log-likelihood / characters of the choice
 * @param mcPmiAcc       argmax of {@code log p(choice | question) − log p(choice | null question)} (domain PMI)
 * @param mcQuestions    multiple-choice questions scored
 * @param mcChance       mean of 1 / choices
 * @param exactMatch     short answers whose normalized answer equals an accepted one (fraction)
 * @param tokenF1        mean token F1 of short answers
 * @param saQuestions    short-answer questions scored
 * @param processedTokens tokens that went through the model
 * @param predictions    each short-answer question's generated answer and scores
 */
public record QualityMetrics(double perplexity, long pplTokens, double mcAcc, double mcAccNorm, double mcPmiAcc,
                             int mcQuestions, double mcChance, double exactMatch, double tokenF1, int saQuestions,
                             long processedTokens, List<Prediction> predictions) {

    /** One short-answer question's outcome. */
    public record Prediction(String id, String question, String prediction, String answer, boolean exactMatch,
                             double f1) {
    }

    /** Aggregates {@code results} (any order; one per item of {@code set}) with the model's tokenizer. */
    public static QualityMetrics aggregate(EvalSet set, List<ItemResult> results, Tokenizer tok) {
        List<ItemResult> r = new ArrayList<>(results);
        r.sort(Comparator.comparingInt(ItemResult::index));
        if (r.size() != ItemScorer.items(set)) {
            throw new IllegalStateException(r.size() + " item results for " + ItemScorer.items(set) + " items");
        }
        int t = set.texts().size();
        int m = set.multipleChoice().size();
        double nll = 0;
        long count = 0;
        long processed = 0;
        for (ItemResult x : r) {
            processed += x.processed();
        }
        for (int i = 0; i < t; i++) {
            nll += r.get(i).values()[0];
            count += (long) r.get(i).values()[1];
        }
        int acc = 0;
        int accNorm = 0;
        int pmi = 0;
        double chance = 0;
        for (int i = 0; i < m; i++) {
            EvalSet.MultipleChoiceItem q = set.multipleChoice().get(i);
            double[] v = r.get(t + i).values();
            int k = q.choices().size();
            double[] sum = new double[k];
            double[] norm = new double[k];
            double[] pm = new double[k];
            for (int c = 0; c < k; c++) {
                String ch = q.choices().get(c);
                sum[c] = v[c];
                norm[c] = v[c] / ch.codePointCount(0, ch.length());
                pm[c] = v[c] - v[k + c];
            }
            acc += argMax(sum) == q.answer() ? 1 : 0;
            accNorm += argMax(norm) == q.answer() ? 1 : 0;
            pmi += argMax(pm) == q.answer() ? 1 : 0;
            chance += 1.0 / k;
        }
        List<Prediction> preds = new ArrayList<>();
        double em = 0;
        double f1 = 0;
        for (int i = 0; i < set.shortAnswer().size(); i++) {
            EvalSet.ShortAnswerItem q = set.shortAnswer().get(i);
            String text = AnswerMetrics.answerText(tok.decode(r.get(t + m + i).tokens(), true));
            boolean e = AnswerMetrics.exactMatch(text, q.accepted());
            double f = AnswerMetrics.f1(text, q.accepted());
            em += e ? 1 : 0;
            f1 += f;
            preds.add(new Prediction(q.id(), q.question(), text, q.answer(), e, f));
        }
        int sa = set.shortAnswer().size();
        return new QualityMetrics(count == 0 ? Double.NaN : Math.exp(nll / count), count,
                m == 0 ? Double.NaN : (double) acc / m, m == 0 ? Double.NaN : (double) accNorm / m,
                m == 0 ? Double.NaN : (double) pmi / m, m, m == 0 ? Double.NaN : chance / m,
                sa == 0 ? Double.NaN : em / sa, sa == 0 ? Double.NaN : f1 / sa, sa, processed, preds);
    }

    /** The first index of the largest value (numpy's argmax). */
    static int argMax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
