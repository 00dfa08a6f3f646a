package io.llmagentos.training;

import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.shards.TokenShardWriter;
import io.llmagentos.core.tokenizer.BpeTrainer;
import io.llmagentos.core.tokenizer.BpeTrainerConfig;
import io.llmagentos.core.tokenizer.PreTokenizerStyle;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.testsupport.RepoPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Small real inputs for training tests: a tokenizer and token shards made from the bundled sample text. */
final class Fixtures {
    static final Path SAMPLE = RepoPaths.root()
            .resolve("datasets-sample/src/main/resources/io/llmagentos/datasets/sample/field-service-sample.txt");
    static final Path SFT = RepoPaths.root().resolve("datasets-sample/data/sft.jsonl");

    private Fixtures() {
    }

    static List<String> documents() throws Exception {
        List<String> docs = new ArrayList<>();
        for (String d : Files.readString(SAMPLE, StandardCharsets.UTF_8).split("\n\n")) {
            if (!d.isBlank()) {
                docs.add(d.strip());
            }
        }
        return docs;
    }

    /** Writes dir/tokenizer and dir/shards (sequence length 64); returns the tokenizer. */
    static Tokenizer tokenizerAndShards(Path dir, int vocab) throws Exception {
        List<String> docs = documents();
        Tokenizer tok = new BpeTrainer(new BpeTrainerConfig(vocab, 2,
                List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>"), PreTokenizerStyle.LLAMA3))
                .train(docs, ProgressListener.NONE);
        tok.save(dir.resolve("tokenizer"));
        int eos = tok.tokenId("<|endoftext|>").orElseThrow();
        Files.createDirectories(dir.resolve("shards"));
        try (TokenShardWriter w = new TokenShardWriter(dir.resolve("shards/train-00000.tokens"), tok.vocabSize(), 64,
                tok.digest(), eos, eos)) {
            for (int rep = 0; rep < 3; rep++) {
                for (String d : docs) {
                    w.addDocument(tok.encode(d));
                }
            }
            w.finish();
        }
        return tok;
    }
}
