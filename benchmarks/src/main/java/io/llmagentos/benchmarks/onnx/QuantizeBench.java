package io.llmagentos.benchmarks.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.llmagentos.benchmarks.BenchReport;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.quantization.calibration.Calibration;
import io.llmagentos.quantization.calibration.CalibrationConfig;
import io.llmagentos.quantization.calibration.CalibrationMethod;
import io.llmagentos.quantization.calibration.CalibrationSet;
import io.llmagentos.quantization.calibration.Calibrator;
import io.llmagentos.quantization.calibration.SmoothQuant;
import io.llmagentos.quantization.export.OnnxExportConfig;
import io.llmagentos.quantization.export.OnnxExporter;
import io.llmagentos.quantization.int8.DynamicQuantizer;
import io.llmagentos.quantization.int8.OnnxModelFile;
import io.llmagentos.quantization.int8.QuantizeConfig;
import io.llmagentos.quantization.int8.StaticQuantizer;
import io.llmagentos.quantization.runtime.OrtCausalLm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * INT8 side by side: our Java quantizer against ONNX Runtime's Python quantizer ({@code quantize_dynamic},
 * {@code quantize_static}) on the same FP32 model with the same calibration token sequences, and FP32 as the
 * baseline. Every variant is then measured by the same Java code: bytes on disk, eval perplexity
 * ({@link OrtCausalLm#perplexity}, same eval tokens), prefill and decode tokens/s in ONNX Runtime Java (batch 1,
 * {@code --threads} intra-op threads), the time its quantization took (calibration included), and decode
 * against the memory-bandwidth bound (read bandwidth measured here / model bytes).
 * <ol>
 *   <li><b>Trained model</b> ({@code --model DIR}, an {@code agentos export onnx} directory with its
 *       tokenizer; default the newest {@code runs/demo-*}/teacher-onnx): calibration on
 *       {@code --calibration} (the bundled set), perplexity on {@code --eval}.</li>
 *   <li><b>~100M random config</b> ({@code --large}: {@code gpu-teacher}'s shape, vocabulary 16,384, random
 *       weights): speed and size only; calibration on random token sequences.</li>
 * </ol>
 * The CPU's SIMD flags are printed and recorded: INT8 speed depends on VNNI. Run with
 * {@code scripts/bench/quantize.sh}.
 */
public final class QuantizeBench {
    private static final String USAGE = "options: --model DIR, --calibration FILE, --eval FILE, --eval-samples N (200),"
            + " --calib-samples N (0 = all), --large, --no-trained, --prompt N (128), --decode N (64), --runs N (5),"
            + " --warmup N (1), --threads N (2), --dir DIR (scratch), --keep";

    private QuantizeBench() {
    }

    /** One model file to measure and how it was made. */
    private record Variant(String name, Path dir, String file, double quantizeSeconds) {
    }

    public static void main(String[] args) throws Exception {
        Path repo = Path.of(System.getProperty("agentos.repo.root", "."));
        Path model = null;
        Path calibration = repo.resolve("datasets-sample/data/calibration.jsonl");
        Path eval = repo.resolve("datasets-sample/data/eval.jsonl");
        int evalSamples = 200;
        int calibSamples = 0;
        boolean large = false;
        boolean trained = true;
        int prompt = 128;
        int decode = 64;
        int runs = 5;
        int warmup = 1;
        int threads = 2;
        Path dir = null;
        boolean keep = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> model = Path.of(args[++i]);
                case "--calibration" -> calibration = Path.of(args[++i]);
                case "--eval" -> eval = Path.of(args[++i]);
                case "--eval-samples" -> evalSamples = Integer.parseInt(args[++i]);
                case "--calib-samples" -> calibSamples = Integer.parseInt(args[++i]);
                case "--large" -> large = true;
                case "--no-trained" -> trained = false;
                case "--prompt" -> prompt = Integer.parseInt(args[++i]);
                case "--decode" -> decode = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                case "--keep" -> keep = true;
                default -> {
                    System.err.println("unknown option " + args[i] + "\n" + USAGE);
                    System.exit(2);
                }
            }
        }
        Path python = Path.of(System.getProperty("agentos.bench.python", repo.resolve(".venv-bench/bin/python").toString()));
        if (!Files.isExecutable(python)) {
            throw new IllegalStateException("no peer Python at " + python + "; run scripts/bench/quantize.sh");
        }
        Path scratch = dir == null ? Files.createTempDirectory("quantize-bench") : Files.createDirectories(dir);
        String simd = OnnxBench.simdFlags();
        System.out.println("CPU SIMD: " + simd);
        BenchReport report = new BenchReport("quantize", "INT8: ours (Java) vs ONNX Runtime's Python quantizer, same FP32"
                + " model and calibration data; ORT Java, batch 1");
        report.param("cpu_simd", simd);
        report.param("threads", threads);
        report.param("prompt_tokens", prompt);
        report.param("decode_tokens", decode);
        report.param("runs", runs);
        report.param("onnxruntime_java", ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion());
        double bandwidth = OnnxBench.bandwidthGBs(threads);
        System.out.printf(Locale.ROOT, "read bandwidth (%d threads): %.2f GB/s%n", threads, bandwidth);
        report.row("memory read bandwidth (" + threads + " threads)").put("gb_per_s", bandwidth);
        Settings s = new Settings(prompt, decode, runs, warmup, threads, bandwidth, python, scratch);
        try {
            if (trained) {
                Path m = model != null ? model : newestDemoExport(repo);
                report.param("trained_model", m.toString());
                trainedModel(report, s, m, calibration, calibSamples, eval, evalSamples);
            }
            if (large) {
                randomLarge(report, s);
            }
        } finally {
            if (!keep) {
                deleteRecursively(scratch);
            }
        }
        report.note("ppl: eval perplexity in ORT Java on the same tokens for every row; quantize_s: the quantization"
                + " call (calibration included), ours in the JVM, ORT's in Python");
        report.note("prefill/decode tok/s: median of the rounds; best_*: the fastest round (the least disturbed by other"
                + " work on a shared machine)");
        report.note("bound_tok_s = read bandwidth / model bytes; CPU SIMD flags: " + simd);
        report.printAndWrite(Path.of(System.getProperty("agentos.bench.results", "benchmarks/results")));
    }

    private record Settings(int prompt, int decode, int runs, int warmup, int threads, double bandwidth, Path python,
                            Path scratch) {
    }

    private static void trainedModel(BenchReport report, Settings s, Path fp32Dir, Path calibrationFile, int calibSamples,
                                     Path evalFile, int evalSamples) throws Exception {
        Tokenizer tok = Tokenizer.load(fp32Dir);
        CalibrationSet cal = windows(CalibrationSet.readJsonl(calibrationFile, tok, calibSamples, 128), CALIB_WINDOW);
        CalibrationSet ev = CalibrationSet.readJsonl(evalFile, tok, evalSamples, 128);
        List<int[]> evalSeqs = new ArrayList<>();
        for (long[] q : ev.sequences()) {
            if (q.length >= 2) {
                evalSeqs.add(java.util.Arrays.stream(q).mapToInt(v -> (int) v).toArray());
            }
        }
        LlamaConfig c = LlamaConfig.load(fp32Dir.resolve(LlamaConfig.FILE_NAME));
        System.out.printf(Locale.ROOT, "%n== trained model %s: %,d parameters; calibration %d sequences (%,d tokens),"
                + " eval %d sequences%n", fp32Dir, c.parameterCount(), cal.sequences().size(), cal.tokens(), evalSeqs.size());
        report.param("calibration_windows", cal.sequences().size() + " x " + CALIB_WINDOW + " tokens");
        report.param("eval_sequences", evalSeqs.size());
        Path work = s.scratch().resolve("trained");
        Files.createDirectories(work);
        ModelProto fp32 = OnnxModelFile.load(fp32Dir.resolve(OrtCausalLm.MODEL_FILE));

        List<Variant> variants = new ArrayList<>();
        variants.add(new Variant("fp32", fp32Dir, OrtCausalLm.MODEL_FILE, Double.NaN));
        variants.addAll(ours(fp32, fp32Dir, work, cal, true));
        variants.addAll(ort(fp32Dir, work, cal, s, true));
        measureAll(report, s, "trained", variants, c, evalSeqs);
    }

    /**
     * ONNX Runtime's histogram calibrators (percentile, entropy) stack every batch of a tensor into one array, so
     * all batches must have one shape: the calibration tokens are concatenated and cut into windows of this many
     * tokens, and both quantizers calibrate on those same windows.
     */
    static final int CALIB_WINDOW = 32;

    static CalibrationSet windows(CalibrationSet set, int len) {
        List<Long> all = new ArrayList<>();
        for (long[] q : set.sequences()) {
            for (long v : q) {
                all.add(v);
            }
        }
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i + len <= all.size(); i += len) {
            long[] w = new long[len];
            for (int j = 0; j < len; j++) {
                w[j] = all.get(i + j);
            }
            out.add(w);
        }
        return new CalibrationSet(set.source() + " in windows of " + len, out);
    }

    private static void randomLarge(BenchReport report, Settings s) throws Exception {
        LlamaConfig c = OnnxBench.config("100m");
        System.out.printf(Locale.ROOT, "%n== ~100M random: %,d parameters (hidden %d, %d layers, vocab %,d)%n",
                c.parameterCount(), c.hiddenSize(), c.numHiddenLayers(), c.vocabSize());
        Path work = s.scratch().resolve("100m");
        Path ck = work.resolve("ckpt");
        Path fp32Dir = work.resolve("fp32");
        if (!Files.exists(fp32Dir.resolve(OrtCausalLm.MODEL_FILE))) {
            OnnxBench.writeRandomCheckpoint(c, ck, 42);
            new OnnxExporter(OnnxExportConfig.defaults()).export(ck, fp32Dir, ProgressListener.NONE);
        }
        SplittableRandom r = new SplittableRandom(3);
        List<long[]> seqs = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            seqs.add(r.longs(64, 0, c.vocabSize()).toArray());
        }
        CalibrationSet cal = new CalibrationSet("random ids (16 x 64)", seqs);
        ModelProto fp32 = OnnxModelFile.load(fp32Dir.resolve(OrtCausalLm.MODEL_FILE));
        List<Variant> variants = new ArrayList<>();
        variants.add(new Variant("fp32", fp32Dir, OrtCausalLm.MODEL_FILE, Double.NaN));
        variants.addAll(ours(fp32, fp32Dir, work, cal, false));
        variants.addAll(ort(fp32Dir, work, cal, s, false));
        measureAll(report, s, "100m", variants, c, null);
    }

    /** Our variants, each timed from the FP32 model in memory to the INT8 model in memory (calibration included). */
    private static List<Variant> ours(ModelProto fp32, Path fp32Dir, Path work, CalibrationSet cal, boolean all)
            throws Exception {
        List<Variant> out = new ArrayList<>();
        List<String> acts = Calibrator.linearActivations(fp32);
        long t0 = System.nanoTime();
        ModelProto dyn = DynamicQuantizer.quantize(fp32, QuantizeConfig.defaults()).model();
        out.add(save("ours dynamic", dyn, fp32Dir, work, t0));
        t0 = System.nanoTime();
        ModelProto nbits = DynamicQuantizer.quantize(fp32, QuantizeConfig.defaults()
                .withDynamicKernel(QuantizeConfig.DynamicKernel.MATMUL_NBITS)).model();
        out.add(save("ours dynamic matmul-nbits", nbits, fp32Dir, work, t0));
        List<CalibrationMethod> methods = all ? List.of(CalibrationMethod.MINMAX, CalibrationMethod.PERCENTILE,
                CalibrationMethod.ENTROPY) : List.of(CalibrationMethod.MINMAX);
        for (CalibrationMethod m : methods) {
            t0 = System.nanoTime();
            Calibration calib = Calibrator.calibrate(fp32, acts, cal, CalibrationConfig.defaults(m), ProgressListener.NONE);
            ModelProto q = StaticQuantizer.quantize(fp32, QuantizeConfig.defaults(), calib.ranges(), m.cliName()).model();
            out.add(save("ours static " + m.cliName(), q, fp32Dir, work, t0));
        }
        if (all) {
            // ONNX Runtime's static default is asymmetric activations: the like-for-like row
            t0 = System.nanoTime();
            Calibration mmCal = Calibrator.calibrate(fp32, acts, cal, CalibrationConfig.defaults(CalibrationMethod.MINMAX),
                    ProgressListener.NONE);
            ModelProto asym = StaticQuantizer.quantize(fp32, QuantizeConfig.defaults().withSymmetricActivations(false),
                    mmCal.ranges(), "minmax").model();
            out.add(save("ours static minmax asymmetric", asym, fp32Dir, work, t0));
            t0 = System.nanoTime();
            CalibrationConfig mm = CalibrationConfig.defaults(CalibrationMethod.MINMAX);
            Calibration stats = Calibrator.calibrate(fp32, acts, cal, mm, ProgressListener.NONE);
            ModelProto smooth = SmoothQuant.apply(fp32, stats.stats(), 0.5).model();
            Calibration calib = Calibrator.calibrate(smooth, acts, cal, mm, ProgressListener.NONE);
            ModelProto q = StaticQuantizer.quantize(smooth, QuantizeConfig.defaults(), calib.ranges(), "minmax").model();
            out.add(save("ours static minmax+smoothquant0.5", q, fp32Dir, work, t0));
        }
        return out;
    }

    private static Variant save(String name, ModelProto m, Path fp32Dir, Path work, long t0) throws IOException {
        double sec = (System.nanoTime() - t0) / 1e9;
        Path d = work.resolve(name.replaceAll("[^A-Za-z0-9.]+", "-"));
        Files.createDirectories(d);
        Files.copy(fp32Dir.resolve(LlamaConfig.FILE_NAME), d.resolve(LlamaConfig.FILE_NAME),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        OnnxModelFile.save(m, d.resolve(OrtCausalLm.MODEL_FILE));
        System.out.printf(Locale.ROOT, "  %-40s quantized in %.1f s%n", name, sec);
        return new Variant(name, d, OrtCausalLm.MODEL_FILE, sec);
    }

    /** ORT's Python quantizer on the same FP32 file and the same calibration sequences. */
    private static List<Variant> ort(Path fp32Dir, Path work, CalibrationSet cal, Settings s, boolean all)
            throws Exception {
        List<Variant> out = new ArrayList<>();
        List<String[]> modes = new ArrayList<>();
        modes.add(new String[] {"dynamic", "minmax"});
        modes.add(new String[] {"nbits", "none"});
        modes.add(new String[] {"static", "minmax"});
        if (all) {
            modes.add(new String[] {"static", "percentile"});
            modes.add(new String[] {"static", "entropy"});
        }
        for (String[] m : modes) {
            String name = "onnxruntime.quantization " + switch (m[0]) {
                case "dynamic" -> "quantize_dynamic";
                case "nbits" -> "MatMulNBitsQuantizer 8-bit";
                default -> "quantize_static " + m[1];
            };
            Path d = work.resolve("ort-" + m[0] + "-" + m[1]);
            Files.createDirectories(d);
            Files.copy(fp32Dir.resolve(LlamaConfig.FILE_NAME), d.resolve(LlamaConfig.FILE_NAME),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Map<String, Object> req = new java.util.LinkedHashMap<>();
            req.put("fp32", fp32Dir.resolve(OrtCausalLm.MODEL_FILE).toString());
            req.put("out", d.resolve(OrtCausalLm.MODEL_FILE).toString());
            req.put("mode", m[0]);
            req.put("calibrate", m[1]);
            req.put("per_channel", true);
            req.put("calibration", cal.sequences());
            Path reqFile = d.resolve("request.json");
            JsonFields.MAPPER.writeValue(reqFile.toFile(), req);
            String line = runPython(s, reqFile);
            double sec = JsonFields.MAPPER.readTree(line).get("seconds").asDouble();
            System.out.printf(Locale.ROOT, "  %-40s quantized in %.1f s (Python)%n", name, sec);
            out.add(new Variant(name, d, OrtCausalLm.MODEL_FILE, sec));
        }
        return out;
    }

    private static String runPython(Settings s, Path request) throws IOException, InterruptedException {
        Path script = Path.of(System.getProperty("agentos.repo.root", ".")).resolve("scripts/bench/quantize_peer.py");
        Path log = Files.createTempFile("quantize-peer", ".log");
        Process p = new ProcessBuilder(s.python().toString(), script.toString(), request.toString())
                .redirectError(log.toFile()).start();
        String outText = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("quantize_peer.py failed (" + request + "):\n" + Files.readString(log));
        }
        Files.deleteIfExists(log);
        String[] lines = outText.split("\n");
        return lines[lines.length - 1];
    }

    /**
     * Measures every variant with all sessions open, in rounds: each round times one prefill and one decode of
     * every variant in turn, so a change in machine load between rows hits all rows alike; the median of the
     * rounds is reported.
     */
    private static void measureAll(BenchReport report, Settings s, String prefix, List<Variant> variants, LlamaConfig c,
                                   List<int[]> evalSeqs) throws Exception {
        int[] promptIds = new SplittableRandom(7).ints(s.prompt(), 0, c.vocabSize()).toArray();
        List<OrtCausalLm> lms = new ArrayList<>();
        try {
            for (Variant v : variants) {
                lms.add(OrtCausalLm.open(v.dir(), OrtCausalLm.Options.defaults().withModelFile(v.file())
                        .withThreads(s.threads())));
            }
            double[] ppl = new double[variants.size()];
            for (int k = 0; k < variants.size(); k++) {
                ppl[k] = evalSeqs == null ? Double.NaN : lms.get(k).perplexity(evalSeqs).value();
            }
            double[][] prefill = new double[variants.size()][s.runs()];
            double[][] decode = new double[variants.size()][s.runs()];
            for (int round = -s.warmup(); round < s.runs(); round++) {
                for (int k = 0; k < variants.size(); k++) {
                    OrtCausalLm lm = lms.get(k);
                    long t0 = System.nanoTime();
                    try (OrtCausalLm.KvCache cache = lm.newCache(1)) {
                        OnnxBench.prefill(lm, promptIds, cache);
                    }
                    double pre = (System.nanoTime() - t0) / 1e9;
                    double dec = OnnxBench.decodeSeconds(lm, promptIds, s.decode());
                    if (round >= 0) {
                        prefill[k][round] = pre;
                        decode[k][round] = dec;
                    }
                }
            }
            for (int k = 0; k < variants.size(); k++) {
                Variant v = variants.get(k);
                long bytes = OnnxBench.modelBytes(v.dir(), v.file());
                double prefillTps = s.prompt() / median(prefill[k]);
                double decodeTps = s.decode() / median(decode[k]);
                double bound = s.bandwidth() * 1e9 / bytes;
                BenchReport.Row row = report.row(prefix + " " + v.name()).put("model_mb", bytes / 1e6);
                if (!Double.isNaN(ppl[k])) {
                    row.put("ppl", ppl[k]);
                }
                row.put("prefill_tok_s", prefillTps).put("decode_tok_s", decodeTps)
                        .put("best_prefill_tok_s", s.prompt() / Arrays.stream(prefill[k]).min().orElseThrow())
                        .put("best_decode_tok_s", s.decode() / Arrays.stream(decode[k]).min().orElseThrow())
                        .put("bound_tok_s", bound).put("pct_of_bound", 100 * decodeTps / bound);
                if (!Double.isNaN(v.quantizeSeconds())) {
                    row.put("quantize_s", v.quantizeSeconds());
                }
                System.out.printf(Locale.ROOT, "  %-52s %8.2f MB  ppl %9.4f  prefill %8.1f tok/s  decode %7.1f tok/s"
                        + " (bound %.1f)%n", prefix + " " + v.name(), bytes / 1e6, ppl[k], prefillTps, decodeTps, bound);
            }
        } finally {
            for (OrtCausalLm lm : lms) {
                lm.close();
            }
        }
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        java.util.Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }

    /** The newest {@code runs/demo-*}/teacher-onnx under the repository. */
    private static Path newestDemoExport(Path repo) throws IOException {
        Path runs = repo.resolve("runs");
        if (Files.isDirectory(runs)) {
            try (Stream<Path> st = Files.list(runs)) {
                var found = st.filter(p -> p.getFileName().toString().startsWith("demo-"))
                        .map(p -> p.resolve("teacher-onnx")).filter(p -> Files.isRegularFile(p.resolve("model.onnx")))
                        .max(Comparator.naturalOrder());
                if (found.isPresent()) {
                    return found.get();
                }
            }
        }
        throw new IllegalStateException("no trained model: run ./agentos demo first (it writes runs/demo-*/teacher-onnx),"
                + " or pass --model DIR (an 'agentos export onnx' directory with its tokenizer)");
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
