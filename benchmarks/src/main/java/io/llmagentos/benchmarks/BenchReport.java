package io.llmagentos.benchmarks;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.json.JsonFields;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The shared output of every benchmark harness: a table printed to stdout and a JSON file that
 * docs/benchmarks.md quotes. Each row is one measured system (ours, a peer, or a physical limit such
 * as a plain file read) with named numeric columns.
 *
 * <pre>{@code
 * BenchReport r = new BenchReport("tokenizer-encode", "Byte-level BPE encode, one thread");
 * r.param("text_mb", 10);
 * r.row("agentos").put("mb_per_s", 12.3).put("tokens_per_s", 3.1e6);
 * r.row("hf-tokenizers (Rust)").put("mb_per_s", 20.0);
 * r.printAndWrite(Path.of("benchmarks/results"));
 * }</pre>
 */
public final class BenchReport {
    private final String name;
    private final String title;
    private final Map<String, Object> params = new LinkedHashMap<>();
    private final List<Row> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    public BenchReport(String name, String title) {
        this.name = name;
        this.title = title;
    }

    public BenchReport param(String key, Object value) {
        params.put(key, value);
        return this;
    }

    public BenchReport note(String note) {
        notes.add(note);
        return this;
    }

    public Row row(String system) {
        Row r = new Row(system);
        rows.add(r);
        return r;
    }

    /** One measured system and its numbers, in insertion order. */
    public static final class Row {
        private final String system;
        private final Map<String, Double> values = new LinkedHashMap<>();

        private Row(String system) {
            this.system = system;
        }

        public Row put(String column, double value) {
            values.put(column, value);
            return this;
        }

        public Double get(String column) {
            return values.get(column);
        }

        public String system() {
            return system;
        }
    }

    /** The table as text: one line per row, columns aligned. */
    public String table() {
        List<String> cols = new ArrayList<>();
        for (Row r : rows) {
            for (String c : r.values.keySet()) {
                if (!cols.contains(c)) {
                    cols.add(c);
                }
            }
        }
        int w0 = "system".length();
        for (Row r : rows) {
            w0 = Math.max(w0, r.system.length());
        }
        StringBuilder sb = new StringBuilder();
        sb.append("== ").append(title).append(" (").append(name).append(")\n");
        params.forEach((k, v) -> sb.append("   ").append(k).append(" = ").append(v).append('\n'));
        sb.append(String.format(Locale.ROOT, "%-" + w0 + "s", "system"));
        for (String c : cols) {
            sb.append(String.format(Locale.ROOT, "  %14s", c));
        }
        sb.append('\n');
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "%-" + w0 + "s", r.system));
            for (String c : cols) {
                Double v = r.values.get(c);
                sb.append(String.format(Locale.ROOT, "  %14s", v == null ? "-" : format(v)));
            }
            sb.append('\n');
        }
        notes.forEach(n -> sb.append("   note: ").append(n).append('\n'));
        return sb.toString();
    }

    private static String format(double v) {
        double a = Math.abs(v);
        if (a != 0 && (a >= 1e7 || a < 1e-3)) {
            return String.format(Locale.ROOT, "%.3e", v);
        }
        return String.format(Locale.ROOT, a >= 100 ? "%.1f" : "%.3f", v);
    }

    /** Prints the table and writes {@code <dir>/<name>.json}; returns the JSON path. */
    public Path printAndWrite(Path dir) throws IOException {
        System.out.print(table());
        Files.createDirectories(dir);
        ObjectNode root = JsonFields.MAPPER.createObjectNode();
        root.put("benchmark", name);
        root.put("title", title);
        root.put("timestamp", Instant.now().toString());
        root.set("machine", JsonFields.MAPPER.valueToTree(MachineInfo.describe()));
        root.set("params", JsonFields.MAPPER.valueToTree(params));
        ArrayNode arr = root.putArray("results");
        for (Row r : rows) {
            ObjectNode o = arr.addObject();
            o.put("system", r.system);
            r.values.forEach(o::put);
        }
        ArrayNode n = root.putArray("notes");
        notes.forEach(n::add);
        Path out = dir.resolve(name + ".json");
        JsonFields.MAPPER.writeValue(out.toFile(), root);
        System.out.println("   results written to " + out.toAbsolutePath());
        return out;
    }
}
