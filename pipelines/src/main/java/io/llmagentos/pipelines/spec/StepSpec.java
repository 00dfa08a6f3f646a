package io.llmagentos.pipelines.spec;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One step of a pipeline.
 *
 * @param id        the step's name (its key under {@code steps:})
 * @param uses      the stage it runs (see {@code agentos pipeline stages})
 * @param with      the stage's parameters as written, templates ({@code ${params.x}}, {@code ${steps.a.outputs.b}}) unresolved
 * @param needs     steps that must finish first (declared ones plus those its templates refer to)
 * @param retry     retries with backoff
 * @param timeout   a try that runs longer is stopped and failed, or null
 * @param when      a condition (template) that must hold for the step to run, or null
 * @param isolation where it runs, or null for the stage's default
 * @param register  MLflow Model Registry registration, or null
 * @param jvmOpts   extra options of the step's child JVM (e.g. -Xmx4g), space-separated, or empty
 * @param line      line of the step in the pipeline file
 */
public record StepSpec(String id, String uses, Map<String, String> with, List<String> needs, RetryPolicy retry,
                       Duration timeout, String when, Isolation isolation, RegisterSpec register, String jvmOpts, int line) {
}
