package io.llmagentos.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.progress.MetricsListener;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.safetensors.SafetensorsFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hooks distillation plugs into the loop: validation through {@link Objective#validationLossSum}, an
 * objective's own trainable tensors (trained, checkpointed, kept out of the final model), training batches
 * that carry their example indices, and {@code data.max_train_examples}.
 */
class ObjectiveHooksTest {
    @TempDir
    static Path data;

    @BeforeAll
    static void makeData() throws Exception {
        Fixtures.tokenizerAndShards(data, 300);
    }

    private static TrainConfig config(Path out, Map<String, String> more) throws Exception {
        Map<String, String> o = new java.util.LinkedHashMap<>(Map.of("training.seq_len", "16", "training.batch_size", "4",
                "training.max_steps", "6", "training.eval_every", "0", "training.save_every", "3",
                "training.warmup_steps", "1", "training.peak_gflops", "100", "data.validation_fraction", "0.1"));
        o.putAll(more);
        return TrainConfig.of(TrainMode.PRETRAIN, "demo-student", null, data.resolve("shards"), null,
                data.resolve("tokenizer"), out, o);
    }

    /** Twice the next-token loss plus (scale − 3)², with a trainable scalar "scale"; records the example indices. */
    static final class Doubled implements Objective, AutoCloseable {
        final NDManager manager = NDManager.newBaseManager();
        final Parameter scale = Parameter.builder().setName("test.scale").setType(Parameter.Type.WEIGHT).build();
        final Set<Integer> examples = new HashSet<>();

        Doubled() {
            scale.setArray(LlamaModel.owned(manager.create(new float[] {0f}, new Shape(1))));
        }

        @Override
        public NDArray lossSum(LlamaModel model, Weights w, NDArray ids, Batch shard, NDManager m) {
            for (int e : shard.examples()) {
                examples.add(e);
            }
            NDArray s = w.get("test.scale");
            return Objective.crossEntropySum(model.forward(w, ids, null), shard, m).mul(2)
                    .add(s.sub(3).square().mul((float) shard.tokens()).sum());
        }

        @Override
        public Map<String, Parameter> parameters() {
            return Map.of("test.scale", scale);
        }

        @Override
        public void close() {
            manager.close();
        }
    }

    @Test
    void validationUsesTheNextTokenLossAndTheObjectivesTensorsTrainAndAreCheckpointed(@TempDir Path tmp)
            throws Exception {
        List<Map<String, Double>> seen = new ArrayList<>();
        MetricsListener ml = (step, m) -> seen.add(m);
        try (Doubled obj = new Doubled()) {
            LmTrainer.Result r = new LmTrainer(config(tmp.resolve("a"), Map.of("data.max_train_examples", "10")),
                    ProgressListener.NONE, ml, obj, "hooks").run(false);
            assertThat(obj.examples).as("only the first 10 training examples, by index").isNotEmpty()
                    .allMatch(e -> e >= 0 && e < 10);
            assertThat(obj.scale.getArray().getFloat(0)).as("the objective's tensor trained").isGreaterThan(0.001f);
            try (SafetensorsFile f = SafetensorsFile.open(tmp.resolve("a/checkpoint-3/" + LmTrainer.OBJECTIVE_FILE))) {
                assertThat(f.readFloats("test.scale")[0]).isGreaterThan(0f);
            }
            try (Checkpoint ck = Checkpoint.open(r.finalCheckpoint())) {
                assertThat(ck.contains("test.scale")).isFalse();
                // validation loss = the model's own next-token loss on the validation split, not twice it
                try (LlamaModel m = LlamaModel.load(ck, ai.djl.Device.cpu());
                     ShardData d = new ShardData(data.resolve("shards"), 16, 0.1, 300, null)) {
                    double sum = 0;
                    double tokens = 0;
                    int n = Math.min(d.validationSize(), 8 * 4);
                    for (int i = 0; i < n; i += 4) {
                        int rows = Math.min(4, n - i);
                        int[][] in = new int[rows][16];
                        int[][] tg = new int[rows][16];
                        float[][] w = new float[rows][16];
                        for (int k = 0; k < rows; k++) {
                            d.validation(i + k, in[k], tg[k], w[k]);
                        }
                        Batch b = new Batch(in, tg, w);
                        try (NDManager mm = m.manager().newSubManager()) {
                            sum += Objective.NEXT_TOKEN.lossSum(m, m.weights(), LlamaModel.ids(mm, in), b, mm).getFloat();
                        }
                        tokens += b.tokens();
                    }
                    assertThat(r.valLoss()).isCloseTo(sum / tokens, within(1e-4));
                }
            }
        }
        assertThat(seen).anySatisfy(m -> assertThat(m).containsKey("val_loss"));
    }
}
