package io.llmagentos.dataprep;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.tokenizer.BpeTrainer;
import io.llmagentos.core.tokenizer.BpeTrainerConfig;
import io.llmagentos.core.tokenizer.ChatMessage;
import io.llmagentos.core.tokenizer.PreTokenizerStyle;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.testsupport.RepoPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ChatML SFT examples from the committed sample SFT set, with the loss on assistant tokens only. */
class SftFormatterTest {
    @TempDir
    static Path tmp;
    static Tokenizer tok;
    static final Path SFT = RepoPaths.root().resolve("datasets-sample/data/sft.jsonl");

    @BeforeAll
    static void train() throws Exception {
        List<String> texts = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(SFT)) {
            for (JsonNode m : json.readTree(line).get("messages")) {
                texts.add(m.get("content").asText());
            }
        }
        tok = new BpeTrainer(new BpeTrainerConfig(1000, 2, List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>"),
                PreTokenizerStyle.LLAMA3)).train(texts, ProgressListener.NONE);
    }

    @Test
    void onlyAssistantTurnsCountInTheLoss() {
        SftFormatter f = new SftFormatter(tok, 4096, PrepConfig.Split.defaults());
        List<ChatMessage> chat = List.of(new ChatMessage("system", "Be brief."),
                new ChatMessage("user", "Which oil for the GB-429?"),
                new ChatMessage("assistant", "ISO VG 220 gear oil."),
                new ChatMessage("user", "How much?"),
                new ChatMessage("assistant", "About 12 litres."));
        SftFormatter.Example ex = f.format("x", chat);
        assertThat(tok.decode(ex.inputIds(), false)).isEqualTo("<|im_start|>system\nBe brief.<|im_end|>\n"
                + "<|im_start|>user\nWhich oil for the GB-429?<|im_end|>\n<|im_start|>assistant\n"
                + "ISO VG 220 gear oil.<|im_end|>\n<|im_start|>user\nHow much?<|im_end|>\n<|im_start|>assistant\n"
                + "About 12 litres.<|im_end|>\n");
        int[] trained = Arrays.stream(ex.labels()).filter(l -> l != SftFormatter.IGNORE).toArray();
        assertThat(tok.decode(trained, false)).isEqualTo("ISO VG 220 gear oil.<|im_end|>\nAbout 12 litres.<|im_end|>\n");
        assertThat(ex.labels()).hasSameSizeAs(ex.inputIds());
    }

    @Test
    void theCommittedSftSetFormatsAndBadLinesAreRejectedWithTheirLine() throws Exception {
        Path in = tmp.resolve("sft.jsonl");
        List<String> lines = new ArrayList<>(Files.readAllLines(SFT));
        lines.add("{\"id\":\"broken\",\"messages\":[");
        lines.add("{\"id\":\"q-only\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        Files.write(in, lines);
        SftFormatter f = new SftFormatter(tok, 4096, new PrepConfig.Split(0.9, 0.1, 0.0, 42));
        SftFormatter.Summary s = f.formatFile(in, tmp.resolve("out"));
        long written = s.written().values().stream().mapToLong(Long::longValue).sum();
        long rejected = s.rejected().values().stream().mapToLong(Long::longValue).sum();
        assertThat(s.records()).isEqualTo(lines.size());
        assertThat(written + rejected).isEqualTo(s.records());
        assertThat(s.rejected()).containsEntry("malformed_json", 1L).containsEntry("no_assistant_turn", 1L);
        assertThat(s.written().get("train")).isGreaterThan(s.written().get("validation"));
        assertThat(s.trainedTokens()).isPositive().isLessThan(s.tokens());
        List<String> rejects = Files.readAllLines(tmp.resolve("out/sft-rejects.jsonl"));
        assertThat(rejects.get(0)).contains("\"line\":" + (lines.size() - 1)).contains("malformed_json");
        JsonNode first = new ObjectMapper().readTree(Files.readAllLines(tmp.resolve("out/sft-train.jsonl")).get(0));
        assertThat(first.get("input_ids").size()).isEqualTo(first.get("labels").size());
        assertThat(Files.readAllLines(tmp.resolve("out/sft-chat-train.jsonl"))).hasSize(s.written().get("train").intValue());
    }
}
