package io.llmagentos.quantization.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.quantization.runtime.Logits;
import io.llmagentos.quantization.runtime.OrtCausalLm;
import io.llmagentos.testsupport.TempDirectory;
import io.llmagentos.testsupport.Tolerance;
import io.llmagentos.training.LlamaModel;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The export's central promise: the FP32 ONNX model run by ONNX Runtime gives the logits of the DJL
 * {@link LlamaModel} it was exported from, within 1e-4 absolute, on fixed inputs (two rows of 20 random
 * tokens), for multi-head and grouped-query attention, tied embeddings and every rope scaling the training
 * stage implements; and the KV-cache path (prefill, then one token at a time) gives the same logits as DJL's
 * own cached path.
 */
class OnnxParityTest {
    static final double ATOL = 1e-4;

    @ParameterizedTest
    @ValueSource(strings = {"mha", "gqa", "gqa-tied-llama3", "linear", "dynamic"})
    void onnxLogitsEqualDjlLogits(String name) throws Exception {
        LlamaConfig c = TinyModels.config(name);
        try (TempDirectory tmp = new TempDirectory("onnx-parity");
             LlamaModel djl = TinyModels.model(c, 11)) {
            Path ck = TinyModels.save(djl, tmp.resolve("ckpt"));
            OnnxExportResult r = new OnnxExporter(OnnxExportConfig.defaults()).export(ck, tmp.resolve("onnx"),
                    ProgressListener.NONE);
            assertThat(r.validation().passed()).isTrue();

            // "dynamic" has max_position_embeddings 12: 20 tokens run past it, where the rope base changes
            int[][] ids = TinyModels.ids(c.vocabSize(), 2, 20, 5);
            // the cached path first: DJL keeps the rope table of the longest sequence it has seen, so for dynamic
            // scaling a short prefix after a long forward would use the long sequence's base
            float[] djlCached = TinyModels.djlCachedLogits(djl, ids[0], 7);
            float[] expected = TinyModels.djlLogits(djl, ids);
            try (OrtCausalLm lm = OrtCausalLm.open(r.outDir())) {
                Logits got = lm.forward(ids);
                Tolerance.assertAllClose(new long[] {got.batch(), got.seq(), got.vocab()}, got.values(),
                        new long[] {2, 20, c.vocabSize()}, expected, 0, ATOL);

                float[] ortCached = new float[djlCached.length];
                try (OrtCausalLm.KvCache cache = lm.newCache(1)) {
                    int pos = 0;
                    while (pos < ids[0].length) {
                        int len = pos == 0 ? 7 : 1;
                        long[][] chunk = {new long[len]};
                        for (int j = 0; j < len; j++) {
                            chunk[0][j] = ids[0][pos + j];
                        }
                        long[][] mask = {new long[pos + len]};
                        java.util.Arrays.fill(mask[0], 1);
                        Logits step = lm.forward(chunk, mask, null, cache);
                        System.arraycopy(step.values(), 0, ortCached, pos * c.vocabSize(), step.values().length);
                        pos += len;
                    }
                    assertThat(cache.length()).isEqualTo(20);
                }
                Tolerance.assertAllClose(ortCached, djlCached, 0, ATOL);
            }
        }
    }
}
