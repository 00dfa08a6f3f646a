package io.llmagentos.datasets.sample;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What {@link CorpusGenerator#generate} wrote.
 *
 * @param shards    the corpus shards, in order
 * @param manifest  the ground-truth manifest
 * @param documents documents written (malformed lines not included)
 * @param lines     lines written (documents + malformed lines)
 * @param bytes     bytes written to the shards
 * @param planted   counts of planted dirt by kind, in manifest order (same numbers as the manifest's totals)
 * @param elapsedNanos wall time of the generation
 */
public record GenerationResult(List<Path> shards, Path manifest, long documents, long lines, long bytes,
        Map<String, Long> planted, long elapsedNanos) {
    public GenerationResult {
        shards = List.copyOf(shards);
        planted = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(planted));
    }

    /** Throughput in MB/s (10^6 bytes). */
    public double megabytesPerSecond() {
        return elapsedNanos == 0 ? 0 : bytes / 1e6 / (elapsedNanos / 1e9);
    }
}
