package io.llmagentos.dataprep.internal;

import com.github.pemistahl.lingua.api.IsoCode639_1;
import com.github.pemistahl.lingua.api.Language;
import com.github.pemistahl.lingua.api.LanguageDetector;
import com.github.pemistahl.lingua.api.LanguageDetectorBuilder;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The language rule of the quality filters, on Lingua's n-gram models (shipped inside its jar). A document is kept
 * when the language detected among the candidate languages, from its first {@code sampleChars} characters, is one
 * of the kept languages; text in which Lingua finds no language (no letters of any candidate) is rejected as
 * {@code undetermined}. Detection uses Lingua's low-accuracy mode (trigrams only), which is fast and, on texts of
 * more than a sentence, as accurate as the full mode.
 *
 * <p>Detectors hold large immutable model tables, so one per candidate set is built per JVM (Spark executor) and
 * shared by every task: the cache below is the only static state, and it holds no per-job data.
 */
public final class LanguageFilter {
    private static final Map<List<String>, LanguageDetector> DETECTORS = new ConcurrentHashMap<>();

    private final Set<Language> keep;
    private final LanguageDetector detector;
    private final int sampleChars;

    public LanguageFilter(List<String> keep, List<String> candidates, int sampleChars) {
        validate(keep, candidates);
        List<String> all = new ArrayList<>(new LinkedHashSet<>(union(keep, candidates)));
        this.keep = Set.copyOf(languages(keep));
        this.detector = DETECTORS.computeIfAbsent(List.copyOf(all), k -> LanguageDetectorBuilder
                .fromIsoCodes639_1(languages(k).stream().map(Language::getIsoCode639_1).toArray(IsoCode639_1[]::new))
                .withLowAccuracyMode().build());
        this.sampleChars = sampleChars;
    }

    /** Throws IllegalArgumentException naming an unknown code or too few candidates. */
    public static void validate(List<String> keep, List<String> candidates) {
        languages(keep);
        if (union(keep, candidates).size() < 2) {
            throw new IllegalArgumentException("quality.languageCandidates must name at least one language besides "
                    + keep + " (the detector chooses among them)");
        }
    }

    /** The detected language's ISO 639-1 code when the document is rejected, else null. */
    public String reject(String text) {
        String sample = text.length() > sampleChars ? text.substring(0, sampleChars) : text;
        Language l = detector.detectLanguageOf(sample);
        if (l == Language.UNKNOWN) {
            return "undetermined";
        }
        return keep.contains(l) ? null : l.getIsoCode639_1().toString().toLowerCase(Locale.ROOT);
    }

    private static List<String> union(List<String> a, List<String> b) {
        Set<String> s = new LinkedHashSet<>();
        a.forEach(x -> s.add(x.toLowerCase(Locale.ROOT)));
        b.forEach(x -> s.add(x.toLowerCase(Locale.ROOT)));
        return new ArrayList<>(s);
    }

    private static List<Language> languages(List<String> codes) {
        List<Language> out = new ArrayList<>();
        for (String c : codes) {
            Language found = null;
            for (Language l : Language.all()) {
                if (l.getIsoCode639_1().toString().equalsIgnoreCase(c)) {
                    found = l;
                }
            }
            if (found == null) {
                throw new IllegalArgumentException("quality.languages: unknown ISO 639-1 language code '" + c
                        + "' (Lingua knows e.g. en, de, fr, es, it, pt, nl, pl, ru, zh, ja, ko)");
            }
            out.add(found);
        }
        return out;
    }
}
