package io.llmagentos.serving.engine;

/**
 * Receives one sequence's output on the engine thread; implementations must return quickly (hand the events
 * to the waiting request thread). Exactly one of {@link #onComplete} and {@link #onError} ends the stream.
 * An exception thrown from a callback cancels the sequence.
 */
public interface GenerationListener {
    /** A piece of text that is now final (stop sequences and incomplete characters are held back). */
    void onText(String delta);

    void onComplete(Completion completion);

    void onError(Exception error);
}
