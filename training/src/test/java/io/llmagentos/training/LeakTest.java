package io.llmagentos.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.llmagentos.core.config.LlamaConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Training and generation steps release every native array they create: nothing accumulates per step. */
class LeakTest {
    private static int arrays(NDManager m) {
        return ((BaseNDManager) m).getManagedArrays().size();
    }

    @Test
    void stepsAndGenerationDoNotAccumulateArrays() {
        LlamaConfig c = LlamaConfig.of(64, 32, 64, 2, 4, 2, 64);
        try (LlamaModel model = LlamaModel.random(c, 3, Device.cpu())) {
            model.parameters().values().forEach(p -> p.getArray().setRequiresGradient(true));
            AdamW opt = new AdamW(0.9, 0.95, 1e-8, 0.1);
            Replicas reps = new Replicas(List.of(Device.cpu()), model.parameters(), model.parameters(), model.manager());
            int[][] ids = {{1, 2, 3, 4, 5, 6, 7, 8}, {8, 7, 6, 5, 4, 3, 2, 1}};
            Batch b = new Batch(ids, ids, new float[][] {{1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1}});
            int after2 = 0;
            for (int step = 1; step <= 30; step++) {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector();
                     NDManager m = model.manager().newSubManager()) {
                    NDArray loss = Objective.NEXT_TOKEN.lossSum(model, model.weights(), LlamaModel.ids(m, ids), b, m);
                    gc.backward(loss);
                }
                Map<String, NDArray> grads = reps.reduceGradients();
                for (var e : grads.entrySet()) {
                    opt.update(e.getKey(), model.weight(e.getKey()), e.getValue(), step, 1e-3);
                    e.getValue().subi(e.getValue());
                    e.getValue().close();
                }
                if (step == 2) {
                    after2 = arrays(model.manager());
                }
            }
            assertThat(arrays(model.manager())).isEqualTo(after2);
            int beforeGen = arrays(model.manager());
            for (int i = 0; i < 5; i++) {
                new Generator(model).generate(new int[] {1, 2, 3}, Sampling.greedy(10, List.of()), t -> { });
            }
            assertThat(arrays(model.manager())).isEqualTo(beforeGen);
            opt.close();
            reps.close();
        }
    }
}
