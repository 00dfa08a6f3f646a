package io.llmagentos.datasets.sample.internal;

import io.llmagentos.datasets.sample.internal.Doc.Kind;
import io.llmagentos.datasets.sample.internal.Doc.Segment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Makes near-duplicates: small edits on the content sentences of a document (never on PII or boilerplate
 * segments, so PII offsets stay exact), keeping the word-5-shingle Jaccard with the original at or above
 * a floor.
 */
public final class NearDuplicates {
    public static final String SWAP = "reorder_sentences";
    public static final String NUMBER = "change_number";
    public static final String SUBSTITUTE = "substitute_word";
    public static final String TYPO = "typo";
    public static final String DROP = "drop_word";
    private static final String[] KINDS = {SWAP, NUMBER, SUBSTITUTE, TYPO, DROP};
    private static final Map<String, String> SYNONYMS = Map.ofEntries(
        Map.entry("replace", "renew"), Map.entry("Replace", "Renew"), Map.entry("check", "inspect"),
        Map.entry("Check", "Inspect"), Map.entry("measured", "recorded"), Map.entry("customer", "client"),
        Map.entry("technician", "engineer"), Map.entry("found", "discovered"), Map.entry("fault", "error"),
        Map.entry("usually", "normally"), Map.entry("stops", "halts"), Map.entry("Replaced", "Changed"),
        Map.entry("before", "prior to"), Map.entry("unit", "machine"), Map.entry("Remove", "Take out"),
        Map.entry("every", "each"), Map.entry("frequent", "common"), Map.entry("site", "location"));

    /** A near-duplicate and how it was made. */
    public record Result(Doc doc, String text, double jaccard, List<String> edits) {
    }

    private NearDuplicates() {
    }

    /**
     * Applies 1..4 random edits to a copy of {@code original}, dropping edits until the Jaccard with
     * {@code originalText} is at least {@code minJaccard}. Returns null when no edit could be made (e.g. a
     * document without editable sentences).
     */
    public static Result make(Rng r, Doc original, String originalText, double minJaccard) {
        int want = r.between(1, 4);
        for (int k = want; k >= 1; k--) {
            List<Segment> segs = new ArrayList<>(original.segments);
            List<String> edits = new ArrayList<>();
            for (int attempt = 0; edits.size() < k && attempt < k * 4; attempt++) {
                String kind = r.pick(KINDS);
                if (apply(r, segs, kind)) {
                    edits.add(kind);
                }
            }
            if (edits.isEmpty()) {
                continue;
            }
            Doc d = new Doc(segs);
            String text = d.render().text();
            if (text.equals(originalText)) {
                continue;
            }
            double j = Shingles.jaccard(originalText, text, 5);
            if (j >= minJaccard && j < 1.0) { // 1.0 would be an exact duplicate under the shingle measure
                return new Result(d, text, j, List.copyOf(edits));
            }
        }
        return null;
    }

    private static boolean apply(Rng r, List<Segment> segs, String kind) {
        List<Integer> content = new ArrayList<>();
        for (int i = 0; i < segs.size(); i++) {
            if (segs.get(i).kind() == Kind.CONTENT) {
                content.add(i);
            }
        }
        if (content.isEmpty()) {
            return false;
        }
        if (kind == SWAP) {
            for (int attempt = 0; attempt < 4; attempt++) {
                int i = r.pick(content);
                int j = i + 1;
                if (j < segs.size() && segs.get(j).kind() == Kind.CONTENT && !segs.get(i).text().equals(segs.get(j).text())) {
                    // swap the sentences but keep the separators in place, so paragraphs keep their shape
                    Segment a = segs.get(i);
                    Segment b = segs.get(j);
                    segs.set(i, a.withText(b.text()));
                    segs.set(j, b.withText(a.text()));
                    return true;
                }
            }
            return false;
        }
        for (int attempt = 0; attempt < 6; attempt++) {
            int idx = r.pick(content);
            String t = segs.get(idx).text();
            String edited = switch (kind) {
                case NUMBER -> changeNumber(r, t);
                case SUBSTITUTE -> substitute(r, t);
                case TYPO -> typo(r, t);
                default -> drop(r, t);
            };
            if (edited != null && !edited.equals(t)) {
                segs.set(idx, segs.get(idx).withText(edited));
                return true;
            }
        }
        return false;
    }

    private static String changeNumber(Rng r, String t) {
        List<int[]> runs = new ArrayList<>();
        for (int i = 0; i < t.length(); ) {
            if (Character.isDigit(t.charAt(i))) {
                int s = i;
                while (i < t.length() && Character.isDigit(t.charAt(i))) {
                    i++;
                }
                runs.add(new int[] {s, i});
            } else {
                i++;
            }
        }
        if (runs.isEmpty()) {
            return null;
        }
        int[] run = r.pick(runs);
        String old = t.substring(run[0], run[1]);
        String neu;
        do {
            long v = Long.parseLong(old.length() > 9 ? old.substring(0, 9) : old);
            long delta = 1 + r.nextInt(Math.max(2, (int) Math.min(1000, v / 5 + 1)));
            neu = Long.toString(r.chance(0.5) || v < delta ? v + delta : v - delta);
        } while (neu.equals(old));
        return t.substring(0, run[0]) + neu + t.substring(run[1]);
    }

    private static List<int[]> words(String t, int minLen) {
        List<int[]> w = new ArrayList<>();
        for (int i = 0; i < t.length(); ) {
            if (Character.isLetter(t.charAt(i))) {
                int s = i;
                while (i < t.length() && Character.isLetter(t.charAt(i))) {
                    i++;
                }
                if (i - s >= minLen) {
                    w.add(new int[] {s, i});
                }
            } else {
                i++;
            }
        }
        return w;
    }

    private static String substitute(Rng r, String t) {
        List<int[]> hits = new ArrayList<>();
        for (int[] w : words(t, 3)) {
            if (SYNONYMS.containsKey(t.substring(w[0], w[1]))) {
                hits.add(w);
            }
        }
        if (hits.isEmpty()) {
            return null;
        }
        int[] w = r.pick(hits);
        return t.substring(0, w[0]) + SYNONYMS.get(t.substring(w[0], w[1])) + t.substring(w[1]);
    }

    private static String typo(Rng r, String t) {
        List<int[]> ws = words(t, 5);
        if (ws.isEmpty()) {
            return null;
        }
        int[] w = r.pick(ws);
        int p = w[0] + 1 + r.nextInt(w[1] - w[0] - 2);
        if (t.charAt(p) == t.charAt(p + 1)) {
            return null;
        }
        return t.substring(0, p) + t.charAt(p + 1) + t.charAt(p) + t.substring(p + 2);
    }

    private static String drop(Rng r, String t) {
        List<int[]> ws = words(t, 3);
        if (ws.size() < 4) {
            return null;
        }
        int[] w = ws.get(1 + r.nextInt(ws.size() - 1));
        int end = w[1] < t.length() && t.charAt(w[1]) == ' ' ? w[1] + 1 : w[1];
        return t.substring(0, w[0]) + t.substring(end);
    }
}
