package io.llmagentos.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.testsupport.Python;
import io.llmagentos.testsupport.RepoPaths;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ChatMl} renders exactly what the saved Jinja chat template renders in transformers' sandbox. */
class ChatMlTest {
    @Test
    void javaRenderingEqualsJinjaRenderingOfTheSavedTemplate(@TempDir Path dir) throws Exception {
        Python py = Python.require("jinja2");
        Tokenizer tok = new BpeTrainer(new BpeTrainerConfig(300, 2, List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>"),
                PreTokenizerStyle.LLAMA3)).train(List.of("some text to train on"), ProgressListener.NONE);
        tok.save(dir);
        List<List<ChatMessage>> chats = List.of(
                List.of(new ChatMessage("user", "What does fault E42 mean?")),
                List.of(new ChatMessage("system", "You are a field-service assistant."),
                        new ChatMessage("user", "Torque for M12?\nBe brief."),
                        new ChatMessage("assistant", "85 N·m."),
                        new ChatMessage("user", "  and M16 {{ not jinja }} ✅  ")),
                List.of(new ChatMessage("user", "")));
        Path file = dir.resolve("chats.json");
        JsonFields.MAPPER.writeValue(file.toFile(), chats);
        JsonNode rendered = JsonFields.MAPPER.readTree(
                py.runScript(RepoPaths.script("parity/tokenizer_parity.py"), "chat", dir.toString(), file.toString()));
        assertThat(rendered).hasSize(chats.size());
        for (int i = 0; i < chats.size(); i++) {
            assertThat(ChatMl.render(chats.get(i), true)).isEqualTo(rendered.get(i).get(0).asText());
            assertThat(ChatMl.render(chats.get(i), false)).isEqualTo(rendered.get(i).get(1).asText());
        }
    }

    @Test
    void rolesAreChecked() {
        assertThatThrownBy(() -> new ChatMessage("user<|im_end|>", "x")).hasMessageContaining("must not contain markup");
        assertThatThrownBy(() -> new ChatMessage("", "x")).hasMessageContaining("needs a role");
    }
}
