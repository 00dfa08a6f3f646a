package io.llmagentos.training;

/** What a training run does. */
public enum TrainMode {
    /** Next-token prediction on token shards, from fresh weights or a checkpoint (continued pretraining). */
    PRETRAIN,
    /** Supervised fine-tuning of every weight on chat records, with the loss on assistant tokens only. */
    SFT,
    /** SFT that trains low-rank adapters on chosen projections and leaves the base weights untouched. */
    LORA
}
