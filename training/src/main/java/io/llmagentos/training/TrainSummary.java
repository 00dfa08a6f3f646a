package io.llmagentos.training;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.json.JsonFields;
import java.io.IOException;
import java.nio.file.Path;

/** Writes {@value #FILE}: a finished run's {@link LmTrainer.Result} under the stage's name, as JSON. */
final class TrainSummary {
    static final String FILE = "train-summary.json";

    private TrainSummary() {
    }

    static void write(Path out, String stage, LmTrainer.Result r) throws IOException {
        ObjectNode o = JsonFields.MAPPER.createObjectNode();
        o.put("stage", stage);
        o.put("steps", r.steps());
        o.put("train_loss", r.trainLoss());
        if (r.initialValLoss() != null) {
            o.put("initial_val_loss", r.initialValLoss());
            o.put("initial_val_ppl", Math.exp(r.initialValLoss()));
        }
        if (r.valLoss() != null) {
            o.put("val_loss", r.valLoss());
            o.put("val_ppl", r.valPerplexity());
            o.put("val_examples", r.valExamples());
        }
        o.put("stopped_early", r.stoppedEarly());
        o.put("resumed_from_step", r.resumedFrom());
        o.put("tokens_per_s", r.tokensPerSecond());
        o.put("mfu", r.mfu());
        o.put("trainable_parameters", r.trainableParameters());
        o.put("final", r.finalCheckpoint().toString());
        if (r.adapter() != null) {
            o.put("adapter", r.adapter().toString());
        }
        JsonFields.MAPPER.writeValue(out.resolve(FILE).toFile(), o);
    }
}
