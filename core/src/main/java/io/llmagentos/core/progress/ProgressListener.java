package io.llmagentos.core.progress;

/**
 * Receives the progress of long work (training a tokenizer, packing shards, training steps).
 * Stages report through it and know nothing of how it is shown: the CLI draws a progress bar,
 * pipelines forward it to their run log, tests count it.
 */
@FunctionalInterface
public interface ProgressListener {
    /** A listener that ignores everything. */
    ProgressListener NONE = (task, total, unit) -> Progress.NONE;

    /**
     * Begins a task.
     *
     * @param task  what is being done, e.g. "count words"
     * @param total how many units the task has, or -1 when unknown
     * @param unit  the unit of {@code total}, e.g. "B", "docs", "merges", "steps"
     */
    Progress start(String task, long total, String unit);

    /** One running task; close it when the task ends (also on failure). */
    interface Progress extends AutoCloseable {
        Progress NONE = new Progress() {
            @Override
            public void advance(long units) {
            }

            @Override
            public void close() {
            }
        };

        /** Adds {@code units} done since the last call. */
        void advance(long units);

        /** A short status shown beside the bar, e.g. "loss 3.21". */
        default void status(String text) {
        }

        @Override
        void close();
    }
}
