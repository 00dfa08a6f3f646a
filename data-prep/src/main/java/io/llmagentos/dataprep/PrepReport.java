package io.llmagentos.dataprep;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * What a data-prep run did, written as {@code prep-report.json}. The counts prove that nothing was lost:
 * {@code input = kept + filtered + exact_duplicates + near_duplicates + quarantined}, and the same for
 * every stage ({@code in = out + removed}).
 *
 * @param inputs     every input file: name, bytes, SHA-256, records
 * @param counts     the accounting totals
 * @param stages     per stage: records in, out, and removed by reason
 * @param splits     kept documents per split
 * @param pii        redacted spans per type, and documents with at least one
 * @param dedup      near-duplicate search statistics
 * @param shards     token shards written (empty without a tokenizer)
 * @param outputs    where each output went
 * @param seconds    wall time per stage, and in total
 * @param spark      master and version
 */
public record PrepReport(List<InputStat> inputs, Counts counts, List<Stage> stages, Map<String, Long> splits,
                         Map<String, Long> pii, Map<String, Long> dedup, List<Shard> shards,
                         Map<String, String> outputs, Map<String, Double> seconds, Map<String, String> spark) {
    public static final String FILE_NAME = "prep-report.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public record InputStat(String file, String uri, long bytes, String sha256, long records) {
    }

    /**
     * @param invariantHolds whether input = kept + filtered + duplicates + quarantined
     */
    public record Counts(long input, long kept, Map<String, Long> filtered, long exactDuplicates,
                         long nearDuplicates, Map<String, Long> quarantined, boolean invariantHolds) {
        public long filteredTotal() {
            return filtered.values().stream().mapToLong(Long::longValue).sum();
        }

        public long quarantinedTotal() {
            return quarantined.values().stream().mapToLong(Long::longValue).sum();
        }

        /** The invariant written out with the numbers. */
        @JsonProperty("equation")
        public String equation() {
            return input + " = " + kept + " kept + " + filteredTotal() + " filtered + " + exactDuplicates
                    + " exact duplicates + " + nearDuplicates + " near duplicates + " + quarantinedTotal()
                    + " quarantined";
        }
    }

    public record Stage(String name, long in, long out, Map<String, Long> removed) {
        @JsonProperty("balanced")
        public boolean balanced() {
            return in == out + removed.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    public record Shard(String split, String file, long documents, long tokens, long sequences) {
    }

    public void save(Path file) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(tmp, JSON.writeValueAsString(this));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static PrepReport load(Path file) throws IOException {
        return JSON.readValue(file.toFile(), PrepReport.class);
    }

    /** The report as JSON text. */
    public String toJson() throws IOException {
        return JSON.writeValueAsString(this);
    }
}
