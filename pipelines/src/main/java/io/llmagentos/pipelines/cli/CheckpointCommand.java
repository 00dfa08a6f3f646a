package io.llmagentos.pipelines.cli;

import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.checkpoint.CheckpointException;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code agentos checkpoint inspect}. */
@Command(name = "checkpoint", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Work with checkpoint directories (Hugging Face layout).",
        subcommands = {CheckpointCommand.Inspect.class})
final class CheckpointCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Show a checkpoint's config, parameter count, tensors, dtypes and bytes, and check the "
                    + "weights against config.json.")
    static final class Inspect implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", description = "Checkpoint directory (config.json + model.safetensors).")
        Path dir;

        @Option(names = "--tensors", description = "List every tensor (default: the first layer's and the totals).")
        boolean allTensors;

        @Override
        public Integer call() throws IOException {
            try (Checkpoint ck = Checkpoint.open(dir)) {
                System.out.print(describe(ck, allTensors));
                try {
                    ck.validateTensors();
                    System.out.println("weights match config.json: yes");
                } catch (CheckpointException e) {
                    System.out.println("weights match config.json: NO");
                    throw e;
                }
            }
            return 0;
        }
    }

    static String describe(Checkpoint ck, boolean allTensors) throws IOException {
        StringBuilder sb = new StringBuilder();
        LlamaConfig c = ck.config();
        sb.append("checkpoint ").append(ck.dir().toAbsolutePath()).append('\n');
        sb.append(String.format(Locale.ROOT,
                "  LlamaForCausalLM: %d layers, hidden %d, intermediate %d, heads %d (kv %d, head_dim %d), vocab %,d,%n"
                        + "  max positions %,d, rope_theta %s%s, rms_norm_eps %s, tied embeddings %s%n",
                c.numHiddenLayers(), c.hiddenSize(), c.intermediateSize(), c.numAttentionHeads(), c.numKeyValueHeads(),
                c.headDim(), c.vocabSize(), c.maxPositionEmbeddings(), c.ropeTheta(),
                c.ropeScaling() == null ? "" : " (" + c.ropeScaling().type() + " ×" + c.ropeScaling().factor() + ")",
                c.rmsNormEps(), c.tieWordEmbeddings()));
        List<TensorInfo> tensors = ck.tensors();
        Map<String, long[]> byDtype = new TreeMap<>();
        for (TensorInfo t : tensors) {
            long[] acc = byDtype.computeIfAbsent(t.dtype().name(), k -> new long[3]);
            acc[0]++;
            acc[1] += t.elementCount();
            acc[2] += t.byteLength();
        }
        sb.append(String.format(Locale.ROOT, "  parameters: %,d in %d tensors (config implies %,d), %s on disk%n",
                ck.parameterCount(), tensors.size(), c.parameterCount(), bytes(ck.weightBytes())));
        byDtype.forEach((dt, a) -> sb.append(String.format(Locale.ROOT, "    %-5s %5d tensors %,16d params %12s%n",
                dt, a[0], a[1], bytes(a[2]))));
        sb.append("  tokenizer: ").append(ck.hasTokenizer() ? ck.tokenizer().vocabSize() + " tokens, "
                + ck.tokenizer().digest() : "none").append('\n');
        ck.lineage().ifPresent(l -> sb.append("  lineage: stage ").append(l.stage())
                .append(l.parent() == null ? "" : ", parent " + l.parent())
                .append(l.dataDigest() == null ? "" : ", data " + l.dataDigest()).append('\n'));
        sb.append("  tensors:\n");
        int shown = 0;
        for (TensorInfo t : tensors) {
            boolean firstLayerOrGlobal = !t.name().startsWith("model.layers.") || t.name().startsWith("model.layers.0.");
            if (allTensors || firstLayerOrGlobal) {
                sb.append(String.format(Locale.ROOT, "    %-48s %-5s %-16s %10s%n", t.name(), t.dtype().name(),
                        Arrays.toString(t.shape()), bytes(t.byteLength())));
                shown++;
            }
        }
        if (shown < tensors.size()) {
            sb.append(String.format(Locale.ROOT, "    … %d more (layers 1..%d have the same shapes; --tensors lists all)%n",
                    tensors.size() - shown, c.numHiddenLayers() - 1));
        }
        return sb.toString();
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] u = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int i = -1;
        while (v >= 1024 && i < u.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, u[i]);
    }
}
