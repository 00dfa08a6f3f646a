package io.llmagentos.dataprep;

import io.llmagentos.dataprep.internal.YamlBinder;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Everything the data-prep job can be told, read from {@code prep.yaml}. Every setting has a default,
 * so an empty file is a valid config; each carries an {@link Option} description that the CLI help and
 * the report reuse. Sections mirror the job's stages.
 */
public record PrepConfig(
        @Option(description = "how input files are read and which fields hold id, text and source") Input input,
        @Option(description = "text normalization applied before filtering and dedup") Normalize normalize,
        @Option(description = "Gopher-style quality rules; a document breaking any of them is rejected") Quality quality,
        @Option(description = "exact and MinHash near-duplicate removal") Dedup dedup,
        @Option(description = "PII redaction with typed placeholders") Pii pii,
        @Option(description = "deterministic train/validation/test split by hash of the document id") Split split,
        @Option(description = "tokenization and packing into token shards (skipped without a tokenizer)") Tokenize tokenize,
        @Option(description = "Spark settings used when the job creates its own session") Spark spark)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    public PrepConfig {
        input = input == null ? Input.defaults() : input;
        normalize = normalize == null ? Normalize.defaults() : normalize;
        quality = quality == null ? Quality.defaults() : quality;
        dedup = dedup == null ? Dedup.defaults() : dedup;
        pii = pii == null ? Pii.defaults() : pii;
        split = split == null ? Split.defaults() : split;
        tokenize = tokenize == null ? Tokenize.defaults() : tokenize;
        spark = spark == null ? Spark.defaults() : spark;
    }

    public static PrepConfig defaults() {
        return new PrepConfig(null, null, null, null, null, null, null, null);
    }

    /** Reads {@code prep.yaml}; errors name the file, line and field. */
    public static PrepConfig load(Path file) throws PrepConfigException, IOException {
        return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
    }

    /** Parses YAML text; {@code name} is used in error messages. */
    public static PrepConfig parse(String name, String yaml) throws PrepConfigException {
        return YamlBinder.bind(name, yaml, PrepConfig.class);
    }

    /** This config as YAML that {@link #parse} reads back to an equal config (written beside the outputs). */
    public String toYaml() {
        return YamlBinder.toYaml(this);
    }

    /** Every setting by dotted path ({@code quality.minWords}) with its description, in declaration order. */
    public static Map<String, String> describe() {
        return YamlBinder.describe(PrepConfig.class);
    }

    /** Input file formats. */
    public enum Format {
        /** By extension: .jsonl/.json/.ndjson, .csv, .txt/.md, .parquet (before .gz/.zst). */
        AUTO, JSONL, CSV, TEXT, PARQUET;

        public static Format ofFileName(String name) {
            String n = name.toLowerCase(Locale.ROOT);
            for (String c : List.of(".gz", ".gzip", ".zst", ".zstd")) {
                if (n.endsWith(c)) {
                    n = n.substring(0, n.length() - c.length());
                }
            }
            if (n.endsWith(".jsonl") || n.endsWith(".ndjson") || n.endsWith(".json")) {
                return JSONL;
            }
            if (n.endsWith(".csv")) {
                return CSV;
            }
            if (n.endsWith(".txt") || n.endsWith(".md") || n.endsWith(".text")) {
                return TEXT;
            }
            if (n.endsWith(".parquet")) {
                return PARQUET;
            }
            return AUTO;
        }
    }

    /** What to do with a line whose bytes are not valid UTF-8. */
    public enum InvalidUtf8 {
        /** Quarantine the line with reason {@code invalid_utf8} and the byte offset. */
        QUARANTINE,
        /** Decode with U+FFFD replacement characters and keep the record (counted in the report). */
        REPLACE
    }

    public record Input(
            @Option(description = "input format: auto (by file extension), jsonl, csv, text, parquet") Format format,
            @Option(description = "field (JSONL key, CSV header, Parquet column) holding the document text") String textField,
            @Option(description = "field holding the document id; records without one get <file>:<line>") String idField,
            @Option(description = "field holding the document source; empty or missing means the file name") String sourceField,
            @Option(description = "lines with invalid UTF-8: quarantine or replace (U+FFFD)") InvalidUtf8 invalidUtf8,
            @Option(description = "CSV field separator (one character)") String csvSeparator)
            implements Serializable {
        private static final long serialVersionUID = 1L;

        public Input {
            format = format == null ? Format.AUTO : format;
            textField = nonBlank(textField, "text", "input.textField");
            idField = idField == null ? "id" : idField;
            sourceField = sourceField == null ? "source" : sourceField;
            invalidUtf8 = invalidUtf8 == null ? InvalidUtf8.QUARANTINE : invalidUtf8;
            csvSeparator = csvSeparator == null ? "," : csvSeparator;
            if (csvSeparator.length() != 1) {
                throw new IllegalArgumentException("must be exactly one character (got \"" + csvSeparator + "\")");
            }
        }

        public static Input defaults() {
            return new Input(null, null, null, null, null, null);
        }
    }

    public record Normalize(
            @Option(description = "Unicode NFC normalization") boolean nfc,
            @Option(description = "turn HTML into text; nav/footer/cookie elements are dropped with their content") boolean html,
            @Option(description = "remove control characters except tab and newline") boolean stripControlChars,
            @Option(description = "collapse runs of spaces inside lines and of blank lines; trim lines") boolean collapseWhitespace,
            @Option(description = "drop boilerplate lines (cookie banners, navigation bars, copyright footers)") boolean boilerplate,
            @Option(description = "extra regular expressions; a line matching one entirely is boilerplate") List<String> boilerplatePatterns)
            implements Serializable {
        private static final long serialVersionUID = 1L;

        public Normalize {
            boilerplatePatterns = boilerplatePatterns == null ? List.of() : List.copyOf(boilerplatePatterns);
            for (String p : boilerplatePatterns) {
                try {
                    java.util.regex.Pattern.compile(p);
                } catch (java.util.regex.PatternSyntaxException e) {
                    throw new IllegalArgumentException("not a valid regular expression: " + p + " ("
                            + e.getDescription() + ")");
                }
            }
        }

        public static Normalize defaults() {
            return new Normalize(true, true, true, true, true, null);
        }
    }

    public record Quality(
            @Option(description = "reject documents with fewer whitespace-separated words") int minWords,
            @Option(description = "reject documents with more words") int maxWords,
            @Option(description = "reject documents longer than this many chars (before word counting)") int maxChars,
            @Option(description = "reject when the mean word length is below this (chars)") double minMeanWordLength,
            @Option(description = "reject when the mean word length is above this (chars)") double maxMeanWordLength,
            @Option(description = "max ratio of '#' and ellipsis words to all words") double maxSymbolWordRatio,
            @Option(description = "min fraction of words that contain a letter") double minAlphaWordFraction,
            @Option(description = "min count of English stop words (the, be, to, of, and, that, have, with); 0 turns it off") int minStopWords,
            @Option(description = "max fraction of lines starting with a bullet") double maxBulletLineFraction,
            @Option(description = "max fraction of lines ending in an ellipsis") double maxEllipsisLineFraction,
            @Option(description = "max fraction of lines that repeat an earlier line") double maxDuplicateLineFraction,
            @Option(description = "max fraction of chars in lines that repeat an earlier line") double maxDuplicateLineCharFraction,
            @Option(description = "max char fraction of the most frequent word 2-gram") double maxTopNgramFraction2,
            @Option(description = "max char fraction of the most frequent word 3-gram") double maxTopNgramFraction3,
            @Option(description = "max char fraction of the most frequent word 4-gram") double maxTopNgramFraction4,
            @Option(description = "max char fraction covered by repeated word 5-grams; 0.01 less per n up to 10") double maxDuplicateNgramFraction5,
            @Option(description = "keep documents detected (Lingua) as one of these ISO 639-1 languages; empty turns the language filter off") List<String> languages,
            @Option(description = "ISO 639-1 languages the detector chooses among (include every language the corpus may hold)") List<String> languageCandidates,
            @Option(description = "characters of each document that the language detector reads (from the start)") int languageSampleChars)
            implements Serializable {
        private static final long serialVersionUID = 1L;

        public Quality {
            positive(minWords >= 0, "minWords must be >= 0 (got " + minWords + ")");
            positive(maxWords >= minWords, "maxWords must be >= minWords (got " + maxWords + " < " + minWords + ")");
            positive(maxChars > 0, "maxChars must be > 0 (got " + maxChars + ")");
            positive(minMeanWordLength <= maxMeanWordLength, "minMeanWordLength must be <= maxMeanWordLength");
            fraction(maxSymbolWordRatio, "maxSymbolWordRatio");
            fraction(minAlphaWordFraction, "minAlphaWordFraction");
            positive(minStopWords >= 0, "minStopWords must be >= 0 (got " + minStopWords + ")");
            fraction(maxBulletLineFraction, "maxBulletLineFraction");
            fraction(maxEllipsisLineFraction, "maxEllipsisLineFraction");
            fraction(maxDuplicateLineFraction, "maxDuplicateLineFraction");
            fraction(maxDuplicateLineCharFraction, "maxDuplicateLineCharFraction");
            fraction(maxTopNgramFraction2, "maxTopNgramFraction2");
            fraction(maxTopNgramFraction3, "maxTopNgramFraction3");
            fraction(maxTopNgramFraction4, "maxTopNgramFraction4");
            fraction(maxDuplicateNgramFraction5, "maxDuplicateNgramFraction5");
            languages = languages == null ? List.of() : List.copyOf(languages);
            languageCandidates = languageCandidates == null ? List.of() : List.copyOf(languageCandidates);
            positive(languageSampleChars > 0, "languageSampleChars must be > 0 (got " + languageSampleChars + ")");
            if (!languages.isEmpty()) {
                io.llmagentos.dataprep.internal.LanguageFilter.validate(languages, languageCandidates);
            }
        }

        /**
         * Gopher's published thresholds, with minWords lowered from 50 to 20 for short support tickets; English
         * kept, detected among 14 widely used languages.
         */
        public static Quality defaults() {
            return new Quality(20, 100_000, 1_000_000, 3, 10, 0.1, 0.8, 2, 0.9, 0.3, 0.3, 0.2, 0.20, 0.18, 0.16, 0.15,
                    List.of("en"), List.of("en", "de", "fr", "es", "it", "pt", "nl", "pl", "sv", "ru", "tr", "zh", "ja", "ko"),
                    2000);
        }
    }

    public record Dedup(
            @Option(description = "remove documents whose normalized text equals an earlier one's") boolean exact,
            @Option(description = "remove near duplicates found by MinHash LSH (keeps the smallest id per cluster)") boolean fuzzy,
            @Option(description = "Jaccard similarity of word-shingle sets at or above which two documents are near duplicates") double jaccard,
            @Option(description = "words per shingle (words are runs of letters/digits, lower-cased)") int shingleSize,
            @Option(description = "LSH bands; two documents are compared when all MinHash values of one band agree") int bands,
            @Option(description = "MinHash values per band; bands x rows MinHash functions in all") int rowsPerBand,
            @Option(description = "seed of the MinHash functions") long seed)
            implements Serializable {
        private static final long serialVersionUID = 1L;

        public Dedup {
            positive(jaccard > 0 && jaccard <= 1, "jaccard must be in (0, 1] (got " + jaccard + ")");
            positive(shingleSize >= 1, "shingleSize must be >= 1 (got " + shingleSize + ")");
            positive(bands >= 1, "bands must be >= 1 (got " + bands + ")");
            positive(rowsPerBand >= 1, "rowsPerBand must be >= 1 (got " + rowsPerBand + ")");
        }

        /**
         * 14 bands of 4: a pair at Jaccard 0.8 becomes a candidate with probability 1 - (1 - 0.8^4)^14
         * = 0.9995, a pair at 0.5 with 0.59, at 0.3 with 0.11 — the exact Jaccard of every candidate is
         * then computed, so the bands trade work, not precision.
         */
        public static Dedup defaults() {
            return new Dedup(true, true, 0.8, 5, 14, 4, 42);
        }
    }

    public record Pii(
            @Option(description = "redact personal data with typed placeholders such as <EMAIL>") boolean enabled,
            @Option(description = "types to redact: email, phone, ipv4, ipv6, credit_card, iban, person_name") List<String> types)
            implements Serializable {
        private static final long serialVersionUID = 1L;

        public Pii {
            types = types == null ? List.of("email", "phone", "ipv4", "ipv6", "credit_card", "iban", "person_name")
                    : List.copyOf(types);
            for (String t : types) {
                io.llmagentos.core.pii.PiiType.fromExternalName(t);
            }
        }

        public static Pii defaults() {
            return new Pii(true, null);
        }
    }

    public record Split(
            @Option(description = "fraction of documents in the train split") double train,
            @Option(description = "fraction in the validation split") double validation,
            @Option(description = "fraction in the test split") double test,
            @Option(description = "salt of the split hash; change it to draw a different split") long seed)
            implements Serializable {
        private static final long serialVersionUID = 1L;

        public Split {
            fraction(train, "train");
            fraction(validation, "validation");
            fraction(test, "test");
            positive(Math.abs(train + validation + test - 1.0) < 1e-9,
                    "train + validation + test must be 1 (got " + (train + validation + test) + ")");
        }

        public static Split defaults() {
            return new Split(0.98, 0.01, 0.01, 42);
        }
    }

    public record Tokenize(
            @Option(description = "tokenizer directory or tokenizer.json; empty skips tokenization") String tokenizer,
            @Option(description = "tokens per packed sequence in the token shards") int seqLen,
            @Option(description = "end-of-document token when tokenizer_config.json names none") String eosToken,
            @Option(description = "padding token when tokenizer_config.json names none") String padToken,
            @Option(description = "token shards per split (one Spark task each)") int shardsPerSplit)
            implements Serializable {
        private static final long serialVersionUID = 1L;

        public Tokenize {
            tokenizer = tokenizer == null ? "" : tokenizer;
            positive(seqLen >= 2, "seqLen must be >= 2 (got " + seqLen + ")");
            eosToken = nonBlank(eosToken, "<|endoftext|>", "tokenize.eosToken");
            padToken = nonBlank(padToken, "<|endoftext|>", "tokenize.padToken");
            positive(shardsPerSplit >= 1, "shardsPerSplit must be >= 1 (got " + shardsPerSplit + ")");
        }

        public static Tokenize defaults() {
            return new Tokenize(null, 1024, null, null, 1);
        }

        public boolean enabled() {
            return !tokenizer.isBlank();
        }
    }

    public record Spark(
            @Option(description = "Spark master when the job creates its session: local[*], local[2], spark://host:port") String master,
            @Option(description = "spark.sql.shuffle.partitions; small inputs run faster with few") int shufflePartitions)
            implements Serializable {
        private static final long serialVersionUID = 1L;

        public Spark {
            master = nonBlank(master, "local[*]", "spark.master");
            positive(shufflePartitions >= 1, "shufflePartitions must be >= 1 (got " + shufflePartitions + ")");
        }

        public static Spark defaults() {
            return new Spark(null, 8);
        }
    }

    private static String nonBlank(String v, String dflt, String name) {
        if (v == null) {
            return dflt;
        }
        if (v.isBlank()) {
            throw new IllegalArgumentException("must not be empty");
        }
        return v;
    }

    private static void positive(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    private static void fraction(double v, String name) {
        if (!(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1] (got " + v + ")");
        }
    }
}
