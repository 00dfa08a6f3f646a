package io.llmagentos.evaluation;

import java.io.Serializable;

/**
 * What scoring one eval item produced, the unit local and Spark evaluation share (results are aggregated in item
 * order, so both give the same numbers).
 *
 * @param index   the item's index ({@link ItemScorer#items})
 * @param values  perplexity texts: {negative log-likelihood, predicted tokens}; multiple choice: the
 *                log-likelihood of each choice, then of each choice after the null question; short answer: empty
 * @param tokens  short answer: the greedy tokens; otherwise empty
 * @param processed tokens that went through the model (throughput)
 */
public record ItemResult(int index, double[] values, int[] tokens, long processed) implements Serializable {
    private static final long serialVersionUID = 1L;
}
