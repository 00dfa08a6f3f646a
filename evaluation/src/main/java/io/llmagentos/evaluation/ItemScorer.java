package io.llmagentos.evaluation;

import io.llmagentos.core.tokenizer.Tokenizer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Scores one eval item on one model; local evaluation runs every item in order, Spark runs them by partition.
 * Items are numbered: perplexity texts first, then multiple-choice questions, then short-answer questions. Each is
 * computed on its own (no padding, no batching across items), so its numbers do not depend on where it runs.
 */
public final class ItemScorer {
    private final EvalModel model;
    private final EvalSet set;
    private final EvalOptions options;
    private final Tokenizer tok;
    private final int window;
    private final int stride;
    private final Set<Integer> stops;

    public ItemScorer(EvalModel model, EvalSet set, EvalOptions options) {
        this.model = model;
        this.set = set;
        this.options = options;
        this.tok = model.tokenizer();
        this.window = options.window(model.maxPositions());
        this.stride = options.stride(window);
        this.stops = new HashSet<>(model.config().eosTokenIds());
    }

    /** Items in {@code set}. */
    public static int items(EvalSet set) {
        return set.texts().size() + set.multipleChoice().size() + set.shortAnswer().size();
    }

    public ItemResult score(int index) throws IOException {
        int t = set.texts().size();
        int m = set.multipleChoice().size();
        if (index < t) {
            return perplexity(index, set.texts().get(index));
        }
        if (index < t + m) {
            return multipleChoice(index, set.multipleChoice().get(index - t));
        }
        return shortAnswer(index, set.shortAnswer().get(index - t - m));
    }

    /**
     * Negative log-likelihood of a text in sliding windows: windows of {@code window} tokens starting every
     * {@code stride} tokens; each window scores only the tokens after the previous window's end, so every token
     * (but the first of the text) is predicted exactly once, with {@code window − stride} tokens of context or more
     * once past the first window (Hugging Face's strided perplexity).
     */
    ItemResult perplexity(int index, String text) throws IOException {
        int[] ids = Prompts.encode(tok, text);
        double nll = 0;
        long count = 0;
        long processed = 0;
        int prevEnd = 0;
        for (int begin = 0; begin < ids.length; begin += stride) {
            int end = Math.min(begin + window, ids.length);
            int from = Math.max(prevEnd, begin + 1); // first absolute index scored in this window
            if (end - begin >= 2 && from < end) {
                double[] lp = model.tokenLogProbs(Arrays.copyOfRange(ids, begin, end));
                processed += end - begin;
                for (int a = from; a < end; a++) {
                    nll -= lp[a - begin - 1];
                    count++;
                }
            }
            prevEnd = end;
            if (end == ids.length) {
                break;
            }
        }
        return new ItemResult(index, new double[] {nll, count}, new int[0], processed);
    }

    ItemResult multipleChoice(int index, EvalSet.MultipleChoiceItem q) throws IOException {
        int k = q.choices().size();
        int[] prompt = Prompts.encode(tok, Prompts.prompt(q, options.mcPrompt()));
        int[] nullPrompt = Prompts.encode(tok, Prompts.nullPrompt(q, options.mcPrompt()));
        List<int[]> rows = new ArrayList<>(2 * k);
        int[] starts = new int[2 * k];
        long processed = 0;
        for (int pass = 0; pass < 2; pass++) {
            for (int c = 0; c < k; c++) {
                int[] cont = tok.encode(Prompts.continuation(q.choices().get(c)));
                int[] row = row(q.id(), pass == 0 ? prompt : nullPrompt, cont);
                starts[pass * k + c] = row.length - cont.length;
                rows.add(row);
                processed += row.length;
            }
        }
        List<double[]> lp = model.tokenLogProbs(rows);
        double[] v = new double[2 * k];
        for (int r = 0; r < 2 * k; r++) {
            double s = 0;
            for (int i = starts[r]; i < rows.get(r).length; i++) {
                s += lp.get(r)[i - 1];
            }
            v[r] = s;
        }
        return new ItemResult(index, v, new int[0], processed);
    }

    /**
     * Prompt followed by continuation; a row longer than the model's positions keeps its last tokens (the context
     * is cut from the left, as lm-evaluation-harness does). The continuation's log-likelihood is summed over the
     * row's last {@code cont.length} positions.
     */
    int[] row(String id, int[] prompt, int[] cont) {
        int max = model.maxPositions();
        if (cont.length == 0) {
            throw new IllegalArgumentException("question " + id + ": a choice encodes to no tokens");
        }
        if (cont.length >= max) {
            throw new IllegalArgumentException("question " + id + ": a choice is " + cont.length + " tokens, the model"
                    + " has " + max + " positions");
        }
        int[] all = Prompts.concat(prompt, cont);
        return all.length > max ? Arrays.copyOfRange(all, all.length - max, all.length) : all;
    }

    ItemResult shortAnswer(int index, EvalSet.ShortAnswerItem q) throws IOException {
        int[] prompt = Prompts.encode(tok, Prompts.prompt(q.question()));
        int room = model.maxPositions() - prompt.length;
        if (room < 1) {
            throw new IllegalArgumentException("question " + q.id() + ": the prompt is " + prompt.length + " tokens, "
                    + "the model has " + model.maxPositions() + " positions");
        }
        int[] gen = model.greedy(prompt, Math.min(options.maxNewTokens(), room), stops, t -> { });
        return new ItemResult(index, new double[0], gen, prompt.length + gen.length);
    }
}
