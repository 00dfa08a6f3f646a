package io.llmagentos.training;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.MetricsListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A run's metrics: each step's and evaluation's values go to the {@link MetricsListener} and as one JSON line
 * ({@code step} first) to {@value #FILE} in the output directory, which a resume cuts back to the checkpoint's
 * step so that the file reads as if the run had never been interrupted.
 */
final class MetricsLog {
    static final String FILE = "metrics.jsonl";

    private final MetricsListener metrics;
    private final Path file;

    MetricsLog(MetricsListener metrics, Path out) {
        this.metrics = metrics;
        this.file = out.resolve(FILE);
    }

    void record(int step, Map<String, Double> m) throws IOException {
        metrics.metrics(step, m);
        ObjectNode o = JsonFields.MAPPER.createObjectNode();
        o.put("step", step);
        m.forEach(o::put);
        Files.writeString(file,
                JsonFields.LINE.writeValueAsString(o) + "\n",
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Drops the lines after {@code step} (and any line the interruption cut). */
    void truncate(int step) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        List<String> keep = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            try {
                if (!line.isBlank() && JsonFields.MAPPER.readTree(line).path("step").asInt() <= step) {
                    keep.add(line);
                }
            } catch (IOException e) {
                // a line cut by the interruption
            }
        }
        Files.write(file, keep, StandardCharsets.UTF_8);
    }
}
