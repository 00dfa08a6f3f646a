package io.llmagentos.quantization.export;

import ai.onnxruntime.OrtEnvironment;
import io.llmagentos.core.AgentosVersion;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.checkpoint.Lineage;
import io.llmagentos.core.config.GenerationConfig;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.safetensors.TensorInfo;
import io.llmagentos.quantization.export.internal.DecoderGraph;
import io.llmagentos.quantization.export.internal.OnnxGraph;
import io.llmagentos.quantization.export.internal.OnnxModelWriter;
import io.llmagentos.quantization.export.internal.ReferenceForward;
import io.llmagentos.quantization.runtime.Logits;
import io.llmagentos.quantization.runtime.OrtCausalLm;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exports a checkpoint directory (Hugging Face layout, {@code LlamaForCausalLM}) to an ONNX directory that
 * Optimum's {@code ORTModelForCausalLM} and transformers.js load as it is:
 * <pre>
 *   model.onnx               FP32 decoder with a KV cache, Optimum's I/O names (see {@link DecoderGraph})
 *   model.onnx_data          the weights, when they exceed {@link OnnxExportConfig#externalDataThreshold()}
 *   config.json, generation_config.json, tokenizer.json, tokenizer_config.json   copied from the checkpoint
 *   lineage.json             stage "onnx-export": source checkpoint and its digest, parameters, check results
 * </pre>
 * The model's metadata_props carry the same lineage. Everything is written into a hidden sibling directory
 * and renamed into place only after the model passed its check in ONNX Runtime (logits against a
 * plain-Java forward of the checkpoint, KV-cache path against the full forward, a left-padded batch against
 * single rows), so a failed export never leaves a directory under the requested name.
 */
public final class OnnxExporter {
    public static final String MODEL_FILE = OrtCausalLm.MODEL_FILE;
    public static final String DATA_FILE = "model.onnx_data";
    public static final String STAGE = "onnx-export";
    /** Files copied beside the model when the checkpoint has them. */
    public static final List<String> SIDE_FILES = List.of(LlamaConfig.FILE_NAME, GenerationConfig.FILE_NAME,
            "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json");
    static final int PROBE_TOKENS = 8;

    private static final Logger LOG = LoggerFactory.getLogger(OnnxExporter.class);

    private final OnnxExportConfig config;

    public OnnxExporter(OnnxExportConfig config) {
        this.config = config;
    }

    public OnnxExportConfig config() {
        return config;
    }

    /**
     * Exports {@code checkpointDir} into {@code outDir}, which must not exist yet (or be empty).
     *
     * @throws OnnxExportException for a checkpoint that is not a supported Llama decoder, and for an export
     *                             that failed its check; other {@link IOException}s name the bad file or field
     */
    public OnnxExportResult export(Path checkpointDir, Path outDir, ProgressListener progress) throws IOException {
        long t0 = System.nanoTime();
        Path out = outDir.toAbsolutePath().normalize();
        requireEmpty(out);
        try (Checkpoint ck = Checkpoint.open(checkpointDir)) {
            LlamaConfig c = ck.config();
            checkSupported(ck);
            ck.validateTensors();
            if (ck.hasTokenizer() && ck.tokenizer().vocabSize() > c.vocabSize()) {
                throw new OnnxExportException(ck.dir() + ": the tokenizer has " + ck.tokenizer().vocabSize()
                        + " tokens but config.json vocab_size is " + c.vocabSize() + "; ids past " + (c.vocabSize() - 1)
                        + " would have no embedding");
            }
            long fp32Bytes = 4L * c.parameterCount();
            boolean external = fp32Bytes > config.externalDataThreshold();
            String digest = digest(ck, progress);

            Path staging = out.resolveSibling("." + out.getFileName() + ".export-" + ProcessHandle.current().pid());
            deleteRecursively(staging);
            Files.createDirectories(staging);
            try {
                Map<String, Object> params = new LinkedHashMap<>();
                params.put("opset", config.opset());
                params.put("dtype", "float32");
                params.put("external_data", external);
                params.put("parameter_count", c.parameterCount());
                params.put("io", "optimum-decoder-with-past");
                Lineage source = ck.lineage().orElse(null);
                writeModel(ck, staging, external, digest, params, source, progress);
                List<String> copied = copySideFiles(ck.dir(), staging);
                OnnxValidation validation = config.validate() ? validate(ck, staging, progress) : null;
                Map<String, Double> metrics = new LinkedHashMap<>();
                if (validation != null) {
                    metrics.put("max_abs_diff_reference", validation.maxAbsDiffReference());
                    metrics.put("max_abs_diff_cache", validation.maxAbsDiffCache());
                    metrics.put("max_abs_diff_padding", validation.maxAbsDiffPadding());
                }
                Map<String, Object> linParams = new LinkedHashMap<>(params);
                linParams.put("source_digest", digest);
                lineage(ck, source, linParams, metrics).save(staging.resolve(Lineage.FILE_NAME));
                copied.add(Lineage.FILE_NAME);
                if (Files.isDirectory(out)) {
                    Files.delete(out);
                }
                Files.createDirectories(out.getParent());
                Files.move(staging, out, StandardCopyOption.ATOMIC_MOVE);
                long bytes = Files.size(out.resolve(MODEL_FILE))
                        + (external ? Files.size(out.resolve(DATA_FILE)) : 0);
                double sec = (System.nanoTime() - t0) / 1e9;
                LOG.info("exported {} to {} ({} bytes) in {} s", ck.dir(), out, bytes, sec);
                return new OnnxExportResult(out, out.resolve(MODEL_FILE), external ? out.resolve(DATA_FILE) : null,
                        config.opset(), c.parameterCount(), bytes, digest, copied, validation, sec);
            } catch (IOException | RuntimeException e) {
                deleteRecursively(staging);
                throw e;
            }
        }
    }

    private static void requireEmpty(Path out) throws IOException {
        if (Files.exists(out)) {
            if (!Files.isDirectory(out)) {
                throw new OnnxExportException(out + ": exists and is not a directory; choose another output directory");
            }
            try (Stream<Path> s = Files.list(out)) {
                if (s.findAny().isPresent()) {
                    throw new OnnxExportException(out + ": already exists and is not empty; choose a new output"
                            + " directory or remove it");
                }
            }
        }
    }

    /** Refuses what the graph does not implement, naming the config.json field. */
    static void checkSupported(Checkpoint ck) throws OnnxExportException {
        Path cfg = ck.dir().resolve(LlamaConfig.FILE_NAME);
        Map<String, Object> extra = ck.config().extra();
        Object type = extra.get("model_type");
        if (type != null) {
            throw new OnnxExportException(cfg + ": $.model_type: expected \"llama\" (got \"" + type
                    + "\"); only Llama-style decoders (LlamaForCausalLM) export to ONNX");
        }
        for (String bias : List.of("attention_bias", "mlp_bias")) {
            if (Boolean.TRUE.equals(extra.get(bias))) {
                throw new OnnxExportException(cfg + ": $." + bias + ": true is not supported; the exporter builds"
                        + " Llama's bias-free projections");
            }
        }
        Object act = extra.get("pretraining_tp");
        if (act instanceof Number n && n.intValue() > 1) {
            throw new OnnxExportException(cfg + ": $.pretraining_tp: " + n + " is not supported (use 1)");
        }
    }

    private void writeModel(Checkpoint ck, Path staging, boolean external, String digest, Map<String, Object> params,
                            Lineage source, ProgressListener progress) throws IOException {
        LlamaConfig c = ck.config();
        int tensors = c.expectedTensors().size();
        try (OnnxModelWriter writer = new OnnxModelWriter(staging, external ? DATA_FILE : null);
             ProgressListener.Progress p = progress.start("export ONNX graph + weights", tensors, "tensors")) {
            OnnxGraph g = new OnnxGraph("agentos_llama_decoder", config.opset(), writer);
            DecoderGraph.build(g, c, ck::readFloats, () -> p.advance(1));
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("agentos.stage", STAGE);
            meta.put("agentos.version", AgentosVersion.get());
            meta.put("agentos.source_checkpoint", ck.dir().toAbsolutePath().normalize().toString());
            meta.put("agentos.source_digest", digest);
            meta.put("agentos.parameters", JsonFields.LINE.writeValueAsString(params));
            if (source != null) {
                meta.put("agentos.source_stage", source.stage());
                if (source.dataDigest() != null) {
                    meta.put("agentos.data_digest", source.dataDigest());
                }
            }
            p.status("writing " + MODEL_FILE);
            writer.writeModel(MODEL_FILE, g.build(), config.opset(), AgentosVersion.get(),
                    "Llama decoder with KV cache exported by LLMAgentOS from " + ck.dir().getFileName(), meta);
        }
    }

    private static List<String> copySideFiles(Path from, Path to) throws IOException {
        List<String> copied = new ArrayList<>();
        for (String f : SIDE_FILES) {
            Path src = from.resolve(f);
            if (Files.isRegularFile(src)) {
                Files.copy(src, to.resolve(f));
                copied.add(f);
            }
        }
        return copied;
    }

    private Lineage lineage(Checkpoint ck, Lineage source, Map<String, Object> params, Map<String, Double> metrics) {
        return Lineage.of(STAGE, ck.dir().toAbsolutePath().normalize().toString(),
                        source == null ? null : source.dataDigest(), params, metrics, source == null ? null : source.seed())
                .withEnvironment("onnxruntime", OrtEnvironment.getEnvironment().getVersion());
    }

    /** Checks the written model in ONNX Runtime; a mismatch is an {@link OnnxExportException}. */
    private OnnxValidation validate(Checkpoint ck, Path dir, ProgressListener progress) throws IOException {
        long t0 = System.nanoTime();
        LlamaConfig c = ck.config();
        int n = Math.min(PROBE_TOKENS, c.maxPositionEmbeddings());
        int[] probe = new int[n];
        for (int i = 0; i < n; i++) {
            probe[i] = (int) ((i * 7919L + 13) % c.vocabSize());
        }
        try (ProgressListener.Progress p = progress.start("check the ONNX model in ONNX Runtime", 3, "checks");
             OrtCausalLm lm = OrtCausalLm.open(dir, OrtCausalLm.Options.defaults().withThreads(config.threads()))) {
            p.status("reference forward");
            float[][] ref = ReferenceForward.logits(c, ck::readFloats, probe);
            Logits full = lm.forward(probe);
            double maxRef = 0;
            double diffRef = 0;
            for (int s = 0; s < n; s++) {
                for (int v = 0; v < c.vocabSize(); v++) {
                    maxRef = Math.max(maxRef, Math.abs(ref[s][v]));
                    diffRef = Math.max(diffRef, Math.abs(ref[s][v] - full.values()[s * c.vocabSize() + v]));
                }
            }
            p.advance(1);

            p.status("KV cache");
            double diffCache = 0;
            int prefix = Math.max(1, n - 3);
            try (OrtCausalLm.KvCache cache = lm.newCache(1)) {
                int pos = 0;
                while (pos < n) {
                    int len = pos == 0 ? prefix : 1;
                    long[][] ids = {new long[len]};
                    for (int j = 0; j < len; j++) {
                        ids[0][j] = probe[pos + j];
                    }
                    long[][] mask = {ones(pos + len)};
                    Logits step = lm.forward(ids, mask, null, cache);
                    for (int j = 0; j < len; j++) {
                        diffCache = Math.max(diffCache, maxAbsDiff(step.row(0, j), full.row(0, pos + j)));
                    }
                    pos += len;
                }
            }
            p.advance(1);

            p.status("padded batch");
            int shortLen = Math.max(1, n - 3);
            int pad = n - shortLen;
            long[][] ids = new long[2][n];
            long[][] mask = new long[2][n];
            for (int j = 0; j < n; j++) {
                ids[0][j] = probe[j];
                mask[0][j] = 1;
                ids[1][j] = j < pad ? 0 : probe[j - pad];
                mask[1][j] = j < pad ? 0 : 1;
            }
            Logits batch = lm.forward(ids, mask, OrtCausalLm.positionsFromMask(mask, n), null);
            double diffPad = 0;
            for (int j = 0; j < n; j++) {
                diffPad = Math.max(diffPad, maxAbsDiff(batch.row(0, j), full.row(0, j)));
                if (j >= pad) {
                    diffPad = Math.max(diffPad, maxAbsDiff(batch.row(1, j), full.row(0, j - pad)));
                }
            }
            p.advance(1);
            OnnxValidation v = new OnnxValidation(n, diffRef, diffCache, diffPad, maxRef, config.tolerance(),
                    (System.nanoTime() - t0) / 1e9);
            if (!v.passed()) {
                throw new OnnxExportException(dir.resolve(MODEL_FILE) + ": the exported model does not reproduce the"
                        + " checkpoint " + ck.dir() + ": " + v.summary() + "; nothing was written under the output"
                        + " name (this is a bug in the exporter: please report it with the checkpoint's config.json)");
            }
            return v;
        }
    }

    private static long[] ones(int n) {
        long[] a = new long[n];
        java.util.Arrays.fill(a, 1);
        return a;
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    /**
     * "sha256:…" over the checkpoint's config.json and weight files (each preceded by its file name), the
     * identity of the source recorded in the model's lineage.
     */
    public static String digest(Checkpoint ck, ProgressListener progress) throws IOException {
        Set<Path> files = new LinkedHashSet<>();
        files.add(ck.dir().resolve(LlamaConfig.FILE_NAME));
        for (TensorInfo t : ck.tensors()) {
            files.add(ck.file(t.name()).path());
        }
        long total = 0;
        for (Path f : files) {
            total += Files.size(f);
        }
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always provides SHA-256", e);
        }
        byte[] buf = new byte[1 << 20];
        try (ProgressListener.Progress p = progress.start("digest the source checkpoint", total, "B")) {
            for (Path f : files) {
                md.update(f.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                md.update((byte) 0);
                try (InputStream in = Files.newInputStream(f)) {
                    int r;
                    while ((r = in.read(buf)) > 0) {
                        md.update(buf, 0, r);
                        p.advance(r);
                    }
                }
            }
        }
        return "sha256:" + HexFormat.of().formatHex(md.digest());
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
