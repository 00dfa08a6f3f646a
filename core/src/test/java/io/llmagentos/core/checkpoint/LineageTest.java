package io.llmagentos.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llmagentos.core.json.JsonFormatException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineageTest {
    @Test
    void roundTripsEveryField(@TempDir Path dir) throws Exception {
        Lineage l = Lineage.of("lora", "runs/teacher", "sha256:00ff", Map.of("rank", 8, "targets", "q,v"),
                Map.of("val_ppl", 12.5), 1234567890123L).withEnvironment("djl", "0.36.0");
        Path f = dir.resolve("lineage.json");
        l.save(f);
        assertThat(Lineage.load(f)).isEqualTo(l);
        assertThat(Files.readString(f)).contains("\"data_digest\"").contains("\"created_at\"");
    }

    @Test
    void badFieldsAreNamed(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("lineage.json");
        Files.writeString(f, "{\"stage\": \"sft\", \"metrics\": {\"loss\": \"low\"}}");
        assertThatThrownBy(() -> Lineage.load(f)).isInstanceOf(JsonFormatException.class)
                .hasMessage(f + ": $.metrics.loss: expected a number (got string \"low\")");
        Files.writeString(f, "{\"parent\": null}");
        assertThatThrownBy(() -> Lineage.load(f)).hasMessage(f + ": $.stage: required field is missing");
    }
}
