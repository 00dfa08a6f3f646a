package io.llmagentos.pipelines.exec;

import io.llmagentos.core.AgentosVersion;
import io.llmagentos.pipelines.stage.Stage;
import io.llmagentos.pipelines.stage.StageParam;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Content-addressed keys of steps: sha256 over the stage (name and version), its resolved parameters, the
 * contents of every file or directory its path parameters name, and the code version (agentos version plus the
 * digests of the project's own jars on the class path). Two steps with equal keys produce the same outputs, so
 * the second one is skipped.
 */
public final class CacheKeys {
    private static final Map<String, String> FILE_DIGESTS = new ConcurrentHashMap<>();
    private static volatile String codeVersion;

    private CacheKeys() {
    }

    public static String key(Stage stage, Map<String, String> params) throws IOException {
        MessageDigest md = sha256();
        update(md, "stage", stage.name() + "@" + stage.version());
        update(md, "code", codeVersion());
        Map<String, StageParam> declared = new TreeMap<>();
        stage.params().forEach(p -> declared.put(p.name(), p));
        for (Map.Entry<String, String> e : new TreeMap<>(params).entrySet()) {
            update(md, "param:" + e.getKey(), e.getValue());
            StageParam p = declared.get(e.getKey());
            if (p != null && (p.type() == StageParam.Type.PATH || p.type() == StageParam.Type.PATHS)
                    && !e.getValue().isBlank()) {
                for (String s : p.type() == StageParam.Type.PATHS ? List.of(e.getValue().split(",")) : List.of(e.getValue())) {
                    Path path = Path.of(s.strip());
                    update(md, "input:" + e.getKey(), Files.exists(path) ? digest(path) : "missing");
                }
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** sha256 of a text (hex). */
    public static String digestText(String text) {
        return HexFormat.of().formatHex(sha256().digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** sha256 of a file, or of a directory's relative paths and file contents (hidden and Spark .crc files left out). */
    public static String digest(Path path) throws IOException {
        if (Files.isRegularFile(path)) {
            return fileDigest(path);
        }
        MessageDigest md = sha256();
        List<Path> files;
        try (Stream<Path> s = Files.walk(path)) {
            files = s.filter(Files::isRegularFile).filter(f -> {
                String n = f.getFileName().toString();
                return !n.startsWith(".") && !n.endsWith(".crc");
            }).sorted().toList();
        }
        for (Path f : files) {
            update(md, path.relativize(f).toString().replace('\\', '/'), fileDigest(f));
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** sha256 of a file's bytes (memoized by path, size and modification time within this process). */
    public static String fileDigest(Path f) throws IOException {
        String memo = f.toAbsolutePath() + "|" + Files.size(f) + "|" + Files.getLastModifiedTime(f).toMillis();
        String d = FILE_DIGESTS.get(memo);
        if (d != null) {
            return d;
        }
        MessageDigest md = sha256();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(f)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        d = HexFormat.of().formatHex(md.digest());
        FILE_DIGESTS.put(memo, d);
        return d;
    }

    /** The agentos version and the digests of the project's jars (io.llmagentos modules) on the class path. */
    public static String codeVersion() {
        String v = codeVersion;
        if (v != null) {
            return v;
        }
        MessageDigest md = sha256();
        String version = AgentosVersion.get();
        update(md, "agentos", version);
        for (String entry : System.getProperty("java.class.path", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            String n = p.getFileName() == null ? "" : p.getFileName().toString();
            if (n.endsWith("-" + version + ".jar") && Files.isRegularFile(p)) {
                try {
                    update(md, n, fileDigest(p));
                } catch (IOException e) {
                    update(md, n, "unreadable");
                }
            }
        }
        v = version + "+" + HexFormat.of().formatHex(md.digest()).substring(0, 12);
        codeVersion = v;
        return v;
    }

    private static void update(MessageDigest md, String k, String v) {
        md.update(k.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
        md.update(v.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 1);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
