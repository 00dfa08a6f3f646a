package io.llmagentos.distillation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.evaluation.EvalModel;
import io.llmagentos.evaluation.EvalModels;
import io.llmagentos.evaluation.EvalOptions;
import io.llmagentos.evaluation.EvalSet;
import io.llmagentos.evaluation.Evaluator;
import io.llmagentos.evaluation.QualityMetrics;
import io.llmagentos.testsupport.RepoPaths;
import io.llmagentos.training.LlamaModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The retention report's task accuracy is the evaluation module's multiple-choice scoring (PMI, acc_norm, acc) on the
 * same checkpoint; the eval file's errors name file and line.
 */
class MultipleChoiceTest {
    private static final Path EVAL = RepoPaths.root().resolve("datasets-sample/data/eval.jsonl");

    @Test
    void scoresAreTheEvaluationModulesOnTheSameCheckpoint() throws Exception {
        Fixture f = Fixture.get();
        List<MultipleChoice.Question> qs = MultipleChoice.load(EVAL, 12);
        assertThat(qs).hasSize(12).allSatisfy(q -> assertThat(q.choices()).hasSize(4));
        MultipleChoice.Score s;
        try (Checkpoint ck = Checkpoint.open(f.teacher); LlamaModel m = LlamaModel.load(ck, Device.cpu())) {
            s = MultipleChoice.score(m, f.tok, qs);
        }
        EvalSet set = EvalSet.load(EVAL, 12);
        EvalSet mcOnly = new EvalSet(set.source(), set.multipleChoice(), List.of(), List.of());
        QualityMetrics q;
        try (EvalModel m = EvalModels.open(f.teacher, 2)) {
            q = QualityMetrics.aggregate(mcOnly, Evaluator.scoreLocally(m, mcOnly, EvalOptions.defaults(),
                    ProgressListener.Progress.NONE), m.tokenizer());
        }
        assertThat(s.accuracy()).isEqualTo(q.mcPmiAcc());
        assertThat(s.accuracyPerCharacter()).isEqualTo(q.mcAccNorm());
        assertThat(s.accuracyUnnormalized()).isEqualTo(q.mcAcc());
        assertThat(s.questions()).isEqualTo(12);
        assertThat(s.chance()).isCloseTo(0.25, within(1e-12));

        // the cloze form: the same questions loaded as their cloze, scored as the evaluation scores them under cloze
        List<MultipleChoice.Question> cz = MultipleChoice.load(EVAL, 12, EvalOptions.McPrompt.CLOZE);
        assertThat(cz).allSatisfy(c -> assertThat(c.cloze()).isNotBlank());
        assertThat(qs).allSatisfy(c -> assertThat(c.cloze()).as("question form").isNull());
        MultipleChoice.Score sc;
        try (Checkpoint ck = Checkpoint.open(f.teacher); LlamaModel m = LlamaModel.load(ck, Device.cpu())) {
            sc = MultipleChoice.score(m, f.tok, cz);
        }
        QualityMetrics qc;
        try (EvalModel m = EvalModels.open(f.teacher, 2)) {
            qc = QualityMetrics.aggregate(mcOnly, Evaluator.scoreLocally(m, mcOnly,
                    EvalOptions.defaults().withMcPrompt(EvalOptions.McPrompt.CLOZE), ProgressListener.Progress.NONE),
                    m.tokenizer());
        }
        assertThat(sc.accuracy()).isEqualTo(qc.mcPmiAcc());
        assertThat(sc.accuracyUnnormalized()).isEqualTo(qc.mcAcc());
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
