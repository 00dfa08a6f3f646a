package io.llmagentos.dataprep.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmagentos.dataprep.PrepConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Reads one input file into {@link Schemas#INGEST} rows, one per record, lazily. A record that cannot
 * become a document (bad UTF-8, malformed JSON, not an object, missing or non-text field, bad CSV row,
 * blank line) is still a row, with the quarantine reason and a detail naming the byte or column, so the
 * job can account for every line of every file.
 */
public final class RecordReader {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private RecordReader() {
    }

    /** Rows of {@code uri}; {@code file} is the name reported in quarantine and lineage. */
    public static Iterator<Row> read(String uri, String file, PrepConfig.Format format, PrepConfig.Input cfg)
            throws IOException {
        return switch (format) {
            case JSONL -> new JsonlIterator(LineSource.open(uri), file, cfg);
            case CSV -> new CsvIterator(LineSource.open(uri), file, cfg);
            case TEXT -> List.of(readWholeText(uri, file, cfg)).iterator();
            default -> throw new IllegalArgumentException(format + " files are not read line by line");
        };
    }

    /** Counts records the way {@link #read} frames them, without parsing: the job's independent input count. */
    public static long countRecords(InputStream decompressed, PrepConfig.Format format, char csvSeparator)
            throws IOException {
        if (format == PrepConfig.Format.TEXT) {
            return 1;
        }
        byte[] b = new byte[1 << 16];
        long lines = 0;
        boolean pending = false;
        boolean inQuotes = false;
        int n;
        while (true) {
            try {
                n = decompressed.read(b);
            } catch (IOException e) {
                // Matches the reader: lines read so far, plus one "unreadable_rest" record.
                return (format == PrepConfig.Format.CSV ? Math.max(0, lines - 1) : lines) + 1;
            }
            if (n <= 0) {
                break;
            }
            for (int i = 0; i < n; i++) {
                byte c = b[i];
                if (format == PrepConfig.Format.CSV && c == '"') {
                    inQuotes = !inQuotes;
                }
                if (c == '\n') {
                    if (!inQuotes) {
                        lines++;
                    }
                    pending = false;
                } else {
                    pending = true;
                }
            }
        }
        if (pending) {
            lines++;
        }
        // The CSV header is not a record.
        return format == PrepConfig.Format.CSV ? Math.max(0, lines - 1) : lines;
    }

    /** Fields of one CSV record (RFC 4180 quoting). */
    public static List<String> csvFields(String record, char sep) {
        return CsvIterator.parse(record, sep);
    }

    static Row row(String file, long line, String docId, String source, String text, String reason, String detail) {
        return RowFactory.create(file + ":" + line, file, line, docId, source, text, reason, detail);
    }

    static Row quarantine(String file, long line, String reason, String detail) {
        return row(file, line, null, null, null, reason, detail);
    }

    /** Decoded text, or null with {@code err[0]} set to the offset of the first invalid byte. */
    static String decode(byte[] bytes, int len, boolean replace, long[] err) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder();
        CodingErrorAction a = replace ? CodingErrorAction.REPLACE : CodingErrorAction.REPORT;
        d.onMalformedInput(a).onUnmappableCharacter(a);
        ByteBuffer in = ByteBuffer.wrap(bytes, 0, len);
        CharBuffer out = CharBuffer.allocate(len + 16);
        CoderResult r = d.decode(in, out, true);
        if (r.isError()) {
            err[0] = in.position();
            return null;
        }
        d.flush(out);
        out.flip();
        return out.toString();
    }

    static String hexAt(byte[] bytes, int len, int offset) {
        StringBuilder b = new StringBuilder();
        for (int i = offset; i < Math.min(len, offset + 4); i++) {
            b.append(String.format("%02x", bytes[i] & 0xff));
            if (i + 1 < Math.min(len, offset + 4)) {
                b.append(' ');
            }
        }
        return b.toString();
    }

    private static Row readWholeText(String uri, String file, PrepConfig.Input cfg) throws IOException {
        byte[] all;
        try (InputStream in = LineSource.openDecompressed(uri)) {
            all = in.readAllBytes();
        } catch (IOException e) {
            return quarantine(file, 1, "unreadable_rest", "the file cannot be read: " + e.getMessage());
        }
        long[] err = new long[1];
        String text = decode(all, all.length, cfg.invalidUtf8() == PrepConfig.InvalidUtf8.REPLACE, err);
        if (text == null) {
            return quarantine(file, 1, "invalid_utf8", "invalid UTF-8 at byte " + err[0] + " ("
                    + hexAt(all, all.length, (int) err[0]) + ")");
        }
        return row(file, 1, file, file, text, null, null);
    }

    /** Shared lazy iteration over a {@link LineSource}. */
    private abstract static class LineIterator implements Iterator<Row> {
        final LineSource src;
        final String file;
        final PrepConfig.Input cfg;
        private Row next;
        private boolean done;

        LineIterator(LineSource src, String file, PrepConfig.Input cfg) {
            this.src = src;
            this.file = file;
            this.cfg = cfg;
        }

        /** The next row, or null at end of file. */
        abstract Row produce() throws IOException;

        @Override
        public boolean hasNext() {
            if (next == null && !done) {
                try {
                    next = produce();
                    if (next == null) {
                        done = true;
                        src.close();
                    }
                } catch (IOException e) {
                    // A truncated or corrupt file: keep what was read, account for the rest as one
                    // quarantined record (countRecords counts it the same way), and go on with other files.
                    done = true;
                    next = quarantine(file, src.lineNumber() + 1, "unreadable_rest",
                            "the file cannot be read past line " + src.lineNumber() + ": " + e.getMessage());
                    try {
                        src.close();
                    } catch (IOException ignored) {
                        // already failing; the quarantine row carries the cause
                    }
                }
            }
            return next != null;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Row r = next;
            next = null;
            return r;
        }

        /** Decodes the current line, or returns null after setting the quarantine row in {@code bad[0]}. */
        String decodeLine(Row[] bad) {
            long[] err = new long[1];
            String s = decode(src.bytes(), src.length(), cfg.invalidUtf8() == PrepConfig.InvalidUtf8.REPLACE, err);
            if (s == null) {
                bad[0] = quarantine(file, src.lineNumber(), "invalid_utf8", "invalid UTF-8 at byte " + err[0] + " ("
                        + hexAt(src.bytes(), src.length(), (int) err[0]) + ")");
            }
            return s;
        }
    }

    private static final class JsonlIterator extends LineIterator {
        JsonlIterator(LineSource src, String file, PrepConfig.Input cfg) {
            super(src, file, cfg);
        }

        @Override
        Row produce() throws IOException {
            if (!src.next()) {
                return null;
            }
            long line = src.lineNumber();
            Row[] bad = new Row[1];
            String s = decodeLine(bad);
            if (s == null) {
                return bad[0];
            }
            if (s.isBlank()) {
                return quarantine(file, line, "blank_line", "empty line in a JSONL file");
            }
            JsonNode n;
            try {
                n = JSON.readTree(s);
            } catch (JsonProcessingException e) {
                String msg = e.getOriginalMessage();
                long col = e.getLocation() == null ? -1 : e.getLocation().getColumnNr();
                return quarantine(file, line, "malformed_json", (col > 0 ? "column " + col + ": " : "")
                        + (msg.length() > 300 ? msg.substring(0, 300) : msg));
            }
            if (n == null || !n.isObject()) {
                return quarantine(file, line, "not_object", "expected a JSON object, got "
                        + (n == null ? "nothing" : n.getNodeType().name().toLowerCase()));
            }
            JsonNode text = n.get(cfg.textField());
            if (text == null || text.isNull()) {
                return quarantine(file, line, "missing_field", "no \"" + cfg.textField() + "\" field");
            }
            if (!text.isTextual()) {
                return quarantine(file, line, "wrong_type", "\"" + cfg.textField() + "\" is a "
                        + text.getNodeType().name().toLowerCase() + ", expected a string");
            }
            String id = field(n, cfg.idField());
            String source = field(n, cfg.sourceField());
            return row(file, line, id == null ? file + ":" + line : id, source == null ? file : source,
                    text.textValue(), null, null);
        }

        private static String field(JsonNode n, String name) {
            if (name == null || name.isEmpty()) {
                return null;
            }
            JsonNode v = n.get(name);
            return v == null || v.isNull() || v.isContainerNode() ? null : v.asText();
        }
    }

    private static final class CsvIterator extends LineIterator {
        private List<String> header;
        private int textCol;
        private int idCol;
        private int sourceCol;

        CsvIterator(LineSource src, String file, PrepConfig.Input cfg) {
            super(src, file, cfg);
        }

        @Override
        Row produce() throws IOException {
            if (header == null) {
                if (!src.next()) {
                    return null;
                }
                Row[] bad = new Row[1];
                String h = decodeLine(bad);
                header = h == null ? List.of() : parse(h, cfg.csvSeparator().charAt(0));
                textCol = header.indexOf(cfg.textField());
                idCol = header.indexOf(cfg.idField());
                sourceCol = header.indexOf(cfg.sourceField());
                if (h == null) {
                    return bad[0];
                }
                if (textCol < 0) {
                    throw new IOException(file + ":1: CSV header has no column \"" + cfg.textField()
                            + "\" (columns: " + header + "); set input.textField");
                }
            }
            if (!src.next()) {
                return null;
            }
            long start = src.lineNumber();
            Row[] bad = new Row[1];
            String s = decodeLine(bad);
            if (s == null) {
                return bad[0];
            }
            StringBuilder rec = new StringBuilder(s);
            while (quotesOpen(rec)) {
                if (!src.next()) {
                    return quarantine(file, start, "csv_unterminated_quote", "quoted field never closed");
                }
                String more = decodeLine(bad);
                if (more == null) {
                    return bad[0];
                }
                rec.append('\n').append(more);
            }
            if (rec.toString().isBlank()) {
                return quarantine(file, start, "blank_line", "empty line in a CSV file");
            }
            List<String> f = parse(rec.toString(), cfg.csvSeparator().charAt(0));
            if (f.size() != header.size()) {
                return quarantine(file, start, "csv_field_count", f.size() + " fields, header has " + header.size());
            }
            String id = idCol >= 0 && !f.get(idCol).isEmpty() ? f.get(idCol) : file + ":" + start;
            String source = sourceCol >= 0 && !f.get(sourceCol).isEmpty() ? f.get(sourceCol) : file;
            return row(file, start, id, source, f.get(textCol), null, null);
        }

        private static boolean quotesOpen(CharSequence s) {
            boolean open = false;
            for (int i = 0; i < s.length(); i++) {
                if (s.charAt(i) == '"') {
                    open = !open;
                }
            }
            return open;
        }

        /** RFC 4180 fields: quoted fields may hold separators, newlines and doubled quotes. */
        static List<String> parse(String rec, char sep) {
            List<String> out = new ArrayList<>();
            StringBuilder cur = new StringBuilder();
            boolean quoted = false;
            for (int i = 0; i < rec.length(); i++) {
                char c = rec.charAt(i);
                if (quoted) {
                    if (c == '"') {
                        if (i + 1 < rec.length() && rec.charAt(i + 1) == '"') {
                            cur.append('"');
                            i++;
                        } else {
                            quoted = false;
                        }
                    } else {
                        cur.append(c);
                    }
                } else if (c == '"') {
                    quoted = true;
                } else if (c == sep) {
                    out.add(cur.toString());
                    cur.setLength(0);
                } else {
                    cur.append(c);
                }
            }
            out.add(cur.toString());
            return out;
        }
    }
}
