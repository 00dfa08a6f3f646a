package io.llmagentos.training;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A YAML config file read as nested mappings that remember the line of every value, so that every error
 * reads {@code train.yaml:12: training.lr: expected a number > 0 (got "fast")}. Keys that were never read
 * are reported by {@link #unknownKeys()}, catching typos. Every stage config in YAML (training's
 * {@code train.yaml}, distillation's {@code distill.yaml} and {@code student.yaml}) reads through it.
 */
public final class YamlDoc {
    private final String file;
    private final Map<String, Node> values = new LinkedHashMap<>();
    private final Map<String, Boolean> read = new LinkedHashMap<>();

    private YamlDoc(String file) {
        this.file = file;
    }

    public static YamlDoc load(Path path) throws IOException {
        YamlDoc d = new YamlDoc(path.toString());
        Node root;
        try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            root = new Yaml(new LoaderOptions()).compose(r);
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            throw new ConfigException(path + ":" + line + ": not valid YAML: " + e.getProblem());
        }
        if (root == null) {
            return d;
        }
        if (!(root instanceof MappingNode m)) {
            throw new ConfigException(path + ":" + line(root) + ": expected a mapping of settings at the top level");
        }
        d.flatten("", m);
        return d;
    }

    private void flatten(String prefix, MappingNode m) throws ConfigException {
        for (NodeTuple t : m.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode k)) {
                throw new ConfigException(file + ":" + line(t.getKeyNode()) + ": keys must be plain names");
            }
            String key = prefix.isEmpty() ? k.getValue() : prefix + "." + k.getValue();
            if (t.getValueNode() instanceof MappingNode sub && !sub.getValue().isEmpty() && !key.equals("model.config")) {
                flatten(key, sub);
            } else {
                values.put(key, t.getValueNode());
                read.put(key, false);
            }
        }
    }

    private static int line(Node n) {
        return n.getStartMark().getLine() + 1;
    }

    public String file() {
        return file;
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    /** An error about {@code key}, positioned at its line when the file has it. */
    public ConfigException error(String key, String problem) {
        Node n = values.get(key);
        return new ConfigException(file + (n == null ? "" : ":" + line(n)) + ": " + key + ": " + problem);
    }

    private ScalarNode scalar(String key) throws ConfigException {
        Node n = values.get(key);
        read.put(key, true);
        if (!(n instanceof ScalarNode s)) {
            throw error(key, "expected a single value (got a " + (n instanceof SequenceNode ? "list" : "mapping") + ")");
        }
        return s;
    }

    public String string(String key, String dflt) throws ConfigException {
        if (!has(key)) {
            return dflt;
        }
        String v = scalar(key).getValue();
        return v.isEmpty() || v.equals("null") || v.equals("~") ? dflt : v;
    }

    public double number(String key, double dflt) throws ConfigException {
        if (!has(key)) {
            return dflt;
        }
        String v = scalar(key).getValue();
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw error(key, "expected a number (got \"" + v + "\")");
        }
    }

    public long integer(String key, long dflt) throws ConfigException {
        if (!has(key)) {
            return dflt;
        }
        String v = scalar(key).getValue().replace("_", "");
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw error(key, "expected a whole number (got \"" + v + "\")");
        }
    }

    public boolean bool(String key, boolean dflt) throws ConfigException {
        if (!has(key)) {
            return dflt;
        }
        String v = scalar(key).getValue();
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("yes")) {
            return true;
        }
        if (v.equalsIgnoreCase("false") || v.equalsIgnoreCase("no")) {
            return false;
        }
        throw error(key, "expected true or false (got \"" + v + "\")");
    }

    public List<String> list(String key, List<String> dflt) throws ConfigException {
        if (!has(key)) {
            return dflt;
        }
        Node n = values.get(key);
        read.put(key, true);
        if (n instanceof ScalarNode s) {
            List<String> out = new ArrayList<>();
            for (String part : s.getValue().split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim());
                }
            }
            return out;
        }
        if (!(n instanceof SequenceNode seq)) {
            throw error(key, "expected a list");
        }
        List<String> out = new ArrayList<>();
        for (Node item : seq.getValue()) {
            if (!(item instanceof ScalarNode s)) {
                throw error(key, "expected a list of plain values");
            }
            out.add(s.getValue());
        }
        return out;
    }

    /** A nested mapping of plain values (e.g. an inline {@code config.json}), as strings. */
    public Map<String, String> mapping(String key) throws ConfigException {
        Node n = values.get(key);
        read.put(key, true);
        if (!(n instanceof MappingNode m)) {
            throw error(key, "expected a mapping");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (NodeTuple t : m.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode k) || !(t.getValueNode() instanceof ScalarNode v)) {
                throw error(key, "expected name: value pairs");
            }
            out.put(k.getValue(), v.getValue());
        }
        return out;
    }

    /** Keys present in the file that no reader asked for (likely typos), in file order. */
    public List<String> unknownKeys() {
        List<String> out = new ArrayList<>();
        read.forEach((k, r) -> {
            if (!r) {
                out.add(k);
            }
        });
        return out;
    }
}
