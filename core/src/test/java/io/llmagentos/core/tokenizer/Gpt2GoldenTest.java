package io.llmagentos.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.json.JsonFields;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * GPT-2's real tokenizer.json (a 2020 file: no model type, merges as strings) loads and gives the ids that
 * Python {@code tokenizers} gives on 200 awkward texts (tokenizers/gpt2/golden.jsonl, see its README).
 */
class Gpt2GoldenTest {
    private static final Path DIR = TokenizerParityTest.GPT2.getParent();

    @Test
    void idsEqualTheGoldenIdsFromPythonTokenizers() throws Exception {
        Tokenizer tok = Tokenizer.load(DIR.resolve("tokenizer.json"));
        assertThat(tok.vocabSize()).isEqualTo(50257);
        assertThat(tok.mergeCount()).isEqualTo(50000);
        assertThat(tok.tokenId("<|endoftext|>")).hasValue(50256);
        assertThat(tok.style()).isEqualTo(PreTokenizerStyle.GPT2);
        assertThat(tok.missingBytes()).isEmpty();
        List<String> lines = Files.readAllLines(DIR.resolve("golden.jsonl"), StandardCharsets.UTF_8);
        assertThat(lines).hasSize(200);
        for (String line : lines) {
            JsonNode g = JsonFields.MAPPER.readTree(line);
            String text = g.get("text").asText();
            int[] want = new int[g.get("ids").size()];
            for (int i = 0; i < want.length; i++) {
                want[i] = g.get("ids").get(i).asInt();
            }
            assertThat(tok.encode(text)).as("ids of %s", JsonFields.MAPPER.writeValueAsString(text)).isEqualTo(want);
            assertThat(tok.decode(want)).isEqualTo(text);
        }
        assertThat(tok.encode("Hello world")).containsExactly(15496, 995);
    }
}
