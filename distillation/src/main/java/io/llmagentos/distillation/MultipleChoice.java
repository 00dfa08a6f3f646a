package io.llmagentos.distillation;

import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.evaluation.DjlEvalModel;
import io.llmagentos.evaluation.EvalOptions;
import io.llmagentos.evaluation.EvalSet;
import io.llmagentos.evaluation.Evaluator;
import io.llmagentos.evaluation.ItemResult;
import io.llmagentos.evaluation.QualityMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Task accuracy on the eval set's multiple-choice questions, as the retention report uses it. The scoring is the
 * evaluation module's (one implementation: {@link io.llmagentos.evaluation.ItemScorer},
 * {@link QualityMetrics}): each choice is the continuation {@code " " + choice} of {@code "Question: …\nAnswer:"}
 * after {@code <|endoftext|>} (or, when the questions were loaded with {@link EvalOptions.McPrompt#CLOZE}, of the
 * record's {@code cloze} sentence start, with the null prompt {@code "?"}), and the answer is the choice scored
 * highest by
 * <ul>
 *   <li>{@code accuracy} (the primary one here): PMI, {@code log p(choice | question) − log p(choice | null
 *       question "?")} (Holtzman et al., 2021; small models otherwise pick the most frequent part number);</li>
 *   <li>{@code accuracyPerCharacter}: log-likelihood per character of the choice (lm-evaluation-harness's
 *       {@code acc_norm});</li>
 *   <li>{@code accuracyUnnormalized}: the summed log-likelihood (harness {@code acc}).</li>
 * </ul>
 */
public final class MultipleChoice {
    /**
     * One question: prompt, choices and the index of the right one; {@code cloze} is the sentence start scored
     * instead of the question (null: the question form).
     */
    public record Question(String id, String question, List<String> choices, int answer, String cloze) {
        public Question(String id, String question, List<String> choices, int answer) {
            this(id, question, choices, answer, null);
        }
    }

    /** Accuracy by PMI (primary), by per-character and by summed log-likelihood, over {@code questions}. */
    public record Score(double accuracy, double accuracyPerCharacter, double accuracyUnnormalized, int questions,
                        double chance) {
    }

    /** A question's own {@code cloze} decides its form, so scoring asks for the cloze wherever there is one. */
    private static final EvalOptions OPTIONS = EvalOptions.defaults().withMcPrompt(EvalOptions.McPrompt.CLOZE);

    private MultipleChoice() {
    }

    /**
     * The multiple-choice records of an eval JSONL file ({@link EvalSet}'s schema; at most {@code max}, 0 = all); a
     * malformed record anywhere in the file is an error naming the file, line and field.
     */
    public static List<Question> load(Path file, int max) throws IOException {
        return load(file, max, EvalOptions.McPrompt.QUESTION);
    }

    /** As {@link #load(Path, int)}, each question in {@code form} (a record without a cloze keeps its question). */
    public static List<Question> load(Path file, int max, EvalOptions.McPrompt form) throws IOException {
        List<Question> out = new ArrayList<>();
        for (EvalSet.MultipleChoiceItem q : EvalSet.load(file, max).multipleChoice()) {
            out.add(new Question(q.id(), q.question(), q.choices(), q.answer(),
                    form == EvalOptions.McPrompt.CLOZE ? q.cloze() : null));
        }
        if (out.isEmpty()) {
            throw new IOException(file + ": no multiple_choice records; task accuracy needs at least one");
        }
        return out;
    }

    /** Scores every question with {@code model} (each (prompt, choice) row in its own forward pass). */
    public static Score score(io.llmagentos.training.LlamaModel model, Tokenizer tok, List<Question> questions)
            throws IOException {
        EvalSet set = set(questions);
        try (DjlEvalModel m = DjlEvalModel.wrap(null, model, tok)) {
            QualityMetrics s = QualityMetrics.aggregate(set, Evaluator.scoreLocally(m, set, OPTIONS,
                    ProgressListener.Progress.NONE), tok);
            return new Score(s.mcPmiAcc(), s.mcAccNorm(), s.mcAcc(), s.mcQuestions(), s.mcChance());
        }
    }

    /**
     * Which questions {@code model} answers right by PMI (the first maximum on ties), from the same per-item
     * log-likelihoods as {@link #score}: per-question outcomes for paired statistics between two models.
     */
    public static boolean[] correctByPmi(io.llmagentos.training.LlamaModel model, Tokenizer tok,
                                         List<Question> questions) throws IOException {
        EvalSet set = set(questions);
        try (DjlEvalModel m = DjlEvalModel.wrap(null, model, tok)) {
            List<ItemResult> items = Evaluator.scoreLocally(m, set, OPTIONS, ProgressListener.Progress.NONE);
            boolean[] ok = new boolean[questions.size()];
            for (int i = 0; i < questions.size(); i++) {
                Question q = questions.get(i);
                int n = q.choices().size();
                double[] v = items.get(i).values(); // each choice's log-likelihood, then each after the null question
                int best = 0;
                for (int c = 1; c < n; c++) {
                    if (v[c] - v[n + c] > v[best] - v[n + best]) {
                        best = c;
                    }
                }
                ok[i] = best == q.answer();
            }
            return ok;
        }
    }

    private static EvalSet set(List<Question> questions) {
        List<EvalSet.MultipleChoiceItem> items = new ArrayList<>();
        for (Question q : questions) {
            items.add(new EvalSet.MultipleChoiceItem(q.id(), q.question(), q.choices(), q.answer(), q.cloze()));
        }
        return new EvalSet("retention", items, List.of(), List.of());
    }
}
