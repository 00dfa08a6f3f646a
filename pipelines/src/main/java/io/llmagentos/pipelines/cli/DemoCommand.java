package io.llmagentos.pipelines.cli;

import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.shards.ShardHeader;
import io.llmagentos.core.shards.TokenShardWriter;
import io.llmagentos.core.tokenizer.BpeTrainer;
import io.llmagentos.core.tokenizer.BpeTrainerConfig;
import io.llmagentos.core.tokenizer.PreTokenizerStyle;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.datasets.sample.SampleData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code agentos demo}: the product's spine, end to end on the bundled sample data. Each stage, once
 * built, adds itself here. Today: train a tokenizer on the sample text and pack the text into token
 * shards, under one run directory.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Run the pipeline end to end on the bundled sample data and print where every output went.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "runs", paramLabel = "DIR",
            description = "Parent directory of the run directory (runs/demo-<timestamp>).")
    Path out;

    @Option(names = "--vocab-size", defaultValue = "1024", description = BpeTrainerConfig.VOCAB_SIZE_DOC)
    int vocabSize;

    @Option(names = "--seq-len", defaultValue = "128", description = "Tokens per packed training sequence.")
    int seqLen;

    @Override
    public Integer call() throws IOException {
        long t0 = System.nanoTime();
        Path run = out.resolve("demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")))
                .toAbsolutePath();
        Files.createDirectories(run);
        System.out.println("agentos demo: run directory " + run);
        Map<String, Object> outputs = new LinkedHashMap<>();

        // Stage 0: the bundled sample data
        List<String> docs = SampleData.fieldServiceDocuments();
        Path data = run.resolve("data/field-service-sample.txt");
        Files.createDirectories(data.getParent());
        Files.writeString(data, String.join("\n\n", docs) + "\n", StandardCharsets.UTF_8);
        System.out.printf(Locale.ROOT, "%n[0/2] sample data: %d documents, %,d bytes -> %s%n", docs.size(),
                Files.size(data), data);
        outputs.put("data", data.toString());

        // Stage 1: tokenizer
        System.out.printf(Locale.ROOT, "%n[1/2] tokenizer: training byte-level BPE (vocab %d)%n", vocabSize);
        BpeTrainerConfig cfg = new BpeTrainerConfig(vocabSize, 2,
                List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>"), PreTokenizerStyle.LLAMA3);
        Tokenizer tok = new BpeTrainer(cfg).trainFiles(List.of(data), new ConsoleProgress(System.out));
        Path tokDir = run.resolve("tokenizer");
        tok.save(tokDir);
        System.out.print(TokenizerCommand.describe(tok, docs.get(0).substring(0, Math.min(90, docs.get(0).length()))));
        System.out.println("  -> " + tokDir.resolve("tokenizer.json") + " (+ tokenizer_config.json)");
        outputs.put("tokenizer", tokDir.toString());

        // Stage 2: token shards
        System.out.printf(Locale.ROOT, "%n[2/2] token shards: packing into sequences of %d%n", seqLen);
        int eos = tok.tokenId("<|endoftext|>").orElseThrow();
        Path shard = run.resolve("shards/train-00000.tokens");
        ShardHeader h;
        try (TokenShardWriter w = new TokenShardWriter(shard, tok.vocabSize(), seqLen, tok.digest(), eos, eos)) {
            for (String doc : docs) {
                w.addDocument(tok.encode(doc));
            }
            h = w.finish();
        }
        System.out.printf(Locale.ROOT, "  %,d documents -> %,d tokens in %,d sequences of %d (%s ids, %d padding)%n",
                h.documentCount(), h.tokenCount() - h.paddingTokens(), h.sequenceCount(), h.seqLen(),
                h.dtype().name().toLowerCase(Locale.ROOT), h.paddingTokens());
        System.out.println("  -> " + shard);
        outputs.put("shards", shard.getParent().toString());

        Path summary = run.resolve("demo-summary.json");
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("run_dir", run.toString());
        s.put("seconds", (System.nanoTime() - t0) / 1e9);
        s.put("outputs", outputs);
        JsonFields.MAPPER.writeValue(summary.toFile(), s);
        System.out.printf(Locale.ROOT, "%ndemo finished in %.1f s; outputs:%n", (System.nanoTime() - t0) / 1e9);
        outputs.forEach((k, v) -> System.out.printf(Locale.ROOT, "  %-10s %s%n", k, v));
        System.out.println("  summary    " + summary);
        return 0;
    }
}
