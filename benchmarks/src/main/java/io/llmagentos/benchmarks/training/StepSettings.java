package io.llmagentos.benchmarks.training;

/**
 * The optimizer settings shared by the profile loop, the optimizer micro-benchmark and the PyTorch peer's runs
 * (the timed {@code LmTrainer} runs take theirs from {@code TrainConfig}'s defaults).
 */
final class StepSettings {
    static final double LR = 3e-3;
    static final double BETA1 = 0.9;
    static final double BETA2 = 0.95;
    static final double EPS = 1e-8;
    static final double WEIGHT_DECAY = 0.1;
    static final double GRAD_CLIP = 1.0;

    private StepSettings() {
    }
}
