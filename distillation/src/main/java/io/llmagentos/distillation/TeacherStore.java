package io.llmagentos.distillation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.internal.Files2;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.training.LlamaModel;
import io.llmagentos.training.TrainingData;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The teacher's top-k next-token distribution for every position of the first {@code windows} training
 * windows, computed once ({@link #write}) and read by offline distillation in every student run and epoch.
 *
 * <p>Layout of a store directory:
 * <pre>
 *   teacher-topk.json    header: format, teacher_digest, tokenizer_digest, data_digest, seq_len, k, temperature,
 *                        vocab_size, windows, windows_per_file, files
 *   topk-00000.bin …     records, window after window, little-endian:
 *                          int32   inputs[seq_len]         the window's input ids (checked against the batch)
 *                          int32   ids[seq_len][k]         the teacher's k most probable next tokens, most probable first
 *                          float32 logprob[seq_len][k]     log softmax(teacher / T) of those tokens
 *                          float32 tail[seq_len]           Σ softmax(teacher / T) over every other token
 * </pre>
 * Log-probabilities and the tail are computed in double precision from the float32 logits; the tail is summed
 * over the other tokens (not taken as {@code 1 − Σ p_i}), so it is exact to float32 rounding even when tiny, and
 * exactly 0 when k equals the vocabulary. The directory is written under a temporary name and renamed into place
 * when complete, so a store that exists is whole.
 */
public final class TeacherStore implements AutoCloseable {
    public static final String HEADER_FILE = "teacher-topk.json";
    public static final String FORMAT = "agentos-teacher-topk-1";
    private static final long MAX_FILE_BYTES = 1L << 30;

    /**
     * What a store holds and what it was made from; {@link #matches} decides whether a run may reuse it.
     *
     * @param teacherDigest   sha256 of the teacher's weight files
     * @param tokenizerDigest the teacher's tokenizer digest
     * @param dataDigest      digest of the token shards the windows come from
     */
    public record Header(String teacherDigest, String tokenizerDigest, String dataDigest, int seqLen, int k,
                         double temperature, int vocabSize, int windows, int windowsPerFile, List<String> files) {
        public Header {
            files = List.copyOf(files);
        }

        long recordBytes() {
            return recordBytes(seqLen, k);
        }

        static long recordBytes(int seqLen, int k) {
            return 4L * seqLen + 8L * seqLen * k + 4L * seqLen;
        }

        /** Null when a run with these inputs can reuse the store, else what differs. */
        public String mismatch(String teacher, String tokenizer, String data, int seq, int topK, double t, int minWindows) {
            if (!teacherDigest.equals(teacher)) {
                return "it was made from another teacher (" + teacherDigest + ", now " + teacher + ")";
            }
            if (!tokenizerDigest.equals(tokenizer)) {
                return "it was made with tokenizer " + tokenizerDigest + " (now " + tokenizer + ")";
            }
            if (!dataDigest.equals(data)) {
                return "it was made from other token shards (" + dataDigest + ", now " + data + ")";
            }
            if (seqLen != seq) {
                return "its windows have seq_len " + seqLen + " (now " + seq + ")";
            }
            if (k != topK) {
                return "it holds the top " + k + " tokens (now top_k " + topK + ")";
            }
            if (Double.compare(temperature, t) != 0) {
                return "it was made at temperature " + temperature + " (now " + t + ")";
            }
            if (windows < minWindows) {
                return "it covers " + windows + " windows (now " + minWindows + " are asked for)";
            }
            return null;
        }
    }

    private final Path dir;
    private final Header header;
    private final List<FileChannel> channels = new ArrayList<>();
    private final List<MappedByteBuffer> maps = new ArrayList<>();

    private TeacherStore(Path dir, Header header) throws IOException {
        this.dir = dir;
        this.header = header;
        long rb = header.recordBytes();
        for (int f = 0; f < header.files().size(); f++) {
            Path p = dir.resolve(header.files().get(f));
            int n = Math.min(header.windowsPerFile(), header.windows() - f * header.windowsPerFile());
            long expected = n * rb;
            if (!Files.isRegularFile(p) || Files.size(p) != expected) {
                close();
                throw new IOException(p + ": expected " + expected + " bytes (" + n + " windows of " + rb
                        + " bytes) but the file " + (Files.isRegularFile(p) ? "has " + Files.size(p) : "is missing")
                        + "; delete " + dir + " to have it recomputed");
            }
            FileChannel ch = FileChannel.open(p, StandardOpenOption.READ);
            channels.add(ch);
            MappedByteBuffer mb = ch.map(FileChannel.MapMode.READ_ONLY, 0, expected);
            mb.order(ByteOrder.LITTLE_ENDIAN);
            maps.add(mb);
        }
    }

    /** Opens a complete store; an incomplete or inconsistent one is an error naming the file. */
    public static TeacherStore open(Path dir) throws IOException {
        Path h = dir.resolve(HEADER_FILE);
        if (!Files.isRegularFile(h)) {
            throw new IOException(dir + ": no " + HEADER_FILE + "; this is not a teacher top-k store");
        }
        JsonNode o = JsonFields.readObject(h);
        JsonFields f = new JsonFields(h);
        if (!FORMAT.equals(o.path("format").asText())) {
            throw new IOException(h + ": $.format: expected \"" + FORMAT + "\" (got \"" + o.path("format").asText()
                    + "\"); delete the directory to have it recomputed");
        }
        List<String> files = new ArrayList<>();
        o.path("files").forEach(n -> files.add(n.asText()));
        Header hd;
        try {
            hd = new Header(text(o, h, "teacher_digest"), text(o, h, "tokenizer_digest"), text(o, h, "data_digest"),
                    positive(o, h, "seq_len"), positive(o, h, "k"), o.path("temperature").asDouble(),
                    positive(o, h, "vocab_size"), positive(o, h, "windows"), positive(o, h, "windows_per_file"), files);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage());
        }
        if (!(hd.temperature() > 0)) {
            throw new IOException(h + ": $.temperature must be > 0 (got " + hd.temperature() + ")");
        }
        int expectedFiles = (hd.windows() + hd.windowsPerFile() - 1) / hd.windowsPerFile();
        if (files.size() != expectedFiles) {
            throw new IOException(h + ": $.files: " + hd.windows() + " windows at " + hd.windowsPerFile()
                    + " per file need " + expectedFiles + " files (got " + files.size() + ")");
        }
        return new TeacherStore(dir, hd);
    }

    private static String text(JsonNode o, Path h, String key) throws IOException {
        String v = o.path(key).asText("");
        if (v.isEmpty()) {
            throw new IOException(h + ": $." + key + " is missing");
        }
        return v;
    }

    private static int positive(JsonNode o, Path h, String key) throws IOException {
        int v = o.path(key).asInt(0);
        if (v <= 0) {
            throw new IOException(h + ": $." + key + " must be a whole number > 0 (got " + o.path(key) + ")");
        }
        return v;
    }

    public Header header() {
        return header;
    }

    public Path dir() {
        return dir;
    }

    /** Reads window {@code w}: inputs {@code [seq]}, ids and log-probs {@code [seq·k]}, tail {@code [seq]}. */
    public void read(int w, int[] inputs, int[] ids, float[] logprob, float[] tail) {
        if (w < 0 || w >= header.windows()) {
            throw new IndexOutOfBoundsException("window " + w + " is outside the store's " + header.windows()
                    + " windows (" + dir + ")");
        }
        ByteBuffer b = maps.get(w / header.windowsPerFile()).duplicate().order(ByteOrder.LITTLE_ENDIAN);
        b.position((int) ((w % header.windowsPerFile()) * header.recordBytes()));
        b.asIntBuffer().get(inputs, 0, header.seqLen());
        b.position(b.position() + 4 * header.seqLen());
        int sk = header.seqLen() * header.k();
        b.asIntBuffer().get(ids, 0, sk);
        b.position(b.position() + 4 * sk);
        b.asFloatBuffer().get(logprob, 0, sk);
        b.position(b.position() + 4 * sk);
        b.asFloatBuffer().get(tail, 0, header.seqLen());
    }

    /**
     * The teacher's top-k of the batch rows {@code examples} (training-split windows) as arrays on {@code m}'s
     * device: ids {@code [rows, seq, k]} int64, log-probs {@code [rows, seq, k]}, tail {@code [rows, seq]}. Fails
     * when a row's input tokens differ from the stored window's (the store belongs to other data).
     */
    public NDArray[] batch(int[] examples, int[][] inputs, NDManager m) {
        int rows = examples.length;
        int seq = header.seqLen();
        int k = header.k();
        if (inputs[0].length != seq) {
            throw new IllegalStateException("the batch has windows of " + inputs[0].length + " tokens but the teacher "
                    + "store " + dir + " holds windows of " + seq);
        }
        long[] ids = new long[rows * seq * k];
        float[] lp = new float[rows * seq * k];
        float[] tail = new float[rows * seq];
        int[] in = new int[seq];
        int[] id = new int[seq * k];
        float[] l = new float[seq * k];
        float[] t = new float[seq];
        for (int r = 0; r < rows; r++) {
            read(examples[r], in, id, l, t);
            if (!java.util.Arrays.equals(in, inputs[r])) {
                throw new IllegalStateException("teacher store " + dir + ": window " + examples[r] + " holds other tokens "
                        + "than the training window of that index; the store was made from other data or another "
                        + "split (delete it to have it recomputed)");
            }
            for (int i = 0; i < seq * k; i++) {
                ids[r * seq * k + i] = id[i];
            }
            System.arraycopy(l, 0, lp, r * seq * k, seq * k);
            System.arraycopy(t, 0, tail, r * seq, seq);
        }
        ai.djl.ndarray.types.Shape s3 = new ai.djl.ndarray.types.Shape(rows, seq, k);
        return new NDArray[] {
            LlamaModel.owned(m.create(ids, s3)),
            LlamaModel.owned(m.create(lp, s3)),
            LlamaModel.owned(m.create(tail, new ai.djl.ndarray.types.Shape(rows, seq)))
        };
    }

    /**
     * Runs the teacher over the first {@code windows} training windows of {@code data}, {@code batch} windows at
     * a time, and writes their top-k at temperature {@code t} to {@code dir} (replacing what is there).
     */
    public static TeacherStore write(LlamaModel teacher, TrainingData data, int windows, int k, double t, int batch,
            Path dir, String teacherDigest, String tokenizerDigest, ProgressListener progress) throws IOException {
        int vocab = teacher.config().vocabSize();
        if (k < 1 || k > vocab) {
            throw new IllegalArgumentException("distill.top_k must be in [1, vocab_size=" + vocab + "] (got " + k + ")");
        }
        if (windows < 1 || windows > data.trainSize()) {
            throw new IllegalArgumentException("the store needs between 1 and " + data.trainSize()
                    + " training windows (got " + windows + ")");
        }
        int seq = data.seqLen();
        long rb = Header.recordBytes(seq, k);
        int perFile = (int) Math.max(1, Math.min(Integer.MAX_VALUE, MAX_FILE_BYTES / rb));
        Path parent = dir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = parent.resolve("." + dir.getFileName() + ".partial");
        Files2.deleteRecursively(tmp);
        Files.createDirectories(tmp);
        List<String> files = new ArrayList<>();
        TopK topK = new TopK(vocab, k, t);
        OutputStream out = null;
        try (ProgressListener.Progress bar = progress.start("teacher top-" + k, windows, "windows");
             NDManager root = teacher.manager().newSubManager()) {
            int[][] in = new int[batch][seq];
            int[][] tg = new int[batch][seq];
            float[][] wt = new float[batch][seq];
            ByteBuffer rec = ByteBuffer.allocate((int) rb).order(ByteOrder.LITTLE_ENDIAN);
            for (int start = 0; start < windows; start += batch) {
                int rows = Math.min(batch, windows - start);
                for (int r = 0; r < rows; r++) {
                    data.train(start + r, in[r], tg[r], wt[r]);
                }
                float[] logits;
                try (NDManager m = root.newSubManager()) {
                    NDArray ids = LlamaModel.ids(m, java.util.Arrays.copyOf(in, rows)).toDevice(teacher.device(), false);
                    logits = teacher.forward(teacher.weights(), ids, null).toFloatArray();
                }
                for (int r = 0; r < rows; r++) {
                    int w = start + r;
                    if (w % perFile == 0) {
                        if (out != null) {
                            out.close();
                        }
                        String name = String.format(Locale.ROOT, "topk-%05d.bin", w / perFile);
                        files.add(name);
                        out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp.resolve(name)), 1 << 20);
                    }
                    rec.clear();
                    for (int i = 0; i < seq; i++) {
                        rec.putInt(in[r][i]);
                    }
                    int idsAt = rec.position();
                    int lpAt = idsAt + 4 * seq * k;
                    int tailAt = lpAt + 4 * seq * k;
                    for (int i = 0; i < seq; i++) {
                        topK.compute(logits, (r * seq + i) * vocab);
                        for (int j = 0; j < k; j++) {
                            rec.putInt(idsAt + 4 * (i * k + j), topK.ids[j]);
                            rec.putFloat(lpAt + 4 * (i * k + j), (float) topK.logprob[j]);
                        }
                        rec.putFloat(tailAt + 4 * i, (float) topK.tail);
                    }
                    out.write(rec.array(), 0, (int) rb);
                }
                bar.advance(rows);
            }
        } finally {
            if (out != null) {
                out.close();
            }
        }
        ObjectNode h = JsonFields.MAPPER.createObjectNode();
        h.put("format", FORMAT);
        h.put("teacher_digest", teacherDigest);
        h.put("tokenizer_digest", tokenizerDigest);
        h.put("data_digest", data.digest());
        h.put("seq_len", seq);
        h.put("k", k);
        h.put("temperature", t);
        h.put("vocab_size", vocab);
        h.put("windows", windows);
        h.put("windows_per_file", perFile);
        ArrayNode fa = h.putArray("files");
        files.forEach(fa::add);
        JsonFields.MAPPER.writeValue(tmp.resolve(HEADER_FILE).toFile(), h);
        Files2.deleteRecursively(dir);
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        return open(dir);
    }

    /** Top-k of one position's logits at temperature T, in double precision (ties: the smaller id first). */
    static final class TopK {
        final int vocab;
        final int k;
        final double t;
        final int[] ids;
        final double[] logprob;
        double tail;
        private final boolean[] inTop;
        private final double[] scaled;
        private final double[] expd;

        TopK(int vocab, int k, double t) {
            this.vocab = vocab;
            this.k = k;
            this.t = t;
            this.ids = new int[k];
            this.logprob = new double[k];
            this.inTop = new boolean[vocab];
            this.scaled = new double[vocab];
            this.expd = new double[vocab];
        }

        void compute(float[] logits, int off) {
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < vocab; v++) {
                scaled[v] = logits[off + v] / t;
                max = Math.max(max, scaled[v]);
            }
            double sum = 0;
            for (int v = 0; v < vocab; v++) {
                double e = Math.exp(scaled[v] - max);
                expd[v] = e;
                sum += e;
            }
            double lse = max + Math.log(sum);
            // selection by insertion into a sorted array of size k: k is small next to the vocabulary
            int n = 0;
            for (int v = 0; v < vocab; v++) {
                double x = scaled[v];
                if (n == k && !(x > scaled[ids[k - 1]])) {
                    continue;
                }
                int pos = n == k ? k - 1 : n++;
                while (pos > 0 && x > scaled[ids[pos - 1]]) {
                    ids[pos] = ids[pos - 1];
                    pos--;
                }
                ids[pos] = v;
            }
            for (int j = 0; j < k; j++) {
                logprob[j] = scaled[ids[j]] - lse;
                inTop[ids[j]] = true;
            }
            double rest = 0;
            for (int v = 0; v < vocab; v++) {
                if (!inTop[v]) {
                    rest += expd[v];
                }
            }
            for (int j = 0; j < k; j++) {
                inTop[ids[j]] = false;
            }
            tail = rest / sum;
        }
    }

    @Override
    public void close() throws IOException {
        maps.clear();
        for (FileChannel c : channels) {
            c.close();
        }
        channels.clear();
    }
}
