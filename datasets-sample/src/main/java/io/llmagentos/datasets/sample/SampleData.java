package io.llmagentos.datasets.sample;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The sample data bundled in this jar, read from the classpath. */
public final class SampleData {
    /** A short field-service text (manual sections, troubleshooting, tickets, FAQs, logs), one document per paragraph. */
    public static final String FIELD_SERVICE_TEXT = "field-service-sample.txt";

    private SampleData() {
    }

    /** The text of a bundled resource, e.g. {@link #FIELD_SERVICE_TEXT}. */
    public static String text(String name) {
        try (InputStream in = SampleData.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("bundled sample " + name + " is missing from the datasets-sample jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The committed sample datasets (datasets-sample/data), bundled in this jar. */
    public static final List<String> DATASET_FILES = List.of("corpus-00000.jsonl.gz", "manifest.json", "sft.jsonl",
            "eval.jsonl", "calibration.jsonl");

    /**
     * Copies the committed sample datasets (the dirty corpus shard, its ground-truth manifest, and the SFT,
     * eval and calibration sets) into {@code dir}; returns the paths by file name.
     */
    public static java.util.Map<String, java.nio.file.Path> copyDatasets(java.nio.file.Path dir) throws IOException {
        java.nio.file.Files.createDirectories(dir);
        java.util.Map<String, java.nio.file.Path> out = new java.util.LinkedHashMap<>();
        for (String f : DATASET_FILES) {
            try (InputStream in = SampleData.class.getResourceAsStream("data/" + f)) {
                if (in == null) {
                    throw new IllegalStateException("bundled dataset " + f + " is missing from the datasets-sample jar");
                }
                java.nio.file.Path target = dir.resolve(f);
                java.nio.file.Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                out.put(f, target);
            }
        }
        return out;
    }

    /** The field-service sample split into its documents (paragraphs separated by blank lines). */
    public static List<String> fieldServiceDocuments() {
        List<String> docs = new ArrayList<>();
        for (String p : text(FIELD_SERVICE_TEXT).split("\\n\\s*\\n")) {
            if (!p.isBlank()) {
                docs.add(p.strip());
            }
        }
        return docs;
    }
}
