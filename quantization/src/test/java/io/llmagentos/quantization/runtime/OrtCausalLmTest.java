package io.llmagentos.quantization.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.quantization.export.OnnxExportConfig;
import io.llmagentos.quantization.export.OnnxExporter;
import io.llmagentos.quantization.export.TinyModels;
import io.llmagentos.testsupport.TempDirectory;
import io.llmagentos.testsupport.Tolerance;
import io.llmagentos.training.Generator;
import io.llmagentos.training.LlamaModel;
import io.llmagentos.training.Sampling;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link OrtCausalLm} on a model exported from a tiny random GQA checkpoint: greedy generation with the KV
 * cache equals generation without it and DJL's, token for token; a left-padded batch gives each row the
 * logits it has alone, in the prefill and in cached decode steps; log-likelihoods equal DJL's log-softmax.
 */
class OrtCausalLmTest {
    static final double ATOL = 1e-4;
    private static TempDirectory tmp;
    private static LlamaModel djl;
    private static Path onnx;

    @BeforeAll
    static void export() throws Exception {
        tmp = new TempDirectory("ort-lm");
        LlamaConfig c = TinyModels.config("gqa");
        djl = TinyModels.model(c, 3);
        Path ck = TinyModels.save(djl, tmp.resolve("ckpt"));
        onnx = new OnnxExporter(OnnxExportConfig.defaults()).export(ck, tmp.resolve("onnx"), ProgressListener.NONE).outDir();
    }

    @AfterAll
    static void cleanUp() {
        djl.close();
        tmp.close();
    }

    @Test
    void cachedGenerationEqualsUncachedAndDjl() throws Exception {
        int[] prompt = {1, 17, 42, 5, 63};
        int newTokens = 30;
        int[] djlTokens = new Generator(djl).generate(prompt, Sampling.greedy(newTokens, List.of()), t -> { });
        try (OrtCausalLm lm = OrtCausalLm.open(onnx)) {
            int[] streamed = new int[newTokens];
            int[] count = {0};
            int[] cached = lm.generate(prompt, newTokens, List.of(), t -> streamed[count[0]++] = t);
            int[] uncached = lm.generateWithoutCache(prompt, newTokens, List.of());
            assertThat(cached).hasSize(prompt.length + newTokens).isEqualTo(uncached).isEqualTo(djlTokens);
            assertThat(Arrays.copyOfRange(cached, prompt.length, cached.length)).isEqualTo(streamed);
            // a generation stuck on one token would make the comparison weak
            assertThat(Arrays.stream(cached, prompt.length, cached.length).distinct().count()).isGreaterThan(3);
        }
    }

    @Test
    void generationStopsAtAStopToken() throws Exception {
        int[] prompt = {1, 17, 42};
        try (OrtCausalLm lm = OrtCausalLm.open(onnx)) {
            int[] free = lm.generate(prompt, 10, List.of(), t -> { });
            int stop = free[prompt.length + 2];
            int[] stopped = lm.generate(prompt, 10, List.of(stop), t -> { });
            int first = IntStream.range(prompt.length, free.length).filter(i -> free[i] == stop).findFirst().orElseThrow();
            assertThat(stopped).isEqualTo(Arrays.copyOf(free, first + 1));
        }
    }

    @Test
    void leftPaddedBatchMatchesSingleRowsInPrefillAndCachedDecode() throws Exception {
        int vocab = djl.config().vocabSize();
        int[][] rows = {TinyModels.ids(vocab, 1, 9, 21)[0], TinyModels.ids(vocab, 1, 6, 22)[0],
            TinyModels.ids(vocab, 1, 3, 23)[0]};
        int width = 9;
        int steps = 4;
        try (OrtCausalLm lm = OrtCausalLm.open(onnx)) {
            long[][] ids = new long[3][width];
            long[][] mask = new long[3][width];
            for (int b = 0; b < 3; b++) {
                int pad = width - rows[b].length;
                for (int j = 0; j < rows[b].length; j++) {
                    ids[b][pad + j] = rows[b][j];
                    mask[b][pad + j] = 1;
                }
                Arrays.fill(ids[b], 0, pad, djl.config().padTokenId());
            }
            try (OrtCausalLm.KvCache cache = lm.newCache(3)) {
                assertThat(cache.length()).isZero();
                Logits batch = lm.forward(ids, mask, OrtCausalLm.positionsFromMask(mask, width), cache);
                assertThat(cache.length()).isEqualTo(width);
                long[] next = new long[3];
                for (int b = 0; b < 3; b++) {
                    Logits alone = lm.forward(rows[b]);
                    int pad = width - rows[b].length;
                    for (int j = 0; j < rows[b].length; j++) {
                        Tolerance.assertAllClose(batch.row(b, pad + j), alone.row(0, j), 0, ATOL);
                    }
                    next[b] = batch.argMax(b, width - 1);
                }
                // decode: one token per row, the mask grows by a 1 per step, positions continue per row
                long[][] seqs = new long[3][];
                for (int b = 0; b < 3; b++) {
                    seqs[b] = new long[rows[b].length + steps];
                    for (int j = 0; j < rows[b].length; j++) {
                        seqs[b][j] = rows[b][j];
                    }
                }
                long[][] growing = mask;
                for (int s = 0; s < steps; s++) {
                    long[][] stepMask = new long[3][growing[0].length + 1];
                    long[][] stepIds = new long[3][1];
                    for (int b = 0; b < 3; b++) {
                        System.arraycopy(growing[b], 0, stepMask[b], 0, growing[b].length);
                        stepMask[b][growing[b].length] = 1;
                        stepIds[b][0] = next[b];
                        seqs[b][rows[b].length + s] = next[b];
                    }
                    Logits step = lm.forward(stepIds, stepMask, OrtCausalLm.positionsFromMask(stepMask, 1), cache);
                    for (int b = 0; b < 3; b++) {
                        int len = rows[b].length + s + 1;
                        int[] prefix = Arrays.stream(seqs[b], 0, len).mapToInt(v -> (int) v).toArray();
                        Logits alone = lm.forward(prefix);
                        Tolerance.assertAllClose(step.row(b, 0), alone.row(0, len - 1), 0, ATOL);
                        next[b] = step.argMax(b, 0);
                    }
                    growing = stepMask;
                }
                assertThat(cache.length()).isEqualTo(width + steps);
            }
        }
    }

    @Test
    void logProbsAndPerplexityEqualDjl() throws Exception {
        int vocab = djl.config().vocabSize();
        int[] tokens = TinyModels.ids(vocab, 1, 16, 31)[0];
        float[] logits = TinyModels.djlLogits(djl, new int[][] {tokens});
        double[] expected = new double[tokens.length - 1];
        for (int i = 1; i < tokens.length; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < vocab; v++) {
                max = Math.max(max, logits[(i - 1) * vocab + v]);
            }
            double sum = 0;
            for (int v = 0; v < vocab; v++) {
                sum += Math.exp(logits[(i - 1) * vocab + v] - max);
            }
            expected[i - 1] = logits[(i - 1) * vocab + tokens[i]] - max - Math.log(sum);
        }
        try (OrtCausalLm lm = OrtCausalLm.open(onnx)) {
            double[] got = lm.tokenLogProbs(tokens);
            Tolerance.assertAllClose(got, expected, 0, ATOL);
            int[] other = TinyModels.ids(vocab, 1, 11, 32)[0];
            OrtCausalLm.Perplexity ppl = lm.perplexity(List.of(tokens, other));
            double nll = -Arrays.stream(got).sum() - Arrays.stream(lm.tokenLogProbs(other)).sum();
            assertThat(ppl.tokens()).isEqualTo(15 + 10);
            assertThat(ppl.value()).isCloseTo(Math.exp(nll / 25), org.assertj.core.data.Offset.offset(1e-9));
            // a random model is close to uniform: perplexity near the vocabulary size, far from 1
            assertThat(ppl.value()).isGreaterThan(5);
        }
    }

    @Test
    void opensAnyModelFileOfTheDirectory() throws Exception {
        Path copy = onnx.resolve("model_copy.onnx");
        Files.copy(onnx.resolve("model.onnx"), copy);
        try (OrtCausalLm a = OrtCausalLm.open(onnx);
             OrtCausalLm b = OrtCausalLm.open(onnx, OrtCausalLm.Options.defaults().withModelFile("model_copy.onnx")
                     .withThreads(1))) {
            assertThat(b.modelFile()).isEqualTo(copy);
            assertThat(b.layers()).isEqualTo(2);
            assertThat(b.forward(new int[] {1, 2, 3}).values()).isEqualTo(a.forward(new int[] {1, 2, 3}).values());
        } finally {
            Files.delete(copy);
        }
        assertThatThrownBy(() -> OrtCausalLm.open(onnx, OrtCausalLm.Options.defaults().withModelFile("model_int8.onnx")))
                .isInstanceOf(OnnxModelException.class)
                .hasMessageContaining("model_int8.onnx").hasMessageContaining("no such model file");
    }

    @Test
    void badCallsAreClearErrors() throws Exception {
        try (OrtCausalLm lm = OrtCausalLm.open(onnx)) {
            assertThatThrownBy(() -> lm.forward(new int[] {1, 96})).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("token id 96 is outside the vocabulary [0, 96)");
            assertThatThrownBy(() -> lm.forward(new long[][] {{1, 2}}, new long[][] {{1}}, null, null))
                    .hasMessageContaining("attention_mask row 0 has 1 columns, expected 2");
            assertThatThrownBy(() -> lm.generate(new int[0], 3, List.of(), t -> { }))
                    .hasMessageContaining("prompt is empty");
        }
    }
}
