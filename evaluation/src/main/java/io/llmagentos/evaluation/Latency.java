package io.llmagentos.evaluation;

import io.llmagentos.evaluation.internal.Stats;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Generation latency of one model: time to first token (prompt prefill + the first greedy token) and the time of
 * each following decode step, over the first {@code latencyPrompts} prompts of the eval set (short-answer questions,
 * else multiple-choice ones, else texts), {@code latencyTokens} tokens each with no stop token, after one warm-up
 * generation. {@code decodeTokensPerSecond} is decode steps / their total time.
 *
 * @param prompts               prompts timed
 * @param ttftMsP50             median time to first token, ms
 * @param ttftMsP95             95th percentile time to first token, ms
 * @param decodeMsP50           median decode step, ms per token
 * @param decodeMsP95           95th percentile decode step, ms per token
 * @param decodeTokensPerSecond decode steps per second
 */
public record Latency(int prompts, double ttftMsP50, double ttftMsP95, double decodeMsP50, double decodeMsP95,
                      double decodeTokensPerSecond) {

    public static Latency measure(EvalModel model, EvalSet set, EvalOptions o) throws IOException {
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < o.latencyPrompts(); i++) {
            String text;
            if (i < set.shortAnswer().size()) {
                text = Prompts.prompt(set.shortAnswer().get(i).question());
            } else if (i < set.multipleChoice().size()) {
                text = Prompts.prompt(set.multipleChoice().get(i).question());
            } else if (i < set.texts().size()) {
                text = set.texts().get(i);
            } else {
                break;
            }
            int[] p = Prompts.encode(model.tokenizer(), text);
            if (p.length + o.latencyTokens() <= model.maxPositions()) {
                prompts.add(p);
            }
        }
        if (prompts.isEmpty()) {
            return new Latency(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        model.greedy(prompts.get(0), Math.min(4, o.latencyTokens()), Set.of(), t -> { });
        double[] ttft = new double[prompts.size()];
        List<Double> steps = new ArrayList<>();
        double decodeSeconds = 0;
        long decodeSteps = 0;
        for (int i = 0; i < prompts.size(); i++) {
            long[] times = new long[o.latencyTokens()];
            int[] n = {0};
            long t0 = System.nanoTime();
            model.greedy(prompts.get(i), o.latencyTokens(), Set.of(), t -> times[n[0]++] = System.nanoTime());
            ttft[i] = (times[0] - t0) / 1e6;
            for (int k = 1; k < n[0]; k++) {
                steps.add((times[k] - times[k - 1]) / 1e6);
            }
            decodeSeconds += (times[n[0] - 1] - times[0]) / 1e9;
            decodeSteps += n[0] - 1;
        }
        double[] s = steps.stream().mapToDouble(Double::doubleValue).toArray();
        return new Latency(prompts.size(), Stats.quantile(ttft, 0.5), Stats.quantile(ttft, 0.95),
                Stats.quantile(s, 0.5), Stats.quantile(s, 0.95),
                decodeSeconds > 0 ? decodeSteps / decodeSeconds : Double.NaN);
    }
}
