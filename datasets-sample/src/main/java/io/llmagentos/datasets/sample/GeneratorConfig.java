package io.llmagentos.datasets.sample;

/**
 * How a dirty field-service corpus is generated. Fractions are shares of documents (malformed lines: extra
 * lines per document). Same config ⇒ byte-identical output.
 *
 * @param seed                   {@value #SEED_DOC}
 * @param targetBytes            {@value #TARGET_BYTES_DOC}
 * @param shardBytes             {@value #SHARD_BYTES_DOC}
 * @param nearDuplicateFraction  {@value #NEAR_DUPLICATE_FRACTION_DOC}
 * @param exactDuplicateFraction {@value #EXACT_DUPLICATE_FRACTION_DOC}
 * @param piiFraction            {@value #PII_FRACTION_DOC}
 * @param otherLanguageFraction  {@value #OTHER_LANGUAGE_FRACTION_DOC}
 * @param boilerplateFraction    {@value #BOILERPLATE_FRACTION_DOC}
 * @param malformedLineFraction  {@value #MALFORMED_LINE_FRACTION_DOC}
 * @param invalidUtf8Fraction    {@value #INVALID_UTF8_FRACTION_DOC}
 * @param emptyFraction          {@value #EMPTY_FRACTION_DOC}
 * @param spamFraction           {@value #SPAM_FRACTION_DOC}
 * @param hugeFraction           {@value #HUGE_FRACTION_DOC}
 */
public record GeneratorConfig(long seed, long targetBytes, long shardBytes, double nearDuplicateFraction,
        double exactDuplicateFraction, double piiFraction, double otherLanguageFraction, double boilerplateFraction,
        double malformedLineFraction, double invalidUtf8Fraction, double emptyFraction, double spamFraction,
        double hugeFraction) {

    public static final String SEED_DOC = "Random seed; the same seed and settings give byte-identical output.";
    public static final String TARGET_BYTES_DOC = "Approximate corpus size in bytes (generation stops at the first document past it).";
    public static final String SHARD_BYTES_DOC = "Maximum size of one corpus-NNNNN.jsonl shard in bytes.";
    public static final String NEAR_DUPLICATE_FRACTION_DOC =
            "Share of documents that are near-duplicates (word-5-shingle Jaccard >= 0.8 with their original); at least 0.10.";
    public static final String EXACT_DUPLICATE_FRACTION_DOC = "Share of documents that are exact copies of an earlier document.";
    public static final String PII_FRACTION_DOC =
            "Share of documents with planted PII (emails, phones, IPv4/IPv6, Luhn-valid cards, valid IBANs, names in signatures).";
    public static final String OTHER_LANGUAGE_FRACTION_DOC = "Share of documents in German, French or Spanish.";
    public static final String BOILERPLATE_FRACTION_DOC = "Share of documents wrapped in HTML navigation, cookie banners and footers.";
    public static final String MALFORMED_LINE_FRACTION_DOC =
            "Malformed JSON lines (truncated, bad escapes, non-objects, unquoted keys, raw control characters) per document.";
    public static final String INVALID_UTF8_FRACTION_DOC = "Share of documents whose line carries an invalid UTF-8 byte sequence.";
    public static final String EMPTY_FRACTION_DOC = "Share of documents with empty or whitespace-only text.";
    public static final String SPAM_FRACTION_DOC = "Share of documents made of one line repeated many times.";
    public static final String HUGE_FRACTION_DOC = "Share of documents of 1 MB or more (each one is ~1 MB of the corpus).";

    public static final long DEFAULT_SHARD_BYTES = 64L << 20;
    public static final double DEFAULT_NEAR_DUPLICATE_FRACTION = 0.12;
    public static final double DEFAULT_EXACT_DUPLICATE_FRACTION = 0.05;
    public static final double DEFAULT_PII_FRACTION = 0.15;
    public static final double DEFAULT_OTHER_LANGUAGE_FRACTION = 0.05;
    public static final double DEFAULT_BOILERPLATE_FRACTION = 0.10;
    public static final double DEFAULT_MALFORMED_LINE_FRACTION = 0.005;
    public static final double DEFAULT_INVALID_UTF8_FRACTION = 0.005;
    public static final double DEFAULT_EMPTY_FRACTION = 0.005;
    public static final double DEFAULT_SPAM_FRACTION = 0.01;
    public static final double DEFAULT_HUGE_FRACTION = 0.0002;
    /** The smallest near-duplicate share the data-prep dedup acceptance tests can measure recall on. */
    public static final double MIN_NEAR_DUPLICATE_FRACTION = 0.10;
    /** The minimum word-5-shingle Jaccard of every planted near-duplicate with its original. */
    public static final double NEAR_DUPLICATE_MIN_JACCARD = 0.8;

    public GeneratorConfig {
        if (targetBytes < 64 * 1024) {
            throw new IllegalArgumentException("targetBytes must be >= 64 KiB (got " + targetBytes
                    + "); ask for e.g. --size 10MB");
        }
        if (shardBytes < (4L << 20)) {
            throw new IllegalArgumentException("shardBytes must be >= 4 MiB so a huge (1 MB) document fits in a shard (got "
                    + shardBytes + ")");
        }
        if (!(nearDuplicateFraction >= MIN_NEAR_DUPLICATE_FRACTION && nearDuplicateFraction <= 0.5)) {
            throw new IllegalArgumentException("nearDuplicateFraction must be in [0.10, 0.5] (got " + nearDuplicateFraction
                    + "): the dedup tests need at least 10 % near-duplicates");
        }
        fraction("exactDuplicateFraction", exactDuplicateFraction, 0.5);
        fraction("piiFraction", piiFraction, 1.0);
        fraction("otherLanguageFraction", otherLanguageFraction, 0.5);
        fraction("boilerplateFraction", boilerplateFraction, 1.0);
        fraction("malformedLineFraction", malformedLineFraction, 0.2);
        fraction("invalidUtf8Fraction", invalidUtf8Fraction, 0.2);
        fraction("emptyFraction", emptyFraction, 0.2);
        fraction("spamFraction", spamFraction, 0.2);
        fraction("hugeFraction", hugeFraction, 0.01);
        double special = nearDuplicateFraction + exactDuplicateFraction + otherLanguageFraction + emptyFraction
                + spamFraction + hugeFraction;
        if (special > 0.8) {
            throw new IllegalArgumentException("near-duplicate + exact-duplicate + other-language + empty + spam + huge fractions"
                    + " must sum to <= 0.8 so enough clean originals remain (got " + round(special) + ")");
        }
        if (piiFraction + invalidUtf8Fraction > 1.0 - special) {
            throw new IllegalArgumentException("piiFraction + invalidUtf8Fraction (" + round(piiFraction + invalidUtf8Fraction)
                    + ") must fit in the share of plain documents left by the other fractions (" + round(1.0 - special) + ")");
        }
        if (boilerplateFraction > 1.0 - special) {
            throw new IllegalArgumentException("boilerplateFraction (" + boilerplateFraction
                    + ") must fit in the share of plain documents left by the other fractions (" + round(1.0 - special) + ")");
        }
    }

    private static void fraction(String name, double v, double max) {
        if (!(v >= 0 && v <= max)) {
            throw new IllegalArgumentException(name + " must be in [0, " + max + "] (got " + v + ")");
        }
    }

    private static String round(double v) {
        return String.format(java.util.Locale.ROOT, "%.4f", v);
    }

    /** The default mix of dirt for a corpus of about {@code targetBytes}. */
    public static GeneratorConfig defaults(long seed, long targetBytes) {
        return new GeneratorConfig(seed, targetBytes, DEFAULT_SHARD_BYTES, DEFAULT_NEAR_DUPLICATE_FRACTION,
                DEFAULT_EXACT_DUPLICATE_FRACTION, DEFAULT_PII_FRACTION, DEFAULT_OTHER_LANGUAGE_FRACTION,
                DEFAULT_BOILERPLATE_FRACTION, DEFAULT_MALFORMED_LINE_FRACTION, DEFAULT_INVALID_UTF8_FRACTION,
                DEFAULT_EMPTY_FRACTION, DEFAULT_SPAM_FRACTION, DEFAULT_HUGE_FRACTION);
    }

    public GeneratorConfig withHugeFraction(double f) {
        return new GeneratorConfig(seed, targetBytes, shardBytes, nearDuplicateFraction, exactDuplicateFraction, piiFraction,
                otherLanguageFraction, boilerplateFraction, malformedLineFraction, invalidUtf8Fraction, emptyFraction,
                spamFraction, f);
    }

    /**
     * Parses a size such as {@code 500MB}, {@code 2GB}, {@code 64KiB} or {@code 1000000}. KB/MB/GB are decimal
     * (10^3), KiB/MiB/GiB binary (2^10).
     */
    public static long parseSize(String s) {
        String t = s.strip().toUpperCase(java.util.Locale.ROOT).replace("_", "");
        long mult = 1;
        String[][] units = {{"KIB", "1024"}, {"MIB", "1048576"}, {"GIB", "1073741824"}, {"KB", "1000"},
            {"MB", "1000000"}, {"GB", "1000000000"}, {"K", "1000"}, {"M", "1000000"}, {"G", "1000000000"}, {"B", "1"}};
        for (String[] u : units) {
            if (t.endsWith(u[0])) {
                mult = Long.parseLong(u[1]);
                t = t.substring(0, t.length() - u[0].length()).strip();
                break;
            }
        }
        try {
            double v = Double.parseDouble(t);
            if (v <= 0 || Double.isNaN(v) || v * mult > Long.MAX_VALUE / 2) {
                throw new NumberFormatException();
            }
            return (long) Math.ceil(v * mult);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("size \"" + s + "\" is not a positive size; write e.g. 500MB, 2GB or 64KiB");
        }
    }
}
