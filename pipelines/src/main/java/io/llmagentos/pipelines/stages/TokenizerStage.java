package io.llmagentos.pipelines.stages;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.tokenizer.BpeTrainer;
import io.llmagentos.core.tokenizer.BpeTrainerConfig;
import io.llmagentos.core.tokenizer.PreTokenizerStyle;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.pipelines.stage.Stage;
import io.llmagentos.pipelines.stage.StageContext;
import io.llmagentos.pipelines.stage.StageOutput;
import io.llmagentos.pipelines.stage.StageParam;
import io.llmagentos.pipelines.stage.StageResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * {@code uses: tokenizer}: trains a byte-level BPE tokenizer. The input is text files, JSONL files of
 * {@code {"text": …}} records (gzip or not), or a directory of them (data-prep's {@code corpus/train}).
 */
public final class TokenizerStage implements Stage {
    @Override
    public String name() {
        return "tokenizer";
    }

    @Override
    public String description() {
        return "Train a byte-level BPE tokenizer (tokenizer.json + tokenizer_config.json) on text or JSONL records.";
    }

    @Override
    public List<StageParam> params() {
        return List.of(
                StageParam.required("input", StageParam.Type.PATHS,
                        "Text files, JSONL files of {\"text\"} records (.gz too), or directories of them; comma-separated."),
                StageParam.optional("vocab_size", StageParam.Type.INT, "2048", BpeTrainerConfig.VOCAB_SIZE_DOC),
                StageParam.optional("min_frequency", StageParam.Type.INT, "2", "Pairs seen fewer times are not merged."),
                StageParam.optional("style", StageParam.Type.STRING, "LLAMA3", "Pre-tokenizer: LLAMA3 or GPT2."),
                StageParam.optional("special_tokens", StageParam.Type.STRING, "<|endoftext|>,<|im_start|>,<|im_end|>",
                        "Special tokens, ids 0…k-1, comma-separated."));
    }

    @Override
    public List<StageOutput> outputs() {
        return List.of(StageOutput.path("tokenizer", "tokenizer directory (tokenizer.json, tokenizer_config.json)"),
                StageOutput.value("digest", "digest of what decides the ids"));
    }

    @Override
    public StageResult run(StageContext ctx) throws Exception {
        List<Path> inputs = new ArrayList<>();
        for (String s : ctx.list("input")) {
            inputs.addAll(files(Path.of(s)));
        }
        Path text = ctx.workDir().resolve("tokenizer-input.txt");
        int docs = 0;
        try (var w = Files.newBufferedWriter(text, StandardCharsets.UTF_8)) {
            for (Path f : inputs) {
                for (String t : texts(f)) {
                    w.write(t);
                    w.write("\n\n");
                    docs++;
                }
            }
        }
        if (docs == 0) {
            throw new IOException(String.join(", ", ctx.list("input")) + ": no text found for the tokenizer");
        }
        String style = ctx.string("style").toUpperCase(Locale.ROOT);
        PreTokenizerStyle st;
        try {
            st = PreTokenizerStyle.valueOf(style);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("step " + ctx.stepId() + ": style must be LLAMA3 or GPT2 (got " + style + ")");
        }
        BpeTrainerConfig cfg = new BpeTrainerConfig((int) ctx.integer("vocab_size"), (int) ctx.integer("min_frequency"),
                ctx.list("special_tokens"), st);
        ctx.log().printf(Locale.ROOT, "tokenizer: training byte-level BPE (vocab %d) on %,d documents%n",
                cfg.vocabSize(), docs);
        Tokenizer tok = new BpeTrainer(cfg).trainFiles(List.of(text), ctx.progress());
        Path dir = ctx.workDir().resolve("tokenizer");
        tok.save(dir);
        Files.deleteIfExists(text);
        ctx.log().println("  -> " + dir.resolve("tokenizer.json"));
        return StageResult.builder().output("tokenizer", dir).output("digest", tok.digest())
                .metric("vocab_size", tok.vocabSize()).metric("documents", docs)
                .artifact("tokenizer/tokenizer.json", dir.resolve("tokenizer.json"))
                .artifact("tokenizer/tokenizer_config.json", dir.resolve("tokenizer_config.json"))
                .build();
    }

    private static List<Path> files(Path p) throws IOException {
        if (!Files.exists(p)) {
            throw new IOException(p + ": tokenizer input does not exist");
        }
        if (!Files.isDirectory(p)) {
            return List.of(p);
        }
        try (Stream<Path> s = Files.list(p)) {
            return s.filter(f -> {
                String n = f.getFileName().toString();
                return Files.isRegularFile(f) && !n.startsWith(".") && !n.startsWith("_") && !n.endsWith(".crc");
            }).sorted().toList();
        }
    }

    private static List<String> texts(Path f) throws IOException {
        String n = f.getFileName().toString();
        boolean gz = n.endsWith(".gz");
        boolean jsonl = n.contains(".json");
        List<String> out = new ArrayList<>();
        try (InputStream raw = Files.newInputStream(f);
             BufferedReader r = new BufferedReader(new InputStreamReader(gz ? new GZIPInputStream(raw) : raw,
                     StandardCharsets.UTF_8))) {
            if (!jsonl) {
                StringBuilder sb = new StringBuilder();
                String line;
                while ((line = r.readLine()) != null) {
                    sb.append(line).append('\n');
                }
                out.add(sb.toString());
                return out;
            }
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = JsonFields.MAPPER.readTree(line);
                } catch (IOException e) {
                    continue; // malformed lines are data-prep's to quarantine; the tokenizer only needs text
                }
                String t = node.path("text").asText("");
                if (!t.isBlank()) {
                    out.add(t);
                }
            }
        }
        return out;
    }
}
