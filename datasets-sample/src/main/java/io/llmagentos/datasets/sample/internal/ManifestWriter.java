package io.llmagentos.datasets.sample.internal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Streams manifest sections to part files while the corpus is written (so a 2 GB corpus never holds its
 * ground truth in memory), then assembles {@code manifest.json}.
 */
public final class ManifestWriter implements AutoCloseable {
    private final Path dir;
    private final Map<String, Section> sections = new LinkedHashMap<>();

    private static final class Section {
        final boolean object;
        final Path part;
        final OutputStream out;
        long count;

        Section(boolean object, Path part) throws IOException {
            this.object = object;
            this.part = part;
            this.out = new BufferedOutputStream(Files.newOutputStream(part), 1 << 16);
        }
    }

    public ManifestWriter(Path dir) {
        this.dir = dir;
    }

    /** Declares a section: a JSON object (id → value) or a JSON array. Sections appear in declaration order. */
    public void section(String name, boolean object) throws IOException {
        sections.put(name, new Section(object, dir.resolve(".manifest-" + name + ".part")));
    }

    /** Appends one entry; {@code entry} is a complete JSON value (array) or {@code "key":value} (object). */
    public void add(String name, ByteSink entry) throws IOException {
        Section s = sections.get(name);
        if (s.count > 0) {
            s.out.write(',');
        }
        s.out.write('\n');
        entry.writeTo(s.out);
        s.count++;
    }

    public long count(String name) {
        return sections.get(name).count;
    }

    /** Writes manifest.json: {@code header} (a JSON object body without braces), then every section. */
    public Path finish(ByteSink header) throws IOException {
        for (Section s : sections.values()) {
            s.out.close();
        }
        Path manifest = dir.resolve("manifest.json");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(manifest), 1 << 16)) {
            out.write('{');
            header.writeTo(out);
            for (Map.Entry<String, Section> e : sections.entrySet()) {
                Section s = e.getValue();
                ByteSink k = new ByteSink(64);
                k.ascii(",\n").key(e.getKey()).raw((byte) (s.object ? '{' : '['));
                k.writeTo(out);
                try (InputStream in = Files.newInputStream(s.part)) {
                    in.transferTo(out);
                }
                out.write(s.count > 0 ? '\n' : ' ');
                out.write(s.object ? '}' : ']');
            }
            out.write("\n}\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        for (Section s : sections.values()) {
            Files.deleteIfExists(s.part);
        }
        return manifest;
    }

    @Override
    public void close() throws IOException {
        for (Section s : sections.values()) {
            s.out.close();
            Files.deleteIfExists(s.part);
        }
    }
}
