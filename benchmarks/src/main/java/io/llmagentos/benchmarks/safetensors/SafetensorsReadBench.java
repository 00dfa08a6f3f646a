package io.llmagentos.benchmarks.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.benchmarks.BenchReport;
import io.llmagentos.benchmarks.Stopwatch;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.safetensors.DType;
import io.llmagentos.core.safetensors.SafetensorsFile;
import io.llmagentos.core.safetensors.SafetensorsWriter;
import io.llmagentos.core.safetensors.TensorInfo;
import io.llmagentos.core.safetensors.TensorSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Read throughput of a ~1 GiB safetensors file of many F32 and BF16 tensors, page cache warm:
 * <ol>
 *   <li>ours, {@code bytes()}: open, then sum every tensor's mapped bytes as longs (zero-copy; the
 *       time includes the page faults of fresh mappings);</li>
 *   <li>ours, {@code readFloats()}: open, then every tensor into a new float[] (BF16 widened);</li>
 *   <li>plain {@code FileChannel.read} of the whole file into one reused direct buffer (the cost of
 *       copying the bytes out of the page cache: the practical limit of any loader that copies);</li>
 *   <li>Python {@code safetensors.numpy.load_file} (0.8), on a twin file with F16 in place of BF16
 *       (numpy has no bfloat16), same size, shapes and layout.</li>
 * </ol>
 * Run with {@code scripts/bench/safetensors.sh [--mib 1024] [--runs 5] [--dir DIR]}.
 */
public final class SafetensorsReadBench {
    private static final long MIB = 1 << 20;

    private SafetensorsReadBench() {
    }

    public static void main(String[] args) throws Exception {
        long mib = 1024;
        int runs = 5;
        Path dir = Path.of(System.getProperty("java.io.tmpdir"));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--mib" -> mib = Long.parseLong(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (expected --mib N, --runs N, --dir DIR)");
            }
        }
        Path work = Files.createTempDirectory(dir, "safetensors-bench-");
        try {
            run(work, mib, runs);
        } finally {
            try (var s = Files.list(work)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(work);
        }
    }

    private static void run(Path work, long mib, int runs) throws Exception {
        // 8 MiB tensors, alternating F32 [1024, 2048] and BF16 [2048, 2048], named like a Llama checkpoint
        int count = (int) Math.max(2, mib / 8);
        Path file = work.resolve("model.safetensors");
        Path twin = work.resolve("model-f16.safetensors");
        long t0 = System.nanoTime();
        write(file, count, DType.BF16);
        write(twin, count, DType.F16);
        System.out.printf("wrote 2 x %d MiB in %.1f s under %s%n", count * 8, (System.nanoTime() - t0) / 1e9, work);

        long dataBytes;
        List<String> names = new ArrayList<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            dataBytes = f.dataBytes();
            for (TensorInfo t : f.tensors()) {
                names.add(t.name());
            }
        }
        long fileBytes = Files.size(file);
        ByteBuffer direct = ByteBuffer.allocateDirect((int) (64 * MIB));
        // warm the page cache for both files
        channelRead(file, direct);
        channelRead(twin, direct);

        BenchReport r = new BenchReport("safetensors-read", "safetensors read throughput, page cache warm");
        r.param("file_mib", fileBytes / MIB).param("tensors", names.size())
                .param("dtypes", "half F32 [1024, 2048], half BF16 [2048, 2048]")
                .param("runs", runs).param("statistic", "median after 1 warm-up run");

        long[] sink = new long[1];
        double sBytes = Stopwatch.medianSeconds(1, runs, () -> {
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                long s = 0;
                for (String n : names) {
                    ByteBuffer b = f.bytes(n);
                    int longs = b.remaining() >>> 3;
                    for (int i = 0; i < longs; i++) {
                        s += b.getLong(i << 3);
                    }
                }
                sink[0] += s;
            }
        });
        row(r, "agentos bytes() + sum longs (zero-copy)", dataBytes, sBytes);

        double sFloats = Stopwatch.medianSeconds(1, runs, () -> {
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                for (String n : names) {
                    float[] v = f.readFloats(n);
                    sink[0] += Float.floatToRawIntBits(v[0]) + Float.floatToRawIntBits(v[v.length - 1]);
                }
            }
        });
        row(r, "agentos readFloats() (BF16 widened)", dataBytes, sFloats);

        double sChannel = Stopwatch.medianSeconds(1, runs, () -> sink[0] += channelRead(file, direct));
        row(r, "FileChannel.read into direct buffer", fileBytes, sChannel);

        Path python = Path.of(System.getProperty("agentos.bench.python", ".venv-bench/bin/python"));
        Path script = Path.of(System.getProperty("agentos.repo.root", ".")).resolve("scripts/bench/safetensors_load.py");
        if (Files.isExecutable(python) && Files.isRegularFile(script)) {
            JsonNode py = python(python, script, twin, runs);
            long pyBytes = py.get("bytes").asLong();
            if (pyBytes != dataBytes) {
                throw new IllegalStateException("Python loaded " + pyBytes + " bytes, expected " + dataBytes);
            }
            row(r, "python safetensors.numpy.load_file", dataBytes, py.get("median_seconds").asDouble());
            r.param("python", "safetensors " + py.get("safetensors").asText() + ", numpy " + py.get("numpy").asText()
                    + ", Python " + py.get("python").asText());
        } else {
            r.note("Python row skipped: no interpreter at " + python + " or no " + script
                    + " (run through scripts/bench/safetensors.sh)");
        }
        r.note("page cache warm for every row (each file read once before timing); every run opens the file afresh, "
                + "so the mmap rows include page-fault cost");
        r.note("GB/s = data bytes / 1e9 / median seconds; the FileChannel row counts the whole file");
        r.note("Python reads a twin file with F16 instead of BF16 (numpy has no bfloat16): same size and layout; "
                + "load_file copies every tensor into a numpy array");
        r.note("checksum " + Long.toHexString(sink[0]) + " (keeps the JIT from skipping work)");
        r.printAndWrite(Path.of(System.getProperty("agentos.bench.results", "benchmarks/results")));
    }

    private static void row(BenchReport r, String system, long bytes, double seconds) {
        r.row(system).put("gb_per_s", bytes / 1e9 / seconds).put("seconds", seconds);
    }

    private static void write(Path file, int count, DType halfType) throws IOException {
        List<TensorSpec> specs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int layer = i / 2;
            specs.add(i % 2 == 0
                    ? new TensorSpec("model.layers." + layer + ".mlp.up_proj.weight", DType.F32, new long[] {1024, 2048})
                    : new TensorSpec("model.layers." + layer + ".mlp.down_proj.weight", halfType, new long[] {2048, 2048}));
        }
        float[] values = new float[2048 * 2048];
        int seed = 12345;
        try (SafetensorsWriter w = new SafetensorsWriter(file, specs, Map.of("format", "pt"))) {
            for (TensorSpec s : specs) {
                float[] v = values.length == s.elementCount() ? values : new float[(int) s.elementCount()];
                for (int i = 0; i < v.length; i++) {
                    seed = seed * 1103515245 + 12345;
                    v[i] = (seed >> 8) * 0x1p-26f; // roughly uniform in [-1, 1)
                }
                w.writeFloats(s.name(), v);
            }
        }
    }

    /** Reads the whole file sequentially into a reused direct buffer; returns the bytes read. */
    private static long channelRead(Path file, ByteBuffer buf) throws IOException {
        long total = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (true) {
                buf.clear();
                int n = ch.read(buf);
                if (n < 0) {
                    return total;
                }
                total += n;
            }
        }
    }

    private static JsonNode python(Path python, Path script, Path file, int runs) throws Exception {
        Process p = new ProcessBuilder(python.toString(), script.toString(), file.toString(), String.valueOf(runs))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("Python benchmark failed: " + new String(out, StandardCharsets.UTF_8));
        }
        return JsonFields.MAPPER.readTree(out);
    }
}
