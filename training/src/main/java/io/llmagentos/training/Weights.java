package io.llmagentos.training;

import ai.djl.ndarray.NDArray;

/**
 * Where a forward pass gets its weights on one device: the parameters themselves for inference, the
 * device's replica during data-parallel training, or base weights plus LoRA adapters. Tensor names are
 * Hugging Face's ({@code model.layers.0.self_attn.q_proj.weight}).
 */
public interface Weights {
    /** The weight tensor {@code name} on the forward's device. */
    NDArray get(String name);

    /**
     * {@code x · Wᵀ} for the linear layer whose weight is {@code name} (bias-free, as in Llama).
     * Adapters override this to add their low-rank update.
     */
    default NDArray linear(String name, NDArray x) {
        return x.getNDArrayInternal().linear(x, get(name), null).singletonOrThrow();
    }
}
