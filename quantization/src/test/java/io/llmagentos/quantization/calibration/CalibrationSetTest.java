package io.llmagentos.quantization.calibration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.datasets.sample.SampleDatasets;
import io.llmagentos.quantization.int8.QuantizationException;
import io.llmagentos.testsupport.RepoPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CalibrationSetTest {
    static Tokenizer gpt2;

    @TempDir
    Path dir;

    @BeforeAll
    static void tokenizer() throws Exception {
        gpt2 = Tokenizer.load(RepoPaths.root().resolve("core/src/test/resources/tokenizers/gpt2"));
    }

    @Test
    void readsTheCommittedCalibrationSet() throws Exception {
        Path f = RepoPaths.root().resolve("datasets-sample/data").resolve(SampleDatasets.CALIBRATION);
        CalibrationSet s = CalibrationSet.readJsonl(f, gpt2, 0, 64);
        assertThat(s.sequences()).hasSize(SampleDatasets.CALIBRATION_RECORDS);
        assertThat(s.sequences()).allSatisfy(q -> assertThat(q.length).isBetween(1, 64));
        String first = Files.readAllLines(f).get(0);
        String text = io.llmagentos.core.json.JsonFields.MAPPER.readTree(first).get("text").asText();
        int[] ids = gpt2.encode(text);
        assertThat(s.sequences().get(0)).hasSize(Math.min(64, ids.length));
        assertThat(s.sequences().get(0)[0]).isEqualTo(ids[0]);
        assertThat(CalibrationSet.readJsonl(f, gpt2, 10, 64).sequences()).hasSize(10);
    }

    @Test
    void readsEvalRecordsAsQuestionAndAnswer() throws Exception {
        Path f = RepoPaths.root().resolve("datasets-sample/data").resolve(SampleDatasets.EVAL);
        CalibrationSet s = CalibrationSet.readJsonl(f, gpt2, 5, 1000);
        var rec = io.llmagentos.core.json.JsonFields.MAPPER.readTree(Files.readAllLines(f).get(0));
        int[] ids = gpt2.encode(rec.get("question").asText() + " " + rec.get("answer").asText());
        assertThat(s.sequences().get(0)).hasSize(ids.length);
    }

    @Test
    void badFilesNameTheFileAndLine() throws Exception {
        Path f = dir.resolve("cal.jsonl");
        Files.writeString(f, "{\"text\": \"ok\"}\n\n{\"txt\": \"no text\"}\n");
        assertThatThrownBy(() -> CalibrationSet.readJsonl(f, gpt2, 0, 64)).isInstanceOf(QuantizationException.class)
                .hasMessageStartingWith(f + ":3: $.text");
        Files.writeString(f, "{\"text\": \"ok\"}\n{broken\n");
        assertThatThrownBy(() -> CalibrationSet.readJsonl(f, gpt2, 0, 64)).hasMessageStartingWith(f + ":2: not a JSON");
        Files.writeString(f, "");
        assertThatThrownBy(() -> CalibrationSet.readJsonl(f, gpt2, 0, 64)).isInstanceOf(QuantizationException.class)
                .hasMessageContaining("the set is empty");
        Files.writeString(f, "{\"text\": \"  \"}\n\n");
        assertThatThrownBy(() -> CalibrationSet.readJsonl(f, gpt2, 0, 64)).hasMessageContaining("1 with blank text");
        assertThatThrownBy(() -> CalibrationSet.readJsonl(dir.resolve("missing.jsonl"), gpt2, 0, 64))
                .hasMessageContaining("file not found");
    }
}
