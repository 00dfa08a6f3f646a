package io.llmagentos.benchmarks.onnx;

import io.llmagentos.benchmarks.BenchReport;
import io.llmagentos.benchmarks.Stopwatch;
import io.llmagentos.core.checkpoint.CheckpointWriter;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.safetensors.DType;
import io.llmagentos.core.safetensors.TensorSpec;
import io.llmagentos.quantization.export.OnnxExportConfig;
import io.llmagentos.quantization.export.OnnxExportResult;
import io.llmagentos.quantization.export.OnnxExporter;
import io.llmagentos.quantization.runtime.OrtCausalLm;
import io.llmagentos.training.ModelPresets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Prefill and decode throughput of exported models in ONNX Runtime Java (batch 1, {@code --threads} intra-op
 * threads, 2 by default), against the memory-bandwidth bound of decoding.
 * <ol>
 *   <li><b>Bandwidth</b>: the machine's read bandwidth, measured here by {@code threads} Java threads summing
 *       a 1 GiB {@code long[]} (median of 5 after a warm-up), so the bound uses the same cores as the model.</li>
 *   <li><b>Models</b>: random weights (N(0, 0.02²), norms 1) in two shapes: the {@code demo-teacher} preset
 *       at the demo's vocabulary (2,048) and a ~100M-parameter config ({@code gpu-teacher}'s shape, 768 ×
 *       12 layers, 12 heads over 4 kv heads, vocabulary 16,384, untied head). Each is written as a
 *       checkpoint and exported with {@link OnnxExporter} (its ONNX Runtime check included, timed).</li>
 *   <li><b>Variants</b>: every {@link Variant} in {@link #VARIANTS} turns the FP32 export into the model file
 *       it measures (FP32 measures {@code model.onnx} itself; an INT8 variant quantizes it and names its file).
 *       Each variant's rows carry the same columns, so FP32 and INT8 compare in one table.</li>
 *   <li><b>Prefill</b>: one forward of {@code --prompt} tokens from an empty cache; tokens/s = prompt / median
 *       seconds. <b>Decode</b>: after that prefill, {@code --decode} single-token steps through the KV cache;
 *       tokens/s = steps / median seconds of the whole decode. Bound = measured bandwidth / model bytes (a
 *       decode step reads every weight once; the cache and the embedding row are small beside it).</li>
 * </ol>
 * The CPU's SIMD flags (AVX2, AVX-512, VNNI, AMX) are printed and recorded with every run: INT8 speed depends
 * on them. Run with {@code scripts/bench/onnx.sh}.
 */
public final class OnnxBench {
    private static final String USAGE = "options: --models demo-teacher,100m (both), --prompt N (128), --decode N (64),"
            + " --runs N (3), --warmup N (1), --threads N (2), --spinning (let idle ORT threads spin; off by default),"
            + " --dir DIR (scratch, deleted unless --keep), --keep";

    /** A model file to measure, made from the FP32 export. */
    public interface Variant {
        /** Row label, e.g. "fp32" or "int8 dynamic". */
        String name();

        /** Writes (if needed) the variant's model file into {@code fp32Dir} and returns its file name there. */
        String prepare(Path fp32Dir, ProgressListener progress) throws Exception;
    }

    /** FP32: the exported {@code model.onnx} as it is. */
    static final Variant FP32 = new Variant() {
        @Override
        public String name() {
            return "fp32";
        }

        @Override
        public String prepare(Path fp32Dir, ProgressListener progress) {
            return OrtCausalLm.MODEL_FILE;
        }
    };

    /** INT8 dynamic (per-channel weights, DynamicQuantizeLinear + MatMulInteger): {@code model_int8_dynamic.onnx}. */
    static final Variant INT8_DYNAMIC = new Variant() {
        @Override
        public String name() {
            return "int8 dynamic";
        }

        @Override
        public String prepare(Path fp32Dir, ProgressListener progress) throws Exception {
            ai.onnx.proto.OnnxMl.ModelProto fp32 = io.llmagentos.quantization.int8.OnnxModelFile.load(
                    fp32Dir.resolve(OrtCausalLm.MODEL_FILE));
            io.llmagentos.quantization.int8.OnnxModelFile.save(io.llmagentos.quantization.int8.DynamicQuantizer.quantize(
                    fp32, io.llmagentos.quantization.int8.QuantizeConfig.defaults()).model(),
                    fp32Dir.resolve("model_int8_dynamic.onnx"));
            return "model_int8_dynamic.onnx";
        }
    };

    /**
     * INT8 static QDQ (per-channel weights, uint8 activations with MinMax ranges from 16 random-id sequences: the
     * weights are random, so this row measures speed, not quality): {@code model_int8_static.onnx}.
     */
    static final Variant INT8_STATIC = new Variant() {
        @Override
        public String name() {
            return "int8 static";
        }

        @Override
        public String prepare(Path fp32Dir, ProgressListener progress) throws Exception {
            ai.onnx.proto.OnnxMl.ModelProto fp32 = io.llmagentos.quantization.int8.OnnxModelFile.load(
                    fp32Dir.resolve(OrtCausalLm.MODEL_FILE));
            int vocab = LlamaConfig.load(fp32Dir.resolve(LlamaConfig.FILE_NAME)).vocabSize();
            SplittableRandom r = new SplittableRandom(3);
            List<long[]> seqs = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                seqs.add(r.longs(64, 0, vocab).toArray());
            }
            var cal = io.llmagentos.quantization.calibration.Calibrator.calibrate(fp32,
                    io.llmagentos.quantization.calibration.Calibrator.linearActivations(fp32),
                    new io.llmagentos.quantization.calibration.CalibrationSet("random ids", seqs),
                    io.llmagentos.quantization.calibration.CalibrationConfig.defaults(
                            io.llmagentos.quantization.calibration.CalibrationMethod.MINMAX), progress);
            io.llmagentos.quantization.int8.OnnxModelFile.save(io.llmagentos.quantization.int8.StaticQuantizer.quantize(
                    fp32, io.llmagentos.quantization.int8.QuantizeConfig.defaults(), cal.ranges(), "minmax").model(),
                    fp32Dir.resolve("model_int8_static.onnx"));
            return "model_int8_static.onnx";
        }
    };

    /** The variants measured on every model, in row order. */
    static final List<Variant> VARIANTS = List.of(FP32, INT8_DYNAMIC, INT8_STATIC);

    private OnnxBench() {
    }

    /** A benchmark model shape by name. */
    static LlamaConfig config(String name) {
        return switch (name) {
            case "demo-teacher" -> ModelPresets.config("demo-teacher", 2048);
            case "100m" -> ModelPresets.config("gpu-teacher", 16384);
            default -> throw new IllegalArgumentException("unknown model " + name + "; choose demo-teacher or 100m");
        };
    }

    public static void main(String[] args) throws Exception {
        List<String> models = List.of("demo-teacher", "100m");
        int prompt = 128;
        int decode = 64;
        int runs = 3;
        int warmup = 1;
        int threads = 2;
        Path dir = null;
        boolean keep = false;
        boolean spinning = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--models" -> models = List.of(args[++i].split(","));
                case "--prompt" -> prompt = Integer.parseInt(args[++i]);
                case "--decode" -> decode = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                case "--keep" -> keep = true;
                case "--spinning" -> spinning = true;
                default -> {
                    System.err.println("unknown option " + args[i] + "\n" + USAGE);
                    System.exit(2);
                }
            }
        }
        Path scratch = dir == null ? Files.createTempDirectory("onnx-bench") : Files.createDirectories(dir);
        String simd = simdFlags();
        System.out.println("CPU SIMD: " + simd);
        BenchReport report = new BenchReport("onnx", "ONNX Runtime Java: prefill and decode tokens/s (batch 1), vs the"
                + " memory-bandwidth bound");
        report.param("cpu_simd", simd);
        report.param("threads", threads);
        report.param("spinning", spinning);
        report.param("prompt_tokens", prompt);
        report.param("decode_tokens", decode);
        report.param("runs", runs);
        report.param("onnxruntime", ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion());

        double bandwidth = bandwidthGBs(threads);
        System.out.printf(Locale.ROOT, "read bandwidth (%d threads): %.2f GB/s%n", threads, bandwidth);
        report.row("memory read bandwidth (" + threads + " threads, 1 GiB long[] sum)").put("gb_per_s", bandwidth);
        try {
            for (String name : models) {
                measureModel(report, name, scratch, prompt, decode, runs, warmup, threads, spinning, bandwidth);
            }
        } finally {
            if (!keep) {
                deleteRecursively(scratch);
            }
        }
        report.note("bound_tok_s = measured read bandwidth / model bytes: the most decode steps per second if each"
                + " step must stream every weight from memory once");
        report.note("CPU SIMD flags: " + simd);
        report.printAndWrite(Path.of(System.getProperty("agentos.bench.results", "benchmarks/results")));
    }

    private static void measureModel(BenchReport report, String name, Path scratch, int prompt, int decode, int runs,
                                     int warmup, int threads, boolean spinning, double bandwidth) throws Exception {
        LlamaConfig c = config(name);
        System.out.printf(Locale.ROOT, "%n== %s: %,d parameters (hidden %d, %d layers, %d heads / %d kv, vocab %,d)%n",
                name, c.parameterCount(), c.hiddenSize(), c.numHiddenLayers(), c.numAttentionHeads(),
                c.numKeyValueHeads(), c.vocabSize());
        Path ck = scratch.resolve(name + "-ckpt");
        if (!Files.exists(ck)) {
            writeRandomCheckpoint(c, ck, 42);
        }
        Path onnx = scratch.resolve(name + "-onnx");
        double exportSeconds = Double.NaN;
        if (!Files.exists(onnx.resolve(OrtCausalLm.MODEL_FILE))) {
            long t0 = System.nanoTime();
            OnnxExportResult r = new OnnxExporter(OnnxExportConfig.defaults().withExternalDataThreshold(
                    OnnxExportConfig.DEFAULT_EXTERNAL_DATA_THRESHOLD)).export(ck, onnx, ProgressListener.NONE);
            exportSeconds = (System.nanoTime() - t0) / 1e9;
            System.out.println("  exported in " + String.format(Locale.ROOT, "%.1f s", exportSeconds) + "; "
                    + r.validation().summary());
        }
        int[] promptIds = new int[prompt];
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < prompt; i++) {
            promptIds[i] = rnd.nextInt(c.vocabSize());
        }
        for (Variant v : VARIANTS) {
            long t0 = System.nanoTime();
            String file = v.prepare(onnx, ProgressListener.NONE);
            double prepSeconds = (System.nanoTime() - t0) / 1e9;
            long bytes = modelBytes(onnx, file);
            try (OrtCausalLm lm = OrtCausalLm.open(onnx, OrtCausalLm.Options.defaults().withModelFile(file)
                    .withThreads(threads).withSpinning(spinning))) {
                double prefill = Stopwatch.medianSeconds(warmup, runs, () -> {
                    try (OrtCausalLm.KvCache cache = lm.newCache(1)) {
                        prefill(lm, promptIds, cache);
                    }
                });
                double[] decodeRuns = new double[runs];
                for (int i = 0; i < warmup + runs; i++) {
                    double sec = decodeSeconds(lm, promptIds, decode);
                    if (i >= warmup) {
                        decodeRuns[i - warmup] = sec;
                    }
                }
                double decodeSec = median(decodeRuns);
                double bound = bandwidth * 1e9 / bytes;
                double decodeTps = decode / decodeSec;
                BenchReport.Row row = report.row(name + " " + v.name() + " (ORT Java, batch 1)")
                        .put("params_m", c.parameterCount() / 1e6)
                        .put("model_mb", bytes / 1e6)
                        .put("prefill_tok_s", prompt / prefill)
                        .put("decode_tok_s", decodeTps)
                        .put("bound_tok_s", bound)
                        .put("pct_of_bound", 100 * decodeTps / bound);
                if (v == FP32 && !Double.isNaN(exportSeconds)) {
                    row.put("export_s", exportSeconds);
                } else if (v != FP32) {
                    row.put("prepare_s", prepSeconds);
                }
                System.out.printf(Locale.ROOT, "  %-6s %8.1f MB  prefill %8.1f tok/s  decode %7.1f tok/s  (bound %.1f,"
                        + " %.0f%%)%n", v.name(), bytes / 1e6, prompt / prefill, decodeTps, bound, 100 * decodeTps / bound);
            }
        }
    }

    static void prefill(OrtCausalLm lm, int[] ids, OrtCausalLm.KvCache cache) throws IOException {
        long[][] in = {Arrays.stream(ids).asLongStream().toArray()};
        long[][] mask = {new long[ids.length]};
        Arrays.fill(mask[0], 1);
        lm.forward(in, mask, null, cache);
    }

    /** Prefill (untimed), then {@code steps} greedy single-token steps through the cache; returns their seconds. */
    static double decodeSeconds(OrtCausalLm lm, int[] promptIds, int steps) throws IOException {
        try (OrtCausalLm.KvCache cache = lm.newCache(1)) {
            prefill(lm, promptIds, cache);
            long next = promptIds[promptIds.length - 1];
            long t0 = System.nanoTime();
            for (int s = 0; s < steps; s++) {
                long[][] mask = {new long[cache.length() + 1]};
                Arrays.fill(mask[0], 1);
                next = lm.forward(new long[][] {{next}}, mask, null, cache).argMax(0, 0);
            }
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static long modelBytes(Path dir, String modelFile) throws IOException {
        long n = Files.size(dir.resolve(modelFile));
        String stem = modelFile.endsWith(".onnx") ? modelFile.substring(0, modelFile.length() - 5) : modelFile;
        Path data = dir.resolve(stem + ".onnx_data");
        return n + (Files.exists(data) ? Files.size(data) : 0);
    }

    /** Random N(0, 0.02²) weights (norms 1) written as an F32 checkpoint. */
    static void writeRandomCheckpoint(LlamaConfig c, Path dir, long seed) throws IOException {
        List<TensorSpec> specs = new ArrayList<>();
        c.expectedTensors().forEach((n, s) -> specs.add(new TensorSpec(n, DType.F32, s)));
        SplittableRandom r = new SplittableRandom(seed);
        try (CheckpointWriter w = CheckpointWriter.create(dir, c, specs, Map.of("format", "pt"))) {
            for (var e : c.expectedTensors().entrySet()) {
                long n = 1;
                for (long d : e.getValue()) {
                    n *= d;
                }
                float[] v = new float[Math.toIntExact(n)];
                for (int i = 0; i < v.length; i++) {
                    v[i] = e.getValue().length == 1 ? 1f : (float) (r.nextGaussian() * 0.02);
                }
                w.weights().writeFloats(e.getKey(), v);
            }
            w.commit();
        }
    }

    /** Read bandwidth: {@code threads} threads each summing its half of a 1 GiB long[] (median of 5 after warm-up). */
    public static double bandwidthGBs(int threads) throws Exception {
        long[] a = new long[1 << 27];
        for (int i = 0; i < a.length; i++) {
            a[i] = i;
        }
        long[] sink = new long[threads];
        double sec = Stopwatch.medianSeconds(1, 5, () -> {
            Thread[] ts = new Thread[threads];
            int chunk = a.length / threads;
            for (int t = 0; t < threads; t++) {
                int id = t;
                ts[t] = new Thread(() -> {
                    long s = 0;
                    for (int i = id * chunk, end = i + chunk; i < end; i++) {
                        s += a[i];
                    }
                    sink[id] += s;
                });
                ts[t].start();
            }
            for (Thread t : ts) {
                t.join();
            }
        });
        if (Arrays.stream(sink).sum() == 42) {
            System.out.println();
        }
        return 8.0 * a.length / sec / 1e9;
    }

    /** The CPU's vector extensions that matter for FP32 and INT8 kernels, from /proc/cpuinfo. */
    static String simdFlags() {
        TreeSet<String> have = new TreeSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    for (String f : line.substring(line.indexOf(':') + 1).trim().split("\\s+")) {
                        if (f.equals("avx2") || f.equals("fma") || f.startsWith("avx512") || f.contains("vnni")
                                || f.startsWith("amx")) {
                            have.add(f);
                        }
                    }
                    break;
                }
            }
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
        String vnni = have.stream().anyMatch(f -> f.contains("vnni")) ? "yes" : "no";
        return String.format(Locale.ROOT, "AVX2 %s, AVX-512 %s, VNNI %s (%s)", have.contains("avx2") ? "yes" : "no",
                have.contains("avx512f") ? "yes" : "no", vnni, String.join(" ", have));
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
