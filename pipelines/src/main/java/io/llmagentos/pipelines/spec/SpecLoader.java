package io.llmagentos.pipelines.spec;

import static io.llmagentos.pipelines.spec.YamlNodes.isNull;
import static io.llmagentos.pipelines.spec.YamlNodes.line;

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
    // the file being parsed: set afresh by each parse()
    private YamlNodes yaml;
    private SpecRefs specRefs;

    public SpecLoader(StageRegistry registry) {
        this.registry = registry;
    }

    /** Reads and validates {@code path} with parameter overrides ({@code -p key=value}). */
    public PipelineSpec load(Path path, Map<String, String> overrides) throws IOException, SpecException {
        return parse(path.toString(), Files.readString(path, StandardCharsets.UTF_8), overrides);
    }

    /** Validates pipeline text; {@code fileName} is used in messages. */
    public PipelineSpec parse(String fileName, String text, Map<String, String> overrides) throws SpecException {
        this.yaml = new YamlNodes(fileName);
        this.specRefs = new SpecRefs(yaml, registry);
        Node root;
        try {
            root = new Yaml(new LoaderOptions()).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            throw new SpecException(fileName, line, null, "not valid YAML: " + e.getProblem());
        }
        if (!(root instanceof MappingNode top)) {
            throw new SpecException(fileName, root == null ? 1 : line(root), null,
                    "expected a mapping with pipeline:, params: and steps:");
        }
        Map<String, NodeTuple> keys = yaml.entries(top, "", TOP_KEYS);
        String name = yaml.required(keys, "pipeline", top, "");
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
            throw yaml.err(keys.get("pipeline").getValueNode(), "pipeline",
                    "names are letters, digits, '.', '_' and '-' (got \"" + name + "\")");
        }
        String description = yaml.optionalScalar(keys, "description", "");
        Map<String, ParamSpec> params = params(keys.get("params"));
        int maxParallel = (int) yaml.integer(keys.get("max_parallel"), "max_parallel", 2, 1);

        NodeTuple stepsT = keys.get("steps");
        if (stepsT == null) {
            throw new SpecException(fileName, line(top), "steps",
                    "required: a mapping of step name to {uses: STAGE, …}");
        }
        if (!(stepsT.getValueNode() instanceof MappingNode stepsNode) || stepsNode.getValue().isEmpty()) {
            throw yaml.err(stepsT.getValueNode(), "steps", "expected a mapping of step name to {uses: STAGE, …}");
        }
        Map<String, StepSpec> steps = new LinkedHashMap<>();
        Map<String, MappingNode> stepNodes = new LinkedHashMap<>();
        for (NodeTuple t : stepsNode.getValue()) {
            String id = yaml.keyName(t, "steps");
            if (!id.matches("[A-Za-z0-9][A-Za-z0-9_-]*")) {
                throw yaml.err(t.getKeyNode(), "steps." + id, "step names are letters, digits, '_' and '-'");
            }
            if (stepNodes.containsKey(id)) {
                throw yaml.err(t.getKeyNode(), "steps." + id, "a second step with this name");
            }
            if (!(t.getValueNode() instanceof MappingNode m)) {
                throw yaml.err(t.getValueNode(), "steps." + id, "expected a mapping with uses: STAGE");
            }
            stepNodes.put(id, m);
        }
        for (Map.Entry<String, MappingNode> e : stepNodes.entrySet()) {
            steps.put(e.getKey(), step(e.getKey(), e.getValue(), stepNodes.keySet(), params));
        }
        StepGraph.checkCycles(fileName, steps, stepNodes);
        specRefs.checkOutputRefs(steps);
        ScheduleSpec schedule = schedule(keys.get("schedule"), params);
        Map<String, String> values = values(fileName, params, overrides);
        return new PipelineSpec(name, description, fileName, text, params, values, maxParallel, steps, schedule);
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
                throw new SpecException(file, p.line(), "params." + p.name(), "missing parameter: it has no default; "
                        + "give -p " + p.name() + "=VALUE"
                        + (p.description().isEmpty() ? "" : " (" + p.description() + ")"));
            }
            v.put(p.name(), val);
        }
        return v;
    }

    private Map<String, ParamSpec> params(NodeTuple t) throws SpecException {
        Map<String, ParamSpec> out = new LinkedHashMap<>();
        if (t == null || isNull(t.getValueNode())) {
            return out;
        }
        if (!(t.getValueNode() instanceof MappingNode m)) {
            throw yaml.err(t.getValueNode(), "params",
                    "expected a mapping of name to default (or {default:, description:})");
        }
        for (NodeTuple p : m.getValue()) {
            String name = yaml.keyName(p, "params");
            String field = "params." + name;
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw yaml.err(p.getKeyNode(), field, "parameter names are letters, digits and _");
            }
            Node v = p.getValueNode();
            String dflt;
            String desc = "";
            if (v instanceof MappingNode pm) {
                Map<String, NodeTuple> k = yaml.entries(pm, field, Set.of("default", "description"));
                dflt = k.containsKey("default") && !isNull(k.get("default").getValueNode())
                        ? yaml.scalarValue(k.get("default").getValueNode(), field + ".default") : null;
                desc = yaml.optionalScalar(k, "description", "");
            } else {
                dflt = isNull(v) ? null : yaml.scalarValue(v, field);
            }
            out.put(name, new ParamSpec(name, dflt, desc, line(p.getKeyNode())));
        }
        return out;
    }

    private StepSpec step(String id, MappingNode m, Set<String> stepIds, Map<String, ParamSpec> params)
            throws SpecException {
        String f = "steps." + id;
        Map<String, NodeTuple> k = yaml.entries(m, f, STEP_KEYS);
        String uses = yaml.required(k, "uses", m, f);
        Stage stage = registry.find(uses).orElseThrow(() -> yaml.err(k.get("uses").getValueNode(), f + ".uses",
                "unknown stage \"" + uses + "\"; known stages: " + String.join(", ", registry.names())));

        // with: the stage's parameters, nested mappings flattened to dotted names
        Map<String, String> with = new LinkedHashMap<>();
        Map<String, Node> withNodes = new LinkedHashMap<>();
        NodeTuple wt = k.get("with");
        if (wt != null && !isNull(wt.getValueNode())) {
            if (!(wt.getValueNode() instanceof MappingNode wm)) {
                throw yaml.err(wt.getValueNode(), f + ".with", "expected a mapping of the stage's parameters");
            }
            yaml.flatten("", wm, f + ".with", with, withNodes);
        }
        Map<String, StageParam> declared = new LinkedHashMap<>();
        stage.params().forEach(p -> declared.put(p.name(), p));
        for (Map.Entry<String, String> e : with.entrySet()) {
            String pf = f + ".with." + e.getKey();
            StageParam p = declared.get(e.getKey());
            if (p == null) {
                throw yaml.err(withNodes.get(e.getKey()), pf, "stage " + uses + " has no parameter \"" + e.getKey()
                        + "\"; its parameters: " + String.join(", ", declared.keySet()));
            }
            List<Templates.Ref> refs = specRefs.refs(e.getValue(), withNodes.get(e.getKey()), pf);
            for (Templates.Ref r : refs) {
                specRefs.checkRef(r, params, stepIds, id, withNodes.get(e.getKey()), pf);
            }
            if (refs.isEmpty()) {
                String problem = p.check(e.getValue());
                if (problem != null) {
                    throw yaml.err(withNodes.get(e.getKey()), pf, problem);
                }
            }
        }
        for (StageParam p : stage.params()) {
            if (p.isRequired() && !with.containsKey(p.name())) {
                throw yaml.err(wt != null ? wt.getKeyNode() : k.get("uses").getKeyNode(), f + ".with",
                        "missing parameter \"" + p.name() + "\" of stage " + uses + " (" + p.doc() + ")");
            }
        }

        // needs: declared, plus every step a template refers to
        LinkedHashSet<String> needs = new LinkedHashSet<>();
        NodeTuple nt = k.get("needs");
        if (nt != null && !isNull(nt.getValueNode())) {
            for (Node n : yaml.listNodes(nt.getValueNode(), f + ".needs")) {
                String dep = yaml.scalarValue(n, f + ".needs");
                if (!stepIds.contains(dep)) {
                    throw yaml.err(n, f + ".needs",
                            "no step named \"" + dep + "\"; steps: " + String.join(", ", stepIds));
                }
                if (dep.equals(id)) {
                    throw yaml.err(n, f + ".needs", "a step cannot need itself (cycle " + id + " -> " + id + ")");
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
            when = yaml.scalarValue(wn, f + ".when");
            for (Templates.Ref r : specRefs.refs(when, wn, f + ".when")) {
                specRefs.checkRef(r, params, stepIds, id, wn, f + ".when");
                if (r.kind().equals("steps")) {
                    needs.add(r.step());
                }
            }
            try {
                Condition.check(when);
            } catch (IllegalArgumentException e) {
                throw yaml.err(wn, f + ".when", e.getMessage());
            }
        }

        int retries = (int) yaml.integer(k.get("retries"), f + ".retries", 0, 0);
        Duration backoff = yaml.duration(k.get("backoff"), f + ".backoff", Duration.ofSeconds(1));
        double mult = yaml.number(k.get("backoff_multiplier"), f + ".backoff_multiplier", 2.0);
        if (mult < 1) {
            throw yaml.err(k.get("backoff_multiplier").getValueNode(), f + ".backoff_multiplier",
                    "must be >= 1 (got " + mult + ")");
        }
        Duration maxBackoff = yaml.duration(k.get("max_backoff"), f + ".max_backoff", Duration.ofMinutes(10));
        Duration timeout = yaml.duration(k.get("timeout"), f + ".timeout", null);
        Isolation isolation = null;
        if (k.containsKey("isolation")) {
            Node in = k.get("isolation").getValueNode();
            try {
                isolation = Isolation.parse(yaml.scalarValue(in, f + ".isolation"));
            } catch (IllegalArgumentException e) {
                throw yaml.err(in, f + ".isolation", e.getMessage());
            }
        }
        RegisterSpec register = register(k.get("register"), f + ".register", stage, params, stepIds, id, needs);
        String jvmOpts = yaml.optionalScalar(k, "jvm_opts", "");
        return new StepSpec(id, uses, with, List.copyOf(needs), new RetryPolicy(retries, backoff, mult, maxBackoff),
                timeout, when, isolation, register, jvmOpts, line(m));
    }

    private RegisterSpec register(NodeTuple t, String f, Stage stage, Map<String, ParamSpec> params,
                                  Set<String> stepIds, String id, Set<String> needs) throws SpecException {
        if (t == null || isNull(t.getValueNode())) {
            return null;
        }
        if (!(t.getValueNode() instanceof MappingNode m)) {
            throw yaml.err(t.getValueNode(), f, "expected {model: NAME, output: OUTPUT, aliases: [candidate]}");
        }
        Map<String, NodeTuple> k = yaml.entries(m, f, REGISTER_KEYS);
        String model = yaml.required(k, "model", m, f);
        String output = yaml.optionalScalar(k, "output", null);
        if (output != null && stage.outputs().stream().noneMatch(o -> o.name().equals(output) && o.isPath())) {
            throw yaml.err(k.get("output").getValueNode(), f + ".output", "stage " + stage.name()
                    + " has no path output \"" + output + "\"; its outputs: "
                    + stage.outputs().stream().map(StageOutput::name).toList());
        }
        List<String> aliases = new ArrayList<>();
        if (k.containsKey("aliases")) {
            for (Node n : yaml.listNodes(k.get("aliases").getValueNode(), f + ".aliases")) {
                aliases.add(yaml.scalarValue(n, f + ".aliases"));
            }
        }
        String champion = yaml.optionalScalar(k, "champion_when", null);
        if (champion != null) {
            Node cn = k.get("champion_when").getValueNode();
            for (Templates.Ref r : specRefs.refs(champion, cn, f + ".champion_when")) {
                if (!(r.kind().equals("steps") && r.step().equals(id))) {
                    specRefs.checkRef(r, params, stepIds, id, cn, f + ".champion_when");
                    if (r.kind().equals("steps")) {
                        needs.add(r.step());
                    }
                }
            }
            try {
                Condition.check(champion);
            } catch (IllegalArgumentException e) {
                throw yaml.err(cn, f + ".champion_when", e.getMessage());
            }
        }
        return new RegisterSpec(model, output, List.copyOf(aliases), champion);
    }

    private ScheduleSpec schedule(NodeTuple t, Map<String, ParamSpec> params) throws SpecException {
        if (t == null || isNull(t.getValueNode())) {
            return null;
        }
        if (!(t.getValueNode() instanceof MappingNode m)) {
            throw yaml.err(t.getValueNode(), "schedule",
                    "expected {cron: \"0 3 * * *\", timezone: UTC, catchup: false}");
        }
        Map<String, NodeTuple> k = yaml.entries(m, "schedule", SCHEDULE_KEYS);
        String cron = yaml.required(k, "cron", m, "schedule");
        try {
            Cron parsed = CronSchedule.parse(cron);
            parsed.validate();
        } catch (IllegalArgumentException e) {
            throw yaml.err(k.get("cron").getValueNode(), "schedule.cron", "bad cron expression \"" + cron + "\": "
                    + e.getMessage()
                    + "; write five fields: minute hour day-of-month month day-of-week, e.g. \"0 3 * * *\"");
        }
        ZoneId zone = ZoneId.of("UTC");
        if (k.containsKey("timezone")) {
            String z = yaml.scalarValue(k.get("timezone").getValueNode(), "schedule.timezone");
            try {
                zone = ZoneId.of(z);
            } catch (java.time.DateTimeException e) {
                throw yaml.err(k.get("timezone").getValueNode(), "schedule.timezone", "unknown time zone \"" + z
                        + "\"; use a region id such as UTC, Europe/Berlin or America/New_York");
            }
        }
        boolean catchup = yaml.bool(k.get("catchup"), "schedule.catchup", false);
        int maxActive = (int) yaml.integer(k.get("max_active_runs"), "schedule.max_active_runs", 1, 1);
        Map<String, String> sp = new LinkedHashMap<>();
        if (k.containsKey("params") && k.get("params").getValueNode() instanceof MappingNode pm) {
            for (NodeTuple p : pm.getValue()) {
                String pn = yaml.keyName(p, "schedule.params");
                if (!params.containsKey(pn)) {
                    throw yaml.err(p.getKeyNode(), "schedule.params." + pn,
                            "not a parameter of this pipeline; its parameters: " + String.join(", ", params.keySet()));
                }
                sp.put(pn, yaml.scalarValue(p.getValueNode(), "schedule.params." + pn));
            }
        }
        return new ScheduleSpec(cron, zone, catchup, maxActive, sp);
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
}
