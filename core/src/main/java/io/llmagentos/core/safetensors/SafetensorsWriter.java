package io.llmagentos.core.safetensors;

import io.llmagentos.core.safetensors.internal.Conversions;
import io.llmagentos.core.safetensors.internal.HeaderJson;
import io.llmagentos.core.safetensors.internal.HeaderReader;
import io.llmagentos.core.safetensors.internal.NearMatches;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Streams tensors into a new safetensors file without holding them in memory.
 *
 * <p>The layout is fixed up front from the specs, exactly as Python {@code safetensors} 0.8 lays
 * out the same tensors (larger dtypes first, then by name; header padded with spaces to 8 bytes;
 * {@code __metadata__} omitted when empty, its keys sorted so the bytes are reproducible). A file we
 * write is therefore byte-identical to {@code safetensors.numpy.save_file} of the same tensors with
 * the same single-key metadata. Because every tensor's position is known, tensors may be written in
 * any order, and a large one in several consecutive chunks.
 *
 * <p>Everything goes to a hidden temp file beside the target; {@link #close()} checks that every
 * tensor was written in full, syncs and renames it into place, so a half-written file never appears
 * under the final name. Not thread-safe.
 *
 * <pre>{@code
 * List<TensorSpec> specs = List.of(new TensorSpec("w", DType.BF16, new long[] {4, 8}));
 * try (SafetensorsWriter w = new SafetensorsWriter(path, specs, Map.of("format", "pt"))) {
 *     w.writeFloats("w", values); // 32 floats, rounded to bfloat16
 * }
 * }</pre>
 */
public final class SafetensorsWriter implements AutoCloseable {
    private static final int BUFFER_BYTES = 1 << 20;

    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Slot> slots;
    private final List<Slot> slotsInSpecOrder;
    private ByteBuffer buffer;
    private boolean closed;

    private static final class Slot {
        final TensorInfo info;
        long written;

        Slot(TensorInfo info) {
            this.info = info;
        }

        long remaining() {
            return info.byteLength() - written;
        }
    }

    /**
     * Creates the temp file and writes the header.
     *
     * @param file     the file to create (replaced on {@link #close()} if it exists)
     * @param specs    the tensors the file will hold; names must be unique
     * @param metadata {@code __metadata__} entries (null or empty for none)
     * @throws IllegalArgumentException for duplicate or reserved names, or null metadata entries
     */
    public SafetensorsWriter(Path file, List<TensorSpec> specs, Map<String, String> metadata) throws IOException {
        this.target = file.toAbsolutePath().normalize();
        if (specs == null) {
            throw new IllegalArgumentException(target + ": specs must not be null (use List.of() for no tensors)");
        }
        Map<String, String> meta = sortedMetadata(metadata);
        List<TensorSpec> layout = new ArrayList<>(specs.size());
        Map<String, Integer> seen = new HashMap<>(specs.size() * 2);
        for (int i = 0; i < specs.size(); i++) {
            TensorSpec s = specs.get(i);
            if (s == null) {
                throw new IllegalArgumentException(target + ": spec " + i + " is null");
            }
            checkName(s.name());
            Integer before = seen.put(s.name(), i);
            if (before != null) {
                throw new IllegalArgumentException(target + ": tensor \"" + s.name() + "\" is declared twice (specs "
                        + before + " and " + i + "); tensor names must be unique");
            }
            layout.add(s);
        }
        layout.sort(LAYOUT_ORDER);
        Map<String, Slot> bySlot = new LinkedHashMap<>(specs.size() * 2);
        List<TensorInfo> infos = new ArrayList<>(specs.size());
        long offset = 0;
        for (TensorSpec s : layout) {
            long len = s.byteLength();
            if (offset > Long.MAX_VALUE - len) {
                throw new IllegalArgumentException(target + ": the tensors together take more bytes than a file holds");
            }
            TensorInfo info = new TensorInfo(s.name(), s.dtype(), s.shape(), offset, offset + len);
            infos.add(info);
            bySlot.put(s.name(), new Slot(info));
            offset += len;
        }
        this.slots = bySlot;
        List<Slot> inSpecOrder = new ArrayList<>(specs.size());
        for (TensorSpec s : specs) {
            inSpecOrder.add(bySlot.get(s.name()));
        }
        this.slotsInSpecOrder = inSpecOrder;
        byte[] header = HeaderJson.write(infos, meta);
        if (header.length > HeaderReader.MAX_HEADER_BYTES) {
            throw new IllegalArgumentException(target + ": the header would take " + header.length + " bytes, over the "
                    + HeaderReader.MAX_HEADER_BYTES + "-byte limit readers enforce; shard the tensors over several files "
                    + "or shorten the metadata");
        }
        this.dataStart = 8L + header.length;

        Path dir = target.getParent();
        Files.createDirectories(dir);
        this.temp = createTemp(dir, target.getFileName().toString());
        FileChannel ch = null;
        try {
            ch = FileChannel.open(temp, StandardOpenOption.WRITE);
            ByteBuffer head = ByteBuffer.allocate(header.length + 8).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(header.length).put(header).flip();
            writeFully(ch, head, 0);
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                ch.close();
            }
            Files.deleteIfExists(temp);
            throw e;
        }
        this.channel = ch;
    }

    /** Larger dtypes first (the reference writer's order, which keeps tensors aligned), then by UTF-8 name. */
    private static final Comparator<TensorSpec> LAYOUT_ORDER = Comparator
            .comparing(TensorSpec::dtype, Comparator.reverseOrder())
            .thenComparing((a, b) -> Arrays.compareUnsigned(a.name().getBytes(StandardCharsets.UTF_8),
                    b.name().getBytes(StandardCharsets.UTF_8)));

    private void checkName(String name) {
        if (name.equals("__metadata__")) {
            throw new IllegalArgumentException(target + ": \"__metadata__\" is reserved by the format and cannot name "
                    + "a tensor");
        }
        checkEncodable("tensor name", name);
    }

    private void checkEncodable(String what, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length()
                        && Character.isLowSurrogate(s.charAt(i + 1));
                if (!pair) {
                    throw new IllegalArgumentException(target + ": " + what + " \"" + s + "\" has an unpaired "
                            + "surrogate at index " + i + " and cannot be written as UTF-8");
                }
                i++;
            }
        }
    }

    private Map<String, String> sortedMetadata(Map<String, String> metadata) {
        Map<String, String> out = new TreeMap<>((a, b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8),
                b.getBytes(StandardCharsets.UTF_8)));
        if (metadata != null) {
            for (var e : metadata.entrySet()) {
                if (e.getKey() == null || e.getValue() == null) {
                    throw new IllegalArgumentException(target + ": metadata entry " + e.getKey() + "=" + e.getValue()
                            + " has a null; safetensors metadata maps strings to strings");
                }
                checkEncodable("metadata key", e.getKey());
                checkEncodable("metadata value", e.getValue());
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    private static Path createTemp(Path dir, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path p = dir.resolve("." + name + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".partial");
            try {
                FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return p;
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw e;
                }
            }
        }
    }

    /** The file this writer creates. */
    public Path path() {
        return target;
    }

    /**
     * Appends {@code littleEndianBytes.remaining()} bytes to a tensor (all of it at once, or the next
     * chunk of it), advancing the buffer's position to its limit.
     *
     * @throws IllegalArgumentException for an unknown tensor or more bytes than the tensor has left
     */
    public void write(String name, ByteBuffer littleEndianBytes) throws IOException {
        Slot s = slot(name);
        int n = littleEndianBytes.remaining();
        if (n > s.remaining()) {
            throw tooMuch(s, n + " more bytes");
        }
        writeFully(channel, littleEndianBytes, dataStart + s.info.begin() + s.written);
        s.written += n;
    }

    /**
     * Appends float values to a tensor of dtype F32, F16, BF16 or F64 (all of them at once, or the next
     * chunk), converting them to that dtype; F16 and BF16 round to nearest, ties to even.
     *
     * @throws IllegalArgumentException for an unknown tensor, another dtype, or more values than the
     *                                  tensor has left
     */
    public void writeFloats(String name, float[] values) throws IOException {
        Slot s = slot(name);
        DType dt = s.info.dtype();
        if (dt != DType.F32 && dt != DType.F16 && dt != DType.BF16 && dt != DType.F64) {
            throw new IllegalArgumentException(target + ": tensor \"" + name + "\" has dtype " + dt + "; writeFloats "
                    + "converts to F32, F16, BF16 or F64 only: encode other dtypes yourself and use write(name, bytes)");
        }
        int size = dt.byteSize();
        if ((long) values.length * size > s.remaining()) {
            throw tooMuch(s, values.length + " more values");
        }
        if (buffer == null) {
            buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        }
        int perChunk = BUFFER_BYTES / size;
        for (int off = 0; off < values.length; off += perChunk) {
            int count = Math.min(perChunk, values.length - off);
            buffer.clear();
            Conversions.fromFloats(dt, values, off, count, buffer);
            buffer.flip();
            write(name, buffer);
        }
    }

    private IllegalArgumentException tooMuch(Slot s, String got) {
        TensorInfo t = s.info;
        return new IllegalArgumentException(target + ": tensor \"" + t.name() + "\" " + t.dtype() + " "
                + Arrays.toString(t.shape()) + " takes " + t.byteLength() + " bytes (" + t.elementCount()
                + " elements); " + s.written + " are already written, so " + got + " do not fit");
    }

    private Slot slot(String name) {
        if (closed) {
            throw new IllegalStateException(target + ": writer is closed");
        }
        Slot s = slots.get(name);
        if (s == null) {
            throw new IllegalArgumentException(target + ": no tensor \"" + name + "\" was declared in the specs"
                    + NearMatches.hint(name, slots.keySet()));
        }
        return s;
    }

    private static void writeFully(FileChannel ch, ByteBuffer src, long position) throws IOException {
        long pos = position;
        while (src.hasRemaining()) {
            pos += ch.write(src, pos);
        }
    }

    /**
     * Finishes the file: checks that every tensor was written in full (otherwise deletes the temp file
     * and throws {@link IllegalStateException} naming the missing tensors), syncs it to disk and renames
     * it onto the target. Calling it again does nothing.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        List<String> missing = new ArrayList<>();
        int incomplete = 0;
        for (Slot s : slotsInSpecOrder) {
            if (s.remaining() != 0) {
                incomplete++;
                if (missing.size() < 10) {
                    missing.add("\"" + s.info.name() + "\" (" + s.written + " of " + s.info.byteLength() + " bytes)");
                }
            }
        }
        boolean moved = false;
        try {
            if (incomplete > 0) {
                throw new IllegalStateException(target + ": not written because " + incomplete + " tensor"
                        + (incomplete == 1 ? " is" : "s are") + " incomplete: " + String.join(", ", missing)
                        + (incomplete > missing.size() ? ", ..." : "") + "; write every declared tensor in full before "
                        + "closing");
            }
            channel.force(true);
            channel.close();
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
            syncDirectory(target.getParent());
        } finally {
            if (!moved) {
                try {
                    channel.close();
                } finally {
                    Files.deleteIfExists(temp);
                }
            }
        }
    }

    /** Makes the rename durable; not every platform can open a directory, so this is best effort. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | RuntimeException e) {
            // Windows cannot open directories; the file itself is already synced
        }
    }
}
