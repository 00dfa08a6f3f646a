package io.llmagentos.pipelines.spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * The {@code needs:} graph of a pipeline's steps, which must be a DAG: the first cycle found, in step order, is an
 * error at the {@code needs:} line of the step it starts from.
 */
final class StepGraph {
    private StepGraph() {
    }

    /** Throws at the first cycle in {@code needs}; {@code nodes} give the step mappings for the line. */
    static void checkCycles(String file, Map<String, StepSpec> steps, Map<String, MappingNode> nodes)
            throws SpecException {
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
                return YamlNodes.line(t.getKeyNode());
            }
        }
        return YamlNodes.line(m);
    }
}
