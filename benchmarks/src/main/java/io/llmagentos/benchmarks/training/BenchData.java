package io.llmagentos.benchmarks.training;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.shards.TokenShardWriter;
import io.llmagentos.core.tokenizer.BpeTrainer;
import io.llmagentos.core.tokenizer.BpeTrainerConfig;
import io.llmagentos.core.tokenizer.PreTokenizerStyle;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.training.ShardData;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The data both sides train on, made once per run in the work directory: a {@value #VOCAB}-token BPE tokenizer
 * (as `agentos demo` trains), a shard of exactly {@code batch} windows of random ids, and those windows as JSON
 * for the peer.
 */
record BenchData(Tokenizer tok, Path tokDir, Path shards, Path windows) {
    static final int VOCAB = 2048; // what `agentos demo` trains the demo teacher's tokenizer to
    private static final List<String> SPECIALS = List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>");

    static BenchData prepare(Path work, int batch, int seq, long seed) throws Exception {
        List<String> docs = new ArrayList<>();
        try (InputStream in = BenchData.class.getResourceAsStream(
                "/io/llmagentos/datasets/sample/field-service-sample.txt")) {
            if (in == null) {
                throw new IllegalStateException("datasets-sample's field-service-sample.txt is not on the class path");
            }
            for (String d : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n\n")) {
                if (!d.isBlank()) {
                    docs.add(d.strip());
                }
            }
        }
        // the sample text alone yields ~1100 tokens: seeded made-up words give the trainer enough to reach VOCAB
        SplittableRandom words = new SplittableRandom(seed);
        for (int d = 0; d < 200; d++) {
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < 60; k++) {
                int len = 3 + words.nextInt(8);
                for (int c = 0; c < len; c++) {
                    sb.append((char) ('a' + words.nextInt(26)));
                }
                sb.append(' ');
            }
            docs.add(sb.toString().strip());
        }
        Tokenizer tok = new BpeTrainer(new BpeTrainerConfig(VOCAB, 2, SPECIALS, PreTokenizerStyle.LLAMA3))
                .train(docs, ProgressListener.NONE);
        if (tok.vocabSize() != VOCAB) {
            throw new IllegalStateException("the benchmark tokenizer has " + tok.vocabSize() + " tokens, not " + VOCAB);
        }
        Path tokDir = work.resolve("tokenizer");
        tok.save(tokDir);
        int eos = tok.tokenId("<|endoftext|>").orElseThrow();
        Path shards = work.resolve("shards");
        Files.createDirectories(shards);
        // exactly `batch` windows of seq + 1 tokens: every step of the loop sees all of them (in its own order),
        // so a step's mean loss does not depend on the order and the peer can reproduce it
        int[] ids = new int[batch * seq + seq / 2];
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rnd.nextInt(tok.vocabSize());
        }
        try (TokenShardWriter w = new TokenShardWriter(shards.resolve("train-00000.tokens"), tok.vocabSize(), seq,
                tok.digest(), eos, eos)) {
            w.addDocument(ids);
            w.finish();
        }
        ObjectNode o = JsonFields.MAPPER.createObjectNode();
        ArrayNode in = o.putArray("inputs");
        ArrayNode tg = o.putArray("targets");
        try (ShardData d = new ShardData(shards, seq, 0, tok.vocabSize(), tok.digest())) {
            if (d.trainSize() != batch) {
                throw new IllegalStateException("the shard holds " + d.trainSize() + " windows, expected " + batch);
            }
            for (int i = 0; i < d.trainSize(); i++) {
                int[] x = new int[seq];
                int[] y = new int[seq];
                float[] wt = new float[seq];
                d.train(i, x, y, wt);
                ArrayNode xi = in.addArray();
                ArrayNode yi = tg.addArray();
                for (int j = 0; j < seq; j++) {
                    xi.add(x[j]);
                    yi.add(y[j]);
                }
            }
        }
        Path windows = work.resolve("windows.json");
        JsonFields.MAPPER.writeValue(windows.toFile(), o);
        System.out.printf(Locale.ROOT, "tokenizer: %d tokens; shard: %d windows of %d + 1 random ids%n",
                tok.vocabSize(), batch, seq);
        return new BenchData(tok, tokDir, shards, windows);
    }
}
