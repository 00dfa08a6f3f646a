package io.llmagentos.pipelines.spec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Typed access to the YAML nodes of one pipeline file: allowed and duplicate keys, required and optional scalars,
 * lists, whole numbers, numbers, booleans and durations, the flattening of nested {@code with:} mappings, 1-based
 * line numbers, and the {@link SpecException} that names the file, the line and the field.
 */
final class YamlNodes {
    private final String file;

    YamlNodes(String file) {
        this.file = file;
    }

    /** The file name used in messages. */
    String file() {
        return file;
    }

    void flatten(String prefix, MappingNode m, String field, Map<String, String> out, Map<String, Node> nodes)
            throws SpecException {
        for (NodeTuple t : m.getValue()) {
            String key = prefix + keyName(t, field);
            Node v = t.getValueNode();
            if (v instanceof MappingNode sub) {
                flatten(key + ".", sub, field, out, nodes);
            } else {
                if (out.containsKey(key)) {
                    throw err(t.getKeyNode(), field + "." + key, "given twice");
                }
                String value;
                if (v instanceof SequenceNode seq) {
                    List<String> items = new ArrayList<>();
                    for (Node item : seq.getValue()) {
                        items.add(scalarValue(item, field + "." + key));
                    }
                    value = String.join(",", items);
                } else {
                    value = isNull(v) ? "" : scalarValue(v, field + "." + key);
                }
                out.put(key, value);
                nodes.put(key, t.getKeyNode());
            }
        }
    }

    Map<String, NodeTuple> entries(MappingNode m, String field, Set<String> allowed) throws SpecException {
        Map<String, NodeTuple> out = new LinkedHashMap<>();
        for (NodeTuple t : m.getValue()) {
            String k = keyName(t, field);
            String f = field.isEmpty() ? k : field + "." + k;
            if (!allowed.contains(k)) {
                throw err(t.getKeyNode(), f, "unknown key; expected one of " + new java.util.TreeSet<>(allowed));
            }
            if (out.put(k, t) != null) {
                throw err(t.getKeyNode(), f, "given twice");
            }
        }
        return out;
    }

    String keyName(NodeTuple t, String field) throws SpecException {
        if (!(t.getKeyNode() instanceof ScalarNode s)) {
            throw err(t.getKeyNode(), field, "keys must be plain names");
        }
        return s.getValue();
    }

    String required(Map<String, NodeTuple> k, String key, Node parent, String field) throws SpecException {
        String f = field.isEmpty() ? key : field + "." + key;
        NodeTuple t = k.get(key);
        if (t == null || isNull(t.getValueNode())) {
            throw new SpecException(file, t == null ? line(parent) : line(t.getKeyNode()), f, "required");
        }
        String v = scalarValue(t.getValueNode(), f);
        if (v.isBlank()) {
            throw err(t.getValueNode(), f, "required (got an empty value)");
        }
        return v;
    }

    String optionalScalar(Map<String, NodeTuple> k, String key, String dflt) throws SpecException {
        NodeTuple t = k.get(key);
        return t == null || isNull(t.getValueNode()) ? dflt : scalarValue(t.getValueNode(), key);
    }

    String scalarValue(Node n, String field) throws SpecException {
        if (!(n instanceof ScalarNode s)) {
            throw err(n, field,
                    "expected a single value (got a " + (n instanceof SequenceNode ? "list" : "mapping") + ")");
        }
        return s.getValue();
    }

    List<Node> listNodes(Node n, String field) throws SpecException {
        if (n instanceof SequenceNode s) {
            return s.getValue();
        }
        if (n instanceof ScalarNode) {
            return List.of(n);
        }
        throw err(n, field, "expected a list");
    }

    long integer(NodeTuple t, String field, long dflt, long min) throws SpecException {
        if (t == null || isNull(t.getValueNode())) {
            return dflt;
        }
        String v = scalarValue(t.getValueNode(), field);
        long x;
        try {
            x = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw err(t.getValueNode(), field, "expected a whole number (got \"" + v + "\")");
        }
        if (x < min) {
            throw err(t.getValueNode(), field, "must be >= " + min + " (got " + x + ")");
        }
        return x;
    }

    double number(NodeTuple t, String field, double dflt) throws SpecException {
        if (t == null || isNull(t.getValueNode())) {
            return dflt;
        }
        String v = scalarValue(t.getValueNode(), field);
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw err(t.getValueNode(), field, "expected a number (got \"" + v + "\")");
        }
    }

    boolean bool(NodeTuple t, String field, boolean dflt) throws SpecException {
        if (t == null || isNull(t.getValueNode())) {
            return dflt;
        }
        String v = scalarValue(t.getValueNode(), field);
        if (v.equals("true") || v.equals("false")) {
            return Boolean.parseBoolean(v);
        }
        throw err(t.getValueNode(), field, "expected true or false (got \"" + v + "\")");
    }

    Duration duration(NodeTuple t, String field, Duration dflt) throws SpecException {
        if (t == null || isNull(t.getValueNode())) {
            return dflt;
        }
        try {
            return Durations.parse(scalarValue(t.getValueNode(), field));
        } catch (IllegalArgumentException e) {
            throw err(t.getValueNode(), field, e.getMessage());
        }
    }

    static boolean isNull(Node n) {
        return n instanceof ScalarNode s && n.getTag().getValue().endsWith(":null");
    }

    SpecException err(Node n, String field, String problem) {
        return new SpecException(file, n == null ? 0 : line(n), field, problem);
    }

    static int line(Node n) {
        return n.getStartMark().getLine() + 1;
    }
}
