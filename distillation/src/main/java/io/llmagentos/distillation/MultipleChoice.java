package io.llmagentos.distillation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.training.LlamaModel;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Task accuracy on the eval set's multiple-choice questions, by likelihood: each choice is the continuation
 * {@code " " + choice} of the prompt {@code "Question: …\nAnswer:"} (after an end-of-text token, where documents
 * start in the pretraining stream), and the model's answer is the choice it scores highest. Three scorings are
 * reported:
 * <ul>
 *   <li>{@code accuracy} (the primary one): pointwise mutual information, {@code log p(choice | question) −
 *       log p(choice | null question)} with the null prompt {@code "Question: ?\nAnswer:"} — the domain-conditional
 *       PMI of Holtzman et al. (2021), which removes how likely a choice is whatever the question (small models
 *       otherwise pick the most frequent fault meaning or part number);</li>
 *   <li>{@code accuracyPerCharacter}: log-likelihood per character of the choice (lm-evaluation-harness's
 *       {@code acc_norm});</li>
 *   <li>{@code accuracyUnnormalized}: the summed log-likelihood ({@code acc}).</li>
 * </ul>
 * Prompt and continuation are tokenized separately and concatenated, so every choice is scored on the same
 * prompt tokens. Chance is 1 / choices (25 % for the sample eval set).
 */
public final class MultipleChoice {
    /** One question: prompt, choices and the index of the right one. */
    public record Question(String id, String question, List<String> choices, int answer) {
    }

    /** Accuracy by PMI (primary), by per-character and by summed log-likelihood, over {@code questions}. */
    public record Score(double accuracy, double accuracyPerCharacter, double accuracyUnnormalized, int questions,
                        double chance) {
    }

    /** The prompt of the null question PMI subtracts. */
    static final String NULL_QUESTION = "?";

    private MultipleChoice() {
    }

    /**
     * The {@code "type": "multiple_choice"} records of an eval JSONL file (other types are skipped); a malformed
     * record is an error naming the file, line and field.
     */
    public static List<Question> load(Path file, int max) throws IOException {
        List<Question> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null && (max <= 0 || out.size() < max)) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode o;
                try {
                    o = JsonFields.MAPPER.readTree(line);
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IOException(file + ":" + n + ": not valid JSON (" + e.getOriginalMessage() + ")");
                }
                if (!o.isObject()) {
                    throw new IOException(file + ":" + n + ": expected a JSON object per line");
                }
                if (!"multiple_choice".equals(o.path("type").asText())) {
                    continue;
                }
                String q = o.path("question").asText("");
                JsonNode ch = o.path("choices");
                if (q.isBlank()) {
                    throw new IOException(file + ":" + n + ": $.question: missing or empty");
                }
                if (!ch.isArray() || ch.size() < 2) {
                    throw new IOException(file + ":" + n + ": $.choices: expected a list of at least 2 strings");
                }
                List<String> choices = new ArrayList<>();
                ch.forEach(c -> choices.add(c.asText()));
                int a = o.path("answer_index").asInt(-1);
                if (!o.path("answer_index").isInt() || a < 0 || a >= choices.size()) {
                    throw new IOException(file + ":" + n + ": $.answer_index: expected 0.." + (choices.size() - 1)
                            + " (got " + o.path("answer_index") + ")");
                }
                out.add(new Question(o.path("id").asText("line " + n), q, choices, a));
            }
        }
        if (out.isEmpty()) {
            throw new IOException(file + ": no multiple_choice records; task accuracy needs at least one");
        }
        return out;
    }

    /**
     * The log-likelihood of each choice's continuation given its question's prompt, question by question and
     * choice by choice, {@code batch} rows per forward pass (shorter rows padded at the end, which a causal model
     * never attends to).
     */
    public static double[] logLikelihoods(LlamaModel model, Tokenizer tok, List<Question> questions, int batch) {
        List<int[]> rows = new ArrayList<>();
        List<Integer> promptLen = new ArrayList<>();
        Integer bos = tok.tokenId("<|endoftext|>").isPresent() ? tok.tokenId("<|endoftext|>").getAsInt() : null;
        int limit = model.config().maxPositionEmbeddings();
        for (Question q : questions) {
            int[] p = tok.encode("Question: " + q.question() + "\nAnswer:");
            if (bos != null) {
                int[] b = new int[p.length + 1];
                b[0] = bos;
                System.arraycopy(p, 0, b, 1, p.length);
                p = b;
            }
            for (String c : q.choices()) {
                int[] cont = tok.encode(" " + c);
                int[] all = new int[p.length + cont.length];
                System.arraycopy(p, 0, all, 0, p.length);
                System.arraycopy(cont, 0, all, p.length, cont.length);
                if (all.length > limit) {
                    throw new IllegalArgumentException("question " + q.id() + " with a choice is " + all.length
                            + " tokens, more than the model's " + limit + " positions");
                }
                rows.add(all);
                promptLen.add(p.length);
            }
        }
        double[] ll = new double[rows.size()];
        int pad = bos == null ? 0 : bos;
        try (NDManager root = model.manager().newSubManager()) {
            for (int start = 0; start < rows.size(); start += batch) {
                int n = Math.min(batch, rows.size() - start);
                int len = 0;
                for (int i = 0; i < n; i++) {
                    len = Math.max(len, rows.get(start + i).length - 1);
                }
                int[][] in = new int[n][len];
                long[] next = new long[n * len];
                for (int i = 0; i < n; i++) {
                    int[] r = rows.get(start + i);
                    java.util.Arrays.fill(in[i], pad);
                    System.arraycopy(r, 0, in[i], 0, r.length - 1);
                    for (int t = 0; t < r.length - 1; t++) {
                        next[i * len + t] = r[t + 1];
                    }
                }
                float[] picked; // log p(token t + 1 | tokens ..t), [n, len]
                try (NDManager m = root.newSubManager()) {
                    NDArray ids = LlamaModel.ids(m, in).toDevice(model.device(), false);
                    NDArray logp = model.forward(model.weights(), ids, null).logSoftmax(-1);
                    NDArray tg = m.create(next, new ai.djl.ndarray.types.Shape(n, len, 1)).toDevice(model.device(), false);
                    picked = logp.gather(tg, -1).toFloatArray();
                }
                for (int i = 0; i < n; i++) {
                    int[] r = rows.get(start + i);
                    double s = 0;
                    // position t predicts token t + 1; the continuation starts at token promptLen
                    for (int t = promptLen.get(start + i) - 1; t < r.length - 1; t++) {
                        s += picked[i * len + t];
                    }
                    ll[start + i] = s;
                }
            }
        }
        return ll;
    }

    /** Scores every question with {@code model}, {@code batch} (prompt, choice) rows per forward pass. */
    public static Score score(LlamaModel model, Tokenizer tok, List<Question> questions, int batch) {
        double[] ll = logLikelihoods(model, tok, questions, batch);
        List<Question> nulls = new ArrayList<>();
        for (Question q : questions) {
            nulls.add(new Question(q.id(), NULL_QUESTION, q.choices(), q.answer()));
        }
        double[] prior = logLikelihoods(model, tok, nulls, batch);
        int right = 0;
        int rightChar = 0;
        int rightRaw = 0;
        int k = 0;
        double chance = 0;
        for (Question q : questions) {
            int n = q.choices().size();
            double[] pmi = new double[n];
            double[] perChar = new double[n];
            double[] sum = new double[n];
            for (int c = 0; c < n; c++) {
                pmi[c] = ll[k + c] - prior[k + c];
                perChar[c] = ll[k + c] / Math.max(1, q.choices().get(c).length());
                sum[c] = ll[k + c];
            }
            int best = argMax(pmi);
            int bestChar = argMax(perChar);
            int bestRaw = argMax(sum);
            right += best == q.answer() ? 1 : 0;
            rightChar += bestChar == q.answer() ? 1 : 0;
            rightRaw += bestRaw == q.answer() ? 1 : 0;
            chance += 1.0 / q.choices().size();
            k += q.choices().size();
        }
        int nq = questions.size();
        return new Score((double) right / nq, (double) rightChar / nq, (double) rightRaw / nq, nq, chance / nq);
    }

    /** The index of the highest score (the first on ties). */
    private static int argMax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
