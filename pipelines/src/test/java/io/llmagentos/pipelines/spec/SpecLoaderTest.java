package io.llmagentos.pipelines.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llmagentos.pipelines.stage.StageRegistry;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpecLoaderTest {
    private final SpecLoader loader = new SpecLoader(StageRegistry.load());

    private PipelineSpec parse(String yaml, Map<String, String> p) throws SpecException {
        return loader.parse("p.yaml", yaml, p);
    }

    private String error(String yaml) {
        try {
            parse(yaml, Map.of());
        } catch (SpecException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected an error for:\n" + yaml);
    }

    @Test
    void readsAValidPipelineWithDefaultsOverridesAndImplicitNeeds() throws Exception {
        PipelineSpec s = parse("""
                pipeline: t
                params:
                  n: {default: 3, description: how many}
                  word: hello
                steps:
                  a:
                    uses: noop
                    with: {value: "${params.word}"}
                  b:
                    uses: fault
                    with:
                      value: ${steps.a.outputs.value}-${params.n}
                    retries: 2
                    backoff: 500ms
                    backoff_multiplier: 3
                    timeout: 2m
                    when: ${params.n} > 1
                """, Map.of("n", "7"));
        assertThat(s.values()).containsEntry("n", "7").containsEntry("word", "hello");
        assertThat(s.steps().get("b").needs()).containsExactly("a");
        assertThat(s.topologicalOrder()).containsExactly("a", "b");
        RetryPolicy r = s.steps().get("b").retry();
        assertThat(r.retries()).isEqualTo(2);
        assertThat(r.delayBefore(2).toMillis()).isEqualTo(500);
        assertThat(r.delayBefore(3).toMillis()).isEqualTo(1500);
        assertThat(s.steps().get("b").timeout().toSeconds()).isEqualTo(120);
    }

    @Test
    void theShippedPipelinesAreValid() throws Exception {
        Path dir = Path.of(System.getProperty("agentos.repo.root", "..")).resolve("configs/pipelines");
        PipelineSpec s = loader.load(dir.resolve("demo.yaml"), Map.of());
        assertThat(s.topologicalOrder()).containsExactly("data", "prep", "tokenizer", "shards", "teacher", "generate",
                "student", "onnx", "int8", "eval", "gate", "champion", "serve");
        assertThat(s.steps().get("serve").needs()).contains("gate");
        for (String gates : java.util.List.of("demo", "smoke")) {
            // the gate files the demo's ${pipeline.dir}/../gates/${params.gates}.yaml names exist and parse
            Path g = dir.resolve("../gates/" + gates + ".yaml");
            assertThat(io.llmagentos.evaluation.QualityGates.load(g)).isNotNull();
        }
        // a list in with: flattens to the comma-joined string the stage's list parameters read
        assertThat(s.steps().get("student").with()).containsEntry("student.layers", "0")
                .containsEntry("student.prune.intermediate_size", "144");
        PipelineSpec f = loader.load(dir.resolve("finetune.yaml"), Map.of("teacher", "/some/checkpoint"));
        assertThat(f.steps().keySet()).containsExactlyInAnyOrder("data", "sft", "lora");
        assertThatThrownBy(() -> loader.load(dir.resolve("finetune.yaml"), Map.of()))
                .hasMessageContaining("finetune.yaml").hasMessageContaining("teacher");
    }

    @Test
    void pipelineDirNeedsAPipelineFile() {
        assertThat(error("""
                pipeline: t
                steps:
                  a:
                    uses: noop
                    with: {value: "${pipeline.dir}/x"}
                """)).startsWith("p.yaml:5: steps.a.with.value: ${pipeline.dir}: this pipeline was not read from a file");
    }

    @Test
    void cyclicDagNamesFileLineAndField() {
        String msg = error("""
                pipeline: t
                steps:
                  a:
                    uses: noop
                    needs: [c]
                  b:
                    uses: noop
                    needs: [a]
                  c:
                    uses: noop
                    needs: [b]
                """);
        assertThat(msg).startsWith("p.yaml:5: steps.a.needs: cycle a -> c -> b -> a");
    }

    @Test
    void unknownStageNamesFileLineAndField() {
        assertThat(error("""
                pipeline: t
                steps:
                  a:
                    uses: nope
                """)).startsWith("p.yaml:4: steps.a.uses: unknown stage \"nope\"; known stages:").contains("noop", "prep");
    }

    @Test
    void missingPipelineParameterNamesFileLineAndField() {
        assertThat(error("""
                pipeline: t
                params:
                  data: ~
                steps:
                  a:
                    uses: noop
                    with: {value: "${params.data}"}
                """)).startsWith("p.yaml:3: params.data: missing parameter").contains("-p data=VALUE");
    }

    @Test
    void missingStageParameterNamesFileLineAndField() {
        assertThat(error("""
                pipeline: t
                steps:
                  tok:
                    uses: tokenizer
                    with:
                      vocab_size: 512
                """)).startsWith("p.yaml:5: steps.tok.with: missing parameter \"input\" of stage tokenizer");
    }

    @Test
    void undeclaredParameterReferenceNamesFileLineAndField() {
        assertThat(error("""
                pipeline: t
                steps:
                  a:
                    uses: noop
                    with:
                      value: ${params.nope}
                """)).startsWith("p.yaml:6: steps.a.with.value: ${params.nope}: no parameter \"nope\"");
    }

    @Test
    void badCronNamesFileLineAndField() {
        assertThat(error("""
                pipeline: t
                schedule:
                  cron: "61 * * * *"
                steps:
                  a: {uses: noop}
                """)).startsWith("p.yaml:3: schedule.cron: bad cron expression \"61 * * * *\"");
        assertThat(error("""
                pipeline: t
                schedule: {cron: "0 3 * * *", timezone: Mars/Olympus}
                steps:
                  a: {uses: noop}
                """)).startsWith("p.yaml:2: schedule.timezone: unknown time zone");
    }

    @Test
    void otherMistakesNameTheirLine() {
        assertThat(error("pipeline: t\nsteps:\n  a:\n    uses: noop\n    retires: 2\n"))
                .startsWith("p.yaml:5: steps.a.retires: unknown key");
        assertThat(error("pipeline: t\nsteps:\n  a:\n    uses: noop\n    with: {sleep_ms: soon}\n"))
                .startsWith("p.yaml:5: steps.a.with.sleep_ms: expected a whole number");
        assertThat(error("pipeline: t\nsteps:\n  a:\n    uses: noop\n    timeout: forever\n"))
                .startsWith("p.yaml:5: steps.a.timeout: expected a duration");
        assertThat(error("pipeline: t\nsteps:\n  a:\n    uses: noop\n  b:\n    uses: noop\n    with: {value: '${steps.a.outputs.nope}'}\n"))
                .startsWith("p.yaml:6: steps.b: ${steps.a.outputs.nope}: stage noop (step a) has no output \"nope\"");
        assertThat(error("pipeline: t\nsteps:\n  a:\n    uses: noop\n    needs: [zz]\n"))
                .startsWith("p.yaml:5: steps.a.needs: no step named \"zz\"");
        assertThat(error("pipeline: t\nsteps: [\n")).startsWith("p.yaml:").contains("not valid YAML");
        assertThat(error("pipeline: t\nsteps:\n  a:\n    uses: noop\n    when: \"== 3\"\n"))
                .startsWith("p.yaml:5: steps.a.when: comparison");
    }

    @Test
    void unknownOverrideIsRefused() {
        assertThatThrownBy(() -> parse("pipeline: t\nsteps:\n  a: {uses: noop}\n", Map.of("x", "1")))
                .hasMessageStartingWith("p.yaml: -p x: not a parameter of this pipeline");
    }

    @Test
    void conditions() {
        assertThat(Condition.evaluate("3 > 2")).isTrue();
        assertThat(Condition.evaluate("10 < 9.5")).isFalse();
        assertThat(Condition.evaluate("'a' == a && true")).isTrue();
        assertThat(Condition.evaluate("false || 1 != 1 || !false")).isTrue();
        assertThatThrownBy(() -> Condition.evaluate("maybe")).hasMessageContaining("not true or false");
    }
}
