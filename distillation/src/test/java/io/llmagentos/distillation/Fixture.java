package io.llmagentos.distillation;

import io.llmagentos.core.internal.Files2;
import io.llmagentos.core.progress.MetricsListener;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.shards.TokenShardWriter;
import io.llmagentos.core.tokenizer.BpeTrainer;
import io.llmagentos.core.tokenizer.BpeTrainerConfig;
import io.llmagentos.core.tokenizer.PreTokenizerStyle;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.testsupport.RepoPaths;
import io.llmagentos.training.LmTrainer;
import io.llmagentos.training.TrainConfig;
import io.llmagentos.training.TrainMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Small real inputs shared by the distillation tests (made once per test JVM): a BPE tokenizer trained on
 * the bundled sample text, token shards of that text (windows of 32 tokens), and a teacher pretrained on them
 * for 60 steps with training's own loop (the {@code demo-student} preset: hidden 64, 2 layers).
 */
final class Fixture {
    static final Path SAMPLE = RepoPaths.root()
            .resolve("datasets-sample/src/main/resources/io/llmagentos/datasets/sample/field-service-sample.txt");
    static final int SEQ = 32;
    private static Fixture instance;

    final Path dir;
    final Path tokenizer;
    final Path shards;
    final Path teacher;
    final Tokenizer tok;

    private Fixture(Path dir, Tokenizer tok) {
        this.dir = dir;
        this.tok = tok;
        this.tokenizer = dir.resolve("tokenizer");
        this.shards = dir.resolve("shards");
        this.teacher = dir.resolve("teacher/final");
    }

    static synchronized Fixture get() {
        if (instance == null) {
            try {
                instance = make();
            } catch (Exception e) {
                throw new IllegalStateException("could not build the distillation test fixture", e);
            }
        }
        return instance;
    }

    static List<String> documents() throws IOException {
        List<String> docs = new ArrayList<>();
        for (String d : Files.readString(SAMPLE, StandardCharsets.UTF_8).split("\n\n")) {
            if (!d.isBlank()) {
                docs.add(d.strip());
            }
        }
        return docs;
    }

    /** A tokenizer over the sample text with {@code vocab} tokens, saved in {@code dir}. */
    static Tokenizer tokenizer(Path dir, int vocab) throws IOException {
        Tokenizer tok = new BpeTrainer(new BpeTrainerConfig(vocab, 2, List.of("<|endoftext|>", "<|im_start|>",
                "<|im_end|>"), PreTokenizerStyle.LLAMA3)).train(documents(), ProgressListener.NONE);
        tok.save(dir);
        return tok;
    }

    /** Shards of the sample text (3 passes) with {@code tok}, in {@code dir}. */
    static void shards(Path dir, Tokenizer tok) throws IOException {
        int eos = tok.tokenId("<|endoftext|>").orElseThrow();
        Files.createDirectories(dir);
        try (TokenShardWriter w = new TokenShardWriter(dir.resolve("train-00000.tokens"), tok.vocabSize(), 64,
                tok.digest(), eos, eos)) {
            for (int rep = 0; rep < 3; rep++) {
                for (String d : documents()) {
                    w.addDocument(tok.encode(d));
                }
            }
            w.finish();
        }
    }

    private static Fixture make() throws Exception {
        Path dir = Files.createTempDirectory("distill-fixture-");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Files2.deleteRecursively(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }));
        Tokenizer tok = tokenizer(dir.resolve("tokenizer"), 300);
        Fixture f = new Fixture(dir, tok);
        shards(f.shards, tok);
        TrainConfig tc = TrainConfig.of(TrainMode.PRETRAIN, "demo-student", null, f.shards, null, f.tokenizer,
                dir.resolve("teacher"), Map.of("training.seq_len", Integer.toString(SEQ), "training.max_steps", "60",
                        "training.eval_every", "0", "training.save_every", "0", "training.warmup_steps", "5",
                        "data.validation_fraction", "0.1", "training.peak_gflops", "100"));
        new LmTrainer(tc, ProgressListener.NONE, MetricsListener.NONE).run(false);
        return f;
    }

    /** Distillation settings for a short test run into {@code out}, with {@code more} on top. */
    DistillConfig config(Path out, Map<String, String> more) throws IOException {
        Map<String, String> m = new java.util.LinkedHashMap<>(Map.of("training.seq_len", Integer.toString(SEQ),
                "training.batch_size", "4", "training.max_steps", "6", "training.eval_every", "0",
                "training.save_every", "0", "training.warmup_steps", "2", "data.validation_fraction", "0.1",
                "training.peak_gflops", "100", "retention.val_windows", "8", "retention.speed_batches", "1"));
        m.putAll(more);
        return DistillConfig.of(shards, out, m);
    }
}
