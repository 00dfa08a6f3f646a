package io.llmagentos.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.testsupport.MixedText;
import io.llmagentos.testsupport.Python;
import io.llmagentos.testsupport.RepoPaths;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parity with Python {@code tokenizers} (scripts/parity/tokenizer_parity.py) on more than 1 MB of mixed
 * text: a tokenizer.json trained by Python loads here and gives identical ids, one trained here loads in
 * Python and gives identical ids, and so does GPT-2's real tokenizer; decode(encode(x)) == x throughout.
 */
class TokenizerParityTest {
    static final Path CORPUS = RepoPaths.root().resolve("datasets-sample/data/corpus-00000.jsonl.gz");
    static final Path GPT2 = RepoPaths.root().resolve("core/src/test/resources/tokenizers/gpt2/tokenizer.json");
    private static final int MIXED_CHARS = 1_100_000;

    private static Python python;
    private static Path script;
    private static List<String> mixed;

    @BeforeAll
    static void needPython() {
        python = Python.require("tokenizers");
        script = RepoPaths.script("parity/tokenizer_parity.py");
        mixed = MixedText.lines(2026, MIXED_CHARS);
    }

    @ParameterizedTest
    @EnumSource(PreTokenizerStyle.class)
    void aTokenizerTrainedByPythonLoadsHereAndGivesIdenticalIds(PreTokenizerStyle style, @TempDir Path dir)
            throws Exception {
        Path out = dir.resolve("py");
        python.runScript(script, "train", CORPUS.toString(), out.toString(), "4000", style.name().toLowerCase());
        Tokenizer tok = Tokenizer.load(out);
        assertThat(tok.vocabSize()).isEqualTo(4000);
        assertThat(tok.style()).isEqualTo(style);
        assertSameIdsAsPython(tok, out.resolve("tokenizer.json"), dir);
    }

    @ParameterizedTest
    @EnumSource(PreTokenizerStyle.class)
    void aTokenizerTrainedHereLoadsInPythonAndGivesIdenticalIds(PreTokenizerStyle style, @TempDir Path dir)
            throws Exception {
        BpeTrainerConfig cfg = new BpeTrainerConfig(4000, 2, List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>"), style);
        Tokenizer tok = new BpeTrainer(cfg).train(corpusTexts(), ProgressListener.NONE);
        tok.save(dir.resolve("ours"));
        Tokenizer reloaded = Tokenizer.load(dir.resolve("ours"));
        assertThat(reloaded.digest()).isEqualTo(tok.digest());
        assertSameIdsAsPython(reloaded, dir.resolve("ours/tokenizer.json"), dir);
    }

    @Test
    void gpt2sRealTokenizerGivesIdenticalIds(@TempDir Path dir) throws Exception {
        io.llmagentos.testsupport.Guards.requireProvidedByCi(Files.isRegularFile(GPT2),
                "GPT-2 fixture missing at " + GPT2 + "; run scripts/parity/make_gpt2_fixture.sh");
        Tokenizer tok = Tokenizer.load(GPT2);
        assertThat(tok.vocabSize()).isEqualTo(50257);
        assertThat(tok.mergeCount()).isEqualTo(50000);
        assertSameIdsAsPython(tok, GPT2, dir);
    }

    private static void assertSameIdsAsPython(Tokenizer tok, Path tokenizerJson, Path dir) throws IOException {
        Path texts = dir.resolve("texts.jsonl");
        try (var w = Files.newBufferedWriter(texts, StandardCharsets.UTF_8)) {
            for (String s : mixed) {
                w.write(JsonFields.MAPPER.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsString(Map.of("text", s)));
                w.write('\n');
            }
        }
        assertThat(Files.size(texts)).isGreaterThan(1_000_000);
        Path ids = dir.resolve("ids.jsonl");
        JsonNode summary = JsonFields.MAPPER.readTree(
                python.runScript(script, "encode", tokenizerJson.toString(), texts.toString(), ids.toString()));
        assertThat(summary.get("lines").asInt()).isEqualTo(mixed.size());
        assertThat(summary.get("vocab_size").asInt()).isEqualTo(tok.vocabSize());
        List<String> expected = Files.readAllLines(ids, StandardCharsets.UTF_8);
        long tokens = 0;
        for (int i = 0; i < mixed.size(); i++) {
            JsonNode e = JsonFields.MAPPER.readTree(expected.get(i));
            int[] want = new int[e.get("ids").size()];
            for (int k = 0; k < want.length; k++) {
                want[k] = e.get("ids").get(k).asInt();
            }
            int[] got = tok.encode(mixed.get(i));
            if (!Arrays.equals(got, want)) {
                int k = 0;
                while (k < Math.min(got.length, want.length) && got[k] == want[k]) {
                    k++;
                }
                String ctx = tok.decode(Arrays.copyOfRange(want, Math.max(0, k - 3), Math.min(want.length, k + 3)));
                throw new AssertionError("line " + i + " differs from Python at token " + k + " near \""
                        + ctx.replace("\n", "\\n") + "\": ours " + slice(got, k) + " vs Python " + slice(want, k));
            }
            assertThat(tok.decode(got)).as("decode(encode(x)) == x, line %d", i).isEqualTo(mixed.get(i));
            assertThat(e.get("round_trip").asBoolean()).as("Python round trip, line %d", i).isTrue();
            tokens += got.length;
        }
        assertThat(tokens).isEqualTo(summary.get("tokens").asLong()).isPositive();
    }

    private static String slice(int[] a, int k) {
        return Arrays.toString(Arrays.copyOfRange(a, Math.max(0, k - 2), Math.min(a.length, k + 4)));
    }

    /** The "text" of each valid line of the sample corpus (malformed JSON or UTF-8 lines are skipped). */
    static List<String> corpusTexts() throws IOException {
        List<String> texts = new ArrayList<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(CORPUS));
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1))) {
            var utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT);
            String raw;
            while ((raw = r.readLine()) != null) {
                String line;
                try {
                    line = utf8.decode(ByteBuffer.wrap(raw.getBytes(StandardCharsets.ISO_8859_1))).toString();
                } catch (CharacterCodingException e) {
                    continue;
                }
                try {
                    JsonNode n = JsonFields.MAPPER.readTree(line);
                    if (n != null && n.isObject() && n.path("text").isTextual() && !n.get("text").asText().isEmpty()) {
                        texts.add(n.get("text").asText());
                    }
                } catch (IOException e) {
                    // a deliberately malformed line of the sample corpus
                }
            }
        }
        assertThat(texts).hasSizeGreaterThan(1000);
        return texts;
    }
}
