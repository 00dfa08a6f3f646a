package io.llmagentos.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.safetensors.SafetensorsFile;
import io.llmagentos.testsupport.RepoPaths;
import io.llmagentos.testsupport.Tolerance;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Golden parity with Hugging Face {@code transformers}: tiny random {@code LlamaForCausalLM} checkpoints
 * made by scripts/parity/make_llama_fixture.py (committed under src/test/resources/fixtures) load here
 * and give the logits transformers gave (1e-4 absolute), and greedy generation with our KV cache emits
 * the tokens {@code model.generate} emitted.
 */
class LlamaParityTest {
    static Path fixture(String name) {
        return RepoPaths.root().resolve("training/src/test/resources/fixtures").resolve(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-gqa", "tiny-tied-llama3"})
    void logitsAndGreedyTokensEqualTransformers(String name) throws Exception {
        Path dir = fixture(name);
        try (Checkpoint ck = Checkpoint.open(dir);
             LlamaModel model = LlamaModel.load(ck, Device.cpu());
             SafetensorsFile expected = SafetensorsFile.open(dir.resolve("expected.safetensors"));
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            long[] idsFlat = expected.readLongs("input_ids");
            long[] shape = expected.info("input_ids").shape();
            int[][] ids = new int[(int) shape[0]][(int) shape[1]];
            for (int i = 0; i < idsFlat.length; i++) {
                ids[i / (int) shape[1]][i % (int) shape[1]] = (int) idsFlat[i];
            }
            NDArray logits = model.forward(model.weights(), LlamaModel.ids(m, ids), null);
            float[] want = expected.readFloats("logits");
            assertThat(logits.getShape().getShape()).containsExactly(expected.info("logits").shape());
            Tolerance.assertAllClose(logits.toFloatArray(), want, 0, 1e-4);

            long[] prompt = expected.readLongs("prompt");
            long[] greedy = expected.readLongs("greedy");
            int[] p = Arrays.stream(prompt).mapToInt(x -> (int) x).toArray();
            int[] got = new Generator(model).generate(p, Sampling.greedy(greedy.length - p.length, List.of()), t -> { });
            assertThat(got).containsExactly(Arrays.stream(greedy).mapToInt(x -> (int) x).toArray());
        }
    }
}
