/**
 * Evaluation metrics, comparison reports and quality gates. Filled by the evaluation issue.
 */
package io.llmagentos.evaluation;
