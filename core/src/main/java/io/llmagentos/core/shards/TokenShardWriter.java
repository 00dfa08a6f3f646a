package io.llmagentos.core.shards;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Packs tokenized documents into a {@link TokenShard} file. Each document is followed by EOS; the
 * stream is cut into {@code seqLen} windows; {@link #close()} fills the last window with PAD, writes
 * the document index and header, syncs, and renames the temp file into place, so a crash never leaves
 * a readable half-written shard.
 */
public final class TokenShardWriter implements AutoCloseable {
    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private final int vocabSize;
    private final TokenDtype dtype;
    private final int seqLen;
    private final String tokenizerDigest;
    private final int eosId;
    private final int padId;
    private final ByteBuffer buf;
    private long tokens;
    private long[] docStarts = new long[1024];
    private int docs;
    private boolean finished;

    /**
     * @param file            the shard to create (its name should end in {@link TokenShard#EXTENSION})
     * @param vocabSize       vocabulary size; ids must be below it
     * @param seqLen          tokens per packed sequence
     * @param tokenizerDigest the producing tokenizer's digest
     * @param eosId           id appended after each document
     * @param padId           id that fills the last sequence
     */
    public TokenShardWriter(Path file, int vocabSize, int seqLen, String tokenizerDigest, int eosId, int padId)
            throws IOException {
        // validates the parameters up front with the header's messages
        new ShardHeader(TokenShard.FORMAT_VERSION, vocabSize, TokenDtype.forVocab(vocabSize), seqLen, 0, 0, 0,
                tokenizerDigest, eosId, padId);
        this.target = file.toAbsolutePath();
        Files.createDirectories(target.getParent());
        this.temp = target.resolveSibling("." + target.getFileName() + ".partial");
        this.channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        this.vocabSize = vocabSize;
        this.dtype = TokenDtype.forVocab(vocabSize);
        this.seqLen = seqLen;
        this.tokenizerDigest = tokenizerDigest;
        this.eosId = eosId;
        this.padId = padId;
        this.buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        channel.position(TokenShard.DATA_OFFSET);
    }

    /** Appends one document (its ids, then EOS). An id outside the vocabulary is rejected with its position. */
    public void addDocument(int[] ids) throws IOException {
        if (finished) {
            throw new IllegalStateException(target + ": writer already closed");
        }
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new IllegalArgumentException(target + ": document " + docs + " has id " + ids[i] + " at position "
                        + i + ", outside the vocabulary [0, " + vocabSize + "): tokenizer and vocab_size disagree");
            }
        }
        if (docs == docStarts.length) {
            docStarts = Arrays.copyOf(docStarts, docs * 2);
        }
        docStarts[docs++] = tokens;
        for (int id : ids) {
            put(id);
        }
        put(eosId);
    }

    private void put(int id) throws IOException {
        if (buf.remaining() < 4) {
            flush();
        }
        if (dtype == TokenDtype.UINT16) {
            buf.putShort((short) id);
        } else {
            buf.putInt(id);
        }
        tokens++;
    }

    private void flush() throws IOException {
        buf.flip();
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
        buf.clear();
    }

    /** Tokens written so far (EOS included, padding not). */
    public long tokenCount() {
        return tokens;
    }

    public long documentCount() {
        return docs;
    }

    /** Finishes the file and moves it into place; returns its header. */
    public ShardHeader finish() throws IOException {
        if (finished) {
            throw new IllegalStateException(target + ": writer already closed");
        }
        long padding = tokens % seqLen == 0 ? 0 : seqLen - tokens % seqLen;
        for (long i = 0; i < padding; i++) {
            put(padId);
        }
        tokens -= padding;
        flush();
        ByteBuffer idx = ByteBuffer.allocate(8 * 8192).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < docs; i++) {
            if (!idx.hasRemaining()) {
                idx.flip();
                while (idx.hasRemaining()) {
                    channel.write(idx);
                }
                idx.clear();
            }
            idx.putLong(docStarts[i]);
        }
        idx.flip();
        while (idx.hasRemaining()) {
            channel.write(idx);
        }
        ShardHeader h = new ShardHeader(TokenShard.FORMAT_VERSION, vocabSize, dtype, seqLen,
                (tokens + padding) / seqLen, docs, padding, tokenizerDigest, eosId, padId);
        byte[] json = TokenShard.headerJson(h);
        if (json.length > TokenShard.DATA_OFFSET - 12) {
            throw new IOException(target + ": shard header too long (" + json.length + " bytes)");
        }
        ByteBuffer head = ByteBuffer.allocate(TokenShard.DATA_OFFSET).order(ByteOrder.LITTLE_ENDIAN);
        head.put(TokenShard.MAGIC).putInt(json.length).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        long pos = 0;
        while (head.hasRemaining()) {
            pos += channel.write(head, pos);
        }
        channel.force(true);
        channel.close();
        finished = true;
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return h;
    }

    /** Discards the file unless {@link #finish()} was called. */
    @Override
    public void close() throws IOException {
        if (!finished) {
            finished = true;
            channel.close();
            Files.deleteIfExists(temp);
        }
    }
}
