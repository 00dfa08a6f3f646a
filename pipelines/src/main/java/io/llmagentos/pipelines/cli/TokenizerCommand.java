package io.llmagentos.pipelines.cli;

import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.tokenizer.BpeTrainer;
import io.llmagentos.core.tokenizer.BpeTrainerConfig;
import io.llmagentos.core.tokenizer.PreTokenizerStyle;
import io.llmagentos.core.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code agentos tokenizer train|encode|decode|inspect}. */
@Command(name = "tokenizer", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Train, apply and inspect byte-level BPE tokenizers (Hugging Face tokenizer.json).",
        subcommands = {
            TokenizerCommand.Train.class,
            TokenizerCommand.Encode.class,
            TokenizerCommand.Decode.class,
            TokenizerCommand.Inspect.class
        })
final class TokenizerCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "train", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Train a byte-level BPE tokenizer on UTF-8 text files and save tokenizer.json + tokenizer_config.json.")
    static final class Train implements Callable<Integer> {
        @Option(names = "--input", required = true, arity = "1..*", paramLabel = "FILE",
                description = "UTF-8 text files to train on (one or more).")
        List<Path> inputs;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write the tokenizer to.")
        Path out;

        @Option(names = "--vocab-size", defaultValue = "8192", description = BpeTrainerConfig.VOCAB_SIZE_DOC)
        int vocabSize;

        @Option(names = "--min-frequency", defaultValue = "2", description = BpeTrainerConfig.MIN_FREQUENCY_DOC)
        int minFrequency;

        @Option(names = "--special-tokens", split = ",", paramLabel = "TOKEN",
                defaultValue = "<|endoftext|>,<|im_start|>,<|im_end|>", description = BpeTrainerConfig.SPECIAL_TOKENS_DOC)
        List<String> specialTokens;

        @Option(names = "--style", defaultValue = "LLAMA3", description = BpeTrainerConfig.STYLE_DOC
                + " One of: ${COMPLETION-CANDIDATES}.")
        PreTokenizerStyle style;

        @Override
        public Integer call() throws IOException {
            for (Path p : inputs) {
                if (!Files.isRegularFile(p)) {
                    throw new IOException(p + ": input file not found");
                }
            }
            BpeTrainerConfig cfg = new BpeTrainerConfig(vocabSize, minFrequency, specialTokens, style);
            long t0 = System.nanoTime();
            Tokenizer tok = new BpeTrainer(cfg).trainFiles(inputs, new ConsoleProgress(System.err));
            tok.save(out);
            System.out.printf(Locale.ROOT, "trained %s tokenizer: %,d tokens (%,d merges) in %.1f s%n",
                    tok.preTokenizerName(), tok.vocabSize(), tok.mergeCount(), (System.nanoTime() - t0) / 1e9);
            System.out.println("wrote " + out.toAbsolutePath().resolve("tokenizer.json") + " and tokenizer_config.json");
            return 0;
        }
    }

    @Command(name = "encode", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Encode text to token ids (no BOS/EOS added).")
    static final class Encode implements Callable<Integer> {
        @Option(names = "--tokenizer", required = true, paramLabel = "DIR|FILE",
                description = "A tokenizer directory or tokenizer.json (a checkpoint directory works too).")
        Path tokenizer;

        @Option(names = "--file", paramLabel = "FILE", description = "Encode the contents of this UTF-8 file instead of TEXT.")
        Path file;

        @Option(names = "--tokens", description = "Also print each token's text.")
        boolean tokens;

        @Option(names = "--json", description = "Print {\"ids\": [...], \"tokens\": [...]} as JSON.")
        boolean json;

        @Parameters(arity = "0..1", paramLabel = "TEXT", description = "Text to encode.")
        String text;

        @Override
        public Integer call() throws IOException {
            if ((text == null) == (file == null)) {
                throw new IllegalArgumentException("give either TEXT or --file FILE");
            }
            String input = file != null ? Files.readString(file, StandardCharsets.UTF_8) : text;
            Tokenizer tok = Tokenizer.load(tokenizer);
            int[] ids = tok.encode(input);
            List<String> pieces = new ArrayList<>();
            for (int id : ids) {
                pieces.add(tok.decode(new int[] {id}));
            }
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("ids", ids);
                o.put("tokens", pieces);
                System.out.println(JsonFields.MAPPER.writeValueAsString(o));
            } else if (tokens) {
                for (int i = 0; i < ids.length; i++) {
                    System.out.printf(Locale.ROOT, "%8d  %s%n", ids[i], visible(pieces.get(i)));
                }
            } else {
                StringBuilder sb = new StringBuilder();
                for (int id : ids) {
                    sb.append(sb.length() == 0 ? "" : " ").append(id);
                }
                System.out.println(sb);
            }
            System.err.printf(Locale.ROOT, "%,d characters -> %,d tokens%n", input.length(), ids.length);
            return 0;
        }

        private static String visible(String s) {
            return "\"" + s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + "\"";
        }
    }

    @Command(name = "decode", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Decode token ids back to text.")
    static final class Decode implements Callable<Integer> {
        @Option(names = "--tokenizer", required = true, paramLabel = "DIR|FILE",
                description = "A tokenizer directory or tokenizer.json (a checkpoint directory works too).")
        Path tokenizer;

        @Option(names = "--skip-special-tokens", description = "Leave special tokens out of the text.")
        boolean skipSpecial;

        @Parameters(arity = "1..*", paramLabel = "ID", split = "[,\\s]+",
                description = "Token ids, separated by spaces or commas.")
        List<String> ids;

        @Override
        public Integer call() throws IOException {
            Tokenizer tok = Tokenizer.load(tokenizer);
            int[] parsed = new int[ids.size()];
            int n = 0;
            for (String s : ids) {
                if (s.isBlank()) {
                    continue;
                }
                int id;
                try {
                    id = Integer.parseInt(s.trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("token id \"" + s + "\" is not an integer");
                }
                if (id < 0 || id >= tok.vocabSize()) {
                    throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, "
                            + tok.vocabSize() + ") of " + tokenizer);
                }
                parsed[n++] = id;
            }
            System.out.println(tok.decode(Arrays.copyOf(parsed, n), skipSpecial));
            return 0;
        }
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Show a tokenizer's type, vocabulary, merges, special tokens, chat template and digest.")
    static final class Inspect implements Callable<Integer> {
        @Parameters(paramLabel = "DIR|FILE", description = "A tokenizer directory or tokenizer.json.")
        Path path;

        @Option(names = "--sample", defaultValue = "Replace the hydraulic filter every 500 hours.",
                description = "Text to show tokenized.")
        String sample;

        @Override
        public Integer call() throws IOException {
            Tokenizer tok = Tokenizer.load(path);
            System.out.print(describe(tok, sample));
            return 0;
        }
    }

    /** The inspection text shared by {@code tokenizer inspect} and {@code demo}. */
    static String describe(Tokenizer tok, String sample) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-18s byte-level BPE, %s%n", "type", tok.preTokenizerName()));
        sb.append(String.format(Locale.ROOT, "%-18s %,d (%,d merges)%n", "vocab size", tok.vocabSize(), tok.mergeCount()));
        sb.append(String.format(Locale.ROOT, "%-18s %s%n", "special tokens", tok.specialTokens()));
        var cfg = tok.config();
        sb.append(String.format(Locale.ROOT, "%-18s bos=%s eos=%s pad=%s%n", "roles", cfg.bosToken(), cfg.eosToken(),
                cfg.padToken()));
        sb.append(String.format(Locale.ROOT, "%-18s %s%n", "chat template",
                cfg.chatTemplate() == null ? "none" : "ChatML (" + cfg.chatTemplate().length() + " chars)"));
        sb.append(String.format(Locale.ROOT, "%-18s %s%n", "digest", tok.digest()));
        int[] ids = tok.encode(sample);
        List<String> pieces = new ArrayList<>();
        for (int id : ids) {
            pieces.add("\"" + tok.decode(new int[] {id}).replace("\n", "\\n") + "\"");
        }
        sb.append(String.format(Locale.ROOT, "%-18s %s%n", "sample", sample.replace("\n", "\\n")));
        sb.append(String.format(Locale.ROOT, "%-18s %s%n", "ids", Arrays.toString(ids)));
        sb.append(String.format(Locale.ROOT, "%-18s %s%n", "tokens", String.join(" ", pieces)));
        sb.append(String.format(Locale.ROOT, "%-18s %.2f characters/token%n", "compression",
                ids.length == 0 ? 0.0 : (double) sample.length() / ids.length));
        return sb.toString();
    }
}
