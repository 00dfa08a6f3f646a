package io.llmagentos.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * Autoregressive generation with a KV cache: the prompt goes through the model once, then each step feeds
 * only the newest token. Greedy at temperature 0; otherwise temperature, top-k and top-p sampling with a
 * seeded Java random source, so a run is repeatable.
 */
public final class Generator {
    private final LlamaModel model;

    public Generator(LlamaModel model) {
        this.model = model;
    }

    /** The prompt followed by the generated tokens; {@code onToken} sees each new token as it is chosen. */
    public int[] generate(int[] prompt, Sampling s, IntConsumer onToken) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt is empty; give at least one token (e.g. BOS)");
        }
        int limit = model.config().maxPositionEmbeddings();
        SplittableRandom rnd = new SplittableRandom(s.seed());
        int[] out = Arrays.copyOf(prompt, prompt.length + s.maxNewTokens());
        int n = prompt.length;
        try (NDManager gen = model.manager().newSubManager();
             KvCache cache = new KvCache(gen, model.config().numHiddenLayers())) {
            int[] feed = prompt;
            for (int step = 0; step < s.maxNewTokens() && n < limit + s.maxNewTokens(); step++) {
                float[] last;
                try (NDManager m = gen.newSubManager()) {
                    NDArray logits = model.forward(model.weights(), LlamaModel.ids(m, new int[][] {feed}), cache);
                    last = logits.get("0, -1, :").toFloatArray();
                }
                int next = s.temperature() == 0 ? argMax(last) : sample(last, s, rnd);
                out[n++] = next;
                onToken.accept(next);
                if (s.stopTokenIds().contains(next)) {
                    break;
                }
                feed = new int[] {next};
            }
        }
        return Arrays.copyOf(out, n);
    }

    static int argMax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Softmax of logits / temperature, restricted to the top-k and then the top-p nucleus, then one draw. */
    static int sample(float[] logits, Sampling s, SplittableRandom rnd) {
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        int k = s.topK() > 0 ? Math.min(s.topK(), logits.length) : logits.length;
        double max = logits[order[0]] / s.temperature();
        double[] p = new double[k];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            p[i] = StrictMath.exp(logits[order[i]] / s.temperature() - max);
            sum += p[i];
        }
        int keep = k;
        double cum = 0;
        for (int i = 0; i < k; i++) {
            cum += p[i] / sum;
            if (cum >= s.topP()) {
                keep = i + 1;
                break;
            }
        }
        double total = 0;
        for (int i = 0; i < keep; i++) {
            total += p[i];
        }
        double u = rnd.nextDouble() * total;
        for (int i = 0; i < keep; i++) {
            u -= p[i];
            if (u <= 0) {
                return order[i];
            }
        }
        return order[keep - 1];
    }
}
