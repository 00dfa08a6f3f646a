package io.llmagentos.dataprep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PrepConfigTest {
    @Test
    void anEmptyFileIsTheDefaults() throws Exception {
        assertThat(PrepConfig.parse("prep.yaml", "")).isEqualTo(PrepConfig.defaults());
        assertThat(PrepConfig.parse("prep.yaml", "# nothing\n")).isEqualTo(PrepConfig.defaults());
    }

    @Test
    void aFileNamesOnlyWhatItChanges() throws Exception {
        PrepConfig c = PrepConfig.parse("prep.yaml", """
                input:
                  format: jsonl
                  text_field: body
                quality:
                  minWords: 5
                dedup:
                  jaccard: 0.9
                pii:
                  types: [email, iban]
                """);
        assertThat(c.input().format()).isEqualTo(PrepConfig.Format.JSONL);
        assertThat(c.input().textField()).isEqualTo("body");
        assertThat(c.input().idField()).isEqualTo("id");
        assertThat(c.quality().minWords()).isEqualTo(5);
        assertThat(c.quality().maxWords()).isEqualTo(PrepConfig.Quality.defaults().maxWords());
        assertThat(c.dedup().jaccard()).isEqualTo(0.9);
        assertThat(c.pii().types()).containsExactly("email", "iban");
    }

    @Test
    void yamlRoundTrips() throws Exception {
        PrepConfig c = PrepConfig.parse("prep.yaml", "quality:\n  minWords: 7\nsplit: {train: 0.5, validation: 0.25, test: 0.25}\n");
        assertThat(PrepConfig.parse("again.yaml", c.toYaml())).isEqualTo(c);
    }

    @Test
    void errorsNameFileLineAndField() {
        assertThatThrownBy(() -> PrepConfig.parse("prep.yaml", "quality:\n  minWords: fifty\n"))
                .isInstanceOf(PrepConfigException.class)
                .hasMessage("prep.yaml:2: quality.minWords: expected an integer (got \"fifty\")");
        assertThatThrownBy(() -> PrepConfig.parse("prep.yaml", "dedup:\n  jacard: 0.8\n"))
                .hasMessageStartingWith("prep.yaml:2: dedup.jacard: unknown setting (known here: exact, fuzzy, jaccard");
        assertThatThrownBy(() -> PrepConfig.parse("prep.yaml", "input:\n  format: xml\n"))
                .hasMessage("prep.yaml:2: input.format: expected one of auto, jsonl, csv, text, parquet (got \"xml\")");
        assertThatThrownBy(() -> PrepConfig.parse("prep.yaml", "split:\n  train: 0.9\n"))
                .hasMessageStartingWith("prep.yaml:2: split: train + validation + test must be 1");
        assertThatThrownBy(() -> PrepConfig.parse("prep.yaml", "quality: [1, 2]\n"))
                .hasMessage("prep.yaml:1: quality: expected a section of key: value settings (got a list)");
        assertThatThrownBy(() -> PrepConfig.parse("prep.yaml", "quality:\n  minWords: 1\n bad"))
                .hasMessageStartingWith("prep.yaml:3: not valid YAML");
        assertThatThrownBy(() -> PrepConfig.parse("prep.yaml", "pii:\n  types: [email, ssn]\n"))
                .hasMessageContaining("prep.yaml:2: pii: unknown PII type 'ssn'");
        assertThatThrownBy(() -> PrepConfig.parse("prep.yaml", "normalize:\n  boilerplatePatterns: ['([']\n"))
                .hasMessageContaining("prep.yaml:2: normalize: not a valid regular expression");
    }

    @Test
    void everySettingHasADescription() {
        Map<String, String> d = PrepConfig.describe();
        assertThat(d).containsKeys("input.textField", "quality.minWords", "dedup.jaccard", "split.seed",
                "tokenize.seqLen", "pii.types");
        assertThat(d.values()).allSatisfy(v -> assertThat(v).isNotBlank());
    }
}
