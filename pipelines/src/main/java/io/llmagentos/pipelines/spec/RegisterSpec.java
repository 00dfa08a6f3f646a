package io.llmagentos.pipelines.spec;

import java.util.List;

/**
 * Registers a step's model in the MLflow Model Registry: a new version of {@code model} whose source is
 * the step output {@code output} (uploaded as the run's {@code model} artifact), with {@code aliases};
 * {@code championWhen} (a condition like {@code when:}) adds the alias {@code champion} when it holds.
 */
public record RegisterSpec(String model, String output, List<String> aliases, String championWhen) {
}
