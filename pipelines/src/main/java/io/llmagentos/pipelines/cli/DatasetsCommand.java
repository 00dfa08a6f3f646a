package io.llmagentos.pipelines.cli;

import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.datasets.sample.CorpusGenerator;
import io.llmagentos.datasets.sample.GenerationResult;
import io.llmagentos.datasets.sample.GeneratorConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code agentos datasets generate}. */
@Command(name = "datasets", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Generate synthetic field-service datasets with planted, recorded dirt.",
        subcommands = {DatasetsCommand.Generate.class})
final class DatasetsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "generate", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Write a deterministic dirty corpus (corpus-NNNNN.jsonl shards) and its ground-truth manifest.json.")
    static final class Generate implements Callable<Integer> {
        @Option(names = "--size", required = true, paramLabel = "SIZE",
                description = "Corpus size, e.g. 500MB, 2GB or 64MiB (KB/MB/GB are powers of 10, KiB/MiB/GiB of 2). "
                        + GeneratorConfig.TARGET_BYTES_DOC)
        String size;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write the shards and manifest.json to.")
        Path out;

        @Option(names = "--seed", defaultValue = "42", paramLabel = "SEED", description = GeneratorConfig.SEED_DOC)
        long seed;

        @Option(names = "--shard-size", defaultValue = "64MiB", paramLabel = "SIZE", description = GeneratorConfig.SHARD_BYTES_DOC)
        String shardSize;

        @Option(names = "--near-dup-fraction", paramLabel = "FRACTION", defaultValue = "" + GeneratorConfig.DEFAULT_NEAR_DUPLICATE_FRACTION,
                description = GeneratorConfig.NEAR_DUPLICATE_FRACTION_DOC)
        double nearDup;

        @Option(names = "--exact-dup-fraction", paramLabel = "FRACTION", defaultValue = "" + GeneratorConfig.DEFAULT_EXACT_DUPLICATE_FRACTION,
                description = GeneratorConfig.EXACT_DUPLICATE_FRACTION_DOC)
        double exactDup;

        @Option(names = "--pii-fraction", paramLabel = "FRACTION", defaultValue = "" + GeneratorConfig.DEFAULT_PII_FRACTION,
                description = GeneratorConfig.PII_FRACTION_DOC)
        double pii;

        @Option(names = "--other-language-fraction", paramLabel = "FRACTION", defaultValue = "" + GeneratorConfig.DEFAULT_OTHER_LANGUAGE_FRACTION,
                description = GeneratorConfig.OTHER_LANGUAGE_FRACTION_DOC)
        double otherLanguage;

        @Option(names = "--boilerplate-fraction", paramLabel = "FRACTION", defaultValue = "" + GeneratorConfig.DEFAULT_BOILERPLATE_FRACTION,
                description = GeneratorConfig.BOILERPLATE_FRACTION_DOC)
        double boilerplate;

        @Option(names = "--malformed-line-fraction", paramLabel = "FRACTION", defaultValue = "" + GeneratorConfig.DEFAULT_MALFORMED_LINE_FRACTION,
                description = GeneratorConfig.MALFORMED_LINE_FRACTION_DOC)
        double malformed;

        @Option(names = "--invalid-utf8-fraction", paramLabel = "FRACTION", defaultValue = "" + GeneratorConfig.DEFAULT_INVALID_UTF8_FRACTION,
                description = GeneratorConfig.INVALID_UTF8_FRACTION_DOC)
        double invalidUtf8;

        @Option(names = "--empty-fraction", paramLabel = "FRACTION", defaultValue = "" + GeneratorConfig.DEFAULT_EMPTY_FRACTION,
                description = GeneratorConfig.EMPTY_FRACTION_DOC)
        double empty;

        @Option(names = "--spam-fraction", paramLabel = "FRACTION", defaultValue = "" + GeneratorConfig.DEFAULT_SPAM_FRACTION,
                description = GeneratorConfig.SPAM_FRACTION_DOC)
        double spam;

        @Option(names = "--huge-fraction", paramLabel = "FRACTION", defaultValue = "" + GeneratorConfig.DEFAULT_HUGE_FRACTION,
                description = GeneratorConfig.HUGE_FRACTION_DOC)
        double huge;

        @Override
        public Integer call() throws IOException {
            GeneratorConfig cfg = new GeneratorConfig(seed, GeneratorConfig.parseSize(size), GeneratorConfig.parseSize(shardSize),
                    nearDup, exactDup, pii, otherLanguage, boilerplate, malformed, invalidUtf8, empty, spam, huge);
            if (Files.exists(out) && !Files.isDirectory(out)) {
                throw new IllegalArgumentException("--out " + out + " is a file; give a directory (it is created if missing)");
            }
            Files.createDirectories(out);
            GenerationResult res;
            try (ProgressListener.Progress bar = new ConsoleProgress(System.err).start("generate corpus", cfg.targetBytes(), "B")) {
                long[] last = {0};
                res = new CorpusGenerator(cfg).generate(out, (bytes, target, docs) -> {
                    // the last document may overshoot the target; keep the bar within its total
                    long capped = Math.min(bytes, target);
                    bar.status(String.format(Locale.ROOT, "%,d docs", docs));
                    if (capped > last[0]) {
                        bar.advance(capped - last[0]);
                        last[0] = capped;
                    }
                });
            }
            System.out.printf(Locale.ROOT, "generated %,d documents (%,d lines, %,d bytes) in %.1f s (%.1f MB/s), seed %d%n",
                    res.documents(), res.lines(), res.bytes(), res.elapsedNanos() / 1e9, res.megabytesPerSecond(), seed);
            for (Path p : res.shards()) {
                System.out.println("wrote " + p.toAbsolutePath());
            }
            System.out.println("wrote " + res.manifest().toAbsolutePath() + " (ground truth of everything planted)");
            System.out.println("planted:");
            for (Map.Entry<String, Long> e : res.planted().entrySet()) {
                if (!e.getKey().equals("documents") && !e.getKey().equals("lines") && !e.getKey().equals("bytes")) {
                    System.out.printf(Locale.ROOT, "  %-18s %,10d%n", e.getKey().replace('_', ' '), e.getValue());
                }
            }
            return 0;
        }
    }
}
