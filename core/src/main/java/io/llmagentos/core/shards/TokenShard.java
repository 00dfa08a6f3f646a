package io.llmagentos.core.shards;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.json.JsonFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * A token shard file: fixed-length packed sequences of token ids that data-prep writes and training
 * reads. Layout (all little-endian):
 * <pre>
 *   [0, 8)        magic "AGTOKSH1"
 *   [8, 12)       u32 length L of the JSON header
 *   [12, 12+L)    JSON header (see {@link ShardHeader}), padded with spaces to byte 4096
 *   [4096, …)     sequence_count × seq_len ids, uint16 or uint32
 *   [index, …)    document_count × u64: start of each document in the flat token stream
 * </pre>
 * Documents are concatenated with an EOS after each, cut into {@code seq_len} windows (a document may
 * span two sequences), and the last window is filled with PAD. The data starts page-aligned so it
 * maps well; the file is memory-mapped in windows of whole sequences, so files over 2 GiB work.
 */
public final class TokenShard implements AutoCloseable {
    public static final String EXTENSION = ".tokens";
    public static final int FORMAT_VERSION = 1;
    static final byte[] MAGIC = "AGTOKSH1".getBytes(StandardCharsets.US_ASCII);
    static final int DATA_OFFSET = 4096;
    private static final long WINDOW_BYTES = 1L << 30;

    private final Path path;
    private final FileChannel channel;
    private final ShardHeader header;
    private final long indexOffset;
    private final int sequencesPerWindow;
    private final MappedByteBuffer[] windows;

    private TokenShard(Path path, FileChannel channel, ShardHeader header, long indexOffset) {
        this.path = path;
        this.channel = channel;
        this.header = header;
        this.indexOffset = indexOffset;
        long seqBytes = (long) header.seqLen() * header.dtype().bytes();
        this.sequencesPerWindow = (int) Math.max(1, WINDOW_BYTES / seqBytes);
        this.windows = new MappedByteBuffer[(int) ((header.sequenceCount() + sequencesPerWindow - 1) / sequencesPerWindow)];
    }

    /** Opens and validates a shard file (header, sizes, document index). */
    public static TokenShard open(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            long size = ch.size();
            if (size < DATA_OFFSET) {
                throw new TokenShardFormatException(file, "file is " + size + " bytes, shorter than the " + DATA_OFFSET
                        + "-byte header: truncated or not a token shard");
            }
            ByteBuffer head = ByteBuffer.allocate(DATA_OFFSET).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, head, 0);
            head.flip();
            byte[] magic = new byte[8];
            head.get(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new TokenShardFormatException(file, "bad magic bytes: not a token shard (expected "
                        + new String(MAGIC, StandardCharsets.US_ASCII) + ")");
            }
            int len = head.getInt();
            if (len <= 0 || len > DATA_OFFSET - 12) {
                throw new TokenShardFormatException(file, "header length " + len + " is out of range (1.."
                        + (DATA_OFFSET - 12) + ")");
            }
            byte[] json = new byte[len];
            head.get(json);
            ShardHeader h = parseHeader(file, json);
            long indexOffset = DATA_OFFSET + h.dataBytes();
            long expected = indexOffset + h.documentCount() * 8;
            if (size != expected) {
                throw new TokenShardFormatException(file, "file is " + size + " bytes but its header implies " + expected
                        + " (" + h.sequenceCount() + " sequences × " + h.seqLen() + " × " + h.dtype().bytes()
                        + " B + " + h.documentCount() + " document offsets): truncated or corrupt; regenerate it");
            }
            return new TokenShard(file, ch, h, indexOffset);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static ShardHeader parseHeader(Path file, byte[] json) throws IOException {
        ObjectNode o = JsonFields.parseObject(file + " (shard header)", json);
        JsonFields f = new JsonFields(file + " (shard header)");
        int version = f.requireInt(o, "$", "format_version");
        if (version != FORMAT_VERSION) {
            throw new TokenShardFormatException(file, "format_version " + version + " is not supported (this build reads "
                    + FORMAT_VERSION + ")");
        }
        String dtypeName = f.requireString(o, "$", "dtype");
        TokenDtype dtype;
        try {
            dtype = TokenDtype.valueOf(dtypeName.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw f.error("$.dtype", "expected \"uint16\" or \"uint32\" (got \"" + dtypeName + "\")");
        }
        try {
            return new ShardHeader(version, f.requireInt(o, "$", "vocab_size"), dtype, f.requireInt(o, "$", "seq_len"),
                    requireLong(f, o, "sequence_count"), requireLong(f, o, "document_count"),
                    requireLong(f, o, "padding_tokens"), f.requireString(o, "$", "tokenizer_digest"),
                    f.requireInt(o, "$", "eos_id"), f.requireInt(o, "$", "pad_id"));
        } catch (IllegalArgumentException e) {
            throw new JsonFormatException(file + " (shard header)", "$", e.getMessage(), e);
        }
    }

    private static long requireLong(JsonFields f, ObjectNode o, String field) throws JsonFormatException {
        var v = f.require(o, "$", field);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw f.error("$." + field, "expected an integer (got " + JsonFields.describe(v) + ")");
        }
        return v.longValue();
    }

    static byte[] headerJson(ShardHeader h) throws IOException {
        ObjectNode o = JsonFields.MAPPER.createObjectNode();
        o.put("format_version", h.formatVersion());
        o.put("vocab_size", h.vocabSize());
        o.put("dtype", h.dtype().name().toLowerCase(java.util.Locale.ROOT));
        o.put("seq_len", h.seqLen());
        o.put("sequence_count", h.sequenceCount());
        o.put("document_count", h.documentCount());
        o.put("padding_tokens", h.paddingTokens());
        o.put("tokenizer_digest", h.tokenizerDigest());
        o.put("eos_id", h.eosId());
        o.put("pad_id", h.padId());
        return JsonFields.MAPPER.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                .writeValueAsBytes(o);
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long pos) throws IOException {
        while (dst.hasRemaining()) {
            int n = ch.read(dst, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += n;
        }
    }

    public Path path() {
        return path;
    }

    public ShardHeader header() {
        return header;
    }

    public long sequenceCount() {
        return header.sequenceCount();
    }

    public int seqLen() {
        return header.seqLen();
    }

    /** Copies sequence {@code index} into {@code dst} (length ≥ seq_len). */
    public void sequence(long index, int[] dst) throws IOException {
        if (index < 0 || index >= header.sequenceCount()) {
            throw new IndexOutOfBoundsException(path + ": sequence " + index + " out of range [0, "
                    + header.sequenceCount() + ")");
        }
        int w = (int) (index / sequencesPerWindow);
        ByteBuffer win = window(w);
        int width = header.dtype().bytes();
        int pos = (int) ((index - (long) w * sequencesPerWindow) * header.seqLen() * width);
        int n = header.seqLen();
        if (width == 2) {
            for (int i = 0; i < n; i++) {
                dst[i] = Short.toUnsignedInt(win.getShort(pos + 2 * i));
            }
        } else {
            for (int i = 0; i < n; i++) {
                dst[i] = win.getInt(pos + 4 * i);
            }
        }
    }

    private synchronized ByteBuffer window(int w) throws IOException {
        if (windows[w] == null) {
            long first = (long) w * sequencesPerWindow;
            long count = Math.min(sequencesPerWindow, header.sequenceCount() - first);
            long seqBytes = (long) header.seqLen() * header.dtype().bytes();
            MappedByteBuffer b = channel.map(FileChannel.MapMode.READ_ONLY, DATA_OFFSET + first * seqBytes, count * seqBytes);
            b.order(ByteOrder.LITTLE_ENDIAN);
            windows[w] = b;
        }
        return windows[w];
    }

    /** Start of every document in the flat token stream (sequence × seq_len + position). */
    public long[] documentStarts() throws IOException {
        long n = header.documentCount();
        if (n > Integer.MAX_VALUE) {
            throw new IOException(path + ": too many documents to list at once (" + n + ")");
        }
        ByteBuffer b = ByteBuffer.allocate((int) n * 8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, b, indexOffset);
        b.flip();
        long[] out = new long[(int) n];
        b.asLongBuffer().get(out);
        return out;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
