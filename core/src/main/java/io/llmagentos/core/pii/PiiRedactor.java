package io.llmagentos.core.pii;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds personal data with the detectors of the enabled types and replaces each span with its typed
 * placeholder ({@code <EMAIL>}, {@code <PHONE>}, …). Where detectors overlap (a card number that also
 * looks like a phone number), the checksum-validated types win, then the longer span. Thread-safe.
 */
public final class PiiRedactor {
    /** Overlap priority: checksum-validated and structured types first. */
    private static final List<PiiType> PRIORITY = List.of(PiiType.EMAIL, PiiType.IBAN, PiiType.CREDIT_CARD,
            PiiType.IPV6, PiiType.IPV4, PiiType.PHONE, PiiType.PERSON_NAME);

    private final Map<PiiType, PiiDetector> detectors = new EnumMap<>(PiiType.class);

    /** Redacts every type. */
    public PiiRedactor() {
        this(EnumSet.allOf(PiiType.class));
    }

    /** Redacts the given types only. */
    public PiiRedactor(Set<PiiType> types) {
        for (PiiType t : types) {
            detectors.put(t, PiiDetectors.forType(t));
        }
    }

    public Set<PiiType> types() {
        return Collections.unmodifiableSet(detectors.keySet());
    }

    /** All non-overlapping spans in text order. */
    public List<PiiSpan> detect(String text) {
        List<PiiSpan> all = new ArrayList<>();
        for (PiiType t : PRIORITY) {
            PiiDetector d = detectors.get(t);
            if (d != null) {
                for (PiiSpan s : d.detect(text)) {
                    all.add(s);
                }
            }
        }
        all.sort(Comparator.comparingInt((PiiSpan s) -> PRIORITY.indexOf(s.type()))
                .thenComparing(Comparator.comparingInt(PiiSpan::length).reversed())
                .thenComparingInt(PiiSpan::start));
        List<PiiSpan> kept = new ArrayList<>();
        for (PiiSpan s : all) {
            if (kept.stream().noneMatch(s::overlaps)) {
                kept.add(s);
            }
        }
        kept.sort(Comparator.comparingInt(PiiSpan::start));
        return kept;
    }

    /** Replaces every detected span with its placeholder. */
    public Redaction redact(String text) {
        List<PiiSpan> spans = detect(text);
        if (spans.isEmpty()) {
            return new Redaction(text, List.of(), Map.of());
        }
        StringBuilder b = new StringBuilder(text.length());
        Map<PiiType, Integer> counts = new EnumMap<>(PiiType.class);
        int at = 0;
        for (PiiSpan s : spans) {
            b.append(text, at, s.start()).append(s.type().placeholder());
            counts.merge(s.type(), 1, Integer::sum);
            at = s.end();
        }
        b.append(text, at, text.length());
        return new Redaction(b.toString(), spans, counts);
    }

    /**
     * The result of {@link #redact}.
     *
     * @param text   the redacted text
     * @param spans  the replaced spans, as indices into the original text
     * @param counts spans per type (types with none are absent)
     */
    public record Redaction(String text, List<PiiSpan> spans, Map<PiiType, Integer> counts) {
        public Redaction {
            spans = List.copyOf(spans);
            counts = Collections.unmodifiableMap(counts.isEmpty() ? Map.of() : new EnumMap<>(counts));
        }

        public boolean changed() {
            return !spans.isEmpty();
        }
    }
}
