package io.llmagentos.serving.engine;

/** Hooks the metrics layer uses to watch a {@link DecodeEngine}; called on the engine thread. */
public interface EngineObserver {
    EngineObserver NONE = new EngineObserver() {
    };

    /** A prefill of {@code tokens} prompt tokens took {@code nanos}. */
    default void onPrefill(int tokens, long nanos) {
    }

    /** A decode step of {@code batch} sequences took {@code nanos}. */
    default void onDecodeStep(int batch, long nanos) {
    }
}
