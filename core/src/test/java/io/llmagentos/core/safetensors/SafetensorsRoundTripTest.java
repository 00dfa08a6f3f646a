package io.llmagentos.core.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llmagentos.testsupport.Tolerance;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsRoundTripTest {
    @TempDir
    Path dir;

    private static long[] shape(long... dims) {
        return dims;
    }

    @Test
    void floatsRoundTripThroughEveryFloatDtype() throws Exception {
        Random rnd = new Random(1);
        float[] values = new float[3 * 5 * 7];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) rnd.nextGaussian() * 3;
        }
        List<TensorSpec> specs = List.of(
                new TensorSpec("f32", DType.F32, shape(3, 5, 7)),
                new TensorSpec("f16", DType.F16, shape(3, 5, 7)),
                new TensorSpec("bf16", DType.BF16, shape(105)),
                new TensorSpec("f64", DType.F64, shape(7, 15)));
        Path f = dir.resolve("m.safetensors");
        try (SafetensorsWriter w = new SafetensorsWriter(f, specs, Map.of("format", "pt"))) {
            for (TensorSpec s : specs) {
                w.writeFloats(s.name(), values);
            }
        }
        try (SafetensorsFile r = SafetensorsFile.open(f)) {
            assertThat(r.metadata()).containsExactly(Map.entry("format", "pt"));
            assertThat(r.readFloats("f32")).containsExactly(values);
            assertThat(r.readFloats("f64")).containsExactly(values);
            Tolerance.assertAllClose(r.readFloats("f16"), values, 1.0 / 2048, 1e-4);
            Tolerance.assertAllClose(r.readFloats("bf16"), values, 1.0 / 256, 1e-30);
            for (int i = 0; i < values.length; i++) {
                assertThat(r.bytes("bf16").getShort(2 * i)).isEqualTo(Half.floatToBf16(values[i]));
                assertThat(r.bytes("f16").getShort(2 * i)).isEqualTo(Half.floatToF16(values[i]));
            }
            assertThat(r.info("f32").shape()).containsExactly(3, 5, 7);
            assertThat(r.info("f32").elementCount()).isEqualTo(105);
            assertThat(r.dataBytes()).isEqualTo(105 * (4 + 2 + 2 + 8));
        }
    }

    @Test
    void integersRoundTripAndWidenWithTheirSignedness() throws Exception {
        Map<DType, long[]> vals = new LinkedHashMap<>();
        vals.put(DType.BOOL, new long[] {1, 0, 1});
        vals.put(DType.U8, new long[] {0, 200, 255});
        vals.put(DType.I8, new long[] {-128, -1, 127});
        vals.put(DType.I16, new long[] {-32768, -2, 32767});
        vals.put(DType.U16, new long[] {0, 40000, 65535});
        vals.put(DType.I32, new long[] {Integer.MIN_VALUE, -3, Integer.MAX_VALUE});
        vals.put(DType.U32, new long[] {0, 3_000_000_000L, 0xFFFFFFFFL});
        vals.put(DType.I64, new long[] {Long.MIN_VALUE, -4, Long.MAX_VALUE});
        vals.put(DType.U64, new long[] {0, 5, -1}); // 2^64 - 1 reads back as -1
        List<TensorSpec> specs = new ArrayList<>();
        vals.forEach((d, v) -> specs.add(new TensorSpec(d.name().toLowerCase(), d, shape(3))));
        Path f = dir.resolve("ints.safetensors");
        try (SafetensorsWriter w = new SafetensorsWriter(f, specs, null)) {
            for (var e : vals.entrySet()) {
                ByteBuffer b = Crafted.le(3 * e.getKey().byteSize());
                for (long x : e.getValue()) {
                    switch (e.getKey().byteSize()) {
                        case 1 -> b.put((byte) x);
                        case 2 -> b.putShort((short) x);
                        case 4 -> b.putInt((int) x);
                        default -> b.putLong(x);
                    }
                }
                w.write(e.getKey().name().toLowerCase(), b.flip());
                assertThat(b.hasRemaining()).isFalse();
            }
        }
        try (SafetensorsFile r = SafetensorsFile.open(f)) {
            assertThat(r.metadata()).isEmpty();
            vals.forEach((d, v) -> assertThat(r.readLongs(d.name().toLowerCase())).as("%s", d).containsExactly(v));
        }
    }

    @Test
    void scalarsEmptyTensorsAndUnicodeNames() throws Exception {
        List<TensorSpec> specs = List.of(
                new TensorSpec("scalar", DType.F32, shape()),
                new TensorSpec("empty", DType.F32, shape(0, 3)),
                new TensorSpec("empty.i64", DType.I64, shape(2, 0)),
                new TensorSpec("model.ünï.名前.🙂", DType.BF16, shape(2)));
        Path f = dir.resolve("odd.safetensors");
        try (SafetensorsWriter w = new SafetensorsWriter(f, specs, Map.of("ключ", "значение ✓"))) {
            w.writeFloats("scalar", new float[] {2.5f});
            w.writeFloats("model.ünï.名前.🙂", new float[] {1f, -2f});
        }
        try (SafetensorsFile r = SafetensorsFile.open(f)) {
            assertThat(r.readFloats("scalar")).containsExactly(2.5f);
            assertThat(r.info("scalar").shape()).isEmpty();
            assertThat(r.info("scalar").elementCount()).isEqualTo(1);
            assertThat(r.readFloats("empty")).isEmpty();
            assertThat(r.readLongs("empty.i64")).isEmpty();
            assertThat(r.bytes("empty").remaining()).isZero();
            assertThat(r.readFloats("model.ünï.名前.🙂")).containsExactly(1f, -2f);
            assertThat(r.metadata()).containsExactly(Map.entry("ключ", "значение ✓"));
        }
    }

    @Test
    void layoutFollowsPythonsOrderAndTheHeaderIsPaddedToEightBytes() throws Exception {
        List<TensorSpec> specs = List.of(
                new TensorSpec("b", DType.BF16, shape(3)),
                new TensorSpec("a", DType.F32, shape(1)),
                new TensorSpec("c", DType.I64, shape(1)),
                new TensorSpec("aa", DType.F32, shape(2)));
        Path f = dir.resolve("order.safetensors");
        // tensors may come in any order, and in chunks
        try (SafetensorsWriter w = new SafetensorsWriter(f, specs, Map.of())) {
            w.writeFloats("b", new float[] {1});
            w.writeFloats("aa", new float[] {3, 4});
            w.writeFloats("b", new float[] {2, 3});
            w.write("c", Crafted.le(8).putLong(0, 42));
            w.writeFloats("a", new float[] {5});
        }
        byte[] raw = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(n % 8).isZero();
        String header = new String(raw, 8, (int) n, java.nio.charset.StandardCharsets.UTF_8);
        String json = "{\"c\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]},"
                + "\"aa\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[20,26]}}";
        assertThat(header).startsWith(json);
        assertThat(header.substring(json.length())).matches(" {0,7}");
        try (SafetensorsFile r = SafetensorsFile.open(f)) {
            assertThat(r.tensors()).extracting(TensorInfo::name).containsExactly("c", "a", "aa", "b");
            assertThat(r.readFloats("b")).containsExactly(1, 2, 3);
            assertThat(r.readLongs("c")).containsExactly(42);
            assertThat(r.tensors().get(1)).isEqualTo(new TensorInfo("a", DType.F32, shape(1), 8, 12));
        }
    }

    @Test
    void bytesAreAReadOnlyLittleEndianZeroCopyViewAndReadIntoCopiesAnyRange() throws Exception {
        Path f = dir.resolve("v.safetensors");
        float[] v = {1, 2, 3, 4, 5, 6};
        Safetensors.writeFloats(f, DType.F32, Map.of("x", Safetensors.FloatTensor.of(v, 2, 3)), null);
        try (SafetensorsFile r = SafetensorsFile.open(f)) {
            ByteBuffer b = r.bytes("x");
            assertThat(b.isReadOnly()).isTrue();
            assertThat(b.isDirect()).isTrue();
            assertThat(b.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
            assertThat(b.position()).isZero();
            assertThat(b.remaining()).isEqualTo(24);
            assertThat(b.getFloat(20)).isEqualTo(6f);
            ByteBuffer dst = Crafted.le(8);
            r.readInto("x", 8, dst);
            assertThat(dst.position()).isEqualTo(8);
            assertThat(dst.getFloat(0)).isEqualTo(3f);
            assertThat(dst.getFloat(4)).isEqualTo(4f);
            assertThatThrownBy(() -> r.readInto("x", 20, Crafted.le(8)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("cannot read bytes [20, 28) of tensor \"x\", which has 24 bytes");
            r.close();
            assertThat(b.getFloat(0)).as("views outlive close").isEqualTo(1f);
            assertThatThrownBy(() -> r.bytes("x")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("closed");
        }
        assertThat(Safetensors.readFloats(f)).containsExactly(Map.entry("x", Safetensors.FloatTensor.of(v, 2, 3)));
    }

    @Test
    void unknownNamesGetNearMatchesAndWrongDtypesSayWhatToUse() throws Exception {
        Path f = dir.resolve("n.safetensors");
        List<TensorSpec> specs = List.of(new TensorSpec("model.embed_tokens.weight", DType.F32, shape(2)),
                new TensorSpec("model.norm.weight", DType.F32, shape(2)),
                new TensorSpec("ids", DType.I32, shape(1)), new TensorSpec("z", DType.C64, shape(1)));
        try (SafetensorsWriter w = new SafetensorsWriter(f, specs, null)) {
            w.writeFloats("model.embed_tokens.weight", new float[2]);
            w.writeFloats("model.norm.weight", new float[2]);
            w.write("ids", Crafted.le(4));
            w.write("z", Crafted.le(8));
        }
        try (SafetensorsFile r = SafetensorsFile.open(f)) {
            assertThatThrownBy(() -> r.info("embed_tokens.weight")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith(f.toString())
                    .hasMessageContaining("no tensor named \"embed_tokens.weight\"")
                    .hasMessageContaining("did you mean model.embed_tokens.weight?");
            assertThatThrownBy(() -> r.readFloats("model.norm.weigth"))
                    .hasMessageContaining("did you mean model.norm.weight?");
            assertThat(r.contains("ids")).isTrue();
            assertThat(r.contains("nope")).isFalse();
            assertThatThrownBy(() -> r.readFloats("ids")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("tensor \"ids\" has dtype I32").hasMessageContaining("use readLongs");
            assertThatThrownBy(() -> r.readLongs("model.norm.weight")).hasMessageContaining("use readFloats");
            assertThatThrownBy(() -> r.readFloats("z")).hasMessageContaining("use bytes or readInto");
        }
    }

    @Test
    void writerRejectsMisuseWithClearMessages() throws Exception {
        Path f = dir.resolve("w.safetensors");
        TensorSpec a = new TensorSpec("a", DType.F32, shape(2));
        assertThatThrownBy(() -> new SafetensorsWriter(f, List.of(a, new TensorSpec("a", DType.F16, shape(1))), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"a\" is declared twice");
        assertThatThrownBy(() -> new SafetensorsWriter(f, List.of(new TensorSpec("__metadata__", DType.F32, shape(1))), null))
                .hasMessageContaining("reserved");
        assertThatThrownBy(() -> new TensorSpec("x", DType.F32, shape(2, -1)))
                .hasMessageContaining("negative dimension");
        assertThatThrownBy(() -> new TensorSpec("x", DType.F64, shape(1L << 40, 1L << 40)))
                .hasMessageContaining("more");
        try (SafetensorsWriter w = new SafetensorsWriter(f, List.of(a, new TensorSpec("i", DType.I8, shape(1))), null)) {
            assertThatThrownBy(() -> w.writeFloats("aa", new float[2])).hasMessageContaining("no tensor \"aa\"")
                    .hasMessageContaining("did you mean a?");
            assertThatThrownBy(() -> w.writeFloats("a", new float[3])).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("tensor \"a\" F32 [2] takes 8 bytes (2 elements); 0 are already written, "
                            + "so 3 more values do not fit");
            assertThatThrownBy(() -> w.writeFloats("i", new float[1])).hasMessageContaining("has dtype I8");
            w.writeFloats("a", new float[] {1, 2});
            w.write("i", Crafted.le(1));
            assertThatThrownBy(() -> w.write("i", Crafted.le(1))).hasMessageContaining("1 are already written");
        }
        assertThat(f).exists();
    }

    @Test
    void anIncompleteFileIsNeverVisibleAndAFinishedOneReplacesTheOldAtomically() throws Exception {
        Path f = dir.resolve("model.safetensors");
        Files.writeString(f, "old content");
        List<TensorSpec> specs = List.of(new TensorSpec("a", DType.F32, shape(2)), new TensorSpec("b", DType.F32, shape(4)));
        SafetensorsWriter w = new SafetensorsWriter(f, specs, null);
        w.writeFloats("a", new float[] {1, 2});
        w.writeFloats("b", new float[] {1});
        assertThat(Files.readString(f)).as("target untouched while writing").isEqualTo("old content");
        assertThatThrownBy(w::close).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith(f.toString())
                .hasMessageContaining("1 tensor is incomplete: \"b\" (4 of 16 bytes)");
        w.close(); // idempotent
        assertThat(Files.readString(f)).isEqualTo("old content");
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("model.safetensors");
        }
        assertThatThrownBy(() -> w.writeFloats("a", new float[1])).isInstanceOf(IllegalStateException.class);

        try (SafetensorsWriter ok = new SafetensorsWriter(f, specs, null)) {
            ok.writeFloats("b", new float[] {5, 6, 7, 8});
            ok.writeFloats("a", new float[] {1, 2});
            try (Stream<Path> s = Files.list(dir)) {
                assertThat(s.filter(p -> p.getFileName().toString().endsWith(".partial"))).hasSize(1);
            }
        }
        try (SafetensorsFile r = SafetensorsFile.open(f); Stream<Path> s = Files.list(dir)) {
            assertThat(r.readFloats("b")).containsExactly(5, 6, 7, 8);
            assertThat(s).hasSize(1);
        }
    }

    @Test
    void aFileWithoutTensorsIsValid() throws IOException {
        Path f = dir.resolve("empty.safetensors");
        new SafetensorsWriter(f, List.of(), Map.of("only", "metadata")).close();
        try (SafetensorsFile r = SafetensorsFile.open(f)) {
            assertThat(r.tensors()).isEmpty();
            assertThat(r.dataBytes()).isZero();
            assertThat(r.metadata()).containsEntry("only", "metadata");
        }
    }

    @Test
    void metadataIsWrittenInSortedKeyOrderSoFilesAreReproducible() throws Exception {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("zeta", "1");
        m.put("alpha", "2");
        Path f1 = dir.resolve("1.safetensors");
        Path f2 = dir.resolve("2.safetensors");
        new SafetensorsWriter(f1, List.of(), m).close();
        new SafetensorsWriter(f2, List.of(), Map.of("alpha", "2", "zeta", "1")).close();
        assertThat(Files.readAllBytes(f1)).isEqualTo(Files.readAllBytes(f2));
        try (SafetensorsFile r = SafetensorsFile.open(f1)) {
            assertThat(r.metadata().keySet()).containsExactly("alpha", "zeta");
        }
    }

    @Test
    void dtypeNamesParseStrictlyAndListTheKnownOnes() {
        assertThat(DType.parse("BF16")).isEqualTo(DType.BF16);
        assertThat(DType.parse("F8_E4M3").byteSize()).isEqualTo(1);
        assertThat(DType.F64.safetensorsName()).isEqualTo("F64");
        assertThatThrownBy(() -> DType.parse("bf16")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("did you mean \"BF16\"?");
        assertThatThrownBy(() -> DType.parse("F4")).hasMessageContaining("sub-byte dtypes are not supported")
                .hasMessageContaining("known dtypes: BOOL, U8, I8");
        assertThatThrownBy(() -> DType.parse("Q4_K")).hasMessageContaining("unknown safetensors dtype \"Q4_K\"");
    }

    @Test
    void recordsValidateThemselvesAndCopyTheirShapes() {
        long[] s = {2, 3};
        TensorSpec spec = new TensorSpec("w", DType.F16, s);
        s[0] = 99;
        assertThat(spec.shape()).containsExactly(2, 3);
        assertThat(spec.byteLength()).isEqualTo(12);
        assertThat(spec).isEqualTo(new TensorSpec("w", DType.F16, new long[] {2, 3}));
        assertThatThrownBy(() -> new TensorInfo("w", DType.F32, new long[] {2}, 0, 7))
                .hasMessageContaining("tensor \"w\": shape [2] of F32 needs 8 bytes but data offsets [0, 7] span 7");
        assertThatThrownBy(() -> new TensorInfo("w", DType.F32, new long[] {0}, 5, 4))
                .hasMessageContaining("0 <= begin <= end");
    }

    @Test
    void oneOpenFileServesConcurrentReaders() throws Exception {
        Path f = dir.resolve("shared.safetensors");
        Map<String, Safetensors.FloatTensor> tensors = new LinkedHashMap<>();
        for (int i = 0; i < 32; i++) {
            float[] v = new float[1000];
            java.util.Arrays.fill(v, i);
            tensors.put("t" + i, Safetensors.FloatTensor.of(v, 10, 100));
        }
        Safetensors.writeFloats(f, DType.BF16, tensors, null);
        try (SafetensorsFile r = SafetensorsFile.open(f)) {
            var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                List<java.util.concurrent.Future<Boolean>> results = new ArrayList<>();
                for (int k = 0; k < 200; k++) {
                    int i = k % 32;
                    results.add(pool.submit(() -> r.readFloats("t" + i)[999] == i
                            && Half.bf16ToFloat(r.bytes("t" + i).getShort(0)) == i));
                }
                for (var res : results) {
                    assertThat(res.get()).isTrue();
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
