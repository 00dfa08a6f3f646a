package io.llmagentos.datasets.sample.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * A parsed sentence template: literal text with {@code {slot}} and {@code {n:lo-hi}} / {@code {d:lo-hi}}
 * placeholders. Parsed once; filling it is a single pass over its parts.
 */
public final class Tpl {
    private final String[] literals; // literals[i] precedes slots[i]; one more literal than slots
    private final String[] slots;
    private final int[] lo;
    private final int[] hi;

    private Tpl(String[] literals, String[] slots, int[] lo, int[] hi) {
        this.literals = literals;
        this.slots = slots;
        this.lo = lo;
        this.hi = hi;
    }

    public static Tpl parse(String s) {
        List<String> lits = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<int[]> ranges = new ArrayList<>();
        int at = 0;
        while (true) {
            int open = s.indexOf('{', at);
            if (open < 0) {
                lits.add(s.substring(at));
                break;
            }
            int close = s.indexOf('}', open);
            if (close < 0) {
                throw new IllegalArgumentException("unclosed slot in template: " + s);
            }
            lits.add(s.substring(at, open));
            String slot = s.substring(open + 1, close);
            int[] range = {0, 0};
            int colon = slot.indexOf(':');
            if (colon > 0) {
                String[] lh = slot.substring(colon + 1).split("-");
                range = new int[] {Integer.parseInt(lh[0].replace(".", "")), Integer.parseInt(lh[1].replace(".", ""))};
                if (slot.startsWith("d:")) {
                    // one decimal: scale by 10 unless the bound was already written with a decimal point
                    range = new int[] {scale10(lh[0]), scale10(lh[1])};
                }
                slot = slot.substring(0, colon);
            }
            names.add(slot.intern());
            ranges.add(range);
            at = close + 1;
        }
        int[] l = new int[ranges.size()];
        int[] h = new int[ranges.size()];
        for (int i = 0; i < l.length; i++) {
            l[i] = ranges.get(i)[0];
            h[i] = ranges.get(i)[1];
        }
        return new Tpl(lits.toArray(new String[0]), names.toArray(new String[0]), l, h);
    }

    private static int scale10(String v) {
        int dot = v.indexOf('.');
        if (dot < 0) {
            return Integer.parseInt(v) * 10;
        }
        return Integer.parseInt(v.substring(0, dot)) * 10 + Integer.parseInt(v.substring(dot + 1, dot + 2));
    }

    public static List<Tpl> parseAll(String... s) {
        List<Tpl> out = new ArrayList<>(s.length);
        for (String t : s) {
            out.add(parse(t));
        }
        return out;
    }

    /** Fills the slots through {@code filler}, which may record PII spans into {@code spans}. */
    public String fill(Filler filler, List<Doc.Span> spans) {
        StringBuilder sb = new StringBuilder(160);
        for (int i = 0; i < slots.length; i++) {
            sb.append(literals[i]);
            String name = slots[i];
            if (name == "n") {
                sb.append(filler.rng().between(lo[i], hi[i]));
            } else if (name == "d") {
                int v = filler.rng().between(lo[i], hi[i]);
                sb.append(v / 10).append('.').append(v % 10);
            } else {
                int start = sb.length();
                String piiType = filler.fill(name, sb);
                if (piiType != null && spans != null) {
                    spans.add(new Doc.Span(start, sb.length(), piiType, sb.substring(start)));
                }
            }
        }
        sb.append(literals[slots.length]);
        return sb.toString();
    }

    /** Supplies slot values. */
    public interface Filler {
        Rng rng();

        /** Appends the value of slot {@code name}; returns its PII type, or null if it is not PII. */
        String fill(String name, StringBuilder out);
    }
}
