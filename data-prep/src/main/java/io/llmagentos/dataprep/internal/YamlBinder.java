package io.llmagentos.dataprep.internal;

import io.llmagentos.dataprep.Option;
import io.llmagentos.dataprep.PrepConfigException;
import java.io.StringReader;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Binds YAML onto config records by their component names, starting from each record's static
 * {@code defaults()}, so a file names only what it changes. Works on SnakeYAML's node tree (not on
 * plain maps) to keep line numbers for every error: syntax, unknown key, wrong type, rejected value.
 */
public final class YamlBinder {
    private YamlBinder() {
    }

    public static <T extends Record> T bind(String file, String yaml, Class<T> type) throws PrepConfigException {
        Node root;
        try {
            LoaderOptions opts = new LoaderOptions();
            opts.setAllowDuplicateKeys(false);
            root = new Yaml(opts).compose(new StringReader(yaml));
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            throw new PrepConfigException(file, line, "", "not valid YAML: " + e.getProblem());
        } catch (YAMLException e) {
            throw new PrepConfigException(file, 0, "", "not valid YAML: " + e.getMessage());
        }
        T base = defaults(type);
        if (root == null) {
            return base;
        }
        return bindRecord(file, root, type, base, "");
    }

    private static <T> T defaults(Class<T> type) {
        try {
            Method m = type.getMethod("defaults");
            return type.cast(m.invoke(null));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(type.getName() + " needs a public static defaults()", e);
        }
    }

    private static <T> T bindRecord(String file, Node node, Class<T> type, T base, String path)
            throws PrepConfigException {
        if (!(node instanceof MappingNode map)) {
            throw new PrepConfigException(file, line(node), path, "expected a section of key: value settings (got "
                    + describe(node) + ")");
        }
        RecordComponent[] comps = type.getRecordComponents();
        Object[] values = new Object[comps.length];
        for (int i = 0; i < comps.length; i++) {
            values[i] = get(comps[i], base);
        }
        for (NodeTuple t : map.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode keyNode)) {
                throw new PrepConfigException(file, line(t.getKeyNode()), path, "keys must be plain names");
            }
            String key = keyNode.getValue();
            int idx = indexOf(comps, key);
            String field = path.isEmpty() ? key : path + "." + key;
            if (idx < 0) {
                List<String> known = new ArrayList<>();
                for (RecordComponent c : comps) {
                    known.add(c.getName());
                }
                throw new PrepConfigException(file, line(keyNode), field, "unknown setting (known here: "
                        + String.join(", ", known) + ")");
            }
            RecordComponent c = comps[idx];
            values[idx] = convert(file, t.getValueNode(), c.getType(), c.getGenericType(), values[idx],
                    path.isEmpty() ? c.getName() : path + "." + c.getName());
        }
        try {
            Class<?>[] types = new Class<?>[comps.length];
            for (int i = 0; i < comps.length; i++) {
                types[i] = comps[i].getType();
            }
            Constructor<T> ctor = type.getDeclaredConstructor(types);
            return ctor.newInstance(values);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IllegalArgumentException) {
                throw new PrepConfigException(file, line(node), path, cause.getMessage());
            }
            throw new IllegalStateException(cause);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int indexOf(RecordComponent[] comps, String key) {
        String norm = key.replace("_", "").replace("-", "").toLowerCase(Locale.ROOT);
        for (int i = 0; i < comps.length; i++) {
            if (comps[i].getName().toLowerCase(Locale.ROOT).equals(norm)) {
                return i;
            }
        }
        return -1;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object convert(String file, Node node, Class<?> type, Type generic, Object base, String field)
            throws PrepConfigException {
        if (type.isRecord()) {
            return bindRecord(file, node, (Class) type, base, field);
        }
        if (type == List.class) {
            if (!(node instanceof SequenceNode seq)) {
                throw new PrepConfigException(file, line(node), field, "expected a list (got " + describe(node) + ")");
            }
            Type elem = ((ParameterizedType) generic).getActualTypeArguments()[0];
            List<Object> out = new ArrayList<>();
            for (Node n : seq.getValue()) {
                out.add(convert(file, n, (Class<?>) elem, elem, null, field));
            }
            return out;
        }
        if (!(node instanceof ScalarNode scalar)) {
            throw new PrepConfigException(file, line(node), field, "expected a single value (got " + describe(node) + ")");
        }
        String v = scalar.getValue().trim();
        try {
            if (type == String.class) {
                return scalar.getValue();
            }
            if (type == int.class || type == Integer.class) {
                return Integer.parseInt(v.replace("_", ""));
            }
            if (type == long.class || type == Long.class) {
                return Long.parseLong(v.replace("_", ""));
            }
            if (type == double.class || type == Double.class) {
                return Double.parseDouble(v.replace("_", ""));
            }
            if (type == boolean.class || type == Boolean.class) {
                return switch (v.toLowerCase(Locale.ROOT)) {
                    case "true", "yes", "on" -> true;
                    case "false", "no", "off" -> false;
                    default -> throw new NumberFormatException();
                };
            }
            if (type.isEnum()) {
                for (Object c : type.getEnumConstants()) {
                    if (((Enum<?>) c).name().equalsIgnoreCase(v.replace("-", "_"))) {
                        return c;
                    }
                }
                List<String> names = new ArrayList<>();
                for (Object c : type.getEnumConstants()) {
                    names.add(((Enum<?>) c).name().toLowerCase(Locale.ROOT));
                }
                throw new PrepConfigException(file, line(node), field, "expected one of " + String.join(", ", names)
                        + " (got \"" + v + "\")");
            }
        } catch (NumberFormatException e) {
            throw new PrepConfigException(file, line(node), field, "expected " + kind(type) + " (got \"" + v + "\")");
        }
        throw new IllegalStateException("no YAML conversion for " + type);
    }

    private static String kind(Class<?> type) {
        if (type == int.class || type == long.class || type == Integer.class || type == Long.class) {
            return "an integer";
        }
        if (type == double.class || type == Double.class) {
            return "a number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        return type.getSimpleName();
    }

    private static String describe(Node node) {
        if (node instanceof MappingNode) {
            return "a section";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        return "\"" + ((ScalarNode) node).getValue() + "\"";
    }

    private static int line(Node node) {
        return node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
    }

    private static Object get(RecordComponent c, Object rec) {
        try {
            return c.getAccessor().invoke(rec);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The record as YAML (nested maps in component order; enums in lower case). */
    public static String toYaml(Record rec) {
        DumperOptions o = new DumperOptions();
        o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        o.setIndent(2);
        return new Yaml(o).dump(toMap(rec));
    }

    /** The record as nested maps (for JSON reports). */
    public static Map<String, Object> toMap(Record rec) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (RecordComponent c : rec.getClass().getRecordComponents()) {
            Object v = get(c, rec);
            if (v instanceof Record r) {
                v = toMap(r);
            } else if (v instanceof Enum<?> e) {
                v = e.name().toLowerCase(Locale.ROOT);
            } else if (v instanceof List<?> l) {
                v = new ArrayList<>(l);
            }
            m.put(c.getName(), v);
        }
        return m;
    }

    /** Dotted path → description of every leaf setting. */
    public static Map<String, String> describe(Class<? extends Record> type) {
        Map<String, String> out = new LinkedHashMap<>();
        describe(type, "", out);
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void describe(Class<? extends Record> type, String prefix, Map<String, String> out) {
        for (RecordComponent c : type.getRecordComponents()) {
            String path = prefix + c.getName();
            if (c.getType().isRecord()) {
                describe((Class<? extends Record>) c.getType(), path + ".", out);
            } else {
                Option o = c.getAnnotation(Option.class);
                if (o == null) {
                    throw new IllegalStateException(path + " has no @Option description");
                }
                out.put(path, o.description());
            }
        }
    }
}
