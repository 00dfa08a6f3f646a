package io.llmagentos.training;

import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Map;

/**
 * The fixed inputs of one {@link LmTrainer} run, shared by the classes its loop delegates to: the config, the
 * stage that names the run and that stage's own settings ({@link LmTrainer#runParameters}), the absolute output
 * directory, the model, its LoRA adapters ({@code null} unless the mode is LoRA), the tokenizer, the checkpoint
 * the run starts from ({@code null} from scratch), the data and the objective.
 */
record RunContext(TrainConfig cfg, String stage, Map<String, String> runParameters, Path out, LlamaModel model,
                  Lora lora, Tokenizer tok, Checkpoint base, TrainingData data, Objective objective) {
}
