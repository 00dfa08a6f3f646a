package io.llmagentos.pipelines.exec;

import java.util.Map;

/** One try of a step as handed to the process that runs it (written to {@code request.json} for a child JVM). */
public record StepRequest(String runId, String stepId, int attempt, String stage, Map<String, String> params,
                          String workDir, String tryDir) {
}
