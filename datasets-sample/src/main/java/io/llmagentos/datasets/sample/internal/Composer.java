package io.llmagentos.datasets.sample.internal;

import io.llmagentos.datasets.sample.internal.Doc.Kind;
import io.llmagentos.datasets.sample.internal.Doc.Segment;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes documents about one equipment model from the sentence templates. Slots: {@code eq Eq code fam Fam fc
 * meaning cause cause2 check check2 remedy part pn part2 reading reading2 lube interval cap site ticket date
 * tech Tech cust Cust title mm month_de month_fr month_es} and the PII slots {@code email phone ipv4 ipv6 cc
 * iban name} (which record a span).
 */
public final class Composer implements Tpl.Filler {
    /** The document types, in the order of {@link #DOC_TYPES}. */
    public static final String[] DOC_TYPES = {"manual_section", "troubleshooting", "support_ticket", "faq", "maintenance_log"};
    public static final String[] SOURCES = {"manuals/pdf-extract", "kb/troubleshooting", "tickets/helpdesk-export",
        "web/support-portal", "cmms/work-orders"};

    private static final List<List<Tpl>> READINGS = new ArrayList<>();
    private static final List<Tpl> TITLE_TPLS = Tpl.parseAll(Templates.TITLES);

    static {
        for (Family f : Families.ALL) {
            READINGS.add(Tpl.parseAll(f.readings().toArray(new String[0])));
        }
    }

    private Rng r;
    private FactCatalog.Model model;
    private FactCatalog.Fault fault;
    private int part;
    private int part2;
    private int familyIndex;

    public Composer() {
    }

    @Override
    public Rng rng() {
        return r;
    }

    /** Points the slots at a model and picks the fault and parts this document talks about. */
    public void bind(Rng rng, FactCatalog.Model m) {
        this.r = rng;
        this.model = m;
        this.familyIndex = Families.ALL.indexOf(m.family());
        this.fault = r.pick(m.faults());
        int np = m.family().parts().size();
        this.part = r.nextInt(np);
        this.part2 = (part + 1 + r.nextInt(np - 1)) % np;
    }

    public FactCatalog.Model model() {
        return model;
    }

    /** An English document of the given type (index into {@link #DOC_TYPES}) about the bound model. */
    public Doc document(int type) {
        List<Segment> segs = new ArrayList<>();
        switch (type) {
            case 0 -> body(segs, Templates.MANUAL_HEAD, Templates.MANUAL, 9, 18);
            case 1 -> body(segs, Templates.TROUBLE_HEAD, Templates.TROUBLE, 8, 15);
            case 2 -> body(segs, Templates.TICKET_HEAD, Templates.TICKET, 8, 15);
            case 3 -> body(segs, Templates.FAQ_HEAD, Templates.FAQ, 7, 12);
            default -> body(segs, Templates.LOG_HEAD, Templates.LOG, 10, 18);
        }
        return new Doc(segs);
    }

    private void body(List<Segment> segs, List<Tpl> head, List<Tpl> pool, int min, int max) {
        segs.add(Segment.content(r.pick(head).fill(this, null), r.chance(0.5) ? "\n" : " "));
        int n = r.between(min, max);
        int[] order = new int[pool.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        r.shuffle(order);
        for (int i = 0; i < n; i++) {
            // mostly distinct sentences, occasionally a repeated template (with new slot values)
            Tpl t = i < order.length && r.chance(0.85) ? pool.get(order[i]) : r.pick(pool);
            if (i > 0 && r.chance(0.25)) {
                reroll(); // a second fault or part in the same document
            }
            String sep = r.chance(0.2) ? "\n\n" : " ";
            segs.add(Segment.content(t.fill(this, null), sep));
        }
    }

    private void reroll() {
        int np = model.family().parts().size();
        part = r.nextInt(np);
        part2 = (part + 1 + r.nextInt(np - 1)) % np;
    }

    /** Inserts 1..3 PII snippets (and sometimes a signature) into a document. */
    public void addPii(Doc doc) {
        int k = r.between(1, 3);
        for (int i = 0; i < k; i++) {
            List<Doc.Span> spans = new ArrayList<>();
            String t = r.pick(Templates.PII).fill(this, spans);
            int at = 1 + r.nextInt(doc.segments.size());
            doc.segments.add(Math.min(at, doc.segments.size()), new Segment(t, " ", Kind.PII, spans, null));
        }
        if (r.chance(0.5)) {
            List<Doc.Span> spans = new ArrayList<>();
            String t = r.pick(Templates.SIGNATURE).fill(this, spans);
            lastSep(doc, r.chance(0.3) ? " Thanks 👍\n\n" : "\n\n");
            doc.segments.add(new Segment(t, "", Kind.PII, spans, null));
        }
    }

    /** Wraps a document in navigation, cookie banner and footer blocks. */
    public void addBoilerplate(Doc doc) {
        List<Segment> s = doc.segments;
        s.add(0, new Segment(r.pick(Templates.BOILER_NAV), "\n", Kind.BOILERPLATE, List.of(), "navigation"));
        if (r.chance(0.6)) {
            s.add(r.chance(0.5) ? 1 : 0, new Segment(r.pick(Templates.BOILER_COOKIE), "\n", Kind.BOILERPLATE, List.of(), "cookie_banner"));
        }
        lastSep(doc, "\n");
        s.add(new Segment(r.pick(Templates.BOILER_FOOTER), "", Kind.BOILERPLATE, List.of(), "footer"));
    }

    private static void lastSep(Doc doc, String sep) {
        int last = doc.segments.size() - 1;
        doc.segments.set(last, doc.segments.get(last).withSep(sep));
    }

    /** A document in German, French or Spanish. */
    public Doc foreign(String lang) {
        List<Tpl> pool = Foreign.pool(lang);
        int n = r.between(5, 9);
        int[] order = new int[pool.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        r.shuffle(order);
        List<Segment> segs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            segs.add(Segment.content(pool.get(order[i]).fill(this, null), r.chance(0.2) ? "\n\n" : " "));
        }
        return new Doc(segs);
    }

    /** A line repeated many times, with or without some real content before it. */
    public Doc spam(String line, int repeats, int type) {
        List<Segment> segs = new ArrayList<>();
        if (r.chance(0.5)) {
            segs.addAll(document(type).segments.subList(0, 3));
            lastSep(new Doc(segs), "\n");
        }
        for (int i = 0; i < repeats; i++) {
            segs.add(Segment.content(line, "\n"));
        }
        return new Doc(segs);
    }

    @Override
    public String fill(String name, StringBuilder out) {
        switch (name) {
            case "eq" -> out.append(model.family().name()).append(' ').append(model.code());
            case "Eq" -> capital(out, model.family().name()).append(' ').append(model.code());
            case "code" -> out.append(model.code());
            case "fam" -> out.append(model.family().name());
            case "Fam" -> capital(out, model.family().name());
            case "fc" -> out.append(fault.code());
            case "meaning" -> out.append(fault.condition().meaning());
            case "cause" -> out.append(fault.condition().causes().get(0 == r.nextInt(2) ? 0 : r.nextInt(fault.condition().causes().size())));
            case "cause2" -> out.append(fault.condition().causes().get(fault.condition().causes().size() - 1));
            case "check" -> out.append(fault.condition().checks().get(0));
            case "check2" -> out.append(fault.condition().checks().get(fault.condition().checks().size() - 1));
            case "remedy" -> out.append(fault.condition().remedy());
            case "part" -> out.append(model.family().parts().get(part));
            case "part2" -> out.append(model.family().parts().get(part2));
            case "pn" -> out.append(model.partNumber(part));
            case "reading", "reading2" -> out.append(r.pick(READINGS.get(familyIndex)).fill(this, null));
            case "lube" -> out.append(model.lubricant());
            case "interval" -> thousands(out, model.serviceHours());
            case "cap" -> out.append(ByteSink.formatDouble(model.capacityLitres()).replace(".0", ""));
            case "site" -> out.append(r.pick(Templates.SITES));
            case "ticket" -> out.append(r.between(10000, 99999));
            case "date" -> out.append(r.between(2021, 2026)).append('-').append(two(r.between(1, 12))).append('-')
                    .append(two(r.between(1, 28)));
            case "mm" -> out.append(two(r.between(1, 12)));
            case "tech" -> out.append(r.pick(Templates.TECH));
            case "Tech" -> capital(out, r.pick(Templates.TECH));
            case "cust" -> out.append(r.pick(Templates.CUST));
            case "Cust" -> capital(out, r.pick(Templates.CUST));
            case "title" -> out.append(r.pick(TITLE_TPLS).fill(this, null));
            case "month_de" -> out.append(r.pick(Foreign.MONTH_DE));
            case "month_fr" -> out.append(r.pick(Foreign.MONTH_FR));
            case "month_es" -> out.append(r.pick(Foreign.MONTH_ES));
            case "email" -> {
                out.append(Pii.email(r));
                return Pii.EMAIL;
            }
            case "phone" -> {
                out.append(Pii.phone(r));
                return Pii.PHONE;
            }
            case "ipv4" -> {
                out.append(Pii.ipv4(r));
                return Pii.IPV4;
            }
            case "ipv6" -> {
                out.append(Pii.ipv6(r));
                return Pii.IPV6;
            }
            case "cc" -> {
                out.append(Pii.creditCard(r));
                return Pii.CREDIT_CARD;
            }
            case "iban" -> {
                out.append(Pii.iban(r));
                return Pii.IBAN;
            }
            case "name" -> {
                out.append(Pii.name(r));
                return Pii.PERSON_NAME;
            }
            default -> throw new IllegalStateException("unknown template slot {" + name + "}");
        }
        return null;
    }

    private static StringBuilder capital(StringBuilder out, String s) {
        return out.append(Character.toUpperCase(s.charAt(0))).append(s, 1, s.length());
    }

    private static String two(int v) {
        return v < 10 ? "0" + v : Integer.toString(v);
    }

    static void thousands(StringBuilder out, int v) {
        if (v >= 1000) {
            out.append(v / 1000).append(',');
            int rest = v % 1000;
            out.append(rest < 100 ? (rest < 10 ? "00" : "0") : "").append(rest);
        } else {
            out.append(v);
        }
    }
}
