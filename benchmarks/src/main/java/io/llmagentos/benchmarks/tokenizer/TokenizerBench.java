package io.llmagentos.benchmarks.tokenizer;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.llmagentos.benchmarks.BenchReport;
import io.llmagentos.benchmarks.Stopwatch;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.tokenizer.BpeTrainer;
import io.llmagentos.core.tokenizer.BpeTrainerConfig;
import io.llmagentos.core.tokenizer.PreTokenizerStyle;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.datasets.sample.CorpusGenerator;
import io.llmagentos.datasets.sample.GeneratorConfig;
import io.llmagentos.datasets.sample.ProgressCallback;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Byte-level BPE against Python {@code tokenizers} (the Rust implementation) on the same text in the same run:
 * <ol>
 *   <li><b>encode throughput</b>, one thread: every document encoded on its own with {@code Tokenizer.encode}
 *       here and {@code tokenizer.encode(text).ids} in Python (RAYON_NUM_THREADS=1, TOKENIZERS_PARALLELISM=false;
 *       no {@code encode_batch}). Two tokenizers: the one Python trains in step 2 (32k vocab) and GPT-2's
 *       (the test fixture, 50k vocab). Before timing, both sides' ids are compared document by document; a
 *       difference stops the benchmark unless {@code --allow-mismatch} is given, since the speed of a wrong
 *       tokenizer is not worth quoting.</li>
 *   <li><b>BPE training time</b> on ~50 MB: our {@code BpeTrainer.trainFiles} against Python's
 *       {@code BpeTrainer} with {@code tokenizer.train([file])}, both with the ByteLevel (GPT-2 regex)
 *       pre-tokenizer, the same vocabulary size, minimum frequency and special tokens, and their default
 *       threads (all cores) unless {@code --train-threads} is given.</li>
 * </ol>
 * The text is the field-service corpus of {@code datasets-sample}: generated with {@link CorpusGenerator}
 * (seed 42) unless {@code --corpus} names JSONL(.gz) shards, such as the committed
 * {@code datasets-sample/data/corpus-00000.jsonl.gz} (repeated to reach the size). Lines that are not valid
 * UTF-8, not JSON objects or have no non-empty {@code "text"} are skipped. Run with
 * {@code scripts/bench/tokenizer.sh [--encode-mb 20] [--train-mb 50] [--runs 5] ...}.
 */
public final class TokenizerBench {
    private static final List<String> SPECIAL_TOKENS = List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>");
    private static final String USAGE = "options: --encode-mb N (20), --train-mb N (50), --vocab N (32000), "
            + "--min-frequency N (2), --runs N (5, encode), --train-runs N (3), --train-threads N (all cores), "
            + "--seed N (42), --corpus FILE (repeatable; default: generate), --dir DIR (scratch), --allow-mismatch, --keep";

    private double encodeMb = 20;
    private double trainMb = 50;
    private int vocabSize = 32000;
    private int minFrequency = 2;
    private int runs = 5;
    private int trainRuns = 3;
    private int trainThreads = 0;
    private long seed = 42;
    private final List<Path> corpus = new ArrayList<>();
    private Path dir = Path.of(System.getProperty("java.io.tmpdir"));
    private boolean allowMismatch;
    private boolean keep;

    private final Path python = Path.of(System.getProperty("agentos.bench.python", ".venv-bench/bin/python"));
    private final Path repo = Path.of(System.getProperty("agentos.repo.root", "."));
    private final Path peer = repo.resolve("scripts/bench/tokenizer_peer.py");
    private final Path gpt2 = repo.resolve("core/src/test/resources/tokenizers/gpt2/tokenizer.json");

    private TokenizerBench() {
    }

    public static void main(String[] args) throws Exception {
        TokenizerBench b = new TokenizerBench();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.equals("--allow-mismatch") && !a.equals("--keep") && i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value; " + USAGE);
            }
            switch (a) {
                case "--encode-mb" -> b.encodeMb = Double.parseDouble(args[++i]);
                case "--train-mb" -> b.trainMb = Double.parseDouble(args[++i]);
                case "--vocab" -> b.vocabSize = Integer.parseInt(args[++i]);
                case "--min-frequency" -> b.minFrequency = Integer.parseInt(args[++i]);
                case "--runs" -> b.runs = Integer.parseInt(args[++i]);
                case "--train-runs" -> b.trainRuns = Integer.parseInt(args[++i]);
                case "--train-threads" -> b.trainThreads = Integer.parseInt(args[++i]);
                case "--seed" -> b.seed = Long.parseLong(args[++i]);
                case "--corpus" -> b.corpus.add(Path.of(args[++i]));
                case "--dir" -> b.dir = Path.of(args[++i]);
                case "--allow-mismatch" -> b.allowMismatch = true;
                case "--keep" -> b.keep = true;
                default -> throw new IllegalArgumentException("unknown option " + a + "; " + USAGE);
            }
        }
        if (b.encodeMb <= 0 || b.trainMb <= 0 || b.runs < 1 || b.trainRuns < 1 || b.trainThreads < 0) {
            throw new IllegalArgumentException("sizes must be > 0, runs >= 1 and threads >= 0; " + USAGE);
        }
        if (!Files.isExecutable(b.python) || !Files.isRegularFile(b.peer)) {
            throw new IllegalStateException("no Python interpreter at " + b.python + " or no " + b.peer
                    + ": run through scripts/bench/tokenizer.sh, which makes .venv-bench");
        }
        Path work = Files.createTempDirectory(b.dir, "tokenizer-bench-");
        try {
            b.run(work);
        } finally {
            if (b.keep) {
                System.out.println("   work files kept in " + work);
            } else {
                deleteTree(work);
            }
        }
    }

    private void run(Path work) throws Exception {
        String loadAtStart = loadAverage();
        long encodeBytes = (long) (encodeMb * 1e6);
        long trainBytes = (long) (trainMb * 1e6);
        String source;
        List<Path> shards = corpus;
        if (shards.isEmpty()) {
            long t0 = System.nanoTime();
            // the JSONL holds ids, metadata and a few huge or dirty lines besides the text: generate with headroom
            long target = (long) (Math.max(encodeBytes, trainBytes) * 1.25);
            shards = new CorpusGenerator(GeneratorConfig.defaults(seed, target))
                    .generate(work.resolve("corpus"), ProgressCallback.NONE).shards();
            source = String.format(Locale.ROOT, "datasets-sample CorpusGenerator, seed %d, %.0f MB of JSONL", seed,
                    target / 1e6);
            System.out.printf(Locale.ROOT, "generated %d MB of corpus in %.1f s%n", target / 1_000_000,
                    (System.nanoTime() - t0) / 1e9);
        } else {
            source = "JSONL shards " + shards;
        }
        Corpus docs = readDocuments(shards);
        if (docs.texts.isEmpty()) {
            throw new IllegalStateException("no documents with a non-empty \"text\" in " + shards);
        }
        source += String.format(Locale.ROOT, " (%d documents used, %d lines skipped as invalid)", docs.texts.size(),
                docs.skipped);

        // Training text: documents one after another, each ended by a newline, cycling when the corpus is short.
        Path trainFile = work.resolve("train.txt");
        long trainWritten = 0;
        int trainDocs = 0;
        try (BufferedWriter w = Files.newBufferedWriter(trainFile, StandardCharsets.UTF_8)) {
            for (int i = 0; trainWritten < trainBytes; i++, trainDocs++) {
                String t = docs.texts.get(i % docs.texts.size());
                w.write(t);
                w.write('\n');
                trainWritten += docs.utf8Bytes.get(i % docs.texts.size()) + 1;
            }
        }
        // Encode text: whole documents until the size is reached, written for Python exactly as Java holds them.
        List<String> encodeDocs = new ArrayList<>();
        long encodeWritten = 0;
        Path encodeFile = work.resolve("encode.jsonl");
        ObjectWriter line = JsonFields.MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT);
        try (BufferedWriter w = Files.newBufferedWriter(encodeFile, StandardCharsets.UTF_8)) {
            for (int i = 0; encodeWritten < encodeBytes; i++) {
                String t = docs.texts.get(i % docs.texts.size());
                encodeDocs.add(t);
                encodeWritten += docs.utf8Bytes.get(i % docs.texts.size());
                w.write(line.writeValueAsString(Map.of("text", t)));
                w.write('\n');
            }
        }

        BenchReport r = new BenchReport("tokenizer",
                "byte-level BPE: encode (one thread) and training, vs Python tokenizers");
        r.param("text", source);
        r.param("encode_text_mb", round(encodeWritten / 1e6)).param("encode_documents", encodeDocs.size())
                .param("encode_runs", runs + " rounds alternating Python and Java, one timed pass each after a warm-up "
                        + "pass; median");
        r.param("train_text_mb", round(trainWritten / 1e6)).param("train_documents", trainDocs)
                .param("train_config", "vocab " + vocabSize + ", min frequency " + minFrequency + ", special tokens "
                        + SPECIAL_TOKENS + ", ByteLevel (GPT-2 regex), no prefix space")
                .param("train_runs", trainRuns + (trainRuns == 1 ? " (Java's includes JVM warm-up)"
                        : " rounds alternating Python and Java, median (Java's first includes JVM warm-up)"))
                .param("train_threads", trainThreads == 0
                        ? "default: all cores (" + Runtime.getRuntime().availableProcessors() + ") on both sides"
                        : trainThreads + " on both sides");

        // ---- training
        Path hfTrained = work.resolve("hf-trained");
        Path hfTrainedLines = work.resolve("hf-trained-lines");
        Map<String, String> trainEnv = new HashMap<>();
        if (trainThreads > 0) {
            trainEnv.put("RAYON_NUM_THREADS", String.valueOf(trainThreads));
        }
        String specials = JsonFields.MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(SPECIAL_TOKENS);
        BpeTrainerConfig cfg = new BpeTrainerConfig(vocabSize, minFrequency, SPECIAL_TOKENS, PreTokenizerStyle.GPT2);
        Tokenizer[] ours = new Tokenizer[1];
        JsonNode pyTrain = null;
        double[] hfTrain = new double[trainRuns];
        double[] hfTrainLines = new double[trainRuns];
        double[] ourTrain = new double[trainRuns];
        for (int k = 0; k < trainRuns; k++) { // alternating, like the encode rounds
            pyTrain = python(trainEnv, "train", "chunks", trainFile.toString(), hfTrained.toString(),
                    String.valueOf(vocabSize), String.valueOf(minFrequency), specials, "1");
            hfTrain[k] = pyTrain.get("median_seconds").asDouble();
            hfTrainLines[k] = python(trainEnv, "train", "lines", trainFile.toString(), hfTrainedLines.toString(),
                    String.valueOf(vocabSize), String.valueOf(minFrequency), specials, "1")
                    .get("median_seconds").asDouble();
            ourTrain[k] = Stopwatch.medianSeconds(0, 1, () -> {
                BpeTrainer trainer = trainThreads == 0 ? new BpeTrainer(cfg) : new BpeTrainer(cfg, trainThreads);
                ours[0] = trainer.trainFiles(List.of(trainFile), ProgressListener.NONE);
            });
            System.out.printf(Locale.ROOT, "training round %d: python chunks %.1f s, python lines %.1f s, agentos %.1f s%n",
                    k + 1, hfTrain[k], hfTrainLines[k], ourTrain[k]);
        }
        r.note("training seconds per round: agentos " + Arrays.toString(ourTrain) + ", python 1 MiB pieces "
                + Arrays.toString(hfTrain) + ", python by line " + Arrays.toString(hfTrainLines));
        double hfTrainSeconds = median(hfTrain);
        double hfTrainLinesSeconds = median(hfTrainLines);
        double ourTrainSeconds = median(ourTrain);
        ours[0].save(work.resolve("agentos-trained"));
        Tokenizer hf = Tokenizer.load(hfTrained);
        Tokenizer hfLines = Tokenizer.load(hfTrainedLines);
        r.param("trained_vocab", "agentos " + ours[0].vocabSize() + ", python chunks " + hf.vocabSize()
                + ", python lines " + hfLines.vocabSize());
        // Pieces cut at other newlines may shift a few pair counts (a piece ending in "\n\n" holds the word ĊĊ where
        // the whole text, "\n\n" before a letter, has Ċ Ċ), reordering near-tied merges; the token sets stay equal.
        String same = compareVocabularies(ours[0], hf);
        boolean close = sharedTokens(ours[0], hf) >= 0.99 * ours[0].vocabSize();
        r.note((close ? "" : "WARNING: ") + "ours vs Python trained on ~1 MiB pieces: " + same
                + (same.startsWith("identical") ? "" : " (the two sides cut pieces at different newlines, which moves a "
                        + "few pair counts and so the order of near-tied merges)"));
        r.note("ours vs Python train([file]) by line: " + compareVocabularies(ours[0], hfLines)
                + " (by line, no token can hold two newlines)");
        if (Math.max(ours[0].vocabSize(), hf.vocabSize()) < vocabSize) {
            r.note("both trainers stopped below vocab " + vocabSize + ": no pair left that occurs " + minFrequency
                    + " times (the text's vocabulary is small; the encode rows name the real size)");
        }

        // ---- encode
        List<Row> encodeRows = new ArrayList<>();
        encodeRows.add(encode(hfTrained.resolve("tokenizer.json"), "HF-trained", encodeDocs, encodeFile, work));
        if (Files.isRegularFile(gpt2)) {
            encodeRows.add(encode(gpt2, "GPT-2", encodeDocs, encodeFile, work));
        } else {
            r.note("GPT-2 rows skipped: no fixture at " + gpt2 + " (scripts/parity/make_gpt2_fixture.sh makes it)");
        }
        for (Row e : encodeRows) {
            String what = " encode (" + e.label + " " + e.vocab / 1000 + "k vocab)";
            r.row("agentos" + what).put("mb_per_s", e.ourMbps).put("mtok_per_s", e.ourMtps).put("seconds", e.ourSeconds)
                    .put("vs_hf", e.ourMbps / e.hfMbps);
            r.row("hf-tokenizers" + what).put("mb_per_s", e.hfMbps).put("mtok_per_s", e.hfMtps).put("seconds", e.hfSeconds);
            r.note("encode seconds per round, " + e.label + ": agentos " + Arrays.toString(e.ourRounds) + ", python "
                    + Arrays.toString(e.hfRounds));
            if (e.mismatchedDocs > 0) {
                r.note("WARNING: ids differ from Python's on " + e.mismatchedDocs + " of " + encodeDocs.size()
                        + " documents with the " + e.label + " tokenizer (--allow-mismatch); first: " + e.firstMismatch);
            }
        }
        String mb = String.format(Locale.ROOT, "%.0f MB", trainWritten / 1e6);
        r.row("agentos BPE training (" + mb + ")").put("mb_per_s", trainWritten / 1e6 / ourTrainSeconds)
                .put("seconds", ourTrainSeconds).put("vs_hf", hfTrainSeconds / ourTrainSeconds);
        r.row("hf-tokenizers BPE training (" + mb + ", 1 MiB pieces)").put("mb_per_s", trainWritten / 1e6 / hfTrainSeconds)
                .put("seconds", hfTrainSeconds);
        r.row("hf-tokenizers BPE training (" + mb + ", by line)").put("mb_per_s", trainWritten / 1e6 / hfTrainLinesSeconds)
                .put("seconds", hfTrainLinesSeconds);
        r.param("python", "tokenizers " + pyTrain.get("tokenizers").asText() + ", Python " + pyTrain.get("python").asText());
        r.param("load_average", "at start " + loadAtStart + ", at end " + loadAverage()
                + " (1/5/15 min; other processes on the machine make the numbers noisier)");
        r.note("vs_hf = our speed / Python tokenizers' speed (> 1: we are faster): MB/s ratio for encode, "
                + "Python seconds / our seconds for training");
        r.note("encode: one document per call on one thread; Java Tokenizer.encode(text) -> int[], Python "
                + "tokenizer.encode(text).ids with RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false (no encode_batch); "
                + "MB = 10^6 UTF-8 bytes of text; ids checked equal on every document before timing");
        r.note("the text is generated from templates and has a small vocabulary, so word caches hit often on both "
                + "sides; natural text is likely slower for both");
        r.note("training: ours BpeTrainer.trainFiles([train.txt]), which reads the file in pieces of up to ~1 MiB "
                + "cut after a newline; "
                + "Python BpeTrainer through train_from_iterator over such pieces (1 MiB pieces; vs_hf is against this "
                + "row) and through train([train.txt]), which reads line by line (by line); times include reading the "
                + "file; the encode text is the first documents of the training text");
        r.printAndWrite(Path.of(System.getProperty("agentos.bench.results", "benchmarks/results")));
    }

    /** One tokenizer's encode measurements, ours and Python's. */
    private static final class Row {
        String label;
        int vocab;
        double ourSeconds;
        double ourMbps;
        double ourMtps;
        double hfSeconds;
        double hfMbps;
        double hfMtps;
        int mismatchedDocs;
        String firstMismatch;
        double[] ourRounds;
        double[] hfRounds;
    }

    /**
     * Encode throughput of one tokenizer. Python runs first once to write its ids (compared with ours), then
     * the two sides alternate, one timed pass each per round, so that load from other processes on a shared
     * machine falls on both alike; each side's number is its median over the rounds.
     */
    private Row encode(Path tokenizerJson, String label, List<String> texts, Path encodeFile, Path work) throws Exception {
        Path idsFile = work.resolve("ids-" + label + ".bin");
        Map<String, String> oneThread = Map.of("RAYON_NUM_THREADS", "1", "TOKENIZERS_PARALLELISM", "false");
        JsonNode py = python(oneThread, "encode", tokenizerJson.toString(), encodeFile.toString(), "0",
                idsFile.toString());
        Tokenizer tok = Tokenizer.load(tokenizerJson);
        long bytes = 0;
        for (String t : texts) {
            bytes += t.getBytes(StandardCharsets.UTF_8).length;
        }
        if (bytes != py.get("bytes").asLong() || texts.size() != py.get("documents").asInt()) {
            throw new IllegalStateException("Python read " + py.get("documents") + " documents of " + py.get("bytes")
                    + " bytes from " + encodeFile + ", expected " + texts.size() + " of " + bytes);
        }

        Row row = new Row();
        row.label = label;
        row.vocab = tok.vocabSize();
        long tokens = compareIds(tok, texts, idsFile, row); // also our warm-up pass
        if (row.mismatchedDocs > 0 && !allowMismatch) {
            throw new IllegalStateException("ids differ from Python tokenizers' on " + row.mismatchedDocs + " of "
                    + texts.size() + " documents with " + tokenizerJson + "; first: " + row.firstMismatch
                    + " (--allow-mismatch reports the speed anyway)");
        }
        if (tokens != py.get("tokens").asLong() && row.mismatchedDocs == 0) {
            throw new IllegalStateException("Python counted " + py.get("tokens") + " tokens, we " + tokens);
        }
        double[] ours = new double[runs];
        double[] theirs = new double[runs];
        long[] sink = new long[1];
        for (int k = 0; k < runs; k++) {
            // the peer makes one untimed pass (its BPE cache warm, as ours is) before the timed one
            theirs[k] = python(oneThread, "encode", tokenizerJson.toString(), encodeFile.toString(), "1", "-")
                    .get("median_seconds").asDouble();
            ours[k] = Stopwatch.medianSeconds(0, 1, () -> {
                long n = 0;
                for (String t : texts) {
                    int[] ids = tok.encode(t);
                    n += ids.length;
                }
                sink[0] = n;
            });
            if (sink[0] != tokens) {
                throw new IllegalStateException("timed run produced " + sink[0] + " tokens, expected " + tokens);
            }
        }
        row.ourRounds = ours;
        row.hfRounds = theirs;
        row.ourSeconds = median(ours);
        row.ourMbps = bytes / 1e6 / row.ourSeconds;
        row.ourMtps = tokens / 1e6 / row.ourSeconds;
        row.hfSeconds = median(theirs);
        row.hfMbps = bytes / 1e6 / row.hfSeconds;
        row.hfMtps = py.get("tokens").asLong() / 1e6 / row.hfSeconds;
        System.out.printf(Locale.ROOT, "encode %s: agentos %.2f MB/s, python %.2f MB/s (seconds per round: ours %s, "
                + "python %s)%n", label, row.ourMbps, row.hfMbps, Arrays.toString(ours), Arrays.toString(theirs));
        return row;
    }

    private static double median(double[] v) {
        double[] t = v.clone();
        Arrays.sort(t);
        return t.length % 2 == 1 ? t[t.length / 2] : (t[t.length / 2 - 1] + t[t.length / 2]) / 2;
    }

    /** Encodes every text once and compares with Python's ids file; returns our token count. */
    private static long compareIds(Tokenizer tok, List<String> texts, Path idsFile, Row row) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(idsFile)).order(ByteOrder.LITTLE_ENDIAN);
        long tokens = 0;
        for (int d = 0; d < texts.size(); d++) {
            int[] ours = tok.encode(texts.get(d));
            tokens += ours.length;
            int n = b.getInt();
            int[] theirs = new int[n];
            for (int i = 0; i < n; i++) {
                theirs[i] = b.getInt();
            }
            if (!Arrays.equals(ours, theirs)) {
                if (row.mismatchedDocs++ == 0) {
                    int at = Arrays.mismatch(ours, theirs);
                    row.firstMismatch = String.format(Locale.ROOT, "document %d (%s), token %d: ours %s, Python %s", d,
                            preview(texts.get(d)), at, window(ours, at), window(theirs, at));
                }
            }
        }
        if (b.hasRemaining()) {
            throw new IllegalStateException(idsFile + " holds more documents than the " + texts.size() + " encoded");
        }
        return tokens;
    }

    private static String window(int[] ids, int at) {
        return Arrays.toString(Arrays.copyOfRange(ids, Math.max(0, at - 2), Math.min(ids.length, at + 4)));
    }

    private static String preview(String s) {
        String p = s.length() > 60 ? s.substring(0, 60) + "…" : s;
        return p.replace("\n", "\\n").replace("\t", "\\t");
    }

    private static int sharedTokens(Tokenizer ours, Tokenizer other) {
        Set<String> theirs = new HashSet<>();
        for (int i = 0; i < other.vocabSize(); i++) {
            theirs.add(other.token(i));
        }
        int shared = 0;
        for (int i = 0; i < ours.vocabSize(); i++) {
            shared += theirs.contains(ours.token(i)) ? 1 : 0;
        }
        return shared;
    }

    /** How far two trained vocabularies agree: same token at the same id, and shared token strings. */
    private static String compareVocabularies(Tokenizer ours, Tokenizer other) {
        Set<String> theirs = new HashSet<>();
        for (int i = 0; i < other.vocabSize(); i++) {
            theirs.add(other.token(i));
        }
        int sameId = 0;
        int shared = 0;
        int firstDiff = -1;
        for (int i = 0; i < ours.vocabSize(); i++) {
            String t = ours.token(i);
            if (i < other.vocabSize() && t.equals(other.token(i))) {
                sameId++;
            } else if (firstDiff < 0) {
                firstDiff = i;
            }
            if (theirs.contains(t)) {
                shared++;
            }
        }
        if (firstDiff < 0 && ours.vocabSize() == other.vocabSize()) {
            return "identical (" + ours.vocabSize() + " tokens, same ids)";
        }
        return String.format(Locale.ROOT, "%d of %d ids hold the same token (first difference at id %d); %d of our %d "
                + "tokens are in the other's %d", sameId, Math.min(ours.vocabSize(), other.vocabSize()), firstDiff, shared,
                ours.vocabSize(), other.vocabSize());
    }

    /** The documents of JSONL(.gz) shards, in order. */
    private static final class Corpus {
        final List<String> texts = new ArrayList<>();
        final List<Integer> utf8Bytes = new ArrayList<>();
        long skipped;
    }

    private static Corpus readDocuments(List<Path> shards) throws IOException {
        Corpus c = new Corpus();
        ObjectReader reader = JsonFields.MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        for (Path shard : shards) {
            byte[] all;
            try (InputStream in = shard.toString().endsWith(".gz")
                    ? new GZIPInputStream(Files.newInputStream(shard), 1 << 16) : Files.newInputStream(shard)) {
                all = in.readAllBytes();
            }
            CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
            int start = 0;
            while (start < all.length) {
                int end = start;
                while (end < all.length && all[end] != '\n') {
                    end++;
                }
                if (end > start) {
                    String text = text(utf8, reader, all, start, end);
                    if (text == null) {
                        c.skipped++;
                    } else {
                        c.texts.add(text);
                        c.utf8Bytes.add(text.getBytes(StandardCharsets.UTF_8).length);
                    }
                }
                start = end + 1;
            }
        }
        return c;
    }

    /** The non-empty "text" of one JSONL line, or null when the line is not valid UTF-8 or JSON or has none. */
    private static String text(CharsetDecoder utf8, ObjectReader reader, byte[] all, int start, int end) {
        String line;
        try {
            line = utf8.reset().decode(ByteBuffer.wrap(all, start, end - start)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        JsonNode node;
        try {
            node = reader.readTree(line);
        } catch (IOException e) {
            return null;
        }
        if (node == null || !node.isObject() || !node.path("text").isTextual()) {
            return null;
        }
        String text = node.get("text").asText();
        // an escaped lone surrogate ("\ud800") is valid JSON but has no UTF-8 form, so Python would reject it
        boolean encodable = StandardCharsets.UTF_8.newEncoder().canEncode(CharBuffer.wrap(text));
        return text.isEmpty() || !encodable ? null : text;
    }

    private JsonNode python(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(python.toString(), peer.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(3, TimeUnit.HOURS) || p.exitValue() != 0) {
            throw new IllegalStateException("Python peer failed (" + args[0] + "): "
                    + new String(out, StandardCharsets.UTF_8));
        }
        return JsonFields.MAPPER.readTree(out);
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
