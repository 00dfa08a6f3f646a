package io.llmagentos.quantization.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.checkpoint.CheckpointException;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.json.JsonFormatException;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.quantization.runtime.OnnxModelException;
import io.llmagentos.quantization.runtime.OrtCausalLm;
import io.llmagentos.testsupport.TempDirectory;
import io.llmagentos.training.LlamaModel;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad input gives one clear error naming the file and field or tensor, and leaves no output directory behind. */
class OnnxExportBadInputTest {
    private static TempDirectory tmp;
    private static Path ck;
    private static int n;

    @BeforeAll
    static void checkpoint() throws Exception {
        tmp = new TempDirectory("onnx-bad");
        try (LlamaModel m = TinyModels.model(TinyModels.config("gqa"), 1)) {
            ck = TinyModels.save(m, tmp.resolve("ckpt"));
        }
    }

    @AfterAll
    static void cleanUp() {
        tmp.close();
    }

    /** A copy of the checkpoint with config.json edited. */
    private static Path variant(Consumer<ObjectNode> edit) throws Exception {
        Path dir = tmp.resolve("variant-" + (++n));
        Files.createDirectories(dir);
        try (var files = Files.list(ck)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        ObjectNode cfg = JsonFields.readObject(dir.resolve("config.json"));
        edit.accept(cfg);
        JsonFields.MAPPER.writeValue(dir.resolve("config.json").toFile(), cfg);
        return dir;
    }

    private static OnnxExporter exporter() {
        return new OnnxExporter(OnnxExportConfig.defaults());
    }

    @Test
    void unsupportedArchitectureNamesTheField() throws Exception {
        Path mistral = variant(c -> c.putArray("architectures").add("MistralForCausalLM"));
        Path out = tmp.resolve("out-arch");
        assertThatThrownBy(() -> exporter().export(mistral, out, ProgressListener.NONE))
                .isInstanceOf(JsonFormatException.class)
                .hasMessageContaining(mistral.resolve("config.json").toString())
                .hasMessageContaining("$.architectures[0]")
                .hasMessageContaining("MistralForCausalLM");
        assertThat(out).doesNotExist();

        Path gemma = variant(c -> c.put("model_type", "gemma"));
        assertThatThrownBy(() -> exporter().export(gemma, out, ProgressListener.NONE))
                .isInstanceOf(OnnxExportException.class)
                .hasMessageContaining(gemma.resolve("config.json").toString())
                .hasMessageContaining("$.model_type: expected \"llama\" (got \"gemma\")");

        Path biased = variant(c -> c.put("attention_bias", true));
        assertThatThrownBy(() -> exporter().export(biased, out, ProgressListener.NONE))
                .isInstanceOf(OnnxExportException.class)
                .hasMessageContaining("$.attention_bias: true is not supported");
        assertThat(out).doesNotExist();
    }

    @Test
    void tensorsNotMatchingTheConfigAreListed() throws Exception {
        Path wider = variant(c -> c.put("intermediate_size", 128));
        Path out = tmp.resolve("out-shape");
        assertThatThrownBy(() -> exporter().export(wider, out, ProgressListener.NONE))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(wider.toString())
                .hasMessageContaining("tensor model.layers.0.mlp.gate_proj.weight has shape [112, 64] but config.json"
                        + " implies [128, 64]");
        Path deeper = variant(c -> c.put("num_hidden_layers", 3));
        assertThatThrownBy(() -> exporter().export(deeper, out, ProgressListener.NONE))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("missing tensor model.layers.2.self_attn.q_proj.weight");
        Path vocab = variant(c -> c.put("vocab_size", 100));
        assertThatThrownBy(() -> exporter().export(vocab, out, ProgressListener.NONE))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("tensor model.embed_tokens.weight has shape [96, 64] but config.json implies"
                        + " [100, 64]");
        assertThat(out).doesNotExist();
    }

    @Test
    void corruptOnnxFilesAreClearErrorsOnLoad() throws Exception {
        OnnxExportResult r = new OnnxExporter(OnnxExportConfig.defaults().withExternalDataThreshold(0)).export(ck,
                tmp.resolve("to-corrupt"), ProgressListener.NONE);
        Path dir = r.outDir();
        Path model = r.modelFile();
        byte[] good = Files.readAllBytes(model);

        Files.write(model, "this is not a protobuf".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThatThrownBy(() -> OrtCausalLm.open(dir)).isInstanceOf(OnnxModelException.class)
                .hasMessageContaining(model.toString()).hasMessageContaining("not a loadable ONNX model");

        Files.write(model, java.util.Arrays.copyOf(good, good.length / 2));
        assertThatThrownBy(() -> OrtCausalLm.open(dir)).isInstanceOf(OnnxModelException.class)
                .hasMessageContaining(model.toString()).hasMessageContaining("not a loadable ONNX model");

        Files.write(model, good);
        try (FileChannel ch = FileChannel.open(r.externalData(), StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() / 2);
        }
        assertThatThrownBy(() -> OrtCausalLm.open(dir)).isInstanceOf(OnnxModelException.class)
                .hasMessageContaining(model.toString()).hasMessageContaining("not a loadable ONNX model");

        Files.delete(dir.resolve("config.json"));
        assertThatThrownBy(() -> OrtCausalLm.open(dir)).isInstanceOf(OnnxModelException.class)
                .hasMessageContaining("missing config.json");
    }

    @Test
    void outputDirectoryAndSettingsAreChecked() throws Exception {
        Path taken = tmp.resolve("taken");
        Files.createDirectories(taken);
        Files.writeString(taken.resolve("keep.txt"), "mine");
        assertThatThrownBy(() -> exporter().export(ck, taken, ProgressListener.NONE))
                .isInstanceOf(OnnxExportException.class)
                .hasMessageContaining(taken.toString()).hasMessageContaining("already exists and is not empty");
        assertThat(taken.resolve("keep.txt")).hasContent("mine");

        Path empty = tmp.resolve("empty");
        Files.createDirectories(empty);
        assertThat(exporter().export(ck, empty, ProgressListener.NONE).modelFile()).isRegularFile();

        assertThatThrownBy(() -> OnnxExportConfig.defaults().withOpset(16))
                .hasMessageContaining("opset must be between 17 and 23 (got 16)");
        assertThatThrownBy(() -> exporter().export(tmp.resolve("nope"), tmp.resolve("out-nope"), ProgressListener.NONE))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("not a checkpoint directory");
    }
}
