package io.llmagentos.core.checkpoint;

import io.llmagentos.core.config.GenerationConfig;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.safetensors.SafetensorsWriter;
import io.llmagentos.core.safetensors.TensorSpec;
import io.llmagentos.core.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * Writes a checkpoint directory atomically: everything goes into a hidden sibling directory that is
 * renamed onto the target only by {@link #commit()}, so a crash never leaves a half-written checkpoint
 * under the final name. Tensors stream through one {@link SafetensorsWriter}.
 *
 * <pre>{@code
 * try (CheckpointWriter w = CheckpointWriter.create(dir, config, specs, Map.of("format", "pt"))) {
 *     w.tokenizer(tok).generationConfig(gen).lineage(lineage);
 *     for (TensorSpec s : specs) w.weights().writeFloats(s.name(), valuesOf(s));
 *     w.commit();
 * }
 * }</pre>
 */
public final class CheckpointWriter implements AutoCloseable {
    private final Path target;
    private final Path staging;
    private final LlamaConfig config;
    private final SafetensorsWriter weights;
    private GenerationConfig generationConfig;
    private Tokenizer tokenizer;
    private Lineage lineage;
    private boolean committed;

    private CheckpointWriter(Path target, Path staging, LlamaConfig config, SafetensorsWriter weights) {
        this.target = target;
        this.staging = staging;
        this.config = config;
        this.weights = weights;
    }

    /**
     * Starts a checkpoint at {@code dir} (which must not exist yet, or be an empty directory) whose
     * weights file will hold exactly {@code specs} (laid out as Python safetensors lays them out; tensors
     * may be written in any order).
     */
    public static CheckpointWriter create(Path dir, LlamaConfig config, List<TensorSpec> specs,
                                          Map<String, String> metadata) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        if (Files.exists(target) && (!Files.isDirectory(target) || hasEntries(target))) {
            throw new CheckpointException(target + ": already exists and is not empty; choose a new output directory "
                    + "or delete the old checkpoint");
        }
        Files.createDirectories(target.getParent());
        Path staging = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".partial-");
        try {
            SafetensorsWriter w = new SafetensorsWriter(staging.resolve(Checkpoint.WEIGHTS_FILE), specs,
                    metadata == null ? Map.of("format", "pt") : metadata);
            return new CheckpointWriter(target, staging, config, w);
        } catch (IOException | RuntimeException e) {
            io.llmagentos.core.internal.Files2.deleteRecursively(staging);
            throw e;
        }
    }

    private static boolean hasEntries(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.findAny().isPresent();
        }
    }

    /**
     * The hidden directory that {@link #commit()} renames into place: stages write extra files of the
     * checkpoint here (optimizer state, trainer state, adapters), so they appear atomically with it.
     */
    public Path stagingDir() {
        return staging;
    }

    /** The weights writer: write every declared tensor before {@link #commit()}. */
    public SafetensorsWriter weights() {
        return weights;
    }

    public CheckpointWriter generationConfig(GenerationConfig g) {
        this.generationConfig = g;
        return this;
    }

    public CheckpointWriter tokenizer(Tokenizer t) {
        this.tokenizer = t;
        return this;
    }

    public CheckpointWriter lineage(Lineage l) {
        this.lineage = l;
        return this;
    }

    /** Finishes the weights, writes the JSON files and moves the directory into place. */
    public Path commit() throws IOException {
        weights.close();
        config.save(staging.resolve(LlamaConfig.FILE_NAME));
        if (generationConfig != null) {
            generationConfig.save(staging.resolve(GenerationConfig.FILE_NAME));
        }
        if (tokenizer != null) {
            tokenizer.save(staging);
        }
        if (lineage != null) {
            lineage.save(staging.resolve(Lineage.FILE_NAME));
        }
        if (Files.isDirectory(target)) {
            Files.delete(target); // empty, checked in create()
        }
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(staging, target);
        }
        committed = true;
        return target;
    }

    /** Without a commit, discards everything written. */
    @Override
    public void close() throws IOException {
        if (!committed) {
            try {
                weights.close();
            } catch (IOException | RuntimeException ignored) {
                // the writer refuses to finish an incomplete file; the staging directory goes anyway
            }
            io.llmagentos.core.internal.Files2.deleteRecursively(staging);
        }
    }
}
