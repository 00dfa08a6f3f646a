package io.llmagentos.core.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.testsupport.Python;
import io.llmagentos.testsupport.RepoPaths;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parity with Python {@code safetensors} 0.8 (scripts/parity/safetensors_parity.py): files we write
 * load in Python with the same names, dtypes, shapes and bytes, and are byte-identical to what
 * Python writes for the same tensors; files Python writes load here with the same values.
 */
class SafetensorsParityTest {
    private static Python python;
    private static Path script;

    @BeforeAll
    static void needPython() {
        python = Python.require("safetensors", "numpy");
        script = RepoPaths.script("parity/safetensors_parity.py");
    }

    private static JsonNode run(String... args) throws Exception {
        return JsonFields.MAPPER.readTree(python.runScript(script, args));
    }

    @Test
    void filesWeWriteLoadInPythonWithIdenticalTensorsAndAreByteIdenticalToPythonsOwn(@TempDir Path dir)
            throws Exception {
        SplittableRandom rnd = new SplittableRandom(99);
        List<TensorSpec> specs = new ArrayList<>();
        Map<String, ByteBuffer> raw = new LinkedHashMap<>();
        Map<String, float[]> floats = new LinkedHashMap<>();
        for (DType d : DType.values()) {
            long[][] shapes = {{2, 3}, {}, {0, 5}, {2, 1, 3, 2}};
            for (int k = 0; k < shapes.length; k++) {
                String name = "dtype." + d.safetensorsName().toLowerCase() + ".s" + k;
                TensorSpec s = new TensorSpec(name, d, shapes[k]);
                specs.add(s);
                byte[] b = new byte[(int) s.byteLength()];
                for (int i = 0; i < b.length; i++) {
                    b[i] = d == DType.BOOL ? (byte) rnd.nextInt(2) : (byte) rnd.nextInt(256);
                }
                raw.put(name, ByteBuffer.wrap(b));
            }
        }
        String[] names = {"model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight",
            "model.layers.10.mlp.down_proj.weight", "lm_head.weight", "ünïcödé.名前.🙂", "with space/and\"quote\\"};
        DType[] floatTypes = {DType.F32, DType.F16, DType.BF16, DType.F64};
        for (int i = 0; i < names.length; i++) {
            TensorSpec s = new TensorSpec(names[i], floatTypes[i % floatTypes.length], new long[] {3, 4 + i});
            specs.add(s);
            float[] v = new float[(int) s.elementCount()];
            for (int j = 0; j < v.length; j++) {
                v[j] = (float) (rnd.nextDouble() * 4 - 2);
            }
            floats.put(s.name(), v);
        }
        float[] src = roundingInputs(rnd);
        for (var e : Map.of("rounding.src", DType.F32, "rounding.f16", DType.F16, "rounding.bf16", DType.BF16)
                .entrySet()) {
            specs.add(new TensorSpec(e.getKey(), e.getValue(), new long[] {src.length}));
            floats.put(e.getKey(), src);
        }
        Path f = dir.resolve("ours.safetensors");
        try (SafetensorsWriter w = new SafetensorsWriter(f, specs, Map.of("format", "pt"))) {
            for (var e : floats.entrySet()) {
                w.writeFloats(e.getKey(), e.getValue());
            }
            for (var e : raw.entrySet()) {
                w.write(e.getKey(), e.getValue());
            }
        }

        JsonNode py = run("digest", f.toString());
        assertThat(py.get("safetensors_version").asText()).isEqualTo("0.8.0");
        String fileSha = Crafted.sha256(Files.readAllBytes(f));
        assertThat(py.get("file_sha256").asText()).isEqualTo(fileSha);
        assertThat(py.get("reserialized_sha256").asText())
                .as("Python's serialize() of the same tensors and metadata writes exactly our bytes").isEqualTo(fileSha);
        assertThat(py.get("metadata").get("format").asText()).isEqualTo("pt");
        JsonNode rounding = py.get("rounding");
        assertThat(rounding.get("count").asInt()).isEqualTo(src.length);
        assertThat(rounding.get("f16_mismatches_vs_numpy").asInt()).as("%s", rounding).isZero();
        assertThat(rounding.get("bf16_mismatches_vs_reference").asInt()).as("%s", rounding).isZero();

        Map<String, JsonNode> byName = new HashMap<>();
        py.get("tensors").forEach(t -> byName.put(t.get("name").asText(), t));
        int numpyChecked = 0;
        try (SafetensorsFile r = SafetensorsFile.open(f)) {
            assertThat(byName.keySet()).containsExactlyInAnyOrderElementsOf(
                    r.tensors().stream().map(TensorInfo::name).toList());
            for (TensorInfo t : r.tensors()) {
                JsonNode p = byName.get(t.name());
                assertThat(p.get("dtype").asText()).as(t.name()).isEqualTo(t.dtype().safetensorsName());
                assertThat(longs(p.get("shape"))).as(t.name()).containsExactly(t.shape());
                assertThat(longs(p.get("data_offsets"))).as(t.name()).containsExactly(t.begin(), t.end());
                String sha = Crafted.sha256(r.bytes(t.name()));
                assertThat(p.get("sha256").asText()).as(t.name()).isEqualTo(sha);
                if (p.has("numpy_sha256")) {
                    assertThat(p.get("numpy_sha256").asText()).as("numpy view of %s", t.name()).isEqualTo(sha);
                    assertThat(longs(p.get("numpy_shape"))).containsExactly(t.shape());
                    numpyChecked++;
                }
            }
        }
        assertThat(numpyChecked).as("numpy loaded every dtype it has a type for").isGreaterThan(40);
    }

    @Test
    void metadataWithManyKeysAndUnicodeReadsTheSameInPython(@TempDir Path dir) throws Exception {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("lineage", "{\"parent\": \"sha256:abc\", \"steps\": 1200}");
        meta.put("ключ ✓", "line1\nline2\t\u0001");
        Path f = dir.resolve("meta.safetensors");
        Safetensors.writeFloats(f, DType.BF16, Map.of("w", Safetensors.FloatTensor.of(new float[] {1, 2}, 2)), meta);
        JsonNode py = run("digest", f.toString());
        Map<String, String> got = new HashMap<>();
        py.get("safe_open_metadata").properties().forEach(e -> got.put(e.getKey(), e.getValue().asText()));
        assertThat(got).isEqualTo(meta);
    }

    @Test
    void filesPythonWritesLoadInOursWithIdenticalValues(@TempDir Path dir) throws Exception {
        JsonNode manifest = run("write", dir.toString());
        assertThat(manifest.size()).isEqualTo(2);
        try (SafetensorsFile expected = SafetensorsFile.open(dir.resolve("expected.safetensors"))) {
            int valuesChecked = 0;
            for (var fileEntry : manifest.properties()) {
                Path file = dir.resolve(fileEntry.getKey());
                JsonNode digest = fileEntry.getValue();
                try (SafetensorsFile r = SafetensorsFile.open(file)) {
                    Map<String, String> meta = new HashMap<>();
                    JsonNode pm = digest.get("safe_open_metadata");
                    if (pm != null && !pm.isNull()) {
                        pm.properties().forEach(e -> meta.put(e.getKey(), e.getValue().asText()));
                    }
                    assertThat(r.metadata()).isEqualTo(meta);
                    assertThat(r.tensors()).hasSize(digest.get("tensors").size());
                    for (JsonNode p : digest.get("tensors")) {
                        String name = p.get("name").asText();
                        TensorInfo t = r.info(name);
                        assertThat(t.dtype().safetensorsName()).as(name).isEqualTo(p.get("dtype").asText());
                        assertThat(t.shape()).as(name).containsExactly(longs(p.get("shape")));
                        assertThat(new long[] {t.begin(), t.end()}).as(name).containsExactly(longs(p.get("data_offsets")));
                        assertThat(Crafted.sha256(r.bytes(name))).as(name).isEqualTo(p.get("sha256").asText());
                        if (!expected.contains(name)) {
                            continue;
                        }
                        if (t.dtype().isFloat()) {
                            assertSameFloats(name, r.readFloats(name), expected.readFloats(name));
                        } else {
                            assertThat(r.readLongs(name)).as(name).containsExactly(expected.readLongs(name));
                        }
                        valuesChecked++;
                    }
                }
            }
            assertThat(valuesChecked).isEqualTo(expected.tensors().size());
        }
    }

    /** Bitwise equality, except that any NaN matches any NaN (payloads are not part of the contract). */
    private static void assertSameFloats(String name, float[] actual, float[] expected) {
        assertThat(actual).as(name).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++) {
            if (Float.floatToIntBits(actual[i]) != Float.floatToIntBits(expected[i])) {
                throw new AssertionError(name + "[" + i + "]: ours " + actual[i] + " (0x"
                        + Integer.toHexString(Float.floatToRawIntBits(actual[i])) + "), Python " + expected[i] + " (0x"
                        + Integer.toHexString(Float.floatToRawIntBits(expected[i])) + ")");
            }
        }
    }

    /**
     * Floats that exercise F16/BF16 rounding: every binary16 value and every midpoint between two
     * neighbours (the ties), values around the overflow and underflow thresholds, specials, and random
     * bit patterns.
     */
    private static float[] roundingInputs(SplittableRandom rnd) {
        List<Float> v = new ArrayList<>();
        for (int h = 0; h < 0x7C00; h++) {
            float a = Half.f16ToFloat((short) h);
            float b = h + 1 == 0x7C00 ? 65536f : Half.f16ToFloat((short) (h + 1));
            v.add(a);
            v.add(-a);
            v.add((a + b) / 2);
            v.add(-(a + b) / 2);
            v.add(Math.nextUp((a + b) / 2));
        }
        for (float s : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE,
            -Float.MAX_VALUE, Float.MIN_VALUE, Float.MIN_NORMAL, 65519.99f, 65520f, 0x1p-25f, 0x1.8p-25f, 1e-30f}) {
            v.add(s);
        }
        for (int i = 0; i < 100_000; i++) {
            v.add(Float.intBitsToFloat(rnd.nextInt()));
        }
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i);
        }
        return out;
    }

    private static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }
}
