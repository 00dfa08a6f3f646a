package io.llmagentos.pipelines.stage;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The stages pipelines can use: every {@link Stage} on the class path, found through
 * {@link ServiceLoader} (the built-in ones are listed in this module's
 * {@code META-INF/services/io.llmagentos.pipelines.stage.Stage}).
 */
public final class StageRegistry {
    private final Map<String, Stage> stages;

    private StageRegistry(Map<String, Stage> stages) {
        this.stages = stages;
    }

    /** Every stage on the class path of this class's loader. */
    public static StageRegistry load() {
        Map<String, Stage> m = new TreeMap<>();
        for (Stage s : ServiceLoader.load(Stage.class, StageRegistry.class.getClassLoader())) {
            Stage prev = m.put(s.name(), s);
            if (prev != null && prev.getClass() != s.getClass()) {
                throw new IllegalStateException("two stages are named " + s.name() + ": " + prev.getClass().getName()
                        + " and " + s.getClass().getName());
            }
        }
        return new StageRegistry(m);
    }

    public static StageRegistry of(List<Stage> list) {
        Map<String, Stage> m = new TreeMap<>();
        list.forEach(s -> m.put(s.name(), s));
        return new StageRegistry(m);
    }

    public Optional<Stage> find(String name) {
        return Optional.ofNullable(stages.get(name));
    }

    public Stage get(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException("unknown stage " + name + "; known: " + names()));
    }

    public List<String> names() {
        return List.copyOf(stages.keySet());
    }

    public List<Stage> all() {
        return List.copyOf(stages.values());
    }
}
