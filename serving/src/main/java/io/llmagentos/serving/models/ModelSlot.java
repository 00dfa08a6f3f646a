package io.llmagentos.serving.models;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The model a server serves now, swappable at run time. {@link #acquire()} hands a request the current
 * version with a reference taken; {@link #swap} installs a fully loaded new version atomically and releases
 * the slot's reference to the old one, which keeps serving the requests that hold it and closes after the
 * last of them ({@link ServedModel#release()}). No request sees a closed model.
 */
public final class ModelSlot implements AutoCloseable {
    private final AtomicReference<ServedModel> current;

    public ModelSlot(ServedModel initial) {
        current = new AtomicReference<>(initial);
    }

    /** The current model with a reference taken; the caller must {@link ServedModel#release()} it. */
    public ServedModel acquire() {
        while (true) {
            ServedModel m = current.get();
            if (m == null) {
                throw new IllegalStateException("the model slot is closed");
            }
            if (m.tryAcquire()) {
                return m;
            }
            // m was swapped out and released between get() and tryAcquire(): the slot already holds a newer one
        }
    }

    /** The current model, without a reference (for listings and health). */
    public ServedModel peek() {
        return current.get();
    }

    /** Installs {@code next}; returns the old version (already released by the slot). */
    public ServedModel swap(ServedModel next) {
        ServedModel old = current.getAndSet(next);
        if (old != null) {
            old.release();
        }
        return old;
    }

    /** Releases the current model (it closes once in-flight requests are done). */
    @Override
    public void close() {
        ServedModel old = current.getAndSet(null);
        if (old != null) {
            old.release();
        }
    }
}
