package io.llmagentos.datasets.sample;

/** Receives generation progress; called about once per MB written and once at the end. */
@FunctionalInterface
public interface ProgressCallback {
    ProgressCallback NONE = (bytes, target, documents) -> {
    };

    /**
     * @param bytesWritten bytes written to the corpus shards so far
     * @param targetBytes  the configured target size
     * @param documents    documents written so far
     */
    void progress(long bytesWritten, long targetBytes, long documents);
}
