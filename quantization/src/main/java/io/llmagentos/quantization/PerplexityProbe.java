package io.llmagentos.quantization;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.quantization.int8.OnnxModelFile;
import io.llmagentos.quantization.runtime.OrtCausalLm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Perplexity of model variants on a fixed set of token sequences, in ONNX Runtime ({@link OrtCausalLm}).
 * In-memory variants are written to a scratch directory (with the model's {@code config.json}) that is
 * deleted on close.
 */
final class PerplexityProbe implements AutoCloseable {
    private final Path scratch;
    private final List<int[]> sequences;
    private final int threads;

    PerplexityProbe(Path modelDir, List<int[]> sequences, int threads) throws IOException {
        this.sequences = List.copyOf(sequences);
        this.threads = threads;
        this.scratch = Files.createTempDirectory("agentos-ppl-");
        Files.copy(modelDir.resolve(LlamaConfig.FILE_NAME), scratch.resolve(LlamaConfig.FILE_NAME));
    }

    /** Perplexity of a model file in its own directory. */
    OrtCausalLm.Perplexity of(Path dir, String modelFile) throws IOException {
        try (OrtCausalLm lm = OrtCausalLm.open(dir, OrtCausalLm.Options.defaults().withModelFile(modelFile)
                .withThreads(threads))) {
            return lm.perplexity(sequences);
        }
    }

    /** Perplexity of an in-memory model. */
    OrtCausalLm.Perplexity of(ModelProto model) throws IOException {
        OnnxModelFile.save(model, scratch.resolve("variant.onnx"));
        return of(scratch, "variant.onnx");
    }

    int sequences() {
        return sequences.size();
    }

    @Override
    public void close() throws IOException {
        try (Stream<Path> s = Files.walk(scratch)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
