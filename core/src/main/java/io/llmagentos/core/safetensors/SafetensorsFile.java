package io.llmagentos.core.safetensors;

import io.llmagentos.core.safetensors.internal.Conversions;
import io.llmagentos.core.safetensors.internal.HeaderReader;
import io.llmagentos.core.safetensors.internal.NearMatches;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file opened for reading: the header is parsed and fully validated by {@link #open},
 * tensor data is memory-mapped on first use.
 *
 * <p>The data section is mapped in windows of at most 1 GiB, each holding
 * whole tensors (a tensor larger than that gets a window of its own), so files of any size work
 * without one mapping of the whole file; a single tensor over 2 GiB is read with
 * {@link #readInto}. Views returned by {@link #bytes} stay valid after {@link #close()}: Java 17
 * cannot unmap safely, so a mapping is released when the last view of it is garbage-collected.
 *
 * <p>Instances are safe for concurrent reads from several threads.
 *
 * <pre>{@code
 * try (SafetensorsFile f = SafetensorsFile.open(Path.of("model.safetensors"))) {
 *     float[] w = f.readFloats("model.embed_tokens.weight");
 *     ByteBuffer raw = f.bytes("lm_head.weight"); // zero-copy, little-endian, read-only
 * }
 * }</pre>
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Upper bound on one mapped window. */
    static final long WINDOW_BYTES = 1L << 30;
    /** Largest Java array we allocate for readFloats / readLongs. */
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;
    private static final int NO_WINDOW = -1;

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final long dataBytes;
    private final Map<String, String> metadata;
    private final List<TensorInfo> tensors;
    private final Map<String, Integer> indexByName;
    private final int[] windowOfTensor;
    private final long[] windowBegin; // relative to the data section
    private final long[] windowEnd;
    private final MappedByteBuffer[] windows;
    private volatile boolean closed;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, long dataBytes,
                            HeaderReader.Header header) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.dataBytes = dataBytes;
        this.metadata = header.metadata();
        this.tensors = header.tensors();
        this.indexByName = new HashMap<>(tensors.size() * 2);
        for (int i = 0; i < tensors.size(); i++) {
            indexByName.put(tensors.get(i).name(), i);
        }
        // Group consecutive tensors into windows of at most WINDOW_BYTES; bigger tensors that still fit
        // in a ByteBuffer get their own window, tensors over 2 GiB get none.
        this.windowOfTensor = new int[tensors.size()];
        long[] begins = new long[tensors.size()];
        long[] ends = new long[tensors.size()];
        int count = 0;
        for (int i = 0; i < tensors.size(); i++) {
            TensorInfo t = tensors.get(i);
            if (t.byteLength() > Integer.MAX_VALUE) {
                windowOfTensor[i] = NO_WINDOW;
                continue;
            }
            boolean extend = count > 0 && ends[count - 1] == t.begin() && t.end() - begins[count - 1] <= WINDOW_BYTES;
            if (!extend) {
                begins[count] = t.begin();
                ends[count] = t.end();
                count++;
            } else {
                ends[count - 1] = Math.max(ends[count - 1], t.end());
            }
            windowOfTensor[i] = count - 1;
        }
        this.windowBegin = Arrays.copyOf(begins, count);
        this.windowEnd = Arrays.copyOf(ends, count);
        this.windows = new MappedByteBuffer[count];
    }

    /**
     * Opens and validates a safetensors file: the header must be well-formed JSON with known dtypes, and
     * the tensors must tile the data section exactly as the file's size says.
     *
     * @throws SafetensorsFormatException when the file is not a valid safetensors file
     * @throws IOException                when it cannot be read
     */
    public static SafetensorsFile open(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            long size = ch.size();
            if (size < 8) {
                throw new SafetensorsFormatException(file, "file is " + size + " bytes, shorter than the 8-byte "
                        + "header length that starts every safetensors file; it is empty, truncated or not a "
                        + "safetensors file: re-export or re-download it");
            }
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0, file);
            long n = len.getLong(0);
            if (n < 0 || n > HeaderReader.MAX_HEADER_BYTES) {
                throw new SafetensorsFormatException(file, "header length " + Long.toUnsignedString(n) + " bytes exceeds "
                        + "the " + HeaderReader.MAX_HEADER_BYTES + "-byte limit (the reference implementation's); "
                        + "the file is damaged or not a safetensors file: re-export or re-download it");
            }
            if (n > size - 8) {
                throw new SafetensorsFormatException(file, "header length " + n + " bytes is larger than the rest of the "
                        + "file (" + (size - 8) + " bytes); the file is truncated or not a safetensors file: "
                        + "re-export or re-download it");
            }
            ByteBuffer header = ByteBuffer.allocate((int) n);
            readFully(ch, header, 8, file);
            long dataBytes = size - 8 - n;
            HeaderReader.Header h = HeaderReader.parse(file, header.array(), dataBytes);
            return new SafetensorsFile(file, ch, 8 + n, dataBytes, h);
        } catch (IOException | RuntimeException | Error e) {
            try {
                ch.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long position, Path file) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int r = ch.read(dst, pos);
            if (r < 0) {
                throw new SafetensorsFormatException(file, "file ended at byte " + pos + " while reading; was it "
                        + "truncated while open? Re-export or re-download it");
            }
            pos += r;
        }
    }

    public Path path() {
        return path;
    }

    /** The {@code __metadata__} entries in file order (empty when the file has none). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Every tensor, in data-offset order. */
    public List<TensorInfo> tensors() {
        return tensors;
    }

    public boolean contains(String name) {
        return indexByName.containsKey(name);
    }

    /**
     * The tensor with this name.
     *
     * @throws IllegalArgumentException for an unknown name, naming the file and close matches
     */
    public TensorInfo info(String name) {
        return tensors.get(index(name));
    }

    private int index(String name) {
        Integer i = indexByName.get(name);
        if (i == null) {
            throw new IllegalArgumentException(path + ": no tensor named \"" + name + "\" (the file has "
                    + tensors.size() + " tensor" + (tensors.size() == 1 ? "" : "s") + ")"
                    + NearMatches.hint(name, indexByName.keySet()));
        }
        return i;
    }

    /** Total bytes of the data section (the sum of all tensors' byte lengths). */
    public long dataBytes() {
        return dataBytes;
    }

    /**
     * A zero-copy, read-only, little-endian view of a tensor's bytes (position 0, limit = byte length).
     *
     * @throws IllegalArgumentException for an unknown name, or a tensor over 2 GiB (use {@link #readInto})
     * @throws UncheckedIOException     when mapping the file fails
     */
    public ByteBuffer bytes(String name) {
        int i = index(name);
        TensorInfo t = tensors.get(i);
        if (windowOfTensor[i] == NO_WINDOW) {
            throw new IllegalArgumentException(path + ": tensor \"" + name + "\" is " + t.byteLength() + " bytes, more "
                    + "than one ByteBuffer can address (2 GiB); read it in pieces with readInto(name, offset, buffer)");
        }
        return view(i, t);
    }

    private ByteBuffer view(int i, TensorInfo t) {
        if (t.byteLength() == 0) {
            checkOpen();
            return ByteBuffer.allocateDirect(0).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }
        int w = windowOfTensor[i];
        MappedByteBuffer window = window(w);
        return window.slice((int) (t.begin() - windowBegin[w]), (int) t.byteLength()).order(ByteOrder.LITTLE_ENDIAN);
    }

    private MappedByteBuffer window(int w) {
        synchronized (windows) {
            checkOpen();
            MappedByteBuffer m = windows[w];
            if (m == null) {
                try {
                    m = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + windowBegin[w],
                            windowEnd[w] - windowBegin[w]);
                } catch (IOException e) {
                    throw new UncheckedIOException(path + ": could not memory-map bytes [" + windowBegin[w] + ", "
                            + windowEnd[w] + ") of the data section: " + e.getMessage(), e);
                }
                windows[w] = m;
            }
            return m;
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(path + ": file is closed");
        }
    }

    /**
     * Copies {@code dst.remaining()} bytes of a tensor, starting {@code byteOffset} bytes into it, into
     * {@code dst} (advancing its position). Works for tensors of any size.
     *
     * @throws IllegalArgumentException for an unknown name or a range outside the tensor
     */
    public void readInto(String name, long byteOffset, ByteBuffer dst) throws IOException {
        int i = index(name);
        TensorInfo t = tensors.get(i);
        int n = dst.remaining();
        if (byteOffset < 0 || byteOffset > t.byteLength() - n) {
            throw new IllegalArgumentException(path + ": cannot read bytes [" + byteOffset + ", " + (byteOffset + n)
                    + ") of tensor \"" + name + "\", which has " + t.byteLength() + " bytes");
        }
        if (n == 0) {
            return;
        }
        if (windowOfTensor[i] != NO_WINDOW) {
            ByteBuffer v = view(i, t);
            dst.put(v.slice((int) byteOffset, n));
            return;
        }
        checkOpen();
        readFully(channel, dst, dataStart + t.begin() + byteOffset, path);
    }

    /**
     * A tensor's values as floats: F32 as is, F64 narrowed, F16/BF16/F8 widened exactly.
     *
     * @throws IllegalArgumentException for an unknown name, a non-float dtype, or more elements than a
     *                                  Java array holds
     * @throws UncheckedIOException     when reading fails
     */
    public float[] readFloats(String name) {
        int i = index(name);
        TensorInfo t = tensors.get(i);
        if (!t.dtype().isFloat()) {
            throw new IllegalArgumentException(path + ": tensor \"" + name + "\" has dtype " + t.dtype()
                    + ", which readFloats does not convert (it reads F32, F64, F16, BF16, F8_E4M3, F8_E5M2, F8_E8M0); "
                    + (t.dtype().isInteger() ? "use readLongs" : "use bytes or readInto for the raw bytes"));
        }
        int n = arrayLength(t);
        float[] out = new float[n];
        decode(i, t, (src, off, count) -> Conversions.toFloats(t.dtype(), src, out, off, count));
        return out;
    }

    /**
     * A tensor's values widened to long: BOOL as 0/1, unsigned types zero-extended (U64 values of 2^63
     * and above come back negative, as two's complement).
     *
     * @throws IllegalArgumentException for an unknown name, a non-integer dtype, or more elements than a
     *                                  Java array holds
     * @throws UncheckedIOException     when reading fails
     */
    public long[] readLongs(String name) {
        int i = index(name);
        TensorInfo t = tensors.get(i);
        if (!t.dtype().isInteger()) {
            throw new IllegalArgumentException(path + ": tensor \"" + name + "\" has dtype " + t.dtype()
                    + ", which readLongs does not widen (it reads BOOL, U8, I8, I16, U16, I32, U32, I64, U64); "
                    + (t.dtype().isFloat() ? "use readFloats" : "use bytes or readInto for the raw bytes"));
        }
        int n = arrayLength(t);
        long[] out = new long[n];
        decode(i, t, (src, off, count) -> Conversions.toLongs(t.dtype(), src, out, off, count));
        return out;
    }

    private int arrayLength(TensorInfo t) {
        if (t.elementCount() > MAX_ARRAY) {
            throw new IllegalArgumentException(path + ": tensor \"" + t.name() + "\" has " + t.elementCount()
                    + " elements, more than a Java array holds; read it in pieces with readInto(name, offset, buffer)");
        }
        return (int) t.elementCount();
    }

    @FunctionalInterface
    private interface Chunk {
        void convert(ByteBuffer src, int elementOffset, int count);
    }

    /** Feeds a tensor's bytes to {@code chunk}: from the mapping in one go, or in pieces for huge tensors. */
    private void decode(int i, TensorInfo t, Chunk chunk) {
        int n = (int) t.elementCount();
        if (windowOfTensor[i] != NO_WINDOW) {
            chunk.convert(view(i, t), 0, n);
            return;
        }
        int size = t.dtype().byteSize();
        int perChunk = (16 << 20) / size;
        ByteBuffer buf = ByteBuffer.allocateDirect(perChunk * size).order(ByteOrder.LITTLE_ENDIAN);
        try {
            for (int done = 0; done < n; ) {
                int count = Math.min(perChunk, n - done);
                buf.clear().limit(count * size);
                readInto(t.name(), (long) done * size, buf);
                buf.flip();
                chunk.convert(buf, done, count);
                done += count;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": could not read tensor \"" + t.name() + "\": " + e.getMessage(), e);
        }
    }

    /**
     * Closes the file. Later calls to read methods fail; views already returned by {@link #bytes} stay
     * readable until they are garbage-collected.
     */
    @Override
    public void close() {
        synchronized (windows) {
            if (closed) {
                return;
            }
            closed = true;
            Arrays.fill(windows, null);
        }
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": could not close: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + tensors.size() + " tensors, " + dataBytes + " data bytes]";
    }
}
