package io.llmagentos.core.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every way a header can be wrong, each in a crafted file, each a SafetensorsFormatException naming it. */
class SafetensorsValidationTest {
    @TempDir
    Path dir;

    private static String t(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + ","
                + end + "]}";
    }

    static Stream<Arguments> badHeaders() {
        return Stream.of(
                Arguments.of("not JSON", "{\"a\":", 0, "header is not valid JSON at line 1"),
                Arguments.of("JSON array", "[1, 2]", 0, "header must be a JSON object starting with '{' (it starts with '[')"),
                Arguments.of("empty header", "", 0, "the header is empty"),
                Arguments.of("trailing garbage", "{} x", 0, "header has data after its JSON object, starting with 'x' at character 3"),
                Arguments.of("NUL padding", "{}\0\0\0\0\0\0", 0, "header has data after its JSON object, starting with byte 0x00 at character 2"),
                Arguments.of("unknown dtype", "{" + t("w", "F12", "[1]", 0, 4) + "}", 4,
                        "tensor \"w\": unknown safetensors dtype \"F12\"; known dtypes: BOOL, U8, I8, F8_E5M2"),
                Arguments.of("dtype not a string", "{\"w\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                        "tensor \"w\": dtype must be a string (got number 4)"),
                Arguments.of("tensor not an object", "{\"w\":[1]}", 0, "tensor \"w\": expected an object"),
                Arguments.of("negative dim", "{" + t("w", "F32", "[2,-1]", 0, 4) + "}", 4,
                        "tensor \"w\": shape must be an array of non-negative integers (element 1 is number -1)"),
                Arguments.of("fractional dim", "{" + t("w", "F32", "[2.5]", 0, 4) + "}", 4,
                        "shape must be an array of non-negative integers (element 0 is number 2.5)"),
                Arguments.of("huge dim", "{" + t("w", "F32", "[99999999999999999999]", 0, 4) + "}", 4,
                        "shape must be an array of non-negative integers (element 0 is"),
                Arguments.of("shape missing", "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4,
                        "tensor \"w\": shape must be an array of non-negative integers (got nothing)"),
                Arguments.of("shape overflow", "{" + t("w", "F32", "[4294967296,4294967296]", 0, 4) + "}", 4,
                        "needs more than 2^63 bytes"),
                Arguments.of("offsets not a pair", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8,
                        "tensor \"w\": data_offsets must be a pair [begin, end] of non-negative integers (got an array of 3)"),
                Arguments.of("negative offset", "{" + t("w", "F32", "[1]", -4, 0) + "}", 0,
                        "data_offsets must be a pair [begin, end] of non-negative integers (element 0 is number -4)"),
                Arguments.of("begin after end", "{" + t("w", "F32", "[1]", 8, 4) + "}", 8,
                        "tensor \"w\": data_offsets [8, 4] start after they end"),
                Arguments.of("size mismatch", "{" + t("w", "F32", "[2,3]", 0, 20) + "}", 20,
                        "tensor \"w\": shape [2, 3] of F32 (4 bytes each) needs 24 bytes but data_offsets [0, 20] span 20 bytes"),
                Arguments.of("end past the data", "{" + t("w", "F32", "[4]", 0, 16) + "}", 12,
                        "file is truncated: tensor \"w\" ends at byte 16 of the data section but the file holds only 12 "
                                + "data bytes (4 missing)"),
                Arguments.of("overlap", "{" + t("a", "F32", "[4]", 0, 16) + "," + t("b", "F32", "[2]", 8, 16) + "}", 16,
                        "tensors \"a\" [0, 16) and \"b\" [8, 16) overlap in the data section"),
                Arguments.of("empty tensor inside another", "{" + t("a", "F32", "[4]", 0, 16) + ","
                        + t("e", "F32", "[0]", 4, 4) + "}", 16, "tensors \"a\" [0, 16) and \"e\" [4, 4) overlap"),
                Arguments.of("hole between", "{" + t("a", "F32", "[1]", 0, 4) + "," + t("b", "F32", "[1]", 8, 12) + "}", 12,
                        "bytes [4, 8) of the data section belong to no tensor (between \"a\" and \"b\"); the safetensors "
                                + "spec requires the data section to be fully indexed"),
                Arguments.of("hole at start", "{" + t("b", "F32", "[1]", 4, 8) + "}", 8,
                        "bytes [0, 4) of the data section belong to no tensor (before the first tensor \"b\")"),
                Arguments.of("trailing bytes", "{" + t("a", "F32", "[1]", 0, 4) + "}", 6,
                        "bytes [4, 6) at the end of the data section belong to no tensor"),
                Arguments.of("duplicate name", "{" + t("a", "F32", "[1]", 0, 4) + "," + t("a", "F32", "[1]", 4, 8) + "}", 8,
                        "header names a tensor twice: Duplicate field 'a'"),
                Arguments.of("metadata number", "{\"__metadata__\":{\"format\":\"pt\",\"step\":3}}", 0,
                        "__metadata__ value for key \"step\" must be a string (got number 3)"),
                Arguments.of("metadata nested", "{\"__metadata__\":{\"cfg\":{\"a\":1}}}", 0,
                        "__metadata__ value for key \"cfg\" must be a string (got object)"),
                Arguments.of("metadata list", "{\"__metadata__\":[\"a\"]}", 0,
                        "__metadata__ must be an object of string to string (got array)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badHeaders")
    void rejectsBadHeaders(String why, String header, int dataBytes, String expected) throws Exception {
        Path f = Crafted.file(dir.resolve("bad.safetensors"), header, new byte[dataBytes]);
        assertThatThrownBy(() -> SafetensorsFile.open(f)).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageStartingWith(f + ": ")
                .hasMessageContaining(expected);
    }

    @Test
    void acceptsAnyJsonWhitespacePaddingNullMetadataAndUnknownFields() throws Exception {
        String h = "{\"__metadata__\":null, " + t("a", "F32", "[1]", 0, 4).replace("}", ",\"extra\":true}")
                + "}\n\t \r   ";
        Path f = Crafted.file(dir.resolve("ok.safetensors"), h, new byte[] {0, 0, (byte) 0x80, 0x3F});
        try (SafetensorsFile r = SafetensorsFile.open(f)) {
            assertThat(r.readFloats("a")).containsExactly(1f);
            assertThat(r.metadata()).isEmpty();
        }
    }

    @Test
    void shortFilesAndImpossibleHeaderLengths() throws Exception {
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> SafetensorsFile.open(tiny)).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageStartingWith(tiny + ": file is 3 bytes, shorter than the 8-byte header length");

        Path empty = dir.resolve("empty.safetensors");
        Files.write(empty, new byte[0]);
        assertThatThrownBy(() -> SafetensorsFile.open(empty)).hasMessageContaining("file is 0 bytes");

        Path longer = dir.resolve("longer.safetensors");
        Files.write(longer, ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putLong(100).array());
        assertThatThrownBy(() -> SafetensorsFile.open(longer)).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining("header length 100 bytes is larger than the rest of the file (12 bytes)");

        Path limit = dir.resolve("limit.safetensors");
        Files.write(limit, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(100_000_001).array());
        assertThatThrownBy(() -> SafetensorsFile.open(limit)).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining("header length 100000001 bytes exceeds the 100000000-byte limit");

        Path negative = dir.resolve("negative.safetensors");
        Files.write(negative, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-8).array());
        assertThatThrownBy(() -> SafetensorsFile.open(negative)).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining("header length 18446744073709551608 bytes exceeds");
    }

    @Test
    void rejectsHeadersThatAreNotUtf8() throws Exception {
        byte[] h = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        h[3] = (byte) 0xC3; // a lead byte followed by '"', not a continuation byte
        Path f = Crafted.file(dir.resolve("latin.safetensors"), h, new byte[0]);
        assertThatThrownBy(() -> SafetensorsFile.open(f)).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining("header is not valid UTF-8 (bad byte at header offset 3)");
    }

    @Test
    void aTruncatedDownloadIsNamedAsSuch() throws Exception {
        Path f = dir.resolve("cut.safetensors");
        Safetensors.writeFloats(f, DType.F32, java.util.Map.of("w", Safetensors.FloatTensor.of(new float[100], 10, 10)),
                null);
        byte[] all = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(all, all.length - 10));
        assertThatThrownBy(() -> SafetensorsFile.open(f)).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining("file is truncated: tensor \"w\" ends at byte 400 of the data section but the "
                        + "file holds only 390 data bytes (10 missing)")
                .hasMessageContaining("re-download");
    }
}
