package io.llmagentos.pipelines.spec;

import com.cronutils.model.Cron;
import io.llmagentos.pipelines.schedule.CronSchedule;
import io.llmagentos.pipelines.stage.Stage;
import io.llmagentos.pipelines.stage.StageOutput;
import io.llmagentos.pipelines.stage.StageParam;
import io.llmagentos.pipelines.stage.StageRegistry;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads a pipeline file and checks everything that can be checked before a run: known top-level and step keys,
 * known stages and their parameters (names, required ones, value types), parameter references, output
 * references, {@code when:} syntax, cycles, durations and the cron expression. Every error is a
 * {@link SpecException} naming the file, the line and the field.
 *
 * <pre>
 * pipeline: demo
 * params:
 *   steps: {default: 50, description: training steps}
 * max_parallel: 2
 * schedule: {cron: "0 3 * * *", timezone: Europe/Berlin, catchup: false, max_active_runs: 1}
 * steps:
 *   data:
 *     uses: sample-data
 *   tokenizer:
 *     uses: tokenizer
 *     with: {input: ${steps.data.outputs.corpus}, vocab_size: 2048}
 *     retries: 2
 *     backoff: 5s
 *     timeout: 10m
 * </pre>
 */
public final class SpecLoader {
    private static final Set<String> TOP_KEYS = Set.of("pipeline", "description", "params", "max_parallel", "steps",
            "schedule");
    private static final Set<String> STEP_KEYS = Set.of("uses", "with", "needs", "retries", "backoff",
            "backoff_multiplier", "max_backoff", "timeout", "when", "isolation", "register", "jvm_opts");
    private static final Set<String> SCHEDULE_KEYS = Set.of("cron", "timezone", "catchup", "max_active_runs", "params");
    private static final Set<String> REGISTER_KEYS = Set.of("model", "output", "aliases", "champion_when");

    private final StageRegistry registry;
    private String file;

    public SpecLoader(StageRegistry registry) {
        this.registry = registry;
    }

    /** Reads and validates {@code path} with parameter overrides ({@code -p key=value}). */
    public PipelineSpec load(Path path, Map<String, String> overrides) throws IOException, SpecException {
        return parse(path.toString(), Files.readString(path, StandardCharsets.UTF_8), overrides);
    }

    /** Validates pipeline text; {@code fileName} is used in messages. */
    public PipelineSpec parse(String fileName, String text, Map<String, String> overrides) throws SpecException {
        this.file = fileName;
        Node root;
        try {
            root = new Yaml(new LoaderOptions()).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            throw new SpecException(file, line, null, "not valid YAML: " + e.getProblem());
        }
        if (!(root instanceof MappingNode top)) {
            throw new SpecException(file, root == null ? 1 : line(root), null,
                    "expected a mapping with pipeline:, params: and steps:");
        }
        Map<String, NodeTuple> keys = entries(top, "", TOP_KEYS);
        String name = required(keys, "pipeline", top, "");
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
            throw err(keys.get("pipeline").getValueNode(), "pipeline", "names are letters, digits, '.', '_' and '-' (got \""
                    + name + "\")");
        }
        String description = optionalScalar(keys, "description", "");
        Map<String, ParamSpec> params = params(keys.get("params"));
        int maxParallel = (int) integer(keys.get("max_parallel"), "max_parallel", 2, 1);

        NodeTuple stepsT = keys.get("steps");
        if (stepsT == null) {
            throw new SpecException(file, line(top), "steps", "required: a mapping of step name to {uses: STAGE, …}");
        }
        if (!(stepsT.getValueNode() instanceof MappingNode stepsNode) || stepsNode.getValue().isEmpty()) {
            throw err(stepsT.getValueNode(), "steps", "expected a mapping of step name to {uses: STAGE, …}");
        }
        Map<String, StepSpec> steps = new LinkedHashMap<>();
        Map<String, MappingNode> stepNodes = new LinkedHashMap<>();
        for (NodeTuple t : stepsNode.getValue()) {
            String id = keyName(t, "steps");
            if (!id.matches("[A-Za-z0-9][A-Za-z0-9_-]*")) {
                throw err(t.getKeyNode(), "steps." + id, "step names are letters, digits, '_' and '-'");
            }
            if (stepNodes.containsKey(id)) {
                throw err(t.getKeyNode(), "steps." + id, "a second step with this name");
            }
            if (!(t.getValueNode() instanceof MappingNode m)) {
                throw err(t.getValueNode(), "steps." + id, "expected a mapping with uses: STAGE");
            }
            stepNodes.put(id, m);
        }
        for (Map.Entry<String, MappingNode> e : stepNodes.entrySet()) {
            steps.put(e.getKey(), step(e.getKey(), e.getValue(), stepNodes.keySet(), params));
        }
        checkCycles(steps, stepNodes);
        checkOutputRefs(steps, stepNodes);
        ScheduleSpec schedule = schedule(keys.get("schedule"), params);
        Map<String, String> values = values(params, overrides);
        return new PipelineSpec(name, description, file, text, params, values, maxParallel, steps, schedule);
    }

    /** Parameter values: defaults, then overrides; a required one left out or an unknown override is an error. */
    public static Map<String, String> values(String file, Map<String, ParamSpec> params, Map<String, String> overrides)
            throws SpecException {
        for (String k : overrides.keySet()) {
            if (!params.containsKey(k)) {
                throw new SpecException(file, 0, "-p " + k, "not a parameter of this pipeline; its parameters: "
                        + (params.isEmpty() ? "(none)" : String.join(", ", params.keySet())));
            }
        }
        Map<String, String> v = new LinkedHashMap<>();
        for (ParamSpec p : params.values()) {
            String val = overrides.containsKey(p.name()) ? overrides.get(p.name()) : p.dflt();
            if (val == null) {
                throw new SpecException(file, p.line(), "params." + p.name(), "missing parameter: it has no default; give "
                        + "-p " + p.name() + "=VALUE" + (p.description().isEmpty() ? "" : " (" + p.description() + ")"));
            }
            v.put(p.name(), val);
        }
        return v;
    }

    private Map<String, String> values(Map<String, ParamSpec> params, Map<String, String> overrides)
            throws SpecException {
        return values(file, params, overrides);
    }

    private Map<String, ParamSpec> params(NodeTuple t) throws SpecException {
        Map<String, ParamSpec> out = new LinkedHashMap<>();
        if (t == null || isNull(t.getValueNode())) {
            return out;
        }
        if (!(t.getValueNode() instanceof MappingNode m)) {
            throw err(t.getValueNode(), "params", "expected a mapping of name to default (or {default:, description:})");
        }
        for (NodeTuple p : m.getValue()) {
            String name = keyName(p, "params");
            String field = "params." + name;
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw err(p.getKeyNode(), field, "parameter names are letters, digits and _");
            }
            Node v = p.getValueNode();
            String dflt;
            String desc = "";
            if (v instanceof MappingNode pm) {
                Map<String, NodeTuple> k = entries(pm, field, Set.of("default", "description"));
                dflt = k.containsKey("default") && !isNull(k.get("default").getValueNode())
                        ? scalarValue(k.get("default").getValueNode(), field + ".default") : null;
                desc = optionalScalar(k, "description", "");
            } else {
                dflt = isNull(v) ? null : scalarValue(v, field);
            }
            out.put(name, new ParamSpec(name, dflt, desc, line(p.getKeyNode())));
        }
        return out;
    }

    private StepSpec step(String id, MappingNode m, Set<String> stepIds, Map<String, ParamSpec> params)
            throws SpecException {
        String f = "steps." + id;
        Map<String, NodeTuple> k = entries(m, f, STEP_KEYS);
        String uses = required(k, "uses", m, f);
        Stage stage = registry.find(uses).orElseThrow(() -> err(k.get("uses").getValueNode(), f + ".uses",
                "unknown stage \"" + uses + "\"; known stages: " + String.join(", ", registry.names())));

        // with: the stage's parameters, nested mappings flattened to dotted names
        Map<String, String> with = new LinkedHashMap<>();
        Map<String, Node> withNodes = new LinkedHashMap<>();
        NodeTuple wt = k.get("with");
        if (wt != null && !isNull(wt.getValueNode())) {
            if (!(wt.getValueNode() instanceof MappingNode wm)) {
                throw err(wt.getValueNode(), f + ".with", "expected a mapping of the stage's parameters");
            }
            flatten("", wm, f + ".with", with, withNodes);
        }
        Map<String, StageParam> declared = new LinkedHashMap<>();
        stage.params().forEach(p -> declared.put(p.name(), p));
        for (Map.Entry<String, String> e : with.entrySet()) {
            String pf = f + ".with." + e.getKey();
            StageParam p = declared.get(e.getKey());
            if (p == null) {
                throw err(withNodes.get(e.getKey()), pf, "stage " + uses + " has no parameter \"" + e.getKey()
                        + "\"; its parameters: " + String.join(", ", declared.keySet()));
            }
            List<Templates.Ref> refs = refs(e.getValue(), withNodes.get(e.getKey()), pf);
            for (Templates.Ref r : refs) {
                checkRef(r, params, stepIds, id, withNodes.get(e.getKey()), pf);
            }
            if (refs.isEmpty()) {
                String problem = p.check(e.getValue());
                if (problem != null) {
                    throw err(withNodes.get(e.getKey()), pf, problem);
                }
            }
        }
        for (StageParam p : stage.params()) {
            if (p.isRequired() && !with.containsKey(p.name())) {
                throw err(wt != null ? wt.getKeyNode() : k.get("uses").getKeyNode(), f + ".with",
                        "missing parameter \"" + p.name() + "\" of stage " + uses + " (" + p.doc() + ")");
            }
        }

        // needs: declared, plus every step a template refers to
        LinkedHashSet<String> needs = new LinkedHashSet<>();
        NodeTuple nt = k.get("needs");
        if (nt != null && !isNull(nt.getValueNode())) {
            for (Node n : listNodes(nt.getValueNode(), f + ".needs")) {
                String dep = scalarValue(n, f + ".needs");
                if (!stepIds.contains(dep)) {
                    throw err(n, f + ".needs", "no step named \"" + dep + "\"; steps: " + String.join(", ", stepIds));
                }
                if (dep.equals(id)) {
                    throw err(n, f + ".needs", "a step cannot need itself (cycle " + id + " -> " + id + ")");
                }
                needs.add(dep);
            }
        }
        for (String v : with.values()) {
            for (Templates.Ref r : Templates.refs(v)) {
                if (r.kind().equals("steps")) {
                    needs.add(r.step());
                }
            }
        }

        String when = null;
        if (k.containsKey("when")) {
            Node wn = k.get("when").getValueNode();
            when = scalarValue(wn, f + ".when");
            for (Templates.Ref r : refs(when, wn, f + ".when")) {
                checkRef(r, params, stepIds, id, wn, f + ".when");
                if (r.kind().equals("steps")) {
                    needs.add(r.step());
                }
            }
            try {
                Condition.check(when);
            } catch (IllegalArgumentException e) {
                throw err(wn, f + ".when", e.getMessage());
            }
        }

        int retries = (int) integer(k.get("retries"), f + ".retries", 0, 0);
        Duration backoff = duration(k.get("backoff"), f + ".backoff", Duration.ofSeconds(1));
        double mult = number(k.get("backoff_multiplier"), f + ".backoff_multiplier", 2.0);
        if (mult < 1) {
            throw err(k.get("backoff_multiplier").getValueNode(), f + ".backoff_multiplier", "must be >= 1 (got " + mult + ")");
        }
        Duration maxBackoff = duration(k.get("max_backoff"), f + ".max_backoff", Duration.ofMinutes(10));
        Duration timeout = duration(k.get("timeout"), f + ".timeout", null);
        Isolation isolation = null;
        if (k.containsKey("isolation")) {
            Node in = k.get("isolation").getValueNode();
            try {
                isolation = Isolation.parse(scalarValue(in, f + ".isolation"));
            } catch (IllegalArgumentException e) {
                throw err(in, f + ".isolation", e.getMessage());
            }
        }
        RegisterSpec register = register(k.get("register"), f + ".register", stage, params, stepIds, id, needs);
        String jvmOpts = optionalScalar(k, "jvm_opts", "");
        return new StepSpec(id, uses, with, List.copyOf(needs), new RetryPolicy(retries, backoff, mult, maxBackoff),
                timeout, when, isolation, register, jvmOpts, line(m));
    }

    private RegisterSpec register(NodeTuple t, String f, Stage stage, Map<String, ParamSpec> params,
                                  Set<String> stepIds, String id, Set<String> needs) throws SpecException {
        if (t == null || isNull(t.getValueNode())) {
            return null;
        }
        if (!(t.getValueNode() instanceof MappingNode m)) {
            throw err(t.getValueNode(), f, "expected {model: NAME, output: OUTPUT, aliases: [candidate]}");
        }
        Map<String, NodeTuple> k = entries(m, f, REGISTER_KEYS);
        String model = required(k, "model", m, f);
        String output = optionalScalar(k, "output", null);
        if (output != null && stage.outputs().stream().noneMatch(o -> o.name().equals(output) && o.isPath())) {
            throw err(k.get("output").getValueNode(), f + ".output", "stage " + stage.name() + " has no path output \""
                    + output + "\"; its outputs: " + stage.outputs().stream().map(StageOutput::name).toList());
        }
        List<String> aliases = new ArrayList<>();
        if (k.containsKey("aliases")) {
            for (Node n : listNodes(k.get("aliases").getValueNode(), f + ".aliases")) {
                aliases.add(scalarValue(n, f + ".aliases"));
            }
        }
        String champion = optionalScalar(k, "champion_when", null);
        if (champion != null) {
            Node cn = k.get("champion_when").getValueNode();
            for (Templates.Ref r : refs(champion, cn, f + ".champion_when")) {
                if (!(r.kind().equals("steps") && r.step().equals(id))) {
                    checkRef(r, params, stepIds, id, cn, f + ".champion_when");
                    if (r.kind().equals("steps")) {
                        needs.add(r.step());
                    }
                }
            }
            try {
                Condition.check(champion);
            } catch (IllegalArgumentException e) {
                throw err(cn, f + ".champion_when", e.getMessage());
            }
        }
        return new RegisterSpec(model, output, List.copyOf(aliases), champion);
    }

    private ScheduleSpec schedule(NodeTuple t, Map<String, ParamSpec> params) throws SpecException {
        if (t == null || isNull(t.getValueNode())) {
            return null;
        }
        if (!(t.getValueNode() instanceof MappingNode m)) {
            throw err(t.getValueNode(), "schedule", "expected {cron: \"0 3 * * *\", timezone: UTC, catchup: false}");
        }
        Map<String, NodeTuple> k = entries(m, "schedule", SCHEDULE_KEYS);
        String cron = required(k, "cron", m, "schedule");
        try {
            Cron parsed = CronSchedule.parse(cron);
            parsed.validate();
        } catch (IllegalArgumentException e) {
            throw err(k.get("cron").getValueNode(), "schedule.cron", "bad cron expression \"" + cron + "\": "
                    + e.getMessage() + "; write five fields: minute hour day-of-month month day-of-week, e.g. \"0 3 * * *\"");
        }
        ZoneId zone = ZoneId.of("UTC");
        if (k.containsKey("timezone")) {
            String z = scalarValue(k.get("timezone").getValueNode(), "schedule.timezone");
            try {
                zone = ZoneId.of(z);
            } catch (java.time.DateTimeException e) {
                throw err(k.get("timezone").getValueNode(), "schedule.timezone", "unknown time zone \"" + z
                        + "\"; use a region id such as UTC, Europe/Berlin or America/New_York");
            }
        }
        boolean catchup = bool(k.get("catchup"), "schedule.catchup", false);
        int maxActive = (int) integer(k.get("max_active_runs"), "schedule.max_active_runs", 1, 1);
        Map<String, String> sp = new LinkedHashMap<>();
        if (k.containsKey("params") && k.get("params").getValueNode() instanceof MappingNode pm) {
            for (NodeTuple p : pm.getValue()) {
                String pn = keyName(p, "schedule.params");
                if (!params.containsKey(pn)) {
                    throw err(p.getKeyNode(), "schedule.params." + pn, "not a parameter of this pipeline; its parameters: "
                            + String.join(", ", params.keySet()));
                }
                sp.put(pn, scalarValue(p.getValueNode(), "schedule.params." + pn));
            }
        }
        return new ScheduleSpec(cron, zone, catchup, maxActive, sp);
    }

    private void checkRef(Templates.Ref r, Map<String, ParamSpec> params, Set<String> stepIds, String self, Node n,
                          String field) throws SpecException {
        switch (r.kind()) {
            case "params" -> {
                if (!params.containsKey(r.name())) {
                    throw err(n, field, r.text() + ": no parameter \"" + r.name() + "\" under params:"
                            + (params.isEmpty() ? " (the pipeline declares none)" : " (declared: "
                            + String.join(", ", params.keySet()) + ")"));
                }
            }
            case "steps" -> {
                if (!stepIds.contains(r.step())) {
                    throw err(n, field, r.text() + ": no step named \"" + r.step() + "\"");
                }
                if (r.step().equals(self)) {
                    throw err(n, field, r.text() + ": a step cannot use its own outputs (cycle " + self + " -> " + self + ")");
                }
            }
            case "pipeline" -> {
                if (pipelineDir(file) == null) {
                    throw err(n, field, r.text() + ": this pipeline was not read from a file (" + file + "), so it "
                            + "has no directory; run it from a file or give the path itself");
                }
            }
            default -> {
            }
        }
    }

    /**
     * What {@code ${pipeline.dir}} stands for: the absolute directory of the pipeline file {@code file}, or null when
     * {@code file} is not a file on disk (a pipeline parsed from text).
     */
    public static Path pipelineDir(String file) {
        if (file == null) {
            return null;
        }
        Path f = Path.of(file).toAbsolutePath().normalize();
        return Files.isRegularFile(f) ? f.getParent() : null;
    }

    private void checkOutputRefs(Map<String, StepSpec> steps, Map<String, MappingNode> nodes) throws SpecException {
        for (StepSpec s : steps.values()) {
            List<String> templates = new ArrayList<>(s.with().values());
            if (s.when() != null) {
                templates.add(s.when());
            }
            for (String tpl : templates) {
                for (Templates.Ref r : Templates.refs(tpl)) {
                    if (r.kind().equals("steps") && r.section().equals("outputs")) {
                        Stage up = registry.get(steps.get(r.step()).uses());
                        if (up.outputs().stream().noneMatch(o -> o.name().equals(r.name()))) {
                            throw new SpecException(file, s.line(), "steps." + s.id(), r.text() + ": stage " + up.name()
                                    + " (step " + r.step() + ") has no output \"" + r.name() + "\"; its outputs: "
                                    + up.outputs().stream().map(StageOutput::name).toList());
                        }
                    }
                }
            }
        }
    }

    private void checkCycles(Map<String, StepSpec> steps, Map<String, MappingNode> nodes) throws SpecException {
        Map<String, Integer> state = new LinkedHashMap<>();
        for (String id : steps.keySet()) {
            List<String> path = new ArrayList<>();
            List<String> cycle = dfs(id, steps, state, path);
            if (cycle != null) {
                String at = cycle.get(0);
                throw new SpecException(file, needsLine(nodes.get(at)), "steps." + at + ".needs", "cycle "
                        + String.join(" -> ", cycle) + "; a pipeline must be a DAG: remove one of these dependencies");
            }
        }
    }

    private static List<String> dfs(String id, Map<String, StepSpec> steps, Map<String, Integer> state,
                                    List<String> path) {
        Integer st = state.get(id);
        if (st != null && st == 2) {
            return null;
        }
        if (st != null && st == 1) {
            List<String> cycle = new ArrayList<>(path.subList(path.indexOf(id), path.size()));
            cycle.add(id);
            return cycle;
        }
        state.put(id, 1);
        path.add(id);
        for (String dep : steps.get(id).needs()) {
            List<String> c = dfs(dep, steps, state, path);
            if (c != null) {
                return c;
            }
        }
        path.remove(path.size() - 1);
        state.put(id, 2);
        return null;
    }

    private static int needsLine(MappingNode m) {
        for (NodeTuple t : m.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode s && s.getValue().equals("needs")) {
                return line(t.getKeyNode());
            }
        }
        return line(m);
    }

    // --- YAML helpers -----------------------------------------------------------------------------------------

    private void flatten(String prefix, MappingNode m, String field, Map<String, String> out, Map<String, Node> nodes)
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

    private List<Templates.Ref> refs(String value, Node n, String field) throws SpecException {
        try {
            return Templates.refs(value);
        } catch (IllegalArgumentException e) {
            throw err(n, field, e.getMessage());
        }
    }

    private Map<String, NodeTuple> entries(MappingNode m, String field, Set<String> allowed) throws SpecException {
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

    private String keyName(NodeTuple t, String field) throws SpecException {
        if (!(t.getKeyNode() instanceof ScalarNode s)) {
            throw err(t.getKeyNode(), field, "keys must be plain names");
        }
        return s.getValue();
    }

    private String required(Map<String, NodeTuple> k, String key, Node parent, String field) throws SpecException {
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

    private String optionalScalar(Map<String, NodeTuple> k, String key, String dflt) throws SpecException {
        NodeTuple t = k.get(key);
        return t == null || isNull(t.getValueNode()) ? dflt : scalarValue(t.getValueNode(), key);
    }

    private String scalarValue(Node n, String field) throws SpecException {
        if (!(n instanceof ScalarNode s)) {
            throw err(n, field, "expected a single value (got a " + (n instanceof SequenceNode ? "list" : "mapping") + ")");
        }
        return s.getValue();
    }

    private List<Node> listNodes(Node n, String field) throws SpecException {
        if (n instanceof SequenceNode s) {
            return s.getValue();
        }
        if (n instanceof ScalarNode) {
            return List.of(n);
        }
        throw err(n, field, "expected a list");
    }

    private long integer(NodeTuple t, String field, long dflt, long min) throws SpecException {
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

    private double number(NodeTuple t, String field, double dflt) throws SpecException {
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

    private boolean bool(NodeTuple t, String field, boolean dflt) throws SpecException {
        if (t == null || isNull(t.getValueNode())) {
            return dflt;
        }
        String v = scalarValue(t.getValueNode(), field);
        if (v.equals("true") || v.equals("false")) {
            return Boolean.parseBoolean(v);
        }
        throw err(t.getValueNode(), field, "expected true or false (got \"" + v + "\")");
    }

    private Duration duration(NodeTuple t, String field, Duration dflt) throws SpecException {
        if (t == null || isNull(t.getValueNode())) {
            return dflt;
        }
        try {
            return Durations.parse(scalarValue(t.getValueNode(), field));
        } catch (IllegalArgumentException e) {
            throw err(t.getValueNode(), field, e.getMessage());
        }
    }

    private static boolean isNull(Node n) {
        return n instanceof ScalarNode s && n.getTag().getValue().endsWith(":null");
    }

    private SpecException err(Node n, String field, String problem) {
        return new SpecException(file, n == null ? 0 : line(n), field, problem);
    }

    private static int line(Node n) {
        return n.getStartMark().getLine() + 1;
    }
}
