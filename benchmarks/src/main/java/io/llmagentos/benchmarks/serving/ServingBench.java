package io.llmagentos.benchmarks.serving;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmagentos.benchmarks.BenchReport;
import io.llmagentos.benchmarks.MachineInfo;
import io.llmagentos.benchmarks.onnx.OnnxBench;
import io.llmagentos.core.checkpoint.CheckpointWriter;
import io.llmagentos.core.checkpoint.Lineage;
import io.llmagentos.core.config.GenerationConfig;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.safetensors.DType;
import io.llmagentos.core.tokenizer.BpeTrainer;
import io.llmagentos.core.tokenizer.BpeTrainerConfig;
import io.llmagentos.core.tokenizer.PreTokenizerStyle;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.datasets.sample.SampleData;
import io.llmagentos.quantization.Int8Quantizer;
import io.llmagentos.quantization.QuantizeOptions;
import io.llmagentos.quantization.export.OnnxExportConfig;
import io.llmagentos.quantization.export.OnnxExporter;
import io.llmagentos.serving.ServerConfig;
import io.llmagentos.serving.ServingServer;
import io.llmagentos.serving.engine.Completion;
import io.llmagentos.serving.engine.EngineConfig;
import io.llmagentos.serving.engine.GenerationRequest;
import io.llmagentos.serving.engine.SamplingParams;
import io.llmagentos.serving.models.ServedModel;
import io.llmagentos.training.LlamaModel;
import io.llmagentos.training.ModelPresets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Serving throughput on ONNX Runtime: single-stream decode tokens/s against the memory-bandwidth bound (every
 * decode step reads every weight once, so tokens/s ≤ bandwidth / weight bytes), time to first token, and
 * aggregate tokens/s of 1, 4 and 16 concurrent streams through the HTTP server (continuous batching).
 *
 * <p>Options: {@code --model DIR} (an exported model; repeatable, e.g. FP32 and INT8 directories; default: a
 * random-weight {@code --preset} model exported here), {@code --preset NAME} (default demo-teacher), {@code --int8}
 * (with the random export: also its dynamic INT8 by the product's quantizer, measured beside it),
 * {@code --tokens N} per stream (default 64), {@code --runs N} (default 3).
 */
public final class ServingBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ServingBench() {
    }

    public static void main(String[] args) throws Exception {
        List<Path> models = new ArrayList<>();
        String preset = "demo-teacher";
        int tokens = 64;
        int runs = 3;
        int threads = Runtime.getRuntime().availableProcessors();
        boolean int8 = false;
        boolean spin = false;
        String name = "serving";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> models.add(Path.of(args[++i]));
                case "--preset" -> preset = args[++i];
                case "--tokens" -> tokens = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--int8" -> int8 = true;
                case "--spin" -> spin = true;
                case "--name" -> name = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (expected --model DIR, "
                        + "--preset NAME, --int8, --tokens N, --runs N, --threads N, --spin, --name RESULTS_NAME)");
            }
        }
        Path work = Files.createTempDirectory("serving-bench-");
        if (models.isEmpty()) {
            models.add(exportRandom(preset, work));
            if (int8) {
                // the product's dynamic INT8 (per-channel weights, activations quantized per call) of the same export
                Path q = work.resolve(preset + "-int8");
                Int8Quantizer.run(models.get(0), q, QuantizeOptions.dynamic(), ProgressListener.NONE);
                System.out.printf("quantized it (dynamic INT8) to %s%n", q);
                models.add(q);
            }
        } else if (int8) {
            throw new IllegalArgumentException("--int8 quantizes the random --preset export; with --model, pass the INT8 "
                    + "directory as another --model");
        }
        // the same threads as ONNX Runtime gets: one thread cannot saturate the memory bus a 2-thread decode reads
        double bandwidth = OnnxBench.bandwidthGBs(threads) * 1e9;
        BenchReport r = new BenchReport(name, "Serving on ONNX Runtime: decode vs the memory-bandwidth bound, "
                + "TTFT, aggregate tokens/s");
        r.param("machine", MachineInfo.describe()).param("tokens_per_stream", tokens).param("runs", runs)
                .param("threads", threads).param("spinning", spin).param("read_bandwidth_gb_s", round(bandwidth / 1e9));
        for (Path m : models) {
            measure(r, m, tokens, runs, new EngineConfig(16, 64, threads, spin), bandwidth);
        }
        r.note("bound = read bandwidth (as many threads as ONNX Runtime has, summing a 1 GiB long array) / bytes of "
                + "weights read per token (the ONNX file size); decode = tokens after the first / time after the first "
                + "token");
        r.note("aggregate = all streams' completion tokens / wall time, through POST /v1/completions on 127.0.0.1 "
                + "(max batch 16)");
        r.printAndWrite(Path.of(System.getProperty("agentos.bench.results", "benchmarks/results")));
    }

    private static void measure(BenchReport r, Path model, int tokens, int runs, EngineConfig engine, double bandwidth)
            throws Exception {
        ServerConfig cfg = ServerConfig.defaults().withModelName("bench").withEngine(engine);
        try (ServingServer server = ServingServer.start(model, cfg)) {
            ServedModel m = server.currentModel();
            long weightBytes = Files.size(m.onnxFile());
            Path data = m.onnxFile().resolveSibling(m.onnxFile().getFileName() + "_data");
            if (Files.exists(data)) {
                weightBytes += Files.size(data);
            }
            int[] prompt = m.tokenizer().encode("Replace the hydraulic filter on unit 4, then check the pressure");
            double[] decode = new double[runs];
            double[] ttft = new double[runs];
            for (int i = 0; i < runs; i++) {
                Completion c = m.engine().generate(new GenerationRequest(prompt, SamplingParams.greedy(tokens), Set.of()));
                decode[i] = c.decodeTokensPerSecond();
                ttft[i] = c.firstTokenNanos() / 1e6;
            }
            double bound = bandwidth / weightBytes;
            String name = m.dir().getFileName() + "/" + m.onnxFile().getFileName();
            BenchReport.Row row = r.row("agentos " + name);
            row.put("weights_mb", round(weightBytes / 1e6));
            row.put("decode_tok_s", round(median(decode)));
            row.put("bound_tok_s", round(bound));
            row.put("of_bound_pct", round(100 * median(decode) / bound));
            row.put("ttft_ms", round(median(ttft)));
            for (int streams : new int[] {1, 4, 16}) {
                double[] agg = new double[runs];
                for (int i = 0; i < runs; i++) {
                    agg[i] = aggregate(server.baseUri(), streams, tokens);
                }
                row.put("agg_tok_s_" + streams, round(median(agg)));
            }
            System.out.printf("%s: %s%n", name, row.get("decode_tok_s"));
        }
    }

    /** Completion tokens per second of {@code streams} concurrent HTTP clients, each asking for {@code tokens}. */
    private static double aggregate(URI base, int streams, int tokens) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        ExecutorService pool = Executors.newFixedThreadPool(streams);
        try {
            String body = JSON.writeValueAsString(Map.of("model", "bench", "prompt", "The pump on unit " ,
                    "max_tokens", tokens, "temperature", 0));
            long t0 = System.nanoTime();
            List<Future<Integer>> fs = new ArrayList<>();
            for (int s = 0; s < streams; s++) {
                fs.add(pool.submit(() -> {
                    HttpResponse<String> resp = client.send(HttpRequest.newBuilder(base.resolve("/v1/completions"))
                            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(), HttpResponse.BodyHandlers.ofString());
                    JsonNode j = JSON.readTree(resp.body());
                    if (resp.statusCode() != 200) {
                        throw new IllegalStateException("HTTP " + resp.statusCode() + ": " + resp.body());
                    }
                    return j.at("/usage/completion_tokens").asInt();
                }));
            }
            long total = 0;
            for (Future<Integer> f : fs) {
                total += f.get();
            }
            return total / ((System.nanoTime() - t0) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    /** A random-weight model of a preset's shape with a tokenizer trained on the sample text, exported to ONNX. */
    private static Path exportRandom(String preset, Path work) throws Exception {
        Tokenizer tok = new BpeTrainer(new BpeTrainerConfig(2048, 2, List.of("<|endoftext|>", "<|im_start|>",
                "<|im_end|>"), PreTokenizerStyle.LLAMA3)).train(SampleData.fieldServiceDocuments(), ProgressListener.NONE);
        LlamaConfig c = ModelPresets.config(preset, tok.vocabSize());
        Path ckpt = work.resolve("checkpoint");
        try (LlamaModel m = LlamaModel.random(c, 7, Device.cpu());
             CheckpointWriter w = CheckpointWriter.create(ckpt, c, m.tensorSpecs(DType.F32), Map.of("format", "pt"))) {
            m.writeWeights(w.weights());
            w.generationConfig(GenerationConfig.greedy(null, List.of(), null, 64)).tokenizer(tok)
                    .lineage(Lineage.of("bench", null, "sha256:none", Map.of(), Map.of(), 7L));
            w.commit();
        }
        Path out = work.resolve(preset + "-fp32");
        new OnnxExporter(OnnxExportConfig.defaults()).export(ckpt, out, ProgressListener.NONE);
        System.out.printf("exported a random %s (%,d parameters) to %s%n", preset, c.parameterCount(), out);
        return out;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
