package io.llmagentos.datasets.sample.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * A document as a list of segments (sentences, PII snippets, boilerplate blocks). Edits for near-duplicates
 * work on segments, so PII offsets stay exact: they are re-derived from the segments when the text is rendered.
 */
public final class Doc {
    /** What a segment is; only CONTENT segments are edited when near-duplicates are made. */
    public enum Kind { CONTENT, PII, BOILERPLATE }

    /** A PII value inside a segment, offsets relative to the segment text. */
    public record Span(int start, int end, String type, String value) {
    }

    /** One piece of text followed by its separator (" ", "\n", "\n\n" or ""). */
    public record Segment(String text, String sep, Kind kind, List<Span> pii, String boilerplateKind) {
        public Segment {
            pii = List.copyOf(pii);
        }

        public static Segment content(String text, String sep) {
            return new Segment(text, sep, Kind.CONTENT, List.of(), null);
        }

        public Segment withText(String t) {
            return new Segment(t, sep, kind, pii, boilerplateKind);
        }

        public Segment withSep(String s) {
            return new Segment(text, s, kind, pii, boilerplateKind);
        }
    }

    /** A PII span in the rendered text (UTF-16 offsets, end exclusive). */
    public record PiiHit(int start, int end, String type, String value) {
    }

    /** A boilerplate block in the rendered text. */
    public record BoilerplateHit(int start, int end, String kind) {
    }

    /** The rendered text with absolute offsets. */
    public record Rendered(String text, List<PiiHit> pii, List<BoilerplateHit> boilerplate) {
    }

    public final List<Segment> segments;

    public Doc(List<Segment> segments) {
        this.segments = segments;
    }

    public Rendered render() {
        StringBuilder sb = new StringBuilder(4096);
        List<PiiHit> pii = new ArrayList<>();
        List<BoilerplateHit> bp = new ArrayList<>();
        for (int i = 0; i < segments.size(); i++) {
            Segment s = segments.get(i);
            int base = sb.length();
            sb.append(s.text());
            for (Span sp : s.pii()) {
                pii.add(new PiiHit(base + sp.start(), base + sp.end(), sp.type(), sp.value()));
            }
            if (s.kind() == Kind.BOILERPLATE) {
                bp.add(new BoilerplateHit(base, sb.length(), s.boilerplateKind()));
            }
            if (i < segments.size() - 1) {
                sb.append(s.sep());
            }
        }
        return new Rendered(sb.toString(), pii, bp);
    }
}
