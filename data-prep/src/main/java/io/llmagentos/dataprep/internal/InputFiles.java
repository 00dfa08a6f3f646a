package io.llmagentos.dataprep.internal;

import io.llmagentos.dataprep.PrepConfig;
import io.llmagentos.dataprep.PrepException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Expands the job's input arguments (files or directories, any Hadoop file system) into typed files. */
public final class InputFiles {
    private InputFiles() {
    }

    /**
     * One input file.
     *
     * @param uri    fully qualified location, e.g. {@code file:/data/corpus-00000.jsonl.gz}
     * @param name   the name used in reports: the path below the given directory, or the file name
     * @param format resolved format
     */
    public record InputFile(String uri, String name, PrepConfig.Format format) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    public static List<InputFile> resolve(List<String> inputs, PrepConfig.Format forced) throws PrepException {
        if (inputs.isEmpty()) {
            throw new PrepException("no input given: pass --input with files or directories");
        }
        List<InputFile> out = new ArrayList<>();
        Configuration conf = new Configuration();
        for (String in : inputs) {
            try {
                Path p = new Path(in);
                FileSystem fs = p.getFileSystem(conf);
                if (!fs.exists(p)) {
                    throw new PrepException(in + ": input does not exist");
                }
                FileStatus st = fs.getFileStatus(p);
                Path root = fs.makeQualified(p);
                if (st.isFile()) {
                    out.add(typed(root.toString(), root.getName(), forced));
                } else {
                    List<FileStatus> files = new ArrayList<>();
                    walk(fs, root, files);
                    files.sort(Comparator.comparing(f -> f.getPath().toString()));
                    if (files.isEmpty()) {
                        throw new PrepException(in + ": directory holds no input files");
                    }
                    String prefix = root.toString().endsWith("/") ? root.toString() : root + "/";
                    for (FileStatus f : files) {
                        String uri = f.getPath().toString();
                        String name = uri.startsWith(prefix) ? uri.substring(prefix.length()) : f.getPath().getName();
                        out.add(typed(uri, name, forced));
                    }
                }
            } catch (IOException e) {
                throw new PrepException(in + ": cannot list input (" + e.getMessage() + ")", e);
            }
        }
        List<String> names = new ArrayList<>();
        for (InputFile f : out) {
            if (names.contains(f.name())) {
                throw new PrepException(f.uri() + ": two inputs have the report name \"" + f.name()
                        + "\"; pass their parent directory instead so names stay unique");
            }
            names.add(f.name());
        }
        return out;
    }

    private static void walk(FileSystem fs, Path dir, List<FileStatus> out) throws IOException {
        for (FileStatus f : fs.listStatus(dir)) {
            String n = f.getPath().getName();
            if (n.startsWith(".") || n.startsWith("_")) {
                continue;
            }
            if (f.isDirectory()) {
                walk(fs, f.getPath(), out);
            } else {
                out.add(f);
            }
        }
    }

    private static InputFile typed(String uri, String name, PrepConfig.Format forced) throws PrepException {
        PrepConfig.Format f = forced == PrepConfig.Format.AUTO ? PrepConfig.Format.ofFileName(name) : forced;
        if (f == PrepConfig.Format.AUTO) {
            throw new PrepException(uri + ": cannot tell the format from the extension (expected .jsonl, .json, "
                    + ".ndjson, .csv, .txt, .md or .parquet, optionally + .gz/.zst); set input.format");
        }
        return new InputFile(uri, name, f);
    }

    /**
     * name, uri, bytes, SHA-256 of the stored bytes, records as the reader frames them (Parquet: -1, counted
     * by Spark), and a problem that stops the job before ingest (a CSV header without the text column) or null.
     */
    public static Object[] scan(InputFile f, PrepConfig.Input cfg) throws IOException {
        char csvSeparator = cfg.csvSeparator().charAt(0);
        Path p = new Path(f.uri());
        FileSystem fs = p.getFileSystem(new Configuration());
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long bytes;
        try (DigestInputStream in = new DigestInputStream(fs.open(p), md)) {
            byte[] buf = new byte[1 << 16];
            bytes = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                bytes += n;
            }
        }
        long records = -1;
        if (f.format() != PrepConfig.Format.PARQUET) {
            try (InputStream in = LineSource.openDecompressed(f.uri())) {
                records = RecordReader.countRecords(in, f.format(), csvSeparator);
            }
        }
        String problem = null;
        if (f.format() == PrepConfig.Format.CSV) {
            try (LineSource src = LineSource.open(f.uri())) {
                List<String> header = src.next() ? RecordReader.csvFields(
                        new String(src.bytes(), 0, src.length(), java.nio.charset.StandardCharsets.UTF_8), csvSeparator)
                        : List.of();
                if (!header.contains(cfg.textField())) {
                    problem = f.name() + ":1: CSV header has no column \"" + cfg.textField() + "\" (columns: " + header
                            + "); set input.textField";
                }
            }
        }
        return new Object[] {f.name(), f.uri(), bytes, Transforms.hex(md.digest()), records, problem};
    }
}
