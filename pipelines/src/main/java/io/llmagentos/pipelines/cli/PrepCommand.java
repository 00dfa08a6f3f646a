package io.llmagentos.pipelines.cli;

import io.llmagentos.dataprep.DataPrep;
import io.llmagentos.dataprep.PrepConfig;
import io.llmagentos.dataprep.PrepConfigException;
import io.llmagentos.dataprep.PrepException;
import io.llmagentos.dataprep.PrepReport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code agentos prep run|config}: the data-prep stage on Spark. */
@Command(name = "prep", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Prepare raw text for training on Spark: clean, filter, dedup, redact PII, split, tokenize.",
        subcommands = {PrepCommand.Run.class, PrepCommand.Sft.class, PrepCommand.Config.class})
final class PrepCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "run", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = {"Run data-prep on files or directories (JSONL, CSV, text, Parquet; .gz/.zst) and write the clean "
                    + "corpus, rejects, quarantine, token shards, prep-report.json and lineage.json to --output.",
                "Re-running with the same inputs and config reuses finished stages; a killed run resumes."})
    static final class Run implements Callable<Integer> {
        @Option(names = "--config", paramLabel = "FILE",
                description = "prep.yaml; settings it omits keep their defaults (see 'agentos prep config').")
        Path config;

        @Option(names = "--input", required = true, split = ",", arity = "1..*", paramLabel = "PATH",
                description = "Input files or directories (local paths or Hadoop URIs such as hdfs://…).")
        List<String> inputs;

        @Option(names = "--output", required = true, paramLabel = "DIR", description = "Output directory (created if missing).")
        Path output;

        @Option(names = "--master", paramLabel = "MASTER",
                description = "Spark master: local[*], local[2], spark://host:port. Overrides spark.master in the config "
                        + "(default local[*]).")
        String master;

        @Option(names = "--tokenizer", paramLabel = "DIR",
                description = "Tokenizer directory or tokenizer.json; overrides tokenize.tokenizer in the config.")
        String tokenizer;

        @Override
        public Integer call() throws IOException, PrepConfigException, PrepException {
            PrepConfig cfg = config == null ? PrepConfig.defaults() : PrepConfig.load(config);
            if (tokenizer != null) {
                PrepConfig.Tokenize t = cfg.tokenize();
                cfg = new PrepConfig(cfg.input(), cfg.normalize(), cfg.quality(), cfg.dedup(), cfg.pii(), cfg.split(),
                        new PrepConfig.Tokenize(tokenizer, t.seqLen(), t.eosToken(), t.padToken(), t.shardsPerSplit()),
                        cfg.spark());
            }
            if (Files.exists(output) && !Files.isDirectory(output)) {
                throw new IllegalArgumentException("--output " + output + " is a file; give a directory");
            }
            String m = master != null ? master : cfg.spark().master();
            PrintStream out = System.out;
            out.printf("data-prep: %d input path(s) → %s on Spark %s%n", inputs.size(), output.toAbsolutePath(), m);
            long t0 = System.nanoTime();
            PrepReport r;
            try (SparkSession spark = DataPrep.createSession(m, cfg.spark())) {
                double startup = (System.nanoTime() - t0) / 1e9;
                out.printf(Locale.ROOT, "Spark %s started in %.1f s (%d cores)%n", spark.version(), startup,
                        spark.sparkContext().defaultParallelism());
                r = new DataPrep(spark, cfg).run(inputs, output, new ConsoleProgress(System.err));
            }
            printSummary(out, r, output);
            return 0;
        }
    }

    static void printSummary(PrintStream out, PrepReport r, Path output) {
        PrepReport.Counts c = r.counts();
        out.println();
        out.printf("%-14s %12s %12s   %s%n", "stage", "in", "out", "removed");
        for (PrepReport.Stage s : r.stages()) {
            StringBuilder removed = new StringBuilder();
            for (Map.Entry<String, Long> e : s.removed().entrySet()) {
                if (e.getValue() > 0) {
                    removed.append(removed.length() == 0 ? "" : ", ").append(e.getKey()).append(' ')
                            .append(String.format(Locale.ROOT, "%,d", e.getValue()));
                }
            }
            out.printf(Locale.ROOT, "%-14s %,12d %,12d   %s%n", s.name(), s.in(), s.out(), removed);
        }
        out.println();
        out.printf(Locale.ROOT, "accounting: %s — %s%n", c.equation(), c.invariantHolds() ? "holds" : "BROKEN");
        out.printf(Locale.ROOT, "splits: train %,d, validation %,d, test %,d%n", r.splits().get("train"),
                r.splits().get("validation"), r.splits().get("test"));
        StringBuilder pii = new StringBuilder();
        r.pii().forEach((k, v) -> {
            if (!k.equals("documents_redacted") && v > 0) {
                pii.append(pii.length() == 0 ? "" : ", ").append(k).append(' ').append(String.format(Locale.ROOT, "%,d", v));
            }
        });
        out.printf(Locale.ROOT, "PII redacted in %,d documents: %s%n", r.pii().getOrDefault("documents_redacted", 0L),
                pii.length() == 0 ? "none" : pii);
        if (!r.shards().isEmpty()) {
            long tokens = r.shards().stream().mapToLong(PrepReport.Shard::tokens).sum();
            out.printf(Locale.ROOT, "token shards: %d files, %,d tokens%n", r.shards().size(), tokens);
        }
        double total = r.seconds().getOrDefault("total", 0.0);
        out.printf(Locale.ROOT, "time: %.1f s (%,.0f input records/s)%n", total, total > 0 ? c.input() / total : 0.0);
        out.println();
        for (Map.Entry<String, String> e : r.outputs().entrySet()) {
            out.printf("wrote %-18s %s%n", e.getKey().replace('_', ' '), e.getValue());
        }
        out.printf("wrote %-18s %s%n", "report", output.resolve(PrepReport.FILE_NAME).toAbsolutePath());
        out.printf("wrote %-18s %s%n", "lineage", output.resolve("lineage.json").toAbsolutePath());
        out.printf("wrote %-18s %s%n", "config", output.resolve("prep-config.yaml").toAbsolutePath());
    }

    @Command(name = "sft", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Format chat records ({\"id\", \"messages\": [{\"role\", \"content\"}]}) as ChatML training "
                    + "examples {id, input_ids, labels} with the loss on assistant tokens only (labels -100 elsewhere).")
    static final class Sft implements Callable<Integer> {
        @Option(names = "--input", required = true, paramLabel = "FILE", description = "Chat records, one JSON object a line.")
        Path input;

        @Option(names = "--tokenizer", required = true, paramLabel = "DIR",
                description = "Tokenizer directory or tokenizer.json with <|im_start|> and <|im_end|> special tokens.")
        Path tokenizer;

        @Option(names = "--output", required = true, paramLabel = "DIR", description = "Output directory (created if missing).")
        Path output;

        @Option(names = "--max-tokens", defaultValue = "2048", paramLabel = "N",
                description = "Longer examples are rejected (reason too_long) rather than truncated mid-answer.")
        int maxTokens;

        @Option(names = "--config", paramLabel = "FILE", description = "prep.yaml whose split section (fractions, seed) is used.")
        Path config;

        @Override
        public Integer call() throws IOException, PrepConfigException {
            PrepConfig cfg = config == null ? PrepConfig.defaults() : PrepConfig.load(config);
            io.llmagentos.core.tokenizer.Tokenizer tok = io.llmagentos.core.tokenizer.Tokenizer.load(tokenizer);
            io.llmagentos.dataprep.SftFormatter.Summary s = new io.llmagentos.dataprep.SftFormatter(tok, maxTokens,
                    cfg.split()).formatFile(input, output);
            PrintStream out = System.out;
            out.printf(Locale.ROOT, "SFT: %,d records = %,d written %s + %,d rejected %s%n", s.records(),
                    s.written().values().stream().mapToLong(Long::longValue).sum(), s.written(),
                    s.rejected().values().stream().mapToLong(Long::longValue).sum(), s.rejected());
            out.printf(Locale.ROOT, "tokens: %,d, in the loss: %,d (%.0f %%)%n", s.tokens(), s.trainedTokens(),
                    s.tokens() == 0 ? 0.0 : 100.0 * s.trainedTokens() / s.tokens());
            for (Map.Entry<String, String> e : s.outputs().entrySet()) {
                out.printf("wrote %-18s %s%n", e.getKey().replace('_', ' '), e.getValue());
            }
            return 0;
        }
    }

    @Command(name = "config", mixinStandardHelpOptions = true,
            description = "Print every prep.yaml setting with its default and description, as a commented YAML file.")
    static final class Config implements Callable<Integer> {
        @Override
        public Integer call() {
            PrintStream out = System.out;
            Map<String, String> desc = PrepConfig.describe();
            String yaml = PrepConfig.defaults().toYaml();
            String section = "";
            for (String line : yaml.split("\n")) {
                String trimmed = line.strip();
                int colon = trimmed.indexOf(':');
                if (!line.startsWith(" ") && colon > 0) {
                    section = trimmed.substring(0, colon);
                } else if (colon > 0) {
                    String key = section + "." + trimmed.substring(0, colon);
                    String d = desc.get(key);
                    if (d != null) {
                        out.println("  # " + d);
                    }
                }
                out.println(line);
            }
            return 0;
        }
    }
}
