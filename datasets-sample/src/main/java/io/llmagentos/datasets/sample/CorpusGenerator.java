package io.llmagentos.datasets.sample;

import io.llmagentos.datasets.sample.internal.ByteSink;
import io.llmagentos.datasets.sample.internal.Composer;
import io.llmagentos.datasets.sample.internal.Doc;
import io.llmagentos.datasets.sample.internal.FactCatalog;
import io.llmagentos.datasets.sample.internal.ManifestWriter;
import io.llmagentos.datasets.sample.internal.NearDuplicates;
import io.llmagentos.datasets.sample.internal.Rng;
import io.llmagentos.datasets.sample.internal.ShardWriter;
import io.llmagentos.datasets.sample.internal.Dirt;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Generates a deterministic, deliberately dirty field-service corpus as JSONL shards plus a ground-truth
 * {@code manifest.json} that records every planted defect.
 *
 * <p>Records are {@code {"id", "source", "doc_type", "text"}}, one per line, in {@code corpus-NNNNN.jsonl}
 * shards of at most {@link GeneratorConfig#shardBytes()} bytes. Generation streams: memory stays bounded
 * (a ring of recent originals for the duplicates) whatever the target size.
 *
 * <p>Manifest offsets ({@code pii[].start/end}, {@code boilerplate[].blocks[].start/end}) are UTF-16 code-unit
 * indices into the record's decoded {@code text} string (Java {@code String} indices), end exclusive.
 */
public final class CorpusGenerator {
    /** Manifest format identifier. */
    public static final String MANIFEST_FORMAT = "llmagentos-dirty-corpus-manifest/1";
    /** Huge documents are at least this many UTF-8 bytes of text. */
    public static final int HUGE_MIN_BYTES = 1_050_000;
    static final int MODELS_PER_FAMILY = 14;
    static final double HELD_OUT_FRACTION = 0.2;
    private static final int BLOCK = 100;
    private static final int RING = 512;
    private static final int NORMAL = 0;
    private static final int NEAR = 1;
    private static final int EXACT = 2;
    private static final int FOREIGN = 3;
    private static final int EMPTY = 4;
    private static final int SPAM = 5;
    private static final int HUGE = 6;
    private static final byte[][] BAD_UTF8 = {
        {(byte) 0xC3, (byte) 0x28}, {(byte) 0x80}, {(byte) 0xFF}, {(byte) 0xC0, (byte) 0xAF},
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xE2, (byte) 0x82}};
    private static final String[] BAD_UTF8_KIND = {"truncated_sequence", "lone_continuation_byte", "invalid_byte",
        "overlong_encoding", "encoded_surrogate", "truncated_sequence"};
    private static final String[] MALFORMED_KINDS = {"truncated", "bad_escape", "not_object", "unquoted_key",
        "unescaped_control_char"};

    private final GeneratorConfig cfg;
    private final FactCatalog catalog;

    public CorpusGenerator(GeneratorConfig cfg) {
        this.cfg = java.util.Objects.requireNonNull(cfg, "cfg");
        this.catalog = new FactCatalog(cfg.seed(), MODELS_PER_FAMILY, HELD_OUT_FRACTION);
    }

    FactCatalog catalog() {
        return catalog;
    }

    /** Writes the corpus shards and manifest.json into {@code outDir} (created if missing). */
    public GenerationResult generate(Path outDir, ProgressCallback progress) throws IOException {
        return generate(outDir, progress, null);
    }

    /** Sees every text written; {@link SampleDatasets} builds the SFT, eval and calibration sets from it. */
    @FunctionalInterface
    interface TextObserver {
        /**
         * @param id       the record id ({@code d…} documents, {@code m…} malformed lines)
         * @param text     the text (for malformed lines: once the intended text, once the raw line)
         * @param faithful true for an unedited English document about one equipment model, whose facts
         *                 (fault codes, parts, lubricant, service interval) are stated as the catalog has them;
         *                 false for near-duplicates, other-language, spam, huge, empty, invalid-UTF-8 and malformed
         */
        void text(String id, String text, boolean faithful);
    }

    /** As {@link #generate(Path, ProgressCallback)}; {@code textObserver} sees every text written. */
    GenerationResult generate(Path outDir, ProgressCallback progress, TextObserver textObserver) throws IOException {
        Files.createDirectories(outDir);
        try (var old = Files.newDirectoryStream(outDir, "corpus-*.jsonl")) {
            for (Path p : old) {
                Files.delete(p); // stale shards from a larger earlier run would pollute the corpus
            }
        }
        long t0 = System.nanoTime();
        Run run = new Run(outDir, progress == null ? ProgressCallback.NONE : progress, textObserver);
        try (run.shards; run.manifest) {
            run.generate();
            run.shards.close();
            Path manifest = run.manifest.finish(run.header());
            return new GenerationResult(run.shards.paths(), manifest, run.documents, run.lines, run.bytes, run.totals(),
                    System.nanoTime() - t0);
        }
    }

    /** The state of one generation run. */
    private final class Run {
        final ShardWriter shards;
        final ManifestWriter manifest;
        final ProgressCallback progress;
        final TextObserver observer;
        final Composer composer = new Composer();
        final ByteSink line = new ByteSink(1 << 16);
        final ByteSink entry = new ByteSink(1 << 10);
        final Doc[] ringDoc = new Doc[RING];
        final Doc.Rendered[] ringText = new Doc.Rendered[RING];
        final String[] ringId = new String[RING];
        final int[] ringType = new int[RING];
        int ringSize;
        int ringNext;
        long documents;
        long lines;
        long bytes;
        long nextProgress = 1 << 20;
        long malformedIndex;
        int pendingNear;
        int pendingExact;
        long piiDocs;
        long piiSpans;

        Run(Path dir, ProgressCallback progress, TextObserver observer) throws IOException {
            this.shards = new ShardWriter(dir, cfg.shardBytes());
            this.manifest = new ManifestWriter(dir);
            this.progress = progress;
            this.observer = observer;
            manifest.section("exact_duplicates", true);
            manifest.section("near_duplicates", true);
            manifest.section("pii", false);
            manifest.section("malformed_lines", false);
            manifest.section("invalid_utf8", false);
            manifest.section("boilerplate", false);
            manifest.section("other_language", true);
            manifest.section("empty", false);
            manifest.section("huge", false);
            manifest.section("spam", false);
        }

        void generate() throws IOException {
            for (long block = 0; bytes < cfg.targetBytes(); block++) {
                Plan plan = plan(block);
                for (int j = 0; j < BLOCK && bytes < cfg.targetBytes(); j++) {
                    writeDocument(block * BLOCK + j, plan, j);
                    for (int m = 0; m < plan.malformedAfter[j]; m++) {
                        writeMalformed();
                    }
                }
            }
            progress.progress(bytes, cfg.targetBytes(), documents);
        }

        private Plan plan(long block) {
            long s = block * BLOCK;
            long e = s + BLOCK;
            Rng r = Rng.of(cfg.seed(), 1, block);
            Plan p = new Plan();
            int at = 0;
            double[] f = {0, cfg.nearDuplicateFraction(), cfg.exactDuplicateFraction(), cfg.otherLanguageFraction(),
                cfg.emptyFraction(), cfg.spamFraction(), cfg.hugeFraction()};
            for (int c = 1; c < f.length; c++) {
                for (int k = quota(f[c], s, e); k > 0 && at < BLOCK; k--) {
                    p.cls[at++] = (byte) c;
                }
            }
            shuffle(r, p.cls);
            List<Integer> normals = new ArrayList<>();
            for (int i = 0; i < BLOCK; i++) {
                if (p.cls[i] == NORMAL) {
                    normals.add(i);
                }
            }
            r.shuffle(normals);
            for (int k = Math.min(normals.size(), quota(cfg.boilerplateFraction(), s, e)) - 1; k >= 0; k--) {
                p.boilerplate[normals.get(k)] = true;
            }
            r.shuffle(normals);
            int nPii = Math.min(normals.size(), quota(cfg.piiFraction(), s, e));
            for (int k = 0; k < nPii; k++) {
                p.pii[normals.get(k)] = true;
            }
            int nBad = Math.min(normals.size() - nPii, quota(cfg.invalidUtf8Fraction(), s, e));
            for (int k = 0; k < nBad; k++) {
                p.invalidUtf8[normals.get(nPii + k)] = true;
            }
            for (int k = quota(cfg.malformedLineFraction(), s, e); k > 0; k--) {
                p.malformedAfter[r.nextInt(BLOCK)]++;
            }
            return p;
        }

        private int quota(double f, long s, long e) {
            return (int) (Math.floor(f * e + 0.5) - Math.floor(f * s + 0.5));
        }

        private void shuffle(Rng r, byte[] a) {
            for (int i = a.length - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                byte t = a[i];
                a[i] = a[j];
                a[j] = t;
            }
        }

        private void writeDocument(long index, Plan plan, int j) throws IOException {
            Rng r = Rng.of(cfg.seed(), 2, index);
            String id = id("d", index);
            int cls = plan.cls[j];
            boolean plain = cls == NORMAL && !plan.boilerplate[j] && !plan.pii[j] && !plan.invalidUtf8[j];
            if (plain && ringSize > 0 && (pendingNear > 0 || pendingExact > 0)) {
                cls = pendingNear > 0 ? NEAR : EXACT; // catch up on a duplicate that had no original earlier
                if (cls == NEAR) {
                    pendingNear--;
                } else {
                    pendingExact--;
                }
            }
            if ((cls == NEAR || cls == EXACT) && ringSize == 0) {
                if (cls == NEAR) {
                    pendingNear++;
                } else {
                    pendingExact++;
                }
                cls = NORMAL;
            }
            switch (cls) {
                case NEAR -> {
                    int k = r.nextInt(ringSize);
                    NearDuplicates.Result nd = NearDuplicates.make(r, ringDoc[k], ringText[k].text(),
                            GeneratorConfig.NEAR_DUPLICATE_MIN_JACCARD);
                    if (nd == null) {
                        pendingNear++;
                        writeNormal(r, id, index, false, false, false);
                        return;
                    }
                    Doc.Rendered rendered = nd.doc().render();
                    int type = ringType[k];
                    writeRecord(id, sourceOf(type, !rendered.boilerplate().isEmpty()), Composer.DOC_TYPES[type],
                            rendered.text(), null, false);
                    entry.reset();
                    entry.key(id).ascii("{").key("original").str(ringId[k]).ascii(",").key("jaccard").num(nd.jaccard())
                            .ascii(",").key("edits").ascii("[");
                    for (int e = 0; e < nd.edits().size(); e++) {
                        entry.ascii(e == 0 ? "" : ",").str(nd.edits().get(e));
                    }
                    manifest.add("near_duplicates", entry.ascii("]}"));
                    recordSpans(id, rendered);
                }
                case EXACT -> {
                    int k = r.nextInt(ringSize);
                    Doc.Rendered rendered = ringText[k];
                    int type = ringType[k];
                    writeRecord(id, sourceOf(type, !rendered.boilerplate().isEmpty()), Composer.DOC_TYPES[type],
                            rendered.text(), null, true);
                    entry.reset();
                    manifest.add("exact_duplicates", entry.key(id).str(ringId[k]));
                    recordSpans(id, rendered);
                }
                case FOREIGN -> {
                    String lang = Dirt.LANGS[r.nextInt(Dirt.LANGS.length)];
                    composer.bind(r, r.pick(catalog.training()));
                    int type = r.nextInt(Composer.DOC_TYPES.length);
                    writeRecord(id, Composer.SOURCES[type], Composer.DOC_TYPES[type], composer.foreign(lang).render().text(),
                            null, false);
                    entry.reset();
                    manifest.add("other_language", entry.key(id).str(lang));
                }
                case EMPTY -> {
                    String[] blanks = {"", "", "", " ", "\n", "  \n\t ", "\n\n\n"};
                    int type = r.nextInt(Composer.DOC_TYPES.length);
                    writeRecord(id, Composer.SOURCES[type], Composer.DOC_TYPES[type], r.pick(blanks), null, false);
                    entry.reset();
                    manifest.add("empty", entry.str(id));
                }
                case SPAM -> {
                    composer.bind(r, r.pick(catalog.training()));
                    String spamLine = Dirt.spamLine(r);
                    int repeats = r.between(40, 400);
                    int type = r.nextInt(Composer.DOC_TYPES.length);
                    writeRecord(id, "web/crawl", Composer.DOC_TYPES[type],
                            composer.spam(spamLine, repeats, type).render().text(), null, false);
                    entry.reset();
                    entry.ascii("{").key("id").str(id).ascii(",").key("line").str(spamLine).ascii(",").key("repeats").num(repeats);
                    manifest.add("spam", entry.ascii("}"));
                }
                case HUGE -> {
                    StringBuilder sb = new StringBuilder(HUGE_MIN_BYTES + 8192);
                    long utf8 = 0;
                    while (utf8 < HUGE_MIN_BYTES) {
                        composer.bind(r, r.pick(catalog.training()));
                        String section = composer.document(0).render().text();
                        if (sb.length() > 0) {
                            sb.append("\n\n");
                            utf8 += 2;
                        }
                        sb.append(section);
                        utf8 += ByteSink.utf8Length(section);
                    }
                    writeRecord(id, Composer.SOURCES[0], Composer.DOC_TYPES[0], sb.toString(), null, false);
                    entry.reset();
                    manifest.add("huge", entry.str(id));
                }
                default -> writeNormal(r, id, index, plan.boilerplate[j], plan.pii[j], plan.invalidUtf8[j]);
            }
        }

        private void writeNormal(Rng r, String id, long index, boolean boilerplate, boolean pii, boolean invalid)
                throws IOException {
            composer.bind(r, r.pick(catalog.training()));
            int type = r.nextInt(Composer.DOC_TYPES.length);
            Doc doc = composer.document(type);
            if (boilerplate) {
                composer.addBoilerplate(doc);
            }
            if (pii) {
                composer.addPii(doc);
            }
            Doc.Rendered rendered = doc.render();
            writeRecord(id, sourceOf(type, boilerplate), Composer.DOC_TYPES[type], rendered.text(), invalid ? r : null, !invalid);
            recordSpans(id, rendered);
            if (!invalid) {
                int k = ringNext;
                ringDoc[k] = doc;
                ringText[k] = rendered;
                ringId[k] = id;
                ringType[k] = type;
                ringNext = (ringNext + 1) % RING;
                ringSize = Math.min(RING, ringSize + 1);
            }
        }

        private void recordSpans(String id, Doc.Rendered rendered) throws IOException {
            if (!rendered.pii().isEmpty()) {
                piiDocs++;
            }
            for (Doc.PiiHit h : rendered.pii()) {
                entry.reset();
                entry.ascii("{").key("id").str(id).ascii(",").key("type").str(h.type()).ascii(",").key("start").num(h.start())
                        .ascii(",").key("end").num(h.end()).ascii(",").key("value").str(h.value()).ascii("}");
                manifest.add("pii", entry);
                piiSpans++;
            }
            if (!rendered.boilerplate().isEmpty()) {
                entry.reset();
                entry.ascii("{").key("id").str(id).ascii(",").key("blocks").ascii("[");
                boolean first = true;
                for (Doc.BoilerplateHit b : rendered.boilerplate()) {
                    entry.ascii(first ? "{" : ",{").key("start").num(b.start()).ascii(",").key("end").num(b.end())
                            .ascii(",").key("kind").str(b.kind()).ascii("}");
                    first = false;
                }
                manifest.add("boilerplate", entry.ascii("]}"));
            }
        }

        private String sourceOf(int type, boolean boilerplate) {
            return boilerplate ? "web/crawl" : Composer.SOURCES[type];
        }

        /** Writes one record; with {@code badUtf8} set, plants an invalid byte sequence inside the text. */
        private void writeRecord(String id, String source, String docType, String text, Rng badUtf8, boolean faithful)
                throws IOException {
            line.reset();
            line.ascii("{").key("id").str(id).ascii(",").key("source").str(source).ascii(",").key("doc_type").str(docType)
                    .ascii(",").key("text");
            int textStart = line.length() + 1;
            line.str(text);
            int textEnd = line.length() - 1;
            line.ascii("}\n");
            int badAt = -1;
            int badKind = -1;
            if (badUtf8 != null) {
                badAt = textStart + badUtf8.nextInt(Math.max(1, textEnd - textStart));
                while (badAt < textEnd && line.byteAt(badAt) != ' ') {
                    badAt++;
                }
                badAt = Math.min(badAt + 1, textEnd); // right after a space (or at the end of the text)
                badKind = badUtf8.nextInt(BAD_UTF8.length);
                line.insert(badAt, BAD_UTF8[badKind]);
            }
            ShardWriter.Stats st = shards.write(line);
            documents++;
            st.documents++;
            countLine();
            if (observer != null) {
                observer.text(id, text, faithful);
            }
            if (badUtf8 != null) {
                st.invalidUtf8++;
                entry.reset();
                entry.ascii("{").key("file").str(st.file).ascii(",").key("line").num(st.lines).ascii(",").key("id").str(id)
                        .ascii(",").key("byte_offset").num(badAt).ascii(",").key("bytes").str(hex(BAD_UTF8[badKind]))
                        .ascii(",").key("kind").str(BAD_UTF8_KIND[badKind]).ascii("}");
                manifest.add("invalid_utf8", entry);
            }
        }

        private void writeMalformed() throws IOException {
            long index = malformedIndex++;
            Rng r = Rng.of(cfg.seed(), 3, index);
            composer.bind(r, r.pick(catalog.training()));
            int type = r.nextInt(Composer.DOC_TYPES.length);
            List<Doc.Segment> segs = composer.document(type).segments;
            String text = new Doc(new ArrayList<>(segs.subList(0, Math.min(4, segs.size())))).render().text();
            String id = id("m", index);
            String kind = MALFORMED_KINDS[r.nextInt(MALFORMED_KINDS.length)];
            line.reset();
            switch (kind) {
                case "not_object" -> {
                    if (r.chance(0.5)) {
                        line.ascii("[").str(id).ascii(",").str(Composer.SOURCES[type]).ascii(",").str(text).ascii("]");
                    } else {
                        line.str(text);
                    }
                }
                case "unquoted_key" -> line.ascii("{id:").str(id).ascii(",source:").str(Composer.SOURCES[type])
                        .ascii(",doc_type:").str(Composer.DOC_TYPES[type]).ascii(",text:").str(text).ascii("}");
                default -> {
                    line.ascii("{").key("id").str(id).ascii(",").key("source").str(Composer.SOURCES[type]).ascii(",")
                            .key("doc_type").str(Composer.DOC_TYPES[type]).ascii(",").key("text");
                    int textStart = line.length() + 1;
                    line.str(text);
                    int textEnd = line.length() - 1;
                    line.ascii("}");
                    int at = textStart + r.nextInt(Math.max(1, textEnd - textStart));
                    while (at < textEnd && line.byteAt(at) != ' ') {
                        at++;
                    }
                    switch (kind) {
                        case "truncated" -> {
                            int cut = Math.max(textStart, at); // at a space: never inside a UTF-8 sequence or an escape
                            line.truncate(cut);
                        }
                        case "bad_escape" -> line.insert(at, r.pick(new String[] {"\\q", "\\x41", "\\u00G1", "\\'"})
                                .getBytes(StandardCharsets.US_ASCII));
                        default -> line.insert(at, new byte[] {'\t'});
                    }
                }
            }
            line.ascii("\n");
            ShardWriter.Stats st = shards.write(line);
            st.malformed++;
            countLine();
            if (observer != null) {
                observer.text(id, text, false);
                observer.text(id, new String(line.toByteArray(), StandardCharsets.UTF_8), false);
            }
            entry.reset();
            entry.ascii("{").key("file").str(st.file).ascii(",").key("line").num(st.lines).ascii(",").key("kind").str(kind)
                    .ascii("}");
            manifest.add("malformed_lines", entry);
        }

        private void countLine() {
            lines++;
            bytes += line.length();
            if (bytes >= nextProgress) {
                progress.progress(bytes, cfg.targetBytes(), documents);
                nextProgress = (bytes / (1 << 20) + 1) << 20;
            }
        }

        Map<String, Long> totals() {
            Map<String, Long> t = new LinkedHashMap<>();
            t.put("documents", documents);
            t.put("lines", lines);
            t.put("bytes", bytes);
            t.put("exact_duplicates", manifest.count("exact_duplicates"));
            t.put("near_duplicates", manifest.count("near_duplicates"));
            t.put("pii_documents", piiDocs);
            t.put("pii_spans", piiSpans);
            t.put("malformed_lines", manifest.count("malformed_lines"));
            t.put("invalid_utf8", manifest.count("invalid_utf8"));
            t.put("boilerplate", manifest.count("boilerplate"));
            t.put("other_language", manifest.count("other_language"));
            t.put("empty", manifest.count("empty"));
            t.put("huge", manifest.count("huge"));
            t.put("spam", manifest.count("spam"));
            return t;
        }

        ByteSink header() {
            ByteSink h = new ByteSink(4096);
            h.ascii("\n").key("format").str(MANIFEST_FORMAT);
            h.ascii(",\n").key("offsets").str("pii and boilerplate start/end are UTF-16 code-unit indices (Java String"
                    + " indices) into the decoded text field, end exclusive");
            h.ascii(",\n").key("similarity").str("jaccard = |A∩B|/|A∪B| of word 5-shingle sets; words are maximal runs of"
                    + " Unicode letters/digits, lower-cased");
            h.ascii(",\n").key("lines").str("file/line: shard file name and 1-based line number");
            h.ascii(",\n").key("seed").num(cfg.seed());
            h.ascii(",\n").key("config").ascii("{").key("seed").num(cfg.seed()).ascii(",").key("target_bytes").num(cfg.targetBytes())
                    .ascii(",").key("shard_bytes").num(cfg.shardBytes())
                    .ascii(",").key("near_duplicate_fraction").num(cfg.nearDuplicateFraction())
                    .ascii(",").key("exact_duplicate_fraction").num(cfg.exactDuplicateFraction())
                    .ascii(",").key("pii_fraction").num(cfg.piiFraction())
                    .ascii(",").key("other_language_fraction").num(cfg.otherLanguageFraction())
                    .ascii(",").key("boilerplate_fraction").num(cfg.boilerplateFraction())
                    .ascii(",").key("malformed_line_fraction").num(cfg.malformedLineFraction())
                    .ascii(",").key("invalid_utf8_fraction").num(cfg.invalidUtf8Fraction())
                    .ascii(",").key("empty_fraction").num(cfg.emptyFraction())
                    .ascii(",").key("spam_fraction").num(cfg.spamFraction())
                    .ascii(",").key("huge_fraction").num(cfg.hugeFraction())
                    .ascii(",").key("near_duplicate_min_jaccard").num(GeneratorConfig.NEAR_DUPLICATE_MIN_JACCARD)
                    .ascii(",").key("huge_min_bytes").num(HUGE_MIN_BYTES).ascii("}");
            h.ascii(",\n").key("files").ascii("[");
            boolean first = true;
            for (ShardWriter.Stats s : shards.stats()) {
                h.ascii(first ? "\n{" : ",\n{").key("file").str(s.file).ascii(",").key("lines").num(s.lines)
                        .ascii(",").key("documents").num(s.documents).ascii(",").key("bytes").num(s.bytes)
                        .ascii(",").key("malformed_lines").num(s.malformed).ascii(",").key("invalid_utf8_lines").num(s.invalidUtf8)
                        .ascii(",").key("sha256").str(s.sha256).ascii("}");
                first = false;
            }
            h.ascii("]");
            h.ascii(",\n").key("totals").ascii("{");
            first = true;
            for (Map.Entry<String, Long> e : totals().entrySet()) {
                h.ascii(first ? "" : ",").key(e.getKey()).num(e.getValue());
                first = false;
            }
            h.ascii("}");
            return h;
        }
    }

    /** The document classes and overlays of one block of documents. */
    private static final class Plan {
        final byte[] cls = new byte[BLOCK];
        final boolean[] boilerplate = new boolean[BLOCK];
        final boolean[] pii = new boolean[BLOCK];
        final boolean[] invalidUtf8 = new boolean[BLOCK];
        final int[] malformedAfter = new int[BLOCK];
    }

    static String id(String prefix, long index) {
        String n = Long.toString(index);
        return prefix + "00000000".substring(Math.min(8, n.length())) + n;
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(sb.length() == 0 ? "" : " ").append(String.format(java.util.Locale.ROOT, "%02x", x & 0xFF));
        }
        return sb.toString();
    }
}
