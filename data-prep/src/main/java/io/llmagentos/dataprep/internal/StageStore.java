package io.llmagentos.dataprep.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage results as Parquet under {@code <output>/_work/<stage>/}, each finished by a marker
 * {@code <stage>.done.json} written last (temp file + rename) and holding the run fingerprint (config +
 * input digests). A stage whose marker matches is read back instead of recomputed, so a re-run skips
 * finished stages and a killed run resumes at the stage it was in. Reading stages back from Parquet also
 * cuts Spark's lineage, so later stages never recompute earlier ones.
 */
public final class StageStore {
    private static final Logger LOG = LoggerFactory.getLogger(StageStore.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final SparkSession spark;
    private final Path dir;
    private final String fingerprint;

    public StageStore(SparkSession spark, Path dir, String fingerprint) throws IOException {
        this.spark = spark;
        this.dir = dir;
        this.fingerprint = fingerprint;
        Files.createDirectories(dir);
    }

    /** Stage data: read back when finished for this fingerprint, else computed, written and marked. */
    public Dataset<Row> stage(String name, Supplier<Dataset<Row>> compute) throws IOException {
        Path data = dir.resolve(name);
        if (done(name)) {
            LOG.info("stage {}: finished in an earlier run with the same inputs and config, reusing {}", name, data);
            return spark.read().parquet(data.toUri().toString());
        }
        compute.get().write().mode(SaveMode.Overwrite).parquet(data.toUri().toString());
        mark(name, Map.of());
        return spark.read().parquet(data.toUri().toString());
    }

    /** A finished stage's data. */
    public Dataset<Row> read(String name) {
        return spark.read().parquet(dir.resolve(name).toUri().toString());
    }

    public boolean done(String name) throws IOException {
        Path marker = dir.resolve(name + ".done.json");
        if (!Files.isRegularFile(marker)) {
            return false;
        }
        Map<?, ?> m = JSON.readValue(marker.toFile(), Map.class);
        return fingerprint.equals(m.get("fingerprint"));
    }

    /** Extra values saved with a stage's marker (e.g. dedup statistics), or empty. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> extras(String name) throws IOException {
        Path marker = dir.resolve(name + ".done.json");
        if (!Files.isRegularFile(marker)) {
            return Map.of();
        }
        Map<String, Object> m = JSON.readValue(marker.toFile(), Map.class);
        Object e = m.get("extras");
        return e instanceof Map ? (Map<String, Object>) e : Map.of();
    }

    public void mark(String name, Map<String, Object> extras) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("stage", name);
        m.put("fingerprint", fingerprint);
        m.put("finished_at", java.time.Instant.now().toString());
        m.put("extras", extras);
        Path tmp = dir.resolve("." + name + ".done.json.tmp");
        JSON.writeValue(tmp.toFile(), m);
        Files.move(tmp, dir.resolve(name + ".done.json"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }
}
