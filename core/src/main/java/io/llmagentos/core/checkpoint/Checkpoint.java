package io.llmagentos.core.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.config.GenerationConfig;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.safetensors.SafetensorsFile;
import io.llmagentos.core.safetensors.TensorInfo;
import io.llmagentos.core.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A checkpoint directory in Hugging Face layout, opened for reading:
 * <pre>
 *   config.json              LlamaForCausalLM config (required)
 *   model.safetensors        weights with HF tensor names (or model.safetensors.index.json + shards)
 *   tokenizer.json           byte-level BPE tokenizer (optional)
 *   tokenizer_config.json    special tokens and chat template (optional)
 *   generation_config.json   decoding defaults (optional)
 *   lineage.json             provenance (optional for imported checkpoints)
 * </pre>
 * Weights are memory-mapped; close the checkpoint to release them.
 */
public final class Checkpoint implements AutoCloseable {
    public static final String WEIGHTS_FILE = "model.safetensors";
    public static final String WEIGHTS_INDEX_FILE = "model.safetensors.index.json";
    public static final String TOKENIZER_FILE = "tokenizer.json";

    private final Path dir;
    private final LlamaConfig config;
    private final GenerationConfig generationConfig;
    private final Lineage lineage;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> fileByTensor;
    private Tokenizer tokenizer;

    private Checkpoint(Path dir, LlamaConfig config, GenerationConfig generationConfig, Lineage lineage,
                       List<SafetensorsFile> files, Map<String, SafetensorsFile> fileByTensor) {
        this.dir = dir;
        this.config = config;
        this.generationConfig = generationConfig;
        this.lineage = lineage;
        this.files = files;
        this.fileByTensor = fileByTensor;
    }

    /** Opens a checkpoint directory, reading its JSON files and mapping (not loading) its weights. */
    public static Checkpoint open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(dir + ": not a checkpoint directory (expected a directory holding "
                    + LlamaConfig.FILE_NAME + " and " + WEIGHTS_FILE + ")");
        }
        Path cfgFile = dir.resolve(LlamaConfig.FILE_NAME);
        if (!Files.isRegularFile(cfgFile)) {
            throw new CheckpointException(dir + ": missing " + LlamaConfig.FILE_NAME
                    + "; a checkpoint directory needs the model config in Hugging Face layout");
        }
        LlamaConfig config = LlamaConfig.load(cfgFile);
        Path genFile = dir.resolve(GenerationConfig.FILE_NAME);
        GenerationConfig gen = Files.isRegularFile(genFile) ? GenerationConfig.load(genFile) : null;
        Path linFile = dir.resolve(Lineage.FILE_NAME);
        Lineage lineage = Files.isRegularFile(linFile) ? Lineage.load(linFile) : null;

        List<Path> weightPaths = weightFiles(dir);
        List<SafetensorsFile> files = new ArrayList<>();
        Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
        try {
            for (Path p : weightPaths) {
                SafetensorsFile f = SafetensorsFile.open(p);
                files.add(f);
                for (TensorInfo t : f.tensors()) {
                    SafetensorsFile prev = byTensor.put(t.name(), f);
                    if (prev != null) {
                        throw new CheckpointException(dir + ": tensor " + t.name() + " appears in both "
                                + prev.path().getFileName() + " and " + p.getFileName());
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            for (SafetensorsFile f : files) {
                f.close();
            }
            throw e;
        }
        return new Checkpoint(dir, config, gen, lineage, List.copyOf(files), Collections.unmodifiableMap(byTensor));
    }

    private static List<Path> weightFiles(Path dir) throws IOException {
        Path single = dir.resolve(WEIGHTS_FILE);
        Path index = dir.resolve(WEIGHTS_INDEX_FILE);
        if (Files.isRegularFile(single)) {
            return List.of(single);
        }
        if (!Files.isRegularFile(index)) {
            throw new CheckpointException(dir + ": no weights: expected " + WEIGHTS_FILE + " or "
                    + WEIGHTS_INDEX_FILE + " (PyTorch .bin checkpoints must be converted to safetensors first)");
        }
        ObjectNode o = JsonFields.readObject(index);
        JsonFields f = new JsonFields(index);
        ObjectNode map = f.requireObject(o, "$", "weight_map");
        List<Path> out = new ArrayList<>();
        for (var e : map.properties()) {
            JsonNode v = e.getValue();
            String name = f.asString(v, "$.weight_map." + e.getKey());
            Path p = dir.resolve(name).normalize();
            if (!p.startsWith(dir.normalize()) || name.contains("/")) {
                throw f.error("$.weight_map." + e.getKey(), "shard file must be a plain file name in the checkpoint "
                        + "directory (got \"" + name + "\")");
            }
            if (!out.contains(p)) {
                if (!Files.isRegularFile(p)) {
                    throw f.error("$.weight_map." + e.getKey(), "shard file " + name + " does not exist");
                }
                out.add(p);
            }
        }
        return out;
    }

    public Path dir() {
        return dir;
    }

    public LlamaConfig config() {
        return config;
    }

    public Optional<GenerationConfig> generationConfig() {
        return Optional.ofNullable(generationConfig);
    }

    public Optional<Lineage> lineage() {
        return Optional.ofNullable(lineage);
    }

    public boolean hasTokenizer() {
        return Files.isRegularFile(dir.resolve(TOKENIZER_FILE));
    }

    /** The checkpoint's tokenizer, loaded on first use. */
    public synchronized Tokenizer tokenizer() throws IOException {
        if (tokenizer == null) {
            if (!hasTokenizer()) {
                throw new CheckpointException(dir + ": no " + TOKENIZER_FILE + " in the checkpoint directory");
            }
            tokenizer = Tokenizer.load(dir);
        }
        return tokenizer;
    }

    /** Every tensor, in file order, by HF name. */
    public List<TensorInfo> tensors() {
        List<TensorInfo> all = new ArrayList<>();
        for (SafetensorsFile f : files) {
            all.addAll(f.tensors());
        }
        return all;
    }

    public boolean contains(String tensor) {
        return fileByTensor.containsKey(tensor);
    }

    /** The file that holds a tensor; an unknown name is a {@link CheckpointException} naming it. */
    public SafetensorsFile file(String tensor) throws CheckpointException {
        SafetensorsFile f = fileByTensor.get(tensor);
        if (f == null) {
            throw new CheckpointException(dir + ": missing tensor " + tensor);
        }
        return f;
    }

    /** A tensor's values as float (F32, F16, BF16 are converted). */
    public float[] readFloats(String tensor) throws CheckpointException {
        return file(tensor).readFloats(tensor);
    }

    /** Total number of tensor elements in the weight files. */
    public long parameterCount() {
        long n = 0;
        for (TensorInfo t : tensors()) {
            n += t.elementCount();
        }
        return n;
    }

    /** Bytes of tensor data in the weight files. */
    public long weightBytes() {
        long n = 0;
        for (SafetensorsFile f : files) {
            n += f.dataBytes();
        }
        return n;
    }

    /**
     * Checks that the weights match the config: every expected tensor present with the expected shape,
     * and nothing unexpected (a tied checkpoint may still carry lm_head.weight, as some exporters write).
     * Lists every problem at once, each naming the tensor.
     */
    public void validateTensors() throws CheckpointException {
        List<String> problems = new ArrayList<>();
        Map<String, long[]> expected = config.expectedTensors();
        for (var e : expected.entrySet()) {
            SafetensorsFile f = fileByTensor.get(e.getKey());
            if (f == null) {
                problems.add("missing tensor " + e.getKey() + " " + Arrays.toString(e.getValue()));
                continue;
            }
            long[] shape = f.info(e.getKey()).shape();
            if (!Arrays.equals(shape, e.getValue())) {
                problems.add("tensor " + e.getKey() + " has shape " + Arrays.toString(shape) + " but config.json implies "
                        + Arrays.toString(e.getValue()));
            }
        }
        for (String name : fileByTensor.keySet()) {
            boolean tiedHead = config.tieWordEmbeddings() && name.equals("lm_head.weight");
            boolean rotaryCache = name.endsWith("rotary_emb.inv_freq");
            if (!expected.containsKey(name) && !tiedHead && !rotaryCache) {
                problems.add("unexpected tensor " + name + " (not part of a LlamaForCausalLM with this config)");
            }
        }
        if (!problems.isEmpty()) {
            int shown = Math.min(problems.size(), 20);
            throw new CheckpointException(dir + ": weights do not match config.json (" + problems.size()
                    + " problem" + (problems.size() == 1 ? "" : "s") + "):\n  - "
                    + String.join("\n  - ", problems.subList(0, shown))
                    + (shown < problems.size() ? "\n  - … and " + (problems.size() - shown) + " more" : ""));
        }
    }

    @Override
    public void close() {
        for (SafetensorsFile f : files) {
            f.close();
        }
    }
}
