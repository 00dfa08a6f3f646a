package io.llmagentos.pipelines.cli;

import io.llmagentos.datasets.sample.SampleData;
import io.llmagentos.quantization.Int8Quantizer;
import io.llmagentos.quantization.QuantizeOptions;
import io.llmagentos.quantization.QuantizeResult;
import io.llmagentos.quantization.SensitivityAnalysis;
import io.llmagentos.quantization.calibration.CalibrationConfig;
import io.llmagentos.quantization.calibration.CalibrationMethod;
import io.llmagentos.quantization.int8.Exclusions;
import io.llmagentos.quantization.int8.QuantizationException;
import io.llmagentos.quantization.int8.QuantizeConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code agentos quantize}: INT8 quantization of an exported ONNX model directory. */
@Command(name = "quantize", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Quantize an exported ONNX model (agentos export onnx) to INT8: every matrix product with a weight"
                + " and the embedding table, weights symmetric per channel. Dynamic quantization needs no data;"
                + " static QDQ calibrates activation ranges on a calibration set. The INT8 and FP32 perplexities are"
                + " compared on an eval set (the bundled one by default); --sensitivity finds the ops to keep in FP32"
                + " to meet --budget. Writes a directory of the same layout (model.onnx, config, tokenizer,"
                + " quantization.json, lineage.json); exits 1 when the INT8 model misses the budget."})
final class QuantizeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Exported FP32 model directory (model.onnx + config.json + tokenizer.json), or its model.onnx.")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (must not exist or be empty).")
    Path out;

    @Option(names = "--method", defaultValue = "dynamic", paramLabel = "dynamic|static", description = QuantizeOptions.METHOD_DOC)
    String method;

    @Option(names = "--calibration", paramLabel = "FILE", description = QuantizeOptions.CALIBRATION_DOC)
    Path calibration;

    @Option(names = "--calib-method", defaultValue = "entropy", paramLabel = "minmax|percentile|entropy",
            description = CalibrationConfig.METHOD_DOC)
    String calibMethod;

    @Option(names = "--percentile", defaultValue = "99.99", description = CalibrationConfig.PERCENTILE_DOC)
    double percentile;

    @Option(names = "--calib-samples", defaultValue = "0", description = CalibrationConfig.MAX_SAMPLES_DOC)
    int calibSamples;

    @Option(names = "--smoothquant", paramLabel = "ALPHA", description = QuantizeOptions.SMOOTHQUANT_DOC)
    Double smoothQuant;

    @Option(names = "--per-tensor", negatable = false, description = "One scale per weight tensor instead of one per "
            + "output channel.")
    boolean perTensor;

    @Option(names = "--kernel", defaultValue = "matmul-integer", paramLabel = "matmul-integer|matmul-nbits|dequantize-weights",
            description = "Dynamic only. " + QuantizeConfig.DYNAMIC_KERNEL_DOC)
    String kernel;

    @Option(names = "--no-embedding", negatable = false, description = "Keep the embedding table in FP32.")
    boolean noEmbedding;

    @Option(names = "--asymmetric-activations", negatable = false, description = "Static: uint8 activations over "
            + "[min(0, lo), max(0, hi)] with a computed zero point (the default is symmetric around zero point 128).")
    boolean asymmetric;

    @Option(names = "--exclude", arity = "1..*", paramLabel = "PATTERN", description = QuantizeConfig.EXCLUDE_DOC)
    List<String> exclude = new ArrayList<>();

    @Option(names = "--eval", paramLabel = "FILE", description = QuantizeOptions.EVAL_DOC
            + " Default: the bundled eval set (datasets-sample eval.jsonl).")
    Path eval;

    @Option(names = "--no-eval", negatable = false, description = "Skip the perplexity check.")
    boolean noEval;

    @Option(names = "--eval-samples", defaultValue = "200", description = QuantizeOptions.EVAL_SAMPLES_DOC)
    int evalSamples;

    @Option(names = "--sensitivity", negatable = false, description = QuantizeOptions.SENSITIVITY_DOC)
    boolean sensitivity;

    @Option(names = "--granularity", defaultValue = "op", paramLabel = "op|layer", description = QuantizeOptions.GRANULARITY_DOC)
    String granularity;

    @Option(names = "--budget", defaultValue = "1.02", description = QuantizeOptions.BUDGET_DOC)
    double budget;

    @Option(names = "--threads", defaultValue = "2", description = QuantizeOptions.THREADS_DOC)
    int threads;

    @Override
    public Integer call() throws IOException, QuantizationException {
        Path tmpEval = null;
        try {
            if (!noEval && eval == null) {
                tmpEval = bundledEval();
            }
            QuantizeOptions o = options(tmpEval != null ? tmpEval : eval);
            System.out.println("agentos quantize: " + model.toAbsolutePath().normalize() + " -> " + out.toAbsolutePath()
                    .normalize() + " (" + o.label() + ")");
            QuantizeResult r = Int8Quantizer.run(model, out, o, new ConsoleProgress(System.out));
            print(System.out, r);
            if (!Double.isNaN(r.pplRatio()) && !r.withinBudget()) {
                System.err.printf(Locale.ROOT, "agentos quantize: INT8 perplexity is %.4fx FP32, over the budget %.3fx;"
                        + " the model in %s is written for inspection; run with --sensitivity to find ops to keep in"
                        + " FP32, or raise --budget%n", r.pplRatio(), r.budget(), r.outDir());
                return 1;
            }
            return 0;
        } finally {
            if (tmpEval != null) {
                Files.deleteIfExists(tmpEval);
            }
        }
    }

    QuantizeOptions options(Path evalFile) {
        QuantizeOptions.Method m = switch (method.toLowerCase(Locale.ROOT)) {
            case "dynamic" -> QuantizeOptions.Method.DYNAMIC;
            case "static" -> QuantizeOptions.Method.STATIC;
            default -> throw new CommandLine.ParameterException(new CommandLine(this),
                    "--method must be dynamic or static (got " + method + ")");
        };
        SensitivityAnalysis.Granularity g = switch (granularity.toLowerCase(Locale.ROOT)) {
            case "op" -> SensitivityAnalysis.Granularity.OP;
            case "layer" -> SensitivityAnalysis.Granularity.LAYER;
            default -> throw new CommandLine.ParameterException(new CommandLine(this),
                    "--granularity must be op or layer (got " + granularity + ")");
        };
        if (sensitivity && noEval) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--sensitivity measures perplexity: drop "
                    + "--no-eval");
        }
        CalibrationConfig cc = CalibrationConfig.defaults(CalibrationMethod.parse(calibMethod)).withPercentile(percentile)
                .withMaxSamples(calibSamples).withThreads(threads);
        QuantizeConfig.DynamicKernel k;
        try {
            k = QuantizeConfig.DynamicKernel.parse(kernel);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--kernel: " + e.getMessage());
        }
        if (m != QuantizeOptions.Method.DYNAMIC && k != QuantizeConfig.DynamicKernel.MATMUL_INTEGER) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--kernel applies to --method dynamic; "
                    + "static quantization writes QDQ pairs");
        }
        QuantizeConfig qc = QuantizeConfig.defaults().withPerChannel(!perTensor).withEmbedding(!noEmbedding)
                .withDynamicKernel(k)
                .withSymmetricActivations(!asymmetric)
                .withExclusions(new Exclusions(exclude));
        return QuantizeOptions.dynamic().withQuant(qc).withCalibration(calibration, cc).withMethod(m)
                .withSmoothQuant(smoothQuant).withEval(noEval ? null : evalFile, evalSamples)
                .withSensitivity(sensitivity, budget, g).withThreads(threads);
    }

    /** The bundled eval set, copied out of the datasets-sample jar. */
    static Path bundledEval() throws IOException {
        Path f = Files.createTempFile("agentos-eval-", ".jsonl");
        try (InputStream in = SampleData.class.getResourceAsStream("data/eval.jsonl")) {
            if (in == null) {
                throw new IllegalStateException("the bundled eval set is missing from the datasets-sample jar");
            }
            Files.copy(in, f, StandardCopyOption.REPLACE_EXISTING);
        }
        return f;
    }

    /** What quantization did and measured, and where every file went. */
    static void print(PrintStream out, QuantizeResult r) {
        if (r.calibration() != null) {
            out.printf(Locale.ROOT, "  calibration: %s over %d sequences (%,d tokens) in %.1f s%n",
                    r.calibration().method().cliName(), r.calibration().sequences(), r.calibration().tokens(),
                    r.calibration().seconds());
        }
        if (r.smoothQuant() != null) {
            out.printf(Locale.ROOT, "  SmoothQuant alpha %.2f: %d activation groups smoothed, %d left as they were%n",
                    r.smoothQuant().alpha(), r.smoothQuant().groups().size(), r.smoothQuant().skipped().size());
        }
        if (r.sensitivity() != null) {
            out.print(r.sensitivity().summary().replaceAll("(?m)^", "  "));
        }
        out.print(r.summary().replaceAll("(?m)^", "  "));
        for (Path f : r.files()) {
            out.println("  -> " + f);
        }
    }
}
