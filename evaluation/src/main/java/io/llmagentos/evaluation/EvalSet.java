package io.llmagentos.evaluation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.json.JsonFields;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An eval set: JSON lines, one record per line, each with a {@code "type"} (schema in docs/architecture.md,
 * "Evaluation"):
 * <ul>
 *   <li>{@code multiple_choice}: {@code question} (string), {@code choices} (≥ 2 strings), {@code answer_index}
 *       (0-based int);</li>
 *   <li>{@code short_answer}: {@code question} (string), {@code answer} (string), optional {@code aliases}
 *       (strings also accepted);</li>
 *   <li>{@code text}: {@code text} (string), scored for perplexity only.</li>
 * </ul>
 * {@code id} is optional everywhere (default {@code line N}); other fields ({@code topic}, {@code support}) are
 * kept out of the way. Perplexity is scored on every record: a text record's text, and for questions the
 * prompt followed by the right answer ({@link Prompts#withAnswer}). A malformed line is an
 * {@link EvalFormatException} naming the file, line and field; blank lines are skipped.
 *
 * @param source         the file it was read from
 * @param multipleChoice the multiple-choice questions, in file order
 * @param shortAnswer    the short-answer questions, in file order
 * @param texts          the texts perplexity is scored on (one per record), in file order
 */
public record EvalSet(String source, List<MultipleChoiceItem> multipleChoice, List<ShortAnswerItem> shortAnswer,
                      List<String> texts) implements Serializable {
    private static final long serialVersionUID = 1L;

    public EvalSet {
        multipleChoice = List.copyOf(multipleChoice);
        shortAnswer = List.copyOf(shortAnswer);
        texts = List.copyOf(texts);
    }

    /**
     * A multiple-choice question; {@code cloze} (may be null) is the same question as a sentence start that each
     * choice continues, scored instead of the question under {@link EvalOptions.McPrompt#CLOZE}.
     */
    public record MultipleChoiceItem(String id, String question, List<String> choices, int answer, String cloze)
            implements Serializable {
        private static final long serialVersionUID = 2L;

        public MultipleChoiceItem(String id, String question, List<String> choices, int answer) {
            this(id, question, choices, answer, null);
        }

        public MultipleChoiceItem {
            choices = List.copyOf(choices);
            if (choices.size() < 2) {
                throw new IllegalArgumentException("question " + id + " needs at least 2 choices");
            }
            if (answer < 0 || answer >= choices.size()) {
                throw new IllegalArgumentException("question " + id + ": answer " + answer + " is not a choice index");
            }
        }
    }

    /** A short-answer question: the reference answer and other accepted answers. */
    public record ShortAnswerItem(String id, String question, String answer, List<String> aliases)
            implements Serializable {
        private static final long serialVersionUID = 1L;

        public ShortAnswerItem {
            aliases = aliases == null ? List.of() : List.copyOf(aliases);
        }

        /** The answer followed by its aliases. */
        public List<String> accepted() {
            List<String> all = new ArrayList<>();
            all.add(answer);
            all.addAll(aliases);
            return all;
        }
    }

    /** The first {@code n} records of each list ({@code n <= 0}: all). */
    public EvalSet withLimit(int n) {
        if (n <= 0) {
            return this;
        }
        return new EvalSet(source, multipleChoice.subList(0, Math.min(n, multipleChoice.size())),
                shortAnswer.subList(0, Math.min(n, shortAnswer.size())), texts.subList(0, Math.min(n, texts.size())));
    }

    /** Every record of {@code file}. */
    public static EvalSet load(Path file) throws IOException {
        return load(file, 0);
    }

    /**
     * The records of {@code file}, at most {@code maxPerType} of each type ({@code 0}: all).
     *
     * @throws EvalFormatException for a missing file, a malformed line, or a file without a record
     */
    public static EvalSet load(Path file, int maxPerType) throws IOException {
        List<MultipleChoiceItem> mc = new ArrayList<>();
        List<ShortAnswerItem> sa = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        int textRecords = 0;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                String at = file + ":" + n + ": ";
                JsonNode o;
                try {
                    o = JsonFields.MAPPER.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new EvalFormatException(at + "not valid JSON (" + e.getOriginalMessage()
                            + "); each line must be one JSON object");
                }
                if (o == null || !o.isObject()) {
                    throw new EvalFormatException(at + "expected a JSON object per line (got " + JsonFields.describe(o)
                            + ")");
                }
                JsonNode type = o.path("type");
                if (!type.isTextual()) {
                    throw new EvalFormatException(at + "$.type: missing; expected \"multiple_choice\", \"short_answer\""
                            + " or \"text\"");
                }
                String id = o.path("id").isTextual() ? o.get("id").asText() : "line " + n;
                boolean full = maxPerType > 0;
                switch (type.asText()) {
                    case "multiple_choice" -> {
                        String q = text(o, "question", at);
                        JsonNode ch = o.path("choices");
                        if (!ch.isArray() || ch.size() < 2) {
                            throw new EvalFormatException(at + "$.choices: expected a list of at least 2 strings (got "
                                    + JsonFields.describe(o.get("choices")) + ")");
                        }
                        List<String> choices = new ArrayList<>();
                        for (int i = 0; i < ch.size(); i++) {
                            if (!ch.get(i).isTextual() || ch.get(i).asText().isEmpty()) {
                                throw new EvalFormatException(at + "$.choices[" + i + "]: expected a non-empty string (got "
                                        + JsonFields.describe(ch.get(i)) + ")");
                            }
                            choices.add(ch.get(i).asText());
                        }
                        JsonNode a = o.path("answer_index");
                        if (!a.isInt() || a.asInt() < 0 || a.asInt() >= choices.size()) {
                            throw new EvalFormatException(at + "$.answer_index: expected an integer 0.."
                                    + (choices.size() - 1) + " (got " + JsonFields.describe(o.get("answer_index")) + ")");
                        }
                        JsonNode cz = o.get("cloze");
                        if (cz != null && !cz.isNull() && (!cz.isTextual() || cz.asText().isBlank())) {
                            throw new EvalFormatException(at + "$.cloze: expected a non-empty string, the question as "
                                    + "a sentence start that each choice continues, or no field (got "
                                    + JsonFields.describe(cz) + ")");
                        }
                        if (!full || mc.size() < maxPerType) {
                            MultipleChoiceItem item = new MultipleChoiceItem(id, q, choices, a.asInt(),
                                    cz == null || cz.isNull() ? null : cz.asText());
                            mc.add(item);
                            texts.add(Prompts.withAnswer(q, choices.get(a.asInt())));
                        }
                    }
                    case "short_answer" -> {
                        String q = text(o, "question", at);
                        String ans = text(o, "answer", at);
                        List<String> aliases = new ArrayList<>();
                        JsonNode al = o.get("aliases");
                        if (al != null && !al.isNull()) {
                            if (!al.isArray()) {
                                throw new EvalFormatException(at + "$.aliases: expected a list of strings (got "
                                        + JsonFields.describe(al) + ")");
                            }
                            for (int i = 0; i < al.size(); i++) {
                                if (!al.get(i).isTextual()) {
                                    throw new EvalFormatException(at + "$.aliases[" + i + "]: expected a string (got "
                                            + JsonFields.describe(al.get(i)) + ")");
                                }
                                aliases.add(al.get(i).asText());
                            }
                        }
                        if (!full || sa.size() < maxPerType) {
                            sa.add(new ShortAnswerItem(id, q, ans, aliases));
                            texts.add(Prompts.withAnswer(q, ans));
                        }
                    }
                    case "text" -> {
                        String t = text(o, "text", at);
                        if (!full || textRecords < maxPerType) {
                            texts.add(t);
                            textRecords++;
                        }
                    }
                    default -> throw new EvalFormatException(at + "$.type: unknown record type \"" + type.asText()
                            + "\"; expected \"multiple_choice\", \"short_answer\" or \"text\"");
                }
            }
        } catch (NoSuchFileException e) {
            throw new EvalFormatException(file + ": file not found; pass a JSON-lines eval set such as "
                    + "datasets-sample/data/eval.jsonl");
        }
        if (texts.isEmpty()) {
            throw new EvalFormatException(file + ": no records; an eval set needs at least one multiple_choice, "
                    + "short_answer or text line");
        }
        return new EvalSet(file.toString(), mc, sa, texts);
    }

    private static String text(JsonNode o, String field, String at) throws EvalFormatException {
        JsonNode v = o.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new EvalFormatException(at + "$." + field + ": expected a non-empty string (got "
                    + JsonFields.describe(v) + ")");
        }
        return v.asText();
    }
}
