package io.llmagentos.evaluation;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Quality gates: a YAML file with a list {@code gates:}, each entry a check string or a mapping
 * {@code {name, check}}. A check compares two products of numbers and {@code alias.metric} references:
 * {@code student.task_acc >= 0.97 * teacher.task_acc} (relative), {@code int8.perplexity <= 1.02 * fp32.perplexity},
 * {@code int8.bytes <= 0.27 * fp32.bytes}, {@code student.perplexity < 40} (absolute). Operators: {@code >=, <=, >,
 * <, ==, !=}. Aliases are the names given with {@code --model alias=DIR}; metrics are {@link Metrics#ALL}. Every
 * error names the file, the line and the entry.
 *
 * @param source the file
 * @param gates  the gates in file order
 */
public record QualityGates(String source, List<Gate> gates) {
    private static final Pattern TOKEN = Pattern.compile(
            "\\s*(?:(?<num>[0-9]+(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)|(?<ref>[A-Za-z_][A-Za-z0-9_-]*\\.[A-Za-z_][A-Za-z0-9_]*)"
                    + "|(?<op>>=|<=|==|!=|>|<)|(?<mul>\\*))");

    /** One factor of a product: a constant or {@code alias.metric}. */
    public record Factor(double constant, String alias, String metric) {
        boolean isRef() {
            return alias != null;
        }

        @Override
        public String toString() {
            return isRef() ? alias + "." + metric : fmt(constant);
        }
    }

    /**
     * One gate.
     *
     * @param line  its line in the file
     * @param field where it is ({@code gates[2].check})
     * @param name  its name (the check when unnamed)
     * @param check the check as written
     * @param left  the left product
     * @param op    the comparison
     * @param right the right product
     */
    public record Gate(int line, String field, String name, String check, List<Factor> left, String op,
                       List<Factor> right) {
        /** Every alias it refers to. */
        public List<String> aliases() {
            List<String> a = new ArrayList<>();
            for (Factor f : left) {
                if (f.isRef()) {
                    a.add(f.alias());
                }
            }
            for (Factor f : right) {
                if (f.isRef()) {
                    a.add(f.alias());
                }
            }
            return a;
        }
    }

    /**
     * A gate's outcome.
     *
     * @param gate   the gate
     * @param left   the left side's value
     * @param right  the right side's value
     * @param passed whether the check holds (false when a value is not a number)
     * @param note   why it failed beyond the numbers (a metric that was not measured), or empty
     */
    public record Outcome(Gate gate, double left, double right, boolean passed, String note) {
    }

    /** Reads and checks a gate file. */
    public static QualityGates load(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new EvalFormatException(file + ": file not found; pass a gate YAML file such as configs/gates/demo.yaml");
        }
        return parse(file.toString(), text);
    }

    /** Parses gate YAML held in memory ({@code source} names it in errors). */
    public static QualityGates parse(String source, String text) throws EvalFormatException {
        Node root;
        try (Reader r = new java.io.StringReader(text)) {
            root = new Yaml(new LoaderOptions()).compose(r);
        } catch (MarkedYAMLException e) {
            throw new EvalFormatException(source + ":" + (e.getProblemMark().getLine() + 1) + ": not valid YAML ("
                    + e.getProblem() + ")");
        } catch (IOException | RuntimeException e) {
            throw new EvalFormatException(source + ": not valid YAML (" + e.getMessage() + ")");
        }
        if (!(root instanceof MappingNode m)) {
            throw new EvalFormatException(source + ":" + line(root) + ": expected a mapping with a list 'gates:'");
        }
        SequenceNode list = null;
        for (NodeTuple t : m.getValue()) {
            String key = scalar(t.getKeyNode());
            if (!"gates".equals(key)) {
                throw new EvalFormatException(source + ":" + line(t.getKeyNode()) + ": " + key + ": unknown key; the "
                        + "file holds one key, gates:");
            }
            if (!(t.getValueNode() instanceof SequenceNode s)) {
                throw new EvalFormatException(source + ":" + line(t.getValueNode()) + ": gates: expected a list of "
                        + "checks");
            }
            list = s;
        }
        if (list == null || list.getValue().isEmpty()) {
            throw new EvalFormatException(source + ":" + line(root) + ": gates: missing or empty; list at least one "
                    + "check such as 'int8.perplexity <= 1.02 * fp32.perplexity'");
        }
        List<Gate> gates = new ArrayList<>();
        for (int i = 0; i < list.getValue().size(); i++) {
            Node n = list.getValue().get(i);
            String field = "gates[" + i + "]";
            String name = null;
            String check = null;
            Node checkNode = n;
            if (n instanceof ScalarNode) {
                check = scalar(n);
            } else if (n instanceof MappingNode e) {
                for (NodeTuple t : e.getValue()) {
                    String key = scalar(t.getKeyNode());
                    if (!(t.getValueNode() instanceof ScalarNode)) {
                        throw new EvalFormatException(source + ":" + line(t.getValueNode()) + ": " + field + "." + key
                                + ": expected a string");
                    }
                    switch (String.valueOf(key)) {
                        case "name" -> name = scalar(t.getValueNode());
                        case "check" -> {
                            check = scalar(t.getValueNode());
                            checkNode = t.getValueNode();
                        }
                        default -> throw new EvalFormatException(source + ":" + line(t.getKeyNode()) + ": " + field
                                + "." + key + ": unknown key; a gate has name and check");
                    }
                }
                field += ".check";
            } else {
                throw new EvalFormatException(source + ":" + line(n) + ": " + field + ": expected a check string or "
                        + "{name, check}");
            }
            if (check == null || check.isBlank()) {
                throw new EvalFormatException(source + ":" + line(n) + ": " + field + ": missing check, e.g. "
                        + "'int8.perplexity <= 1.02 * fp32.perplexity'");
            }
            gates.add(parseCheck(source + ":" + line(checkNode) + ": " + field + ": ", line(checkNode), field,
                    name == null ? check.strip() : name, check.strip()));
        }
        return new QualityGates(source, gates);
    }

    private static Gate parseCheck(String at, int line, String field, String name, String check)
            throws EvalFormatException {
        List<Factor> left = new ArrayList<>();
        List<Factor> right = new ArrayList<>();
        String op = null;
        List<Factor> side = left;
        boolean expectFactor = true;
        Matcher m = TOKEN.matcher(check);
        int pos = 0;
        while (pos < check.length()) {
            if (check.substring(pos).isBlank()) {
                break;
            }
            m.region(pos, check.length());
            if (!m.lookingAt()) {
                throw new EvalFormatException(at + "cannot read '" + check.substring(pos).strip() + "' in '" + check
                        + "'; a check is like 'int8.perplexity <= 1.02 * fp32.perplexity'");
            }
            pos = m.end();
            if (m.group("num") != null || m.group("ref") != null) {
                if (!expectFactor) {
                    throw new EvalFormatException(at + "expected '*' or a comparison before '" + m.group().strip()
                            + "' in '" + check + "'");
                }
                if (m.group("num") != null) {
                    side.add(new Factor(Double.parseDouble(m.group("num")), null, null));
                } else {
                    String[] ref = m.group("ref").split("\\.", 2);
                    if (!Metrics.ALL.containsKey(ref[1])) {
                        throw new EvalFormatException(at + "unknown metric '" + ref[1] + "' in '" + check
                                + "'; metrics: " + String.join(", ", Metrics.ALL.keySet()));
                    }
                    side.add(new Factor(Double.NaN, ref[0], ref[1]));
                }
                expectFactor = false;
            } else if (m.group("mul") != null) {
                if (expectFactor) {
                    throw new EvalFormatException(at + "'*' needs a number or alias.metric on both sides in '" + check
                            + "'");
                }
                expectFactor = true;
            } else {
                if (op != null) {
                    throw new EvalFormatException(at + "more than one comparison in '" + check + "'");
                }
                if (expectFactor) {
                    throw new EvalFormatException(at + "nothing before '" + m.group("op") + "' in '" + check + "'");
                }
                op = m.group("op");
                side = right;
                expectFactor = true;
            }
        }
        if (op == null) {
            throw new EvalFormatException(at + "no comparison (>=, <=, >, <, ==, !=) in '" + check + "'");
        }
        if (expectFactor) {
            throw new EvalFormatException(at + "the check ends without a value after '" + op + "' or '*' in '" + check
                    + "'");
        }
        if (left.stream().noneMatch(Factor::isRef) && right.stream().noneMatch(Factor::isRef)) {
            throw new EvalFormatException(at + "'" + check + "' names no model metric (alias.metric)");
        }
        return new Gate(line, field, name, check, List.copyOf(left), op, List.copyOf(right));
    }

    /** Fails, naming the gate's line, when a gate refers to an alias that is not among {@code aliases}. */
    public void requireAliases(Set<String> aliases) throws EvalFormatException {
        for (Gate g : gates) {
            for (String a : g.aliases()) {
                if (!aliases.contains(a)) {
                    throw new EvalFormatException(source + ":" + g.line() + ": " + g.field() + ": no model '" + a
                            + "' in this evaluation (models: " + String.join(", ", aliases) + "); name models with "
                            + "--model " + a + "=DIR");
                }
            }
        }
    }

    /**
     * Checks every gate against the models by alias; a gate naming an alias that is not among {@code models} is an
     * error naming the gate's line.
     */
    public List<Outcome> check(Map<String, ModelReport> models) throws EvalFormatException {
        requireAliases(models.keySet());
        List<Outcome> out = new ArrayList<>();
        for (Gate g : gates) {
            Set<String> unmeasured = new java.util.TreeSet<>();
            double l = value(g.left(), models, unmeasured);
            double r = value(g.right(), models, unmeasured);
            boolean ok = unmeasured.isEmpty() && switch (g.op()) {
                case ">=" -> l >= r;
                case "<=" -> l <= r;
                case ">" -> l > r;
                case "<" -> l < r;
                case "==" -> l == r;
                case "!=" -> l != r;
                default -> throw new IllegalStateException(g.op());
            };
            out.add(new Outcome(g, l, r, ok, unmeasured.isEmpty() ? "" : "not measured: " + String.join(", ", unmeasured)));
        }
        return out;
    }

    private static double value(List<Factor> product, Map<String, ModelReport> models, Set<String> unmeasured) {
        double v = 1;
        for (Factor f : product) {
            if (f.isRef()) {
                double x = models.get(f.alias()).metric(f.metric());
                if (Double.isNaN(x)) {
                    unmeasured.add(f.toString());
                }
                v *= x;
            } else {
                v *= f.constant();
            }
        }
        return v;
    }

    /** The outcomes as a text table: status, gate, left value, comparison, right value. */
    public static String table(List<Outcome> outcomes) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"status", "gate", "left", "op", "right", "check"});
        for (Outcome o : outcomes) {
            String check = o.gate().name().equals(o.gate().check()) ? "" : o.gate().check();
            if (!o.note().isEmpty()) {
                check = (check + " (" + o.note() + ")").strip();
            }
            rows.add(new String[] {o.passed() ? "PASS" : "FAIL", o.gate().name(), fmt(o.left()), o.gate().op(),
                fmt(o.right()), check});
        }
        return format(rows);
    }

    /** Rows of six columns (the first is the header) as {@link #table} lays them out. */
    static String format(List<String[]> rows) {
        int[] w = new int[6];
        for (String[] r : rows) {
            for (int i = 0; i < 6; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            sb.append(String.format(Locale.ROOT, "%-" + w[0] + "s  %-" + w[1] + "s  %" + w[2] + "s %-" + w[3] + "s %"
                    + w[4] + "s  %s", r[0], r[1], r[2], r[3], r[4], r[5]).stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.format(Locale.ROOT, "%d", (long) v);
        }
        return new java.math.BigDecimal(String.format(Locale.ROOT, "%.6g", v)).stripTrailingZeros().toPlainString();
    }

    private static String scalar(Node n) {
        return n instanceof ScalarNode s ? s.getValue() : null;
    }

    private static int line(Node n) {
        return n == null ? 1 : n.getStartMark().getLine() + 1;
    }
}
