package io.llmagentos.distillation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.testsupport.RepoPaths;
import io.llmagentos.training.LlamaModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Multiple-choice scoring: batching and padding change no score; the eval file's errors name file and line. */
class MultipleChoiceTest {
    private static final Path EVAL = RepoPaths.root().resolve("datasets-sample/data/eval.jsonl");

    @Test
    void scoresDoNotDependOnHowRowsAreBatched() throws Exception {
        Fixture f = Fixture.get();
        List<MultipleChoice.Question> qs = MultipleChoice.load(EVAL, 12);
        assertThat(qs).hasSize(12).allSatisfy(q -> assertThat(q.choices()).hasSize(4));
        try (Checkpoint ck = Checkpoint.open(f.teacher); LlamaModel m = LlamaModel.load(ck, Device.cpu())) {
            MultipleChoice.Score one = MultipleChoice.score(m, f.tok, qs, 1); // no padding at all
            MultipleChoice.Score batched = MultipleChoice.score(m, f.tok, qs, 7); // padded, rows of several questions
            assertThat(batched.accuracy()).isEqualTo(one.accuracy());
            assertThat(batched.accuracyUnnormalized()).isEqualTo(one.accuracyUnnormalized());
            assertThat(batched.accuracyPerCharacter()).isEqualTo(one.accuracyPerCharacter());
            assertThat(one.questions()).isEqualTo(12);
            assertThat(one.chance()).isCloseTo(0.25, within(1e-12));
            double[] a = MultipleChoice.logLikelihoods(m, f.tok, qs, 1);
            double[] b = MultipleChoice.logLikelihoods(m, f.tok, qs, 7);
            assertThat(a).hasSize(48);
            for (int i = 0; i < a.length; i++) {
                assertThat(b[i]).as("row %d", i).isCloseTo(a[i], within(1e-4 * Math.abs(a[i])));
                assertThat(a[i]).isNegative();
            }
        }
    }

    @Test
    void malformedRecordsNameTheFileAndLine(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("eval.jsonl");
        Files.writeString(f, "{\"type\":\"short_answer\",\"question\":\"q\",\"answer\":\"a\"}\n"
                + "{\"type\":\"multiple_choice\",\"question\":\"q\",\"choices\":[\"a\",\"b\"],\"answer_index\":2}\n",
                StandardCharsets.UTF_8);
        assertThatThrownBy(() -> MultipleChoice.load(f, 0)).hasMessageContaining("eval.jsonl:2: $.answer_index");
        Files.writeString(f, "{\"type\":\"multiple_choice\",\"question\":\"q\",\"choices\":[\"a\",\"b\"],\"answer_index\":0}\n"
                + "{not json\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> MultipleChoice.load(f, 0)).hasMessageContaining("eval.jsonl:2: not valid JSON");
        Files.writeString(f, "{\"type\":\"short_answer\",\"question\":\"q\",\"answer\":\"a\"}\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> MultipleChoice.load(f, 0)).hasMessageContaining("no multiple_choice records");
    }
}
