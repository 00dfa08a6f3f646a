package io.llmagentos.quantization.int8;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.llmagentos.quantization.testing.Ort;
import io.llmagentos.quantization.testing.TinyLm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxModelFileTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsInline() throws Exception {
        ModelProto m = TinyLm.standard(1);
        Path f = dir.resolve("model.onnx");
        assertThat(OnnxModelFile.save(m, f)).containsExactly(f);
        assertThat(OnnxModelFile.load(f)).isEqualTo(m);
    }

    @Test
    void largeModelsGoToExternalDataThatOrtAndWeReadBack() throws Exception {
        ModelProto m = TinyLm.standard(2);
        Path f = dir.resolve("model.onnx");
        List<Path> files = OnnxModelFile.save(m, f, 1000);
        Path data = dir.resolve("model.onnx_data");
        assertThat(files).containsExactly(f, data);
        assertThat(Files.size(f)).isLessThan(Files.size(data));
        ModelProto raw = ModelProto.parseFrom(Files.readAllBytes(f));
        assertThat(raw.getGraph().getInitializerList()).anyMatch(t -> t.getDataLocation() == TensorProto.DataLocation.EXTERNAL);
        assertThat(OnnxModelFile.load(f)).isEqualTo(m);
        assertThat(OnnxModelFile.bytesOnDisk(f)).isEqualTo(Files.size(f) + Files.size(data));
        // ONNX Runtime reads the same files
        long[] ids = {1, 2, 3, 4};
        float[] want;
        try (Ort ort = new Ort(m)) {
            want = ort.logits(ids, 1);
        }
        try (ai.onnxruntime.OrtSession s = Ort.ENV.createSession(f.toString());
             var t = ai.onnxruntime.OnnxTensor.createTensor(Ort.ENV, java.nio.LongBuffer.wrap(ids), new long[] {1, 4});
             var r = s.run(java.util.Map.of("input_ids", t))) {
            float[] got = new float[want.length];
            ((ai.onnxruntime.OnnxTensor) r.get(0)).getFloatBuffer().get(got);
            assertThat(got).containsExactly(want);
        }
        // truncated external data: named, not an index error
        byte[] d = Files.readAllBytes(data);
        Files.write(data, Arrays.copyOf(d, d.length / 2));
        assertThatThrownBy(() -> OnnxModelFile.load(f)).isInstanceOf(QuantizationException.class)
                .hasMessageContaining("model.onnx_data").hasMessageContaining("truncated");
        Files.delete(data);
        assertThatThrownBy(() -> OnnxModelFile.load(f)).isInstanceOf(QuantizationException.class)
                .hasMessageContaining("is missing");
    }

    @Test
    void corruptFilesAreClearErrors() throws Exception {
        Path f = dir.resolve("model.onnx");
        byte[] good = TinyLm.standard(1).toByteArray();
        Files.write(f, Arrays.copyOf(good, good.length / 3));
        assertThatThrownBy(() -> OnnxModelFile.load(f)).isInstanceOf(QuantizationException.class)
                .hasMessageStartingWith(f.toString()).hasMessageContaining("not a valid ONNX model");
        byte[] junk = new byte[4096];
        new SplittableRandom(1).nextBytes(junk);
        Files.write(f, junk);
        assertThatThrownBy(() -> OnnxModelFile.load(f)).isInstanceOf(QuantizationException.class)
                .hasMessageContaining("not a valid ONNX model");
        Files.writeString(f, "{\"this is\": \"json\"}");
        assertThatThrownBy(() -> OnnxModelFile.load(f)).isInstanceOf(QuantizationException.class)
                .hasMessageContaining("not a valid ONNX model");
        Files.write(f, new byte[0]);
        assertThatThrownBy(() -> OnnxModelFile.load(f)).isInstanceOf(QuantizationException.class)
                .hasMessageContaining("not a valid ONNX model");
        assertThatThrownBy(() -> OnnxModelFile.load(dir.resolve("nope.onnx"))).isInstanceOf(QuantizationException.class)
                .hasMessageContaining("no such ONNX model file");
    }

    @Test
    void oldOpsetsAreRefused() throws Exception {
        ModelProto m = TinyLm.standard(1);
        ModelProto old = m.toBuilder().setOpsetImport(0, m.getOpsetImport(0).toBuilder().setVersion(11)).build();
        Path f = dir.resolve("old.onnx");
        Files.write(f, old.toByteArray());
        assertThatThrownBy(() -> OnnxModelFile.load(f)).hasMessageContaining("opset 11").hasMessageContaining(">= 13");
    }
}
