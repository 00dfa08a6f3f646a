package io.llmagentos.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The eval-set schema: the sample set reads; every malformed line is a file:line: $.field error. */
class EvalSetTest {
    @TempDir
    Path tmp;

    @Test
    void theSampleEvalSetReads() throws Exception {
        EvalSet s = EvalSet.load(EvalFixtures.SAMPLE_EVAL);
        assertThat(s.multipleChoice()).hasSize(149);
        assertThat(s.shortAnswer()).hasSize(151);
        assertThat(s.texts()).hasSize(300);
        EvalSet.MultipleChoiceItem q = s.multipleChoice().get(0);
        assertThat(q.id()).isEqualTo("eval-00000");
        assertThat(q.choices()).hasSize(4);
        assertThat(q.choices().get(q.answer())).isEqualTo("I/O module fault");
        assertThat(s.texts().get(0)).isEqualTo("Question: " + q.question() + "\nAnswer: I/O module fault");
        assertThat(q.cloze()).isEqualTo("Programmable logic controller PLC-553 Service Manual.\nFault code SF625 means");
        assertThat(s.multipleChoice()).as("every sample question has its cloze").allMatch(m -> m.cloze() != null);
        assertThat(EvalSet.load(EvalFixtures.SAMPLE_EVAL, 5).shortAnswer()).hasSize(5);
    }

    @Test
    void malformedRecordsNameFileLineAndField() throws Exception {
        String ok = "{\"type\":\"short_answer\",\"question\":\"q?\",\"answer\":\"a\"}";
        bad(ok + "\n{\"type\":\"multiple_choice\",\"question\":\"q\",\"choices\":[\"a\",\"b\"],\"answer_index\":2}",
                ":2: $.answer_index: expected an integer 0..1 (got number 2)");
        bad(ok + "\n\n{not json", ":3: not valid JSON");
        bad("{\"question\":\"q\"}", ":1: $.type: missing");
        bad("{\"type\":\"essay\"}", ":1: $.type: unknown record type \"essay\"");
        bad("{\"type\":\"multiple_choice\",\"question\":\"q\",\"choices\":[\"a\"],\"answer_index\":0}",
                ":1: $.choices: expected a list of at least 2 strings");
        bad("{\"type\":\"multiple_choice\",\"question\":\"q\",\"choices\":[\"a\", 3],\"answer_index\":0}",
                ":1: $.choices[1]: expected a non-empty string (got number 3)");
        bad("{\"type\":\"short_answer\",\"question\":\"\",\"answer\":\"a\"}", ":1: $.question: expected a non-empty string");
        bad("{\"type\":\"short_answer\",\"question\":\"q\"}", ":1: $.answer: expected a non-empty string (got nothing)");
        bad("{\"type\":\"short_answer\",\"question\":\"q\",\"answer\":\"a\",\"aliases\":\"b\"}", ":1: $.aliases: expected a list");
        bad("{\"type\":\"text\",\"text\":7}", ":1: $.text: expected a non-empty string (got number 7)");
        bad("{\"type\":\"multiple_choice\",\"question\":\"q\",\"choices\":[\"a\",\"b\"],\"answer_index\":0,\"cloze\":5}",
                ":1: $.cloze: expected a non-empty string, the question as a sentence start that each choice continues, "
                        + "or no field (got number 5)");
        bad("[1, 2]", ":1: expected a JSON object per line");
        bad("\n\n", ": no records");
        assertThatThrownBy(() -> EvalSet.load(tmp.resolve("none.jsonl"))).isInstanceOf(EvalFormatException.class)
                .hasMessageContaining("none.jsonl: file not found");
    }

    private void bad(String content, String message) throws Exception {
        Path f = Files.writeString(tmp.resolve("eval.jsonl"), content);
        assertThatThrownBy(() -> EvalSet.load(f)).isInstanceOf(EvalFormatException.class)
                .hasMessageStartingWith(f.toString()).hasMessageContaining(message);
    }
}
