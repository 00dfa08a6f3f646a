package io.llmagentos.datasets.sample;

import io.llmagentos.datasets.sample.internal.FactIndex;
import io.llmagentos.datasets.sample.internal.HeldOutSets;
import io.llmagentos.datasets.sample.internal.LongHashSet;
import io.llmagentos.datasets.sample.internal.Shingles;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * The committed sample datasets under {@code datasets-sample/data/}: a gzipped dirty corpus with its
 * manifest, an SFT set, an eval set and a calibration set, all regenerated from {@link #CONFIG}.
 *
 * <p>Regenerate from the repository root with {@code java -cp datasets-sample/target/classes
 * io.llmagentos.datasets.sample.SampleDatasets datasets-sample/data} (see data/README.md); larger corpora
 * without the held-out sets come from {@code agentos datasets generate}.
 */
public final class SampleDatasets {
    /** The config of the committed corpus: ~6 MB, one shard, at least one huge document. */
    public static final GeneratorConfig CONFIG = GeneratorConfig.defaults(42, 6_000_000L).withHugeFraction(0.0004);
    public static final String MANIFEST = "manifest.json";
    public static final String SFT = "sft.jsonl";
    public static final String EVAL = "eval.jsonl";
    public static final String CALIBRATION = "calibration.jsonl";
    public static final int SFT_RECORDS = 400;
    public static final int EVAL_RECORDS = 300;
    public static final int CALIBRATION_RECORDS = 300;

    /** What {@link #regenerate} wrote. */
    public record Summary(GenerationResult corpus, List<Path> files, HeldOutSets.Counts heldOut) {
    }

    private SampleDatasets() {
    }

    /** Regenerates every committed file into {@code dataDir}. */
    public static Summary regenerate(Path dataDir) throws IOException {
        return regenerate(dataDir, EVAL_RECORDS);
    }

    /**
     * Regenerates every file into {@code dataDir} with an eval set of up to {@code evalRecords} records (at least
     * {@link #EVAL_RECORDS}). The eval set is drawn in one fixed order, so a larger one starts with the committed
     * records and goes on with further questions about other corpus facts, under the same rules; it ends early when
     * the corpus has no more facts to ask about. A larger eval set tells smaller differences apart (benchmarks).
     */
    public static Summary regenerate(Path dataDir, int evalRecords) throws IOException {
        if (evalRecords < EVAL_RECORDS) {
            throw new IllegalArgumentException("evalRecords must be >= " + EVAL_RECORDS + " (got " + evalRecords + ")");
        }
        Files.createDirectories(dataDir);
        Path tmp = Files.createTempDirectory(dataDir, ".generate-");
        try {
            LongHashSet shingles = new LongHashSet(1 << 20);
            FactIndex facts = new FactIndex();
            CorpusGenerator gen = new CorpusGenerator(CONFIG);
            GenerationResult res = gen.generate(tmp, ProgressCallback.NONE, (id, text, faithful) -> {
                Shingles.addShingles(Shingles.wordHashes(text), HeldOutSets.OVERLAP_SHINGLE, shingles);
                if (faithful) {
                    facts.add(id, text);
                }
            });
            List<Path> files = new ArrayList<>();
            for (Path shard : res.shards()) {
                Path gz = dataDir.resolve(shard.getFileName() + ".gz");
                gzip(shard, gz);
                files.add(gz);
            }
            Path manifest = dataDir.resolve(MANIFEST);
            Files.copy(res.manifest(), manifest, StandardCopyOption.REPLACE_EXISTING);
            files.add(manifest);
            HeldOutSets sets = new HeldOutSets(gen.catalog(), CONFIG.seed(), shingles, facts);
            HeldOutSets.Counts counts = sets.write(dataDir.resolve(SFT), dataDir.resolve(EVAL), dataDir.resolve(CALIBRATION),
                    SFT_RECORDS, evalRecords, CALIBRATION_RECORDS);
            if (counts.sft() < SFT_RECORDS || counts.eval() < EVAL_RECORDS || counts.calibration() < CALIBRATION_RECORDS) {
                throw new IllegalStateException("SFT/eval/calibration sets came out short: " + counts
                        + "; too few candidates are stated in the corpus or too many overlap it");
            }
            files.add(dataDir.resolve(SFT));
            files.add(dataDir.resolve(EVAL));
            files.add(dataDir.resolve(CALIBRATION));
            return new Summary(res, files, counts);
        } finally {
            try (Stream<Path> walk = Files.walk(tmp)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** gzip with no file name and mtime 0 in the header, so the bytes depend only on the content (and zlib). */
    private static void gzip(Path in, Path out) throws IOException {
        try (InputStream src = Files.newInputStream(in);
                OutputStream dst = new GZIPOutputStream(new BufferedOutputStream(Files.newOutputStream(out)), 1 << 16)) {
            src.transferTo(dst);
        }
    }

    /**
     * {@code SampleDatasets [DATA_DIR] [--eval-records N]}: regenerates the committed files (default
     * datasets-sample/data); with {@code --eval-records} an eval set of up to N records (see {@link #regenerate(Path, int)}).
     */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of("datasets-sample/data");
        int evalRecords = EVAL_RECORDS;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--eval-records") && i + 1 < args.length) {
                evalRecords = Integer.parseInt(args[++i]);
            } else if (args[i].startsWith("-")) {
                throw new IllegalArgumentException("usage: SampleDatasets [DATA_DIR] [--eval-records N] (got " + args[i] + ")");
            } else {
                dir = Path.of(args[i]);
            }
        }
        Summary s = regenerate(dir, evalRecords);
        StringBuilder sb = new StringBuilder();
        for (Path p : s.files()) {
            sb.append(String.format(java.util.Locale.ROOT, "%-28s %,12d bytes%n", p.getFileName(), Files.size(p)));
        }
        sb.append("corpus totals ").append(s.corpus().planted()).append('\n').append("held-out ").append(s.heldOut()).append('\n');
        System.out.print(sb); // a command-line entry point, not library code
    }
}
