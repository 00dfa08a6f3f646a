package io.llmagentos.pipelines.spec;

import io.llmagentos.pipelines.stage.Stage;
import io.llmagentos.pipelines.stage.StageOutput;
import io.llmagentos.pipelines.stage.StageRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;

/**
 * The {@code ${…}} references of one pipeline file, checked against what the file declares: the syntax of each
 * reference, parameters under {@code params:}, step names (and no step using its own outputs),
 * {@code ${pipeline.dir}} only for a pipeline read from a file, and step outputs against the outputs the upstream
 * stage declares.
 */
final class SpecRefs {
    private final YamlNodes yaml;
    private final StageRegistry registry;

    SpecRefs(YamlNodes yaml, StageRegistry registry) {
        this.yaml = yaml;
        this.registry = registry;
    }

    /** The references in {@code value}; a malformed one is an error at {@code n}. */
    List<Templates.Ref> refs(String value, Node n, String field) throws SpecException {
        try {
            return Templates.refs(value);
        } catch (IllegalArgumentException e) {
            throw yaml.err(n, field, e.getMessage());
        }
    }

    /** Checks that {@code r}, found at {@code n} in step {@code self}, names something the pipeline declares. */
    void checkRef(Templates.Ref r, Map<String, ParamSpec> params, Set<String> stepIds, String self, Node n,
                  String field) throws SpecException {
        switch (r.kind()) {
            case "params" -> {
                if (!params.containsKey(r.name())) {
                    throw yaml.err(n, field, r.text() + ": no parameter \"" + r.name() + "\" under params:"
                            + (params.isEmpty() ? " (the pipeline declares none)" : " (declared: "
                            + String.join(", ", params.keySet()) + ")"));
                }
            }
            case "steps" -> {
                if (!stepIds.contains(r.step())) {
                    throw yaml.err(n, field, r.text() + ": no step named \"" + r.step() + "\"");
                }
                if (r.step().equals(self)) {
                    throw yaml.err(n, field,
                            r.text() + ": a step cannot use its own outputs (cycle " + self + " -> " + self + ")");
                }
            }
            case "pipeline" -> {
                if (SpecLoader.pipelineDir(yaml.file()) == null) {
                    throw yaml.err(n, field, r.text() + ": this pipeline was not read from a file (" + yaml.file()
                            + "), so it has no directory; run it from a file or give the path itself");
                }
            }
            default -> {
            }
        }
    }

    /** Checks every {@code ${steps.ID.outputs.NAME}} against the outputs of step ID's stage. */
    void checkOutputRefs(Map<String, StepSpec> steps) throws SpecException {
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
                            throw new SpecException(yaml.file(), s.line(), "steps." + s.id(), r.text() + ": stage "
                                    + up.name() + " (step " + r.step() + ") has no output \"" + r.name()
                                    + "\"; its outputs: " + up.outputs().stream().map(StageOutput::name).toList());
                        }
                    }
                }
            }
        }
    }
}
