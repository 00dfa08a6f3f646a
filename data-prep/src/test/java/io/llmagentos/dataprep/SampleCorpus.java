package io.llmagentos.dataprep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmagentos.testsupport.RepoPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** The committed sample corpus and its ground-truth manifest (datasets-sample/data). */
final class SampleCorpus {
    final Path dir = RepoPaths.root().resolve("datasets-sample/data");
    final Path corpus = dir.resolve("corpus-00000.jsonl.gz");
    final JsonNode manifest;

    SampleCorpus() throws IOException {
        if (!Files.isRegularFile(corpus)) {
            throw new IllegalStateException("sample corpus missing: " + corpus + " (datasets-sample commits it)");
        }
        manifest = new ObjectMapper().readTree(dir.resolve("manifest.json").toFile());
    }

    /** {dup_id → original_id} of exact and near duplicates. */
    Map<String, String> duplicatePairs(String key) {
        Map<String, String> m = new HashMap<>();
        manifest.get(key).fields().forEachRemaining(e -> m.put(e.getKey(),
                e.getValue().isTextual() ? e.getValue().asText() : e.getValue().get("original").asText()));
        return m;
    }
}
