package io.llmagentos.pipelines.cli;

import io.llmagentos.evaluation.EvalOptions;
import io.llmagentos.evaluation.EvaluationRun;
import io.llmagentos.evaluation.QualityGates;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code agentos eval}: evaluate models side by side, write the comparison report, check quality gates. */
@Command(name = "eval", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Evaluate models on one eval set and compare them: perplexity (sliding windows), multiple-choice"
                + " accuracy (lm-evaluation-harness acc and acc_norm, and PMI), exact match and token F1 of greedy short"
                + " answers, latency (TTFT, decode tokens/s, p50/p95), peak memory (process RSS) and bytes on disk."
                + " Models are DJL checkpoints or exported ONNX directories (FP32 or INT8). Writes report.json,"
                + " report.md, report.html (chart of quality vs size vs latency) and predictions.jsonl; with --gate"
                + " also gates.json, and exits 1 when a gate fails."})
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, arity = "1..*", paramLabel = "ALIAS=DIR",
            description = "A model to evaluate, named for gates and reports (teacher=runs/x/teacher/final); a bare DIR"
                    + " is named after its directory. Repeat or list several.")
    List<String> models = new ArrayList<>();

    @Option(names = "--eval-set", paramLabel = "FILE", description = "JSON-lines eval set (schema in "
            + "docs/architecture.md, Evaluation). Default: the bundled one (datasets-sample eval.jsonl).")
    Path evalSet;

    @Option(names = "--report", required = true, paramLabel = "DIR", description = "Directory for the report files.")
    Path report;

    @Option(names = "--gate", paramLabel = "FILE", description = "Quality gates YAML (e.g. configs/gates/demo.yaml);"
            + " a failed gate prints the table and exits 1.")
    Path gate;

    @Option(names = "--spark", negatable = false, description = "Compute the quality metrics on Spark (one ONNX Runtime"
            + " session per partition); latency and memory are measured in this process.")
    boolean spark;

    @Option(names = "--master", defaultValue = "local[*]", description = "Spark master with --spark.")
    String master;

    @Option(names = "--partitions", defaultValue = "0", description = "Spark partitions with --spark (0: the default "
            + "parallelism).")
    int partitions;

    @Option(names = "--threads", defaultValue = "2", description = EvalOptions.THREADS_DOC)
    int threads;

    @Option(names = "--ppl-window", defaultValue = "0", description = EvalOptions.PPL_WINDOW_DOC)
    int pplWindow;

    @Option(names = "--ppl-stride", defaultValue = "0", description = EvalOptions.PPL_STRIDE_DOC)
    int pplStride;

    @Option(names = "--max-new-tokens", defaultValue = "16", description = EvalOptions.MAX_NEW_TOKENS_DOC)
    int maxNewTokens;

    @Option(names = "--latency-prompts", defaultValue = "8", description = EvalOptions.LATENCY_PROMPTS_DOC)
    int latencyPrompts;

    @Option(names = "--latency-tokens", defaultValue = "32", description = EvalOptions.LATENCY_TOKENS_DOC)
    int latencyTokens;

    @Option(names = "--max-per-type", defaultValue = "0", description = EvalOptions.MAX_PER_TYPE_DOC)
    int maxPerType;

    @Option(names = "--mc-prompt", defaultValue = "question", paramLabel = "question|cloze",
            description = EvalOptions.MC_PROMPT_DOC)
    String mcPrompt;

    @Override
    public Integer call() throws IOException {
        List<EvaluationRun.NamedModel> named = new ArrayList<>();
        for (String m : models) {
            named.add(EvaluationRun.NamedModel.parse(m));
        }
        EvalOptions o = new EvalOptions(threads, pplWindow, pplStride, maxNewTokens, latencyPrompts, latencyTokens,
                maxPerType, EvalOptions.McPrompt.parse(mcPrompt));
        Path tmpEval = evalSet == null ? QuantizeCommand.bundledEval() : null;
        try {
            Path set = tmpEval != null ? tmpEval : evalSet;
            System.out.println("agentos eval: " + named.size() + " models on " + (tmpEval != null
                    ? "the bundled eval set" : set.toAbsolutePath().normalize()) + (spark ? " on Spark " + master : "")
                    + " -> " + report.toAbsolutePath().normalize());
            EvaluationRun.Result r = EvaluationRun.run(named, set, report, gate, o, spark ? master : null, partitions,
                    new ConsoleProgress(System.out));
            print(System.out, r);
            if (!r.gatesPassed()) {
                System.err.printf(Locale.ROOT, "agentos eval: %d of %d quality gates failed (%s); the report is in %s%n",
                        r.gatesFailed(), r.outcomes().size(), gate, report.toAbsolutePath().normalize());
                return 1;
            }
            return 0;
        } finally {
            if (tmpEval != null) {
                Files.deleteIfExists(tmpEval);
            }
        }
    }

    static void print(PrintStream out, EvaluationRun.Result r) {
        out.println();
        out.print(r.report().toMarkdown());
        if (!r.outcomes().isEmpty()) {
            out.println();
            out.println("quality gates (" + (r.gatesPassed() ? "all passed" : r.gatesFailed() + " failed") + "):");
            out.print(QualityGates.table(r.outcomes()).replaceAll("(?m)^", "  "));
        }
        out.println();
        out.println("outputs went to:");
        for (Path f : r.files()) {
            out.println("  -> " + f.toAbsolutePath().normalize());
        }
    }
}
