package io.llmagentos.datasets.sample.internal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Builds the SFT, eval and calibration sets that go with the committed corpus.
 *
 * <ul>
 *   <li>SFT: chats about training models. Every fact an assistant turn states (fault meaning, lubricant,
 *       capacity, service interval, part number) is stated by at least one faithful corpus document, listed in
 *       the record's {@code support}.</li>
 *   <li>Eval: questions about facts of training models that the corpus states (again with {@code support})
 *       but the SFT set does not teach, so they measure what a model learned from the corpus. The question
 *       text is held out: neither the question nor question + answer shares a word 8-shingle with the corpus
 *       or the SFT set. A multiple-choice question also carries a {@code cloze}: the same question as the start of a
 *       sentence in the corpus' own phrasing, which each choice continues (how base models are asked, as in LAMA's
 *       knowledge probes); it is a corpus phrasing on purpose, so it is not held out.</li>
 *   <li>Calibration: snippets of documents about held-out models, which the corpus never mentions; snippets
 *       that share a word 8-shingle with the corpus are dropped.</li>
 * </ul>
 */
public final class HeldOutSets {
    /** Shingle length of the held-out overlap check. */
    public static final int OVERLAP_SHINGLE = 8;
    /** Supporting corpus documents listed per fact. */
    static final int SUPPORT_PER_FACT = 3;
    static final String SYSTEM = "You are a field-service assistant for industrial equipment. Answer from the service"
            + " documentation, name fault codes and part numbers exactly, and put safety first.";

    private final FactCatalog catalog;
    private final long seed;
    private final LongHashSet trainingShingles;
    private final FactIndex corpusFacts;
    /** Keys of the facts the SFT set teaches; eval questions avoid them. */
    private final Set<String> taught = new HashSet<>();

    /** Counts of what was written and dropped. */
    public record Counts(int sft, int sftRejected, int eval, int evalRejected, int calibration, int calibrationRejected) {
    }

    /** One catalog fact and the test that a corpus text states it. */
    private record Fact(String key, FactCatalog.Model model, Predicate<String> stated) {
    }

    /**
     * @param catalog          the generator's fact catalog
     * @param seed             the generator seed
     * @param trainingShingles word 8-shingles of the corpus; the SFT text is added to it as it is written
     * @param corpusFacts      the faithful corpus documents
     */
    public HeldOutSets(FactCatalog catalog, long seed, LongHashSet trainingShingles, FactIndex corpusFacts) {
        this.catalog = catalog;
        this.seed = seed;
        this.trainingShingles = trainingShingles;
        this.corpusFacts = corpusFacts;
    }

    /** Writes the three sets; SFT first, because eval avoids what SFT teaches. */
    public Counts write(Path sftFile, Path evalFile, Path calibrationFile, int sftCount, int evalCount, int calibrationCount)
            throws IOException {
        int[] sft = writeSft(sftFile, sftCount);
        int[] eval = writeEval(evalFile, evalCount);
        int[] cal = writeCalibration(calibrationFile, calibrationCount);
        return new Counts(sft[0], sft[1], eval[0], eval[1], cal[0], cal[1]);
    }

    private static Fact faultFact(FactCatalog.Model m, FactCatalog.Fault f) {
        String meaning = f.condition().meaning();
        return new Fact("fault " + m.code() + " " + f.code(), m,
                t -> FactIndex.containsToken(t, f.code()) && t.contains(meaning));
    }

    private static Fact lubricantFact(FactCatalog.Model m) {
        return new Fact("lubricant " + m.code(), m, t -> t.contains(m.lubricant()));
    }

    private static Fact capacityFact(FactCatalog.Model m) {
        String litres = capacity(m) + " litres";
        return new Fact("capacity " + m.code(), m, t -> FactIndex.containsToken(t, litres));
    }

    private static Fact intervalFact(FactCatalog.Model m) {
        String hours = thousands(m.serviceHours());
        return new Fact("interval " + m.code(), m, t -> FactIndex.containsToken(t, hours + "-hour service")
                || FactIndex.containsToken(t, hours + " running hours"));
    }

    private static Fact partFact(FactCatalog.Model m, int p) {
        String name = m.family().parts().get(p);
        String pn = m.partNumber(p);
        return new Fact("part " + m.code() + " " + pn, m,
                t -> t.contains(name + " (" + pn + ")") || t.contains(name + " (part number " + pn + ")"));
    }

    /** Corpus documents stating every fact (the first few per fact), or null if one of them is stated nowhere. */
    private Set<String> support(List<Fact> facts) {
        Set<String> ids = new LinkedHashSet<>();
        for (Fact f : facts) {
            List<String> s = corpusFacts.support(f.model().code(), f.stated(), SUPPORT_PER_FACT);
            if (s.isEmpty()) {
                return null;
            }
            ids.addAll(s);
        }
        return ids;
    }

    private int[] writeSft(Path file, int count) throws IOException {
        Rng r = Rng.of(seed, 21, 0);
        ByteSink s = new ByteSink(1 << 14);
        Set<String> seen = new HashSet<>();
        int written = 0;
        int rejected = 0;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            for (int draw = 0; written < count && draw < count * 50; draw++) {
                FactCatalog.Model m = r.pick(catalog.training());
                FactCatalog.Fault f = r.pick(m.faults());
                Family.Condition c = f.condition();
                int part = r.nextInt(m.family().parts().size());
                int kind = r.nextInt(3);
                List<Fact> facts = switch (kind) {
                    case 0 -> List.of(faultFact(m, f));
                    case 1 -> List.of(lubricantFact(m), capacityFact(m), intervalFact(m));
                    default -> List.of(faultFact(m, f), partFact(m, part), intervalFact(m));
                };
                StringBuilder key = new StringBuilder().append(kind);
                facts.forEach(x -> key.append('|').append(x.key()));
                Set<String> support = support(facts);
                if (support == null || !seen.add(key.toString())) {
                    rejected++;
                    continue;
                }
                facts.forEach(x -> taught.add(x.key()));
                List<String[]> turns = new ArrayList<>();
                turns.add(new String[] {"system", SYSTEM});
                String faultAnswer = "Fault code " + f.code() + " on the " + m.label() + " means " + c.meaning()
                        + ". The usual causes are " + c.causes().get(0) + " or " + c.causes().get(c.causes().size() - 1)
                        + ". First " + c.checks().get(0) + ", then " + c.checks().get(c.checks().size() - 1)
                        + ". To fix it, " + c.remedy() + ". Lock out the equipment before opening it.";
                String interval = thousands(m.serviceHours());
                switch (kind) {
                    case 0 -> {
                        turns.add(new String[] {"user", capital(m.label()) + " shows fault code " + f.code()
                                + ". What does it mean and what should I do?"});
                        turns.add(new String[] {"assistant", faultAnswer});
                    }
                    case 1 -> {
                        turns.add(new String[] {"user", "Which oil goes into the " + m.code() + ", and how much?"});
                        turns.add(new String[] {"assistant", "The " + m.label() + " takes " + m.lubricant() + ", about "
                                + capacity(m) + " litres. Change it at the " + interval + "-hour service."});
                    }
                    default -> {
                        turns.add(new String[] {"user", "The " + m.code() + " stopped with " + f.code() + ". Can you help?"});
                        turns.add(new String[] {"assistant", faultAnswer});
                        turns.add(new String[] {"user", "Which spare part should I have ready?"});
                        turns.add(new String[] {"assistant", "Keep a " + m.family().parts().get(part) + " (part number "
                                + m.partNumber(part) + ") on site; it is the usual wear item on the " + m.code() + "."});
                        turns.add(new String[] {"user", "And when is the next scheduled service?"});
                        turns.add(new String[] {"assistant", "The " + m.code() + " is serviced every " + interval
                                + " running hours or once a year, whichever comes first."});
                    }
                }
                s.reset();
                s.ascii("{").key("id").str(String.format(java.util.Locale.ROOT, "sft-%05d", written)).ascii(",")
                        .key("messages").ascii("[");
                for (int t = 0; t < turns.size(); t++) {
                    s.ascii(t == 0 ? "{" : ",{").key("role").str(turns.get(t)[0]).ascii(",").key("content").str(turns.get(t)[1])
                            .ascii("}");
                    Shingles.addShingles(Shingles.wordHashes(turns.get(t)[1]), OVERLAP_SHINGLE, trainingShingles);
                }
                s.ascii("],");
                ids(s.key("support"), support);
                s.ascii("}\n").writeTo(out);
                written++;
            }
        }
        return new int[] {written, rejected};
    }

    private static void ids(ByteSink s, Set<String> ids) {
        s.ascii("[");
        boolean first = true;
        for (String id : ids) {
            s.ascii(first ? "" : ",").str(id);
            first = false;
        }
        s.ascii("]");
    }

    /**
     * An eval candidate: {@code choices} is null for short-answer questions; {@code cloze} (multiple choice only) is
     * the same question as a sentence start in the corpus' own phrasing, which the answer completes.
     */
    private record Question(String topic, String question, String answer, List<String> choices, String cloze,
                            Fact fact) {
    }

    /**
     * A sentence start in the corpus' phrasing that {@code rest} continues: a manual's heading and body sentence,
     * as the corpus' manual sections begin ({@code "Gearbox GB-208 Service Manual.\nFault code X means"}).
     */
    private static String cloze(FactCatalog.Model m, String rest) {
        String fam = m.family().name();
        return Character.toUpperCase(fam.charAt(0)) + fam.substring(1) + " " + m.code() + " Service Manual.\n" + rest;
    }

    private int[] writeEval(Path file, int count) throws IOException {
        Rng r = Rng.of(seed, 22, 0);
        List<Question> candidates = new ArrayList<>();
        for (FactCatalog.Model m : catalog.training()) {
            List<Family.Condition> conds = m.family().conditions();
            for (FactCatalog.Fault f : m.faults()) {
                List<String> choices = new ArrayList<>();
                choices.add(f.condition().meaning());
                List<Family.Condition> others = new ArrayList<>(conds);
                others.remove(f.condition());
                r.shuffle(others);
                for (int k = 0; k < others.size() && choices.size() < 4; k++) {
                    choices.add(others.get(k).meaning());
                }
                while (choices.size() < 4) {
                    Family.Condition x = r.pick(r.pick(Families.ALL).conditions());
                    if (!choices.contains(x.meaning())) {
                        choices.add(x.meaning());
                    }
                }
                r.shuffle(choices);
                candidates.add(new Question("fault_meaning", "For the " + m.code() + " (" + m.family().name()
                        + "), which condition does code " + f.code() + " report?", f.condition().meaning(), choices,
                        cloze(m, "Fault code " + f.code() + " means"), faultFact(m, f)));
                candidates.add(new Question("fault_code", "Which code does the " + m.code() + " display when it detects "
                        + f.condition().meaning() + "?", f.code(), null, null, faultFact(m, f)));
            }
            candidates.add(new Question("service_interval", "How many running hours lie between two scheduled services of the "
                    + m.code() + "?", thousands(m.serviceHours()) + " hours", null, null, intervalFact(m)));
            candidates.add(new Question("lubricant", "Name the lubricant the " + m.code() + " is filled with.",
                    m.lubricant(), null, null, lubricantFact(m)));
            int p = r.nextInt(m.family().parts().size());
            List<String> pns = new ArrayList<>();
            pns.add(m.partNumber(p));
            for (int k = 0; pns.size() < 4 && k < m.partNumbers().size(); k++) {
                if (!pns.contains(m.partNumbers().get(k))) {
                    pns.add(m.partNumbers().get(k));
                }
            }
            r.shuffle(pns);
            candidates.add(new Question("part_number", "Pick the order number of the " + m.family().parts().get(p)
                    + " used on the " + m.code() + ".", m.partNumber(p), pns,
                    cloze(m, "Remove the " + m.family().parts().get(p) + " (part number"), partFact(m, p)));
        }
        r.shuffle(candidates);
        int written = 0;
        int rejected = 0;
        Set<String> asked = new HashSet<>();
        ByteSink s = new ByteSink(4096);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            for (Question q : candidates) {
                if (written == count) {
                    break;
                }
                // one question per fact; a fact SFT teaches would test memorised SFT answers, not the corpus
                Set<String> support = taught.contains(q.fact().key()) || asked.contains(q.fact().key()) ? null
                        : support(List.of(q.fact()));
                if (support == null || overlaps(q.question()) || overlaps(q.question() + " " + q.answer())) {
                    rejected++;
                    continue;
                }
                asked.add(q.fact().key());
                s.reset();
                s.ascii("{").key("id").str(String.format(java.util.Locale.ROOT, "eval-%05d", written)).ascii(",")
                        .key("type").str(q.choices() == null ? "short_answer" : "multiple_choice").ascii(",")
                        .key("topic").str(q.topic()).ascii(",").key("question").str(q.question());
                if (q.choices() != null) {
                    s.ascii(",").key("choices").ascii("[");
                    for (int k = 0; k < q.choices().size(); k++) {
                        s.ascii(k == 0 ? "" : ",").str(q.choices().get(k));
                    }
                    s.ascii("],").key("answer_index").num(q.choices().indexOf(q.answer()));
                    s.ascii(",").key("cloze").str(q.cloze());
                }
                s.ascii(",").key("answer").str(q.answer()).ascii(",");
                ids(s.key("support"), support);
                s.ascii("}\n").writeTo(out);
                written++;
            }
        }
        return new int[] {written, rejected};
    }

    private int[] writeCalibration(Path file, int count) throws IOException {
        Composer composer = new Composer();
        int written = 0;
        int rejected = 0;
        ByteSink s = new ByteSink(8192);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            for (long d = 0; written < count && d < 100_000; d++) {
                Rng r = Rng.of(seed, 23, d);
                composer.bind(r, r.pick(catalog.heldOut()));
                int type = r.nextInt(Composer.DOC_TYPES.length);
                // English only: the other-language sentences come from a few fixed templates, so nearly every
                // snippet of them shares an 8-shingle with the corpus and would be dropped anyway
                Doc doc = composer.document(type);
                int len = r.between(2, 4);
                int from = r.nextInt(Math.max(1, doc.segments.size() - len + 1));
                List<Doc.Segment> segs = new ArrayList<>(doc.segments.subList(from, Math.min(doc.segments.size(), from + len)));
                String text = new Doc(segs).render().text().strip();
                if (text.isEmpty() || overlaps(text)) {
                    rejected++;
                    continue;
                }
                s.reset();
                s.ascii("{").key("id").str(String.format(java.util.Locale.ROOT, "cal-%05d", written)).ascii(",")
                        .key("lang").str("en").ascii(",").key("doc_type").str(Composer.DOC_TYPES[type]).ascii(",")
                        .key("text").str(text).ascii("}\n").writeTo(out);
                written++;
            }
        }
        return new int[] {written, rejected};
    }

    private boolean overlaps(String text) {
        return Shingles.anyIn(text, OVERLAP_SHINGLE, trainingShingles);
    }

    private static String thousands(int v) {
        StringBuilder sb = new StringBuilder();
        Composer.thousands(sb, v);
        return sb.toString();
    }

    private static String capacity(FactCatalog.Model m) {
        return ByteSink.formatDouble(m.capacityLitres()).replace(".0", "");
    }

    private static String capital(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
