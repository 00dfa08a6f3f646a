package io.llmagentos.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.json.JsonFormatException;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.testsupport.MixedText;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training, encode/decode, special tokens, save/load round trips and the errors for malformed files. */
class TokenizerTest {
    private static final List<String> SPECIALS = List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>");
    private static Tokenizer trained;

    @BeforeAll
    static void train() throws Exception {
        List<String> texts = TokenizerParityTest.corpusTexts().subList(0, 800);
        trained = new BpeTrainer(new BpeTrainerConfig(1200, 2, SPECIALS, PreTokenizerStyle.LLAMA3))
                .train(texts, ProgressListener.NONE);
    }

    @Test
    void trainingFillsTheVocabularyExactlyWithSpecialsFirstAndIsDeterministic() throws Exception {
        assertThat(trained.vocabSize()).isEqualTo(1200);
        assertThat(trained.mergeCount()).isEqualTo(1200 - 256 - 3);
        for (int i = 0; i < SPECIALS.size(); i++) {
            assertThat(trained.tokenId(SPECIALS.get(i))).hasValue(i);
        }
        assertThat(trained.specialTokens()).isEqualTo(SPECIALS);
        assertThat(trained.missingBytes()).isEmpty();
        List<String> texts = TokenizerParityTest.corpusTexts().subList(0, 800);
        Tokenizer again = new BpeTrainer(new BpeTrainerConfig(1200, 2, SPECIALS, PreTokenizerStyle.LLAMA3), 1)
                .train(texts, ProgressListener.NONE);
        assertThat(again.digest()).as("1 thread vs all cores").isEqualTo(trained.digest());
        assertThat(again.toJson()).isEqualTo(trained.toJson());
    }

    @Test
    void minFrequencyStopsMergingBeforeTheVocabularyIsFull() {
        List<String> texts = List.of("ab", "ab cd");
        // words "ab" ×2 and " cd" ×1: pair (a, b) occurs twice, every other pair once
        Tokenizer t = new BpeTrainer(new BpeTrainerConfig(5000, 3, List.of(), PreTokenizerStyle.GPT2))
                .train(texts, ProgressListener.NONE);
        assertThat(t.mergeCount()).isZero();
        assertThat(t.vocabSize()).isEqualTo(256);
        Tokenizer t2 = new BpeTrainer(new BpeTrainerConfig(5000, 2, List.of(), PreTokenizerStyle.GPT2))
                .train(texts, ProgressListener.NONE);
        assertThat(t2.mergeCount()).isEqualTo(1);
        assertThat(t2.encode("ab")).hasSize(1);
        assertThat(t2.encode(" cd")).hasSize(3);
    }

    @Test
    void trainingFromFilesReportsProgressAndMatchesTrainingFromTexts(@TempDir Path dir) throws Exception {
        List<String> texts = List.of("Replace the filter.\n", "Replace the filter every 500 hours.\n", "Check the seal.\n");
        Path f = dir.resolve("t.txt");
        Files.writeString(f, String.join("", texts).repeat(20));
        AtomicLong bytes = new AtomicLong();
        ProgressListener counting = (task, total, unit) -> new ProgressListener.Progress() {
            @Override
            public void advance(long units) {
                if (unit.equals("B")) {
                    bytes.addAndGet(units);
                }
            }

            @Override
            public void close() {
            }
        };
        BpeTrainerConfig cfg = new BpeTrainerConfig(300, 2, SPECIALS, PreTokenizerStyle.LLAMA3);
        Tokenizer fromFile = new BpeTrainer(cfg).trainFiles(List.of(f), counting);
        assertThat(bytes.get()).isEqualTo(Files.size(f));
        assertThat(fromFile.decode(fromFile.encode("Replace the filter."))).isEqualTo("Replace the filter.");
        assertThat(fromFile.encode(" the filter")).hasSizeLessThan(4);
    }

    @Test
    void aFileThatIsNotUtf8IsAnErrorNamingIt(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("latin1.txt");
        Files.write(f, "caf\u00e9 au lait".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> new BpeTrainer(new BpeTrainerConfig(300, 2, SPECIALS, PreTokenizerStyle.LLAMA3))
                .trainFiles(List.of(f), ProgressListener.NONE))
                .hasMessageContaining(f.toString()).hasMessageContaining("not valid UTF-8");
    }

    @Test
    void decodeOfEncodeIsIdentityForArbitraryText() {
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < 2000; i++) {
            String s = MixedText.randomCodePoints(r, r.nextInt(0, 60)) + "  \n\t x<|im_end|>y";
            assertThat(trained.decode(trained.encode(s))).isEqualTo(s);
        }
    }

    @Test
    void specialTokensAreMatchedWholeAndCanBeSkippedOnDecode() {
        String chat = ChatMl.render(List.of(new ChatMessage("user", "Hi there")), true);
        int[] ids = trained.encode(chat);
        int start = trained.tokenId("<|im_start|>").orElseThrow();
        int end = trained.tokenId("<|im_end|>").orElseThrow();
        assertThat(ids[0]).isEqualTo(start);
        assertThat(ids).contains(end);
        assertThat(trained.decode(ids)).isEqualTo(chat);
        assertThat(trained.decode(ids, true)).isEqualTo("user\nHi there\nassistant\n");
        assertThat(chat).isEqualTo("<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n");
        // a partial marker is plain text
        assertThat(trained.encode("<|im_end")).doesNotContain(end);
    }

    @Test
    void anIdOutsideTheVocabularyIsAClearError() {
        assertThatThrownBy(() -> trained.decode(new int[] {5, 99999}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("token id 99999 is outside the vocabulary [0, 1200)");
    }

    @Test
    void saveAndLoadKeepsIdsDigestUnknownFieldsAndTheChatTemplate(@TempDir Path dir) throws Exception {
        trained.save(dir);
        ObjectNode cfg = JsonFields.readObject(dir.resolve("tokenizer_config.json"));
        assertThat(cfg.get("chat_template").asText()).isEqualTo(TokenizerConfig.CHATML_TEMPLATE);
        assertThat(cfg.get("eos_token").asText()).isEqualTo("<|endoftext|>");
        assertThat(cfg.get("added_tokens_decoder").get("1").get("content").asText()).isEqualTo("<|im_start|>");
        cfg.put("padding_side", "left");
        JsonFields.MAPPER.writeValue(dir.resolve("tokenizer_config.json").toFile(), cfg);
        ObjectNode tj = JsonFields.readObject(dir.resolve("tokenizer.json"));
        tj.put("x_custom", 7);
        JsonFields.MAPPER.writeValue(dir.resolve("tokenizer.json").toFile(), tj);

        Tokenizer back = Tokenizer.load(dir);
        assertThat(back.digest()).isEqualTo(trained.digest());
        assertThat(back.config().chatTemplate()).isEqualTo(TokenizerConfig.CHATML_TEMPLATE);
        String text = "Bleed the hydraulic line before replacing the 12 mm fitting.";
        assertThat(back.encode(text)).isEqualTo(trained.encode(text));

        Path again = dir.resolve("again");
        back.save(again);
        assertThat(JsonFields.readObject(again.resolve("tokenizer.json")).get("x_custom").asInt()).isEqualTo(7);
        assertThat(JsonFields.readObject(again.resolve("tokenizer_config.json")).get("padding_side").asText())
                .isEqualTo("left");
        assertThat(Tokenizer.load(again.resolve("tokenizer.json")).digest()).isEqualTo(trained.digest());
    }

    @Test
    void mergesAsStringsLoadLikeMergesAsPairs(@TempDir Path dir) throws Exception {
        ObjectNode j = trained.toJson();
        ArrayNode pairs = (ArrayNode) j.get("model").get("merges");
        ArrayNode strings = JsonFields.MAPPER.createArrayNode();
        pairs.forEach(p -> strings.add(p.get(0).asText() + " " + p.get(1).asText()));
        ((ObjectNode) j.get("model")).set("merges", strings);
        Tokenizer t = Tokenizer.fromJson("old-format", j, null);
        assertThat(t.digest()).isEqualTo(trained.digest());
    }

    @Test
    void malformedTokenizerJsonNamesFilePathAndExpectation(@TempDir Path dir) throws Exception {
        assertError(dir, j -> j.remove("model"), "$.model: required field is missing");
        assertError(dir, j -> ((ObjectNode) j.get("model")).put("type", "WordPiece"), "$.model.type: expected \"BPE\"");
        assertError(dir, j -> ((ArrayNode) j.get("model").get("merges")).insert(3, "Ġ"),
                "$.model.merges[3]: expected \"left right\" with one space (got \"Ġ\")");
        assertError(dir, j -> ((ArrayNode) j.get("model").get("merges")).insertArray(5).add("zz").add("q"),
                "$.model.merges[5]: merge part \"zz\" is not in $.model.vocab");
        assertError(dir, j -> ((ArrayNode) j.get("model").get("merges")).insert(4, 17),
                "$.model.merges[4]: expected a merge as \"left right\" or [\"left\", \"right\"] (got number 17)");
        assertError(dir, j -> ((ObjectNode) j.get("model").get("vocab")).put("Ġ", "seven"),
                "$.model.vocab[\"Ġ\"]: expected an integer (got string \"seven\")");
        assertError(dir, j -> ((ObjectNode) j.get("model").get("vocab")).put("Ġ", 3),
                "is also used by");
        assertError(dir, j -> ((ObjectNode) j.get("pre_tokenizer")).put("type", "Whitespace"),
                "$.pre_tokenizer.type: expected a ByteLevel pre-tokenizer");
        assertError(dir, j -> j.putObject("decoder").put("type", "WordPiece"), "$.decoder.type: expected \"ByteLevel\"");
        assertError(dir, j -> ((ObjectNode) j.get("added_tokens").get(1)).remove("content"),
                "$.added_tokens[1].content: required field is missing");

        Path broken = dir.resolve("broken/tokenizer.json");
        Files.createDirectories(broken.getParent());
        Files.writeString(broken, "{\"model\": {\"vocab\": {\"a\": 1,}}}");
        assertThatThrownBy(() -> Tokenizer.load(broken.getParent()))
                .isInstanceOf(JsonFormatException.class)
                .hasMessageContaining(broken.toString()).hasMessageContaining("not valid JSON at line 1");
        assertThatThrownBy(() -> Tokenizer.load(dir.resolve("nowhere")))
                .hasMessageContaining("nowhere").hasMessageContaining("tokenizer.json");
    }

    @Test
    void malformedTokenizerConfigNamesTheField(@TempDir Path dir) throws Exception {
        trained.save(dir);
        ObjectNode cfg = JsonFields.readObject(dir.resolve("tokenizer_config.json"));
        cfg.put("eos_token", 5);
        JsonFields.MAPPER.writeValue(dir.resolve("tokenizer_config.json").toFile(), cfg);
        assertThatThrownBy(() -> Tokenizer.load(dir))
                .isInstanceOf(JsonFormatException.class)
                .hasMessageContaining("tokenizer_config.json: $.eos_token: expected a string (got number 5)");
    }

    private static void assertError(Path dir, Consumer<ObjectNode> breakIt, String message) throws Exception {
        ObjectNode j = trained.toJson();
        breakIt.accept(j);
        Path d = Files.createTempDirectory(dir, "bad");
        JsonFields.MAPPER.writeValue(d.resolve("tokenizer.json").toFile(), j);
        assertThatThrownBy(() -> Tokenizer.load(d))
                .isInstanceOf(JsonFormatException.class)
                .hasMessageContaining(d.resolve("tokenizer.json").toString())
                .hasMessageContaining(message);
    }

    @Test
    void addedTokenOptionsFollowHuggingFace() throws Exception {
        ObjectNode j = trained.toJson();
        ObjectNode mask = ((ArrayNode) j.get("added_tokens")).addObject();
        mask.put("id", 1200).put("content", "<mask>").put("single_word", false).put("lstrip", true)
                .put("rstrip", false).put("normalized", false).put("special", true);
        ObjectNode word = ((ArrayNode) j.get("added_tokens")).addObject();
        word.put("id", 1201).put("content", "pump").put("single_word", true).put("lstrip", false)
                .put("rstrip", false).put("normalized", false).put("special", false);
        Tokenizer t = Tokenizer.fromJson("test", j, null);
        assertThat(t.vocabSize()).isEqualTo(1202);
        int[] ids = t.encode("a   <mask> b");
        assertThat(ids).contains(1200);
        assertThat(t.decode(ids)).isEqualTo("a<mask> b"); // lstrip swallowed the spaces before the mask
        assertThat(t.encode("the pump runs")).contains(1201);
        assertThat(t.encode("the pumps run")).doesNotContain(1201);
        List<Integer> none = new ArrayList<>();
        for (int id : t.encode("no added tokens here")) {
            if (id >= 1200) {
                none.add(id);
            }
        }
        assertThat(none).isEmpty();
    }
}
