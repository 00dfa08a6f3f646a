package io.llmagentos.datasets.sample.internal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Writes lines into rolling {@code corpus-NNNNN.jsonl} shards of at most {@code maxBytes} each. */
public final class ShardWriter implements AutoCloseable {
    /** Per-shard statistics for the manifest. */
    public static final class Stats {
        public final String file;
        public long lines;
        public long documents;
        public long bytes;
        public long malformed;
        public long invalidUtf8;
        public String sha256;

        Stats(String file) {
            this.file = file;
        }
    }

    private final Path dir;
    private final long maxBytes;
    private final List<Stats> stats = new ArrayList<>();
    private final List<Path> paths = new ArrayList<>();
    private OutputStream out;
    private MessageDigest digest;
    private Stats current;

    public ShardWriter(Path dir, long maxBytes) {
        this.dir = dir;
        this.maxBytes = maxBytes;
    }

    /** Writes one line (the sink must end with '\n'); returns the stats of the shard it went to. */
    public Stats write(ByteSink line) throws IOException {
        if (current == null || (current.bytes > 0 && current.bytes + line.length() > maxBytes)) {
            roll();
        }
        line.writeTo(out);
        line.digestInto(digest);
        current.bytes += line.length();
        current.lines++;
        return current;
    }

    public Stats current() {
        return current;
    }

    private void roll() throws IOException {
        finish();
        String name = String.format(java.util.Locale.ROOT, "corpus-%05d.jsonl", stats.size());
        Path p = dir.resolve(name);
        out = new BufferedOutputStream(Files.newOutputStream(p), 1 << 20);
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
        current = new Stats(name);
        stats.add(current);
        paths.add(p);
    }

    private void finish() throws IOException {
        if (out != null) {
            out.close();
            out = null;
            current.sha256 = HexFormat.of().formatHex(digest.digest());
        }
    }

    public List<Stats> stats() {
        return stats;
    }

    public List<Path> paths() {
        return paths;
    }

    @Override
    public void close() throws IOException {
        finish();
    }
}
