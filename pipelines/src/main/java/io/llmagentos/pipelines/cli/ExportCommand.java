package io.llmagentos.pipelines.cli;

import io.llmagentos.quantization.export.OnnxExportConfig;
import io.llmagentos.quantization.export.OnnxExportResult;
import io.llmagentos.quantization.export.OnnxExporter;
import io.llmagentos.quantization.export.OnnxValidation;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code agentos export onnx}. */
@Command(name = "export", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Export checkpoints to runtime formats.",
        subcommands = {ExportCommand.Onnx.class})
final class ExportCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "onnx", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = {"Export a checkpoint to ONNX (FP32, KV cache, Hugging Face Optimum's decoder inputs and outputs)"
                    + " with its config and tokenizer beside it, so the directory loads in Optimum's ORTModelForCausalLM"
                    + " and transformers.js as it is. The model is checked in ONNX Runtime before it is moved into place."})
    static final class Onnx implements Callable<Integer> {
        @Option(names = "--checkpoint", required = true, paramLabel = "DIR",
                description = "Checkpoint directory (config.json + model.safetensors, Hugging Face layout).")
        Path checkpoint;

        @Option(names = "--out", required = true, paramLabel = "DIR",
                description = "Output directory (must not exist or be empty).")
        Path out;

        @Option(names = "--opset", defaultValue = "" + OnnxExportConfig.DEFAULT_OPSET, description = OnnxExportConfig.OPSET_DOC)
        int opset;

        @Option(names = "--external-data-threshold", defaultValue = "" + OnnxExportConfig.DEFAULT_EXTERNAL_DATA_THRESHOLD,
                paramLabel = "BYTES", description = OnnxExportConfig.EXTERNAL_DATA_DOC)
        long externalDataThreshold;

        @Option(names = "--no-validate", negatable = false, description = "Skip the check in ONNX Runtime. "
                + OnnxExportConfig.VALIDATE_DOC)
        boolean noValidate;

        @Option(names = "--tolerance", defaultValue = "" + OnnxExportConfig.DEFAULT_TOLERANCE,
                description = OnnxExportConfig.TOLERANCE_DOC)
        double tolerance;

        @Override
        public Integer call() throws IOException {
            OnnxExportConfig cfg = new OnnxExportConfig(opset, externalDataThreshold, !noValidate, tolerance, 2);
            System.out.println("agentos export onnx: " + checkpoint.toAbsolutePath().normalize() + " -> "
                    + out.toAbsolutePath().normalize());
            OnnxExportResult r = new OnnxExporter(cfg).export(checkpoint, out, new ConsoleProgress(System.out));
            print(System.out, r);
            return 0;
        }
    }

    /** What an export wrote and the check it ran, one path per line. */
    static void print(PrintStream out, OnnxExportResult r) {
        out.printf(Locale.ROOT, "  ONNX opset %d, FP32, %,d parameters, %s (%s), %.1f s%n", r.opset(), r.parameters(),
                CheckpointCommand.bytes(r.modelBytes()), r.externalData() == null ? "weights inline"
                        : "weights in " + r.externalData().getFileName(), r.seconds());
        OnnxValidation v = r.validation();
        out.println("  check: " + (v == null ? "skipped (--no-validate)" : v.summary()));
        out.println("  source digest " + r.sourceDigest());
        out.println("  -> " + r.modelFile());
        if (r.externalData() != null) {
            out.println("  -> " + r.externalData());
        }
        out.println("  -> " + r.outDir() + " (" + String.join(", ", r.copiedFiles()) + ")");
    }
}
