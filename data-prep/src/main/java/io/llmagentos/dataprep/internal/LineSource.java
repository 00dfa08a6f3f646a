package io.llmagentos.dataprep.internal;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Opens an input file through Hadoop's FileSystem (so {@code file:}, {@code hdfs:} and {@code s3a:} all
 * work on a cluster), decompresses by extension ({@code .gz}, {@code .zst}), and hands out raw lines as
 * bytes with their 1-based numbers. Lines are split on LF; a CR before it is dropped. Bytes stay bytes
 * so the caller can tell invalid UTF-8 apart and report where it is.
 */
public final class LineSource implements AutoCloseable {
    private final InputStream in;
    private byte[] buf = new byte[8192];
    private int len;
    private long lineNo;
    private boolean eof;
    private final byte[] chunk = new byte[1 << 16];
    private int chunkPos;
    private int chunkLen;

    private LineSource(InputStream in) {
        this.in = in;
    }

    public static LineSource open(String uri) throws IOException {
        return new LineSource(openDecompressed(uri));
    }

    /** The file's bytes after decompression. */
    public static InputStream openDecompressed(String uri) throws IOException {
        Path p = new Path(uri);
        FileSystem fs = p.getFileSystem(new Configuration());
        InputStream raw = new BufferedInputStream(fs.open(p), 1 << 16);
        String n = uri.toLowerCase(Locale.ROOT);
        try {
            if (n.endsWith(".gz") || n.endsWith(".gzip")) {
                return new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16);
            }
            if (n.endsWith(".zst") || n.endsWith(".zstd")) {
                return new BufferedInputStream(new ZstdInputStream(raw), 1 << 16);
            }
            return raw;
        } catch (IOException e) {
            raw.close();
            throw new IOException(uri + ": cannot decompress (" + e.getMessage() + ")", e);
        }
    }

    /** Reads the next line into {@link #bytes()}/{@link #length()}; false at end of file. */
    public boolean next() throws IOException {
        if (eof && chunkPos >= chunkLen) {
            return false;
        }
        len = 0;
        boolean sawNewline = false;
        while (true) {
            if (chunkPos >= chunkLen) {
                chunkLen = eof ? -1 : in.read(chunk);
                chunkPos = 0;
                if (chunkLen <= 0) {
                    chunkLen = 0;
                    eof = true;
                    break;
                }
            }
            int i = chunkPos;
            while (i < chunkLen && chunk[i] != '\n') {
                i++;
            }
            append(chunk, chunkPos, i - chunkPos);
            if (i < chunkLen) {
                chunkPos = i + 1;
                sawNewline = true;
                break;
            }
            chunkPos = chunkLen;
        }
        if (!sawNewline && len == 0) {
            return false;
        }
        if (len > 0 && buf[len - 1] == '\r') {
            len--;
        }
        lineNo++;
        return true;
    }

    private void append(byte[] src, int off, int n) {
        if (len + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
        }
        System.arraycopy(src, off, buf, len, n);
        len += n;
    }

    public byte[] bytes() {
        return buf;
    }

    public int length() {
        return len;
    }

    /** 1-based number of the line last returned by {@link #next()}. */
    public long lineNumber() {
        return lineNo;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
