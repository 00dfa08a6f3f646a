package io.llmagentos.pipelines.spec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A validated pipeline: its parameters, steps (in file order) and schedule. Built by {@link SpecLoader},
 * which checks stages, parameters, references and cycles.
 *
 * @param name        pipeline name (also the MLflow experiment)
 * @param description what it does
 * @param file        the file it came from (for messages)
 * @param source      the file's text, kept with every run so that resume runs what ran
 * @param params      declared parameters
 * @param values      parameter values: defaults with -p overrides applied
 * @param maxParallel steps at once
 * @param steps       steps by id, in file order
 * @param schedule    when the scheduler starts it, or null
 */
public record PipelineSpec(String name, String description, String file, String source, Map<String, ParamSpec> params,
                           Map<String, String> values, int maxParallel, Map<String, StepSpec> steps,
                           ScheduleSpec schedule) {

    /** Step ids so that every step comes after the steps it needs (file order among independent ones). */
    public List<String> topologicalOrder() {
        List<String> out = new ArrayList<>();
        Set<String> done = new HashSet<>();
        while (out.size() < steps.size()) {
            for (StepSpec s : steps.values()) {
                if (!done.contains(s.id()) && done.containsAll(s.needs())) {
                    done.add(s.id());
                    out.add(s.id());
                }
            }
        }
        return out;
    }

    /** The same pipeline with other parameter values (already validated against {@link #params}). */
    public PipelineSpec withValues(Map<String, String> newValues) {
        return new PipelineSpec(name, description, file, source, params, new LinkedHashMap<>(newValues), maxParallel,
                steps, schedule);
    }

    /** Steps that (transitively) need {@code id}. */
    public Set<String> downstreamOf(String id) {
        Set<String> out = new HashSet<>();
        boolean grew = true;
        while (grew) {
            grew = false;
            for (StepSpec s : steps.values()) {
                if (!out.contains(s.id()) && (s.needs().contains(id) || s.needs().stream().anyMatch(out::contains))) {
                    out.add(s.id());
                    grew = true;
                }
            }
        }
        return out;
    }
}
