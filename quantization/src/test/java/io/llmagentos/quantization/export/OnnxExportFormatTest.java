package io.llmagentos.quantization.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.checkpoint.Lineage;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.quantization.runtime.OrtCausalLm;
import io.llmagentos.testsupport.TempDirectory;
import io.llmagentos.testsupport.Tolerance;
import io.llmagentos.training.LlamaModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The exported directory's layout: external data when the weights pass the threshold (the same logits as
 * inline), every supported opset, lineage in metadata_props and lineage.json, side files copied, progress
 * reported, and the check it ran returned.
 */
class OnnxExportFormatTest {
    private static TempDirectory tmp;
    private static LlamaModel djl;
    private static Path ck;

    @BeforeAll
    static void checkpoint() throws Exception {
        tmp = new TempDirectory("onnx-format");
        djl = TinyModels.model(TinyModels.config("gqa-tied-llama3"), 5);
        ck = TinyModels.save(djl, tmp.resolve("ckpt"));
    }

    @AfterAll
    static void cleanUp() {
        djl.close();
        tmp.close();
    }

    @Test
    void externalDataAboveTheThresholdGivesTheSameLogits() throws Exception {
        OnnxExportResult inline = new OnnxExporter(OnnxExportConfig.defaults()).export(ck, tmp.resolve("inline"),
                ProgressListener.NONE);
        OnnxExportResult external = new OnnxExporter(OnnxExportConfig.defaults().withExternalDataThreshold(100_000))
                .export(ck, tmp.resolve("external"), ProgressListener.NONE);
        assertThat(inline.externalData()).isNull();
        assertThat(inline.outDir().resolve(OnnxExporter.DATA_FILE)).doesNotExist();
        assertThat(external.externalData()).isEqualTo(external.outDir().resolve("model.onnx_data")).isRegularFile();
        long weights = 4 * djl.parameterCount();
        assertThat(Files.size(external.externalData())).isGreaterThanOrEqualTo(weights);
        assertThat(Files.size(external.modelFile())).isLessThan(weights / 4);
        assertThat(Files.size(inline.modelFile())).isGreaterThan(weights);
        assertThat(external.modelBytes()).isEqualTo(Files.size(external.modelFile()) + Files.size(external.externalData()));
        int[][] ids = TinyModels.ids(djl.config().vocabSize(), 2, 12, 9);
        try (OrtCausalLm a = OrtCausalLm.open(inline.outDir()); OrtCausalLm b = OrtCausalLm.open(external.outDir())) {
            assertThat(b.forward(ids).values()).isEqualTo(a.forward(ids).values());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {18, 21, 23})
    void everySupportedOpsetMatchesDjl(int opset) throws Exception {
        OnnxExportResult r = new OnnxExporter(OnnxExportConfig.defaults().withOpset(opset)).export(ck,
                tmp.resolve("opset-" + opset), ProgressListener.NONE);
        assertThat(r.opset()).isEqualTo(opset);
        int[][] ids = TinyModels.ids(djl.config().vocabSize(), 1, 10, 4);
        try (OrtCausalLm lm = OrtCausalLm.open(r.outDir())) {
            Tolerance.assertAllClose(lm.forward(ids).values(), TinyModels.djlLogits(djl, ids), 0, OnnxParityTest.ATOL);
        }
    }

    @Test
    void lineageMetadataSideFilesAndProgress() throws Exception {
        List<String> tasks = new ArrayList<>();
        AtomicLong tensors = new AtomicLong();
        ProgressListener listener = (task, total, unit) -> {
            tasks.add(task + " (" + total + " " + unit + ")");
            return new ProgressListener.Progress() {
                @Override
                public void advance(long units) {
                    if (unit.equals("tensors")) {
                        tensors.addAndGet(units);
                    }
                }

                @Override
                public void close() {
                }
            };
        };
        OnnxExportResult r = new OnnxExporter(OnnxExportConfig.defaults()).export(ck, tmp.resolve("lineage"), listener);
        int expectedTensors = djl.config().expectedTensors().size();
        assertThat(tasks).containsExactly("digest the source checkpoint (" + (Files.size(ck.resolve("config.json"))
                        + Files.size(ck.resolve("model.safetensors"))) + " B)",
                "export ONNX graph + weights (" + expectedTensors + " tensors)",
                "check the ONNX model in ONNX Runtime (3 checks)");
        assertThat(tensors.get()).isEqualTo(expectedTensors);

        String digest;
        try (Checkpoint c = Checkpoint.open(ck)) {
            digest = OnnxExporter.digest(c, ProgressListener.NONE);
        }
        assertThat(digest).startsWith("sha256:").hasSize(7 + 64).isEqualTo(r.sourceDigest());
        try (OrtCausalLm lm = OrtCausalLm.open(r.outDir())) {
            assertThat(lm.metadata()).containsEntry("agentos.stage", "onnx-export")
                    .containsEntry("agentos.source_digest", digest)
                    .containsEntry("agentos.source_checkpoint", ck.toAbsolutePath().normalize().toString())
                    .containsEntry("agentos.source_stage", "test")
                    .containsEntry("agentos.data_digest", "sha256:test-data");
            JsonNode params = JsonFields.MAPPER.readTree(lm.metadata().get("agentos.parameters"));
            assertThat(params.get("opset").asInt()).isEqualTo(17);
            assertThat(params.get("parameter_count").asLong()).isEqualTo(djl.parameterCount());
            assertThat(params.get("external_data").asBoolean()).isFalse();
        }
        Lineage lin = Lineage.load(r.outDir().resolve("lineage.json"));
        assertThat(lin.stage()).isEqualTo("onnx-export");
        assertThat(lin.parent()).isEqualTo(ck.toAbsolutePath().normalize().toString());
        assertThat(lin.dataDigest()).isEqualTo("sha256:test-data");
        assertThat(lin.parameters()).containsEntry("source_digest", digest).containsEntry("opset", 17);
        assertThat(lin.environment()).containsEntry("onnxruntime", "1.23.2");
        assertThat(lin.metrics()).containsKeys("max_abs_diff_reference", "max_abs_diff_cache", "max_abs_diff_padding");

        assertThat(r.copiedFiles()).containsExactly("config.json", "generation_config.json", "lineage.json");
        assertThat(r.outDir().resolve("config.json")).hasSameBinaryContentAs(ck.resolve("config.json"));
        assertThat(r.outDir().resolve("generation_config.json")).hasSameBinaryContentAs(ck.resolve("generation_config.json"));
        try (var files = Files.list(r.outDir().getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".export-"));
        }

        OnnxValidation v = r.validation();
        assertThat(v.passed()).isTrue();
        assertThat(v.probeTokens()).isEqualTo(8);
        assertThat(v.maxAbsLogit()).isGreaterThan(0.5);
        assertThat(v.maxAbsDiffReference()).isLessThan(1e-4);
        assertThat(v.summary()).contains("passed");
    }
}
