package io.llmagentos.pipelines.cli;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.MetricsListener;
import io.llmagentos.core.shards.ShardHeader;
import io.llmagentos.core.shards.TokenShardWriter;
import io.llmagentos.core.tokenizer.BpeTrainer;
import io.llmagentos.core.tokenizer.BpeTrainerConfig;
import io.llmagentos.core.tokenizer.PreTokenizerStyle;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.datasets.sample.SampleData;
import io.llmagentos.training.Generator;
import io.llmagentos.training.LlamaModel;
import io.llmagentos.training.LmTrainer;
import io.llmagentos.training.Sampling;
import io.llmagentos.training.TrainConfig;
import io.llmagentos.training.TrainMode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.zip.GZIPInputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code agentos demo}: the product's spine, end to end on the bundled sample data. Each stage, once
 * built, adds itself here. Today: the sample datasets, a tokenizer trained on the corpus, token shards, a
 * teacher pretrained on them with DJL, and a generation from it — under one run directory.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Run the pipeline end to end on the bundled sample data and print where every output went.")
final class DemoCommand implements Callable<Integer> {
    private static final int STAGES = 5;

    @Option(names = "--out", defaultValue = "runs", paramLabel = "DIR",
            description = "Parent directory of the run directory (runs/demo-<timestamp>).")
    Path out;

    @Option(names = "--vocab-size", defaultValue = "2048", description = BpeTrainerConfig.VOCAB_SIZE_DOC)
    int vocabSize;

    @Option(names = "--seq-len", defaultValue = "128", description = "Tokens per packed training sequence.")
    int seqLen;

    @Option(names = "--teacher-steps", defaultValue = "200", description = "Pretraining steps of the demo teacher.")
    int teacherSteps;

    @Option(names = "--prompt", defaultValue = "To replace the hydraulic filter,",
            description = "Prompt for the generation at the end.")
    String prompt;

    @Override
    public Integer call() throws IOException {
        long t0 = System.nanoTime();
        Path run = out.resolve("demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")))
                .toAbsolutePath();
        Files.createDirectories(run);
        System.out.println("agentos demo: run directory " + run);
        Map<String, Object> outputs = new LinkedHashMap<>();
        Map<String, Object> timings = new LinkedHashMap<>();

        // Stage 1: the bundled sample datasets
        long ts = System.nanoTime();
        Map<String, Path> data = SampleData.copyDatasets(run.resolve("data"));
        Corpus corpus = Corpus.read(data.get("corpus-00000.jsonl.gz"));
        Path text = run.resolve("data/corpus.txt");
        Files.writeString(text, String.join("\n\n", corpus.texts) + "\n", StandardCharsets.UTF_8);
        System.out.printf(Locale.ROOT, "%n[1/%d] sample data: %,d documents (%,d malformed lines skipped), %,d bytes of text%n",
                STAGES, corpus.texts.size(), corpus.skipped, Files.size(text));
        System.out.println("  -> " + data.get("corpus-00000.jsonl.gz").getParent() + " (corpus, manifest, sft, eval, calibration)");
        outputs.put("data", data.get("corpus-00000.jsonl.gz").getParent().toString());
        timings.put("data", seconds(ts));

        // Stage 2: tokenizer
        ts = System.nanoTime();
        System.out.printf(Locale.ROOT, "%n[2/%d] tokenizer: training byte-level BPE (vocab %d)%n", STAGES, vocabSize);
        BpeTrainerConfig cfg = new BpeTrainerConfig(vocabSize, 2,
                List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>"), PreTokenizerStyle.LLAMA3);
        Tokenizer tok = new BpeTrainer(cfg).trainFiles(List.of(text), new ConsoleProgress(System.out));
        Path tokDir = run.resolve("tokenizer");
        tok.save(tokDir);
        String first = corpus.texts.get(0);
        System.out.print(TokenizerCommand.describe(tok, first.substring(0, Math.min(90, first.length()))));
        System.out.println("  -> " + tokDir.resolve("tokenizer.json") + " (+ tokenizer_config.json)");
        outputs.put("tokenizer", tokDir.toString());
        timings.put("tokenizer", seconds(ts));

        // Stage 3: token shards
        ts = System.nanoTime();
        System.out.printf(Locale.ROOT, "%n[3/%d] token shards: packing into sequences of %d%n", STAGES, seqLen);
        int eos = tok.tokenId("<|endoftext|>").orElseThrow();
        Path shard = run.resolve("shards/train-00000.tokens");
        ShardHeader h;
        try (TokenShardWriter w = new TokenShardWriter(shard, tok.vocabSize(), seqLen, tok.digest(), eos, eos)) {
            for (String doc : corpus.texts) {
                w.addDocument(tok.encode(doc));
            }
            h = w.finish();
        }
        System.out.printf(Locale.ROOT, "  %,d documents -> %,d tokens in %,d sequences of %d (%s ids, %d padding)%n",
                h.documentCount(), h.tokenCount() - h.paddingTokens(), h.sequenceCount(), h.seqLen(),
                h.dtype().name().toLowerCase(Locale.ROOT), h.paddingTokens());
        System.out.println("  -> " + shard);
        outputs.put("shards", shard.getParent().toString());
        timings.put("shards", seconds(ts));

        // Stage 4: teacher pretraining (DJL, PyTorch engine)
        ts = System.nanoTime();
        System.out.printf(Locale.ROOT, "%n[4/%d] teacher: pretraining the demo-teacher preset for %d steps (DJL, PyTorch)%n",
                STAGES, teacherSteps);
        TrainConfig tc = TrainConfig.of(TrainMode.PRETRAIN, "demo-teacher", null, shard.getParent(), null, tokDir,
                run.resolve("teacher"), Map.of("training.max_steps", Integer.toString(teacherSteps),
                        "training.seq_len", Integer.toString(seqLen), "training.eval_every",
                        Integer.toString(Math.max(1, teacherSteps / 4)), "training.save_every", "0",
                        "training.warmup_steps", Integer.toString(Math.max(1, teacherSteps / 10))));
        MetricsListener evals = (step, m) -> {
            if (m.containsKey("val_ppl")) {
                System.out.printf(Locale.ROOT, "  step %4d  validation perplexity %8.2f%n", step, m.get("val_ppl"));
            }
        };
        LmTrainer.Result teacher = new LmTrainer(tc, new ConsoleProgress(System.out), evals).run(false);
        TrainCommand.print(teacher);
        outputs.put("teacher", teacher.finalCheckpoint().toString());
        timings.put("teacher", seconds(ts));

        // Stage 5: a generation from the teacher, with the KV cache
        ts = System.nanoTime();
        System.out.printf(Locale.ROOT, "%n[5/%d] generate: greedy from the teacher, KV cache%n", STAGES);
        String generated;
        try (Checkpoint ck = Checkpoint.open(teacher.finalCheckpoint());
             LlamaModel model = LlamaModel.load(ck, Device.cpu())) {
            int[] ids = tok.encode(prompt);
            int[] all = new Generator(model).generate(ids, Sampling.greedy(40, model.config().eosTokenIds()), t -> { });
            generated = tok.decode(java.util.Arrays.copyOfRange(all, ids.length, all.length), true);
        }
        System.out.println("  " + prompt + generated.replace("\n", "\n  "));
        timings.put("generate", seconds(ts));

        Path summary = run.resolve("demo-summary.json");
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("run_dir", run.toString());
        s.put("seconds", seconds(t0));
        s.put("stage_seconds", timings);
        s.put("outputs", outputs);
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("teacher_val_ppl_initial", teacher.initialValLoss() == null ? null : Math.exp(teacher.initialValLoss()));
        metrics.put("teacher_val_ppl", teacher.valPerplexity());
        metrics.put("teacher_tokens_per_s", teacher.tokensPerSecond());
        s.put("metrics", metrics);
        s.put("generation", Map.of("prompt", prompt, "continuation", generated));
        JsonFields.MAPPER.writeValue(summary.toFile(), s);
        System.out.printf(Locale.ROOT, "%ndemo finished in %.1f s; outputs:%n", seconds(t0));
        outputs.forEach((k, v) -> System.out.printf(Locale.ROOT, "  %-10s %s%n", k, v));
        System.out.println("  summary    " + summary);
        return 0;
    }

    private static double seconds(long t0) {
        return Math.round((System.nanoTime() - t0) / 1e8) / 10.0;
    }

    /** The "text" of every valid record of a JSONL(.gz) corpus; malformed JSON or UTF-8 lines are counted and skipped. */
    record Corpus(List<String> texts, int skipped) {
        static Corpus read(Path file) throws IOException {
            List<String> texts = new ArrayList<>();
            int skipped = 0;
            var utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT);
            try (BufferedReader r = new BufferedReader(new InputStreamReader(
                    new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.ISO_8859_1))) {
                String raw;
                while ((raw = r.readLine()) != null) {
                    try {
                        String line = utf8.decode(ByteBuffer.wrap(raw.getBytes(StandardCharsets.ISO_8859_1))).toString();
                        JsonNode n = JsonFields.MAPPER.readTree(line);
                        String t = n != null && n.isObject() ? n.path("text").asText("") : "";
                        if (!t.isBlank()) {
                            texts.add(t);
                        }
                    } catch (CharacterCodingException | com.fasterxml.jackson.core.JsonProcessingException e) {
                        skipped++;
                    }
                }
            }
            return new Corpus(texts, skipped);
        }
    }
}
