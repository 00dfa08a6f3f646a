package io.llmagentos.serving.models;

import io.llmagentos.core.config.GenerationConfig;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.tokenizer.ChatMl;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.serving.engine.DecodeEngine;
import io.llmagentos.serving.engine.EngineConfig;
import io.llmagentos.serving.engine.EngineObserver;
import io.llmagentos.serving.engine.ModelLoadException;
import io.llmagentos.serving.engine.OnnxLm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * One loaded model version: its ONNX session and decode engine, tokenizer, {@code config.json} and
 * {@code generation_config.json}. Reference-counted so that a hot swap never closes a model under a request:
 * the {@link ModelSlot} holds one reference, each request {@link #tryAcquire()}s another, and the last
 * {@link #release()} drains the engine and frees the session.
 */
public final class ServedModel {
    /** ONNX files looked for in a model directory when none is named, in order of preference. */
    public static final List<String> ONNX_NAMES = List.of("model.onnx", "model_int8.onnx", "model_quantized.onnx",
            "decoder_model_merged.onnx");

    private final String id;
    private final Path dir;
    private final Path onnxFile;
    private final LlamaConfig config;
    private final GenerationConfig generation;
    private final Tokenizer tokenizer;
    private final DecodeEngine engine;
    private final Set<Integer> eosIds;
    private final Integer chatEndId;
    private final long created = Instant.now().getEpochSecond();
    private final AtomicInteger refs = new AtomicInteger(1);

    private ServedModel(String id, Path dir, Path onnxFile, LlamaConfig config, GenerationConfig generation,
            Tokenizer tokenizer, DecodeEngine engine) {
        this.id = id;
        this.dir = dir;
        this.onnxFile = onnxFile;
        this.config = config;
        this.generation = generation;
        this.tokenizer = tokenizer;
        this.engine = engine;
        Set<Integer> eos = new LinkedHashSet<>(config.eosTokenIds());
        eos.addAll(generation.eosTokenIds());
        this.eosIds = Set.copyOf(eos);
        this.chatEndId = tokenizer.tokenId(ChatMl.END).isPresent() ? tokenizer.tokenId(ChatMl.END).getAsInt() : null;
    }

    /**
     * Loads a model directory (config.json, tokenizer.json + tokenizer_config.json, generation_config.json, an
     * ONNX file) or an ONNX file with those files beside it.
     *
     * @param id        the name clients use in {@code model}; null: the directory's name
     */
    public static ServedModel load(Path dirOrFile, String id, EngineConfig engineConfig, EngineObserver observer)
            throws IOException {
        Path onnx = findOnnx(dirOrFile);
        Path dir = onnx.toAbsolutePath().getParent();
        Path cfgFile = dir.resolve(LlamaConfig.FILE_NAME);
        if (!Files.isRegularFile(cfgFile)) {
            throw new ModelLoadException(cfgFile + ": missing; a served model directory holds config.json, "
                    + "tokenizer.json, tokenizer_config.json and generation_config.json beside the ONNX file");
        }
        LlamaConfig config = LlamaConfig.load(cfgFile);
        Tokenizer tokenizer = Tokenizer.load(dir);
        if (tokenizer.vocabSize() > config.vocabSize()) {
            throw new ModelLoadException(dir.resolve(Tokenizer.FILE_NAME) + ": the tokenizer has " + tokenizer.vocabSize()
                    + " tokens but config.json's vocab_size is " + config.vocabSize() + "; they belong to different models");
        }
        Path genFile = dir.resolve(GenerationConfig.FILE_NAME);
        GenerationConfig gen = Files.isRegularFile(genFile) ? GenerationConfig.load(genFile)
                : GenerationConfig.greedy(config.bosTokenId(), config.eosTokenIds(), config.padTokenId(), 256);
        OnnxLm lm = OnnxLm.open(onnx, engineConfig.threads(), engineConfig.spinning(), config.numHiddenLayers(),
                config.numKeyValueHeads(), config.headDim(), config.vocabSize());
        DecodeEngine engine = new DecodeEngine(lm, tokenizer, config.maxPositionEmbeddings(), engineConfig, observer);
        String name = id != null ? id : dir.getFileName().toString();
        return new ServedModel(name, dir, onnx, config, gen, tokenizer, engine);
    }

    /** The ONNX file of a directory (see {@link #ONNX_NAMES}; else its only *.onnx), or the file itself. */
    static Path findOnnx(Path dirOrFile) throws IOException {
        if (Files.isRegularFile(dirOrFile)) {
            return dirOrFile;
        }
        if (!Files.isDirectory(dirOrFile)) {
            throw new ModelLoadException(dirOrFile + ": no such model directory or ONNX file");
        }
        for (String n : ONNX_NAMES) {
            if (Files.isRegularFile(dirOrFile.resolve(n))) {
                return dirOrFile.resolve(n);
            }
        }
        List<Path> found;
        try (Stream<Path> s = Files.list(dirOrFile)) {
            found = s.filter(p -> p.getFileName().toString().endsWith(".onnx")).sorted().toList();
        }
        if (found.size() == 1) {
            return found.get(0);
        }
        throw new ModelLoadException(dirOrFile + ": " + (found.isEmpty() ? "no *.onnx file" : "several *.onnx files "
                + found.stream().map(p -> p.getFileName().toString()).toList()) + "; name one of " + ONNX_NAMES
                + " or give the ONNX file itself");
    }

    /** Takes a reference for one request; false when the model is already retired and closing. */
    public boolean tryAcquire() {
        while (true) {
            int n = refs.get();
            if (n <= 0) {
                return false;
            }
            if (refs.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Drops a reference; the last one drains the engine and closes the session. */
    public void release() {
        if (refs.decrementAndGet() == 0) {
            try {
                engine.close();
            } catch (Exception e) {
                org.slf4j.LoggerFactory.getLogger(ServedModel.class).warn("closing model {} failed", id, e);
            }
        }
    }

    /** True once the last reference was released. */
    public boolean closed() {
        return refs.get() <= 0;
    }

    public String id() {
        return id;
    }

    public Path dir() {
        return dir;
    }

    public Path onnxFile() {
        return onnxFile;
    }

    public LlamaConfig config() {
        return config;
    }

    public GenerationConfig generation() {
        return generation;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public DecodeEngine engine() {
        return engine;
    }

    /** Unix seconds when it was loaded (OpenAI's {@code created}). */
    public long created() {
        return created;
    }

    /** The ids that end any generation: EOS from config.json and generation_config.json. */
    public Set<Integer> eosIds() {
        return eosIds;
    }

    /** The id of {@code <|im_end|>}, which ends a chat turn, or null when the tokenizer has none. */
    public Integer chatEndId() {
        return chatEndId;
    }

    public boolean hasChatTemplate() {
        return tokenizer.config().chatTemplate() != null && chatEndId != null;
    }
}
