/**
 * Evaluation: one interface over DJL checkpoints and exported ONNX models ({@link io.llmagentos.evaluation.EvalModel}),
 * the eval-set schema ({@link io.llmagentos.evaluation.EvalSet}), per-item scoring shared by local and Spark batch
 * evaluation ({@link io.llmagentos.evaluation.ItemScorer}, {@link io.llmagentos.evaluation.SparkEvaluator}), metrics
 * (perplexity, multiple-choice acc/acc_norm/PMI, exact match and token F1, latency, RSS, bytes), the comparison
 * report (JSON, Markdown, self-contained HTML) and quality gates ({@link io.llmagentos.evaluation.QualityGates});
 * {@link io.llmagentos.evaluation.EvaluationRun} is the stage API.
 */
package io.llmagentos.evaluation;
