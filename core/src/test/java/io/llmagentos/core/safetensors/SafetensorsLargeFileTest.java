package io.llmagentos.core.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sparse file of about 3.6 GB (cheap on disk: only the header and a few markers are written) with
 * a 1.5 GB tensor, a tensor over 2 GiB and small tensors past the 3 GB mark.
 */
class SafetensorsLargeFileTest {
    private static final long A_LEN = 1_500_000_000L;             // U8, one window of its own (> 1 GiB)
    private static final long HUGE_ELEMENTS = (1L << 28) + 1;      // F64: 2 GiB + 8 bytes, no window
    private static final long HUGE_LEN = HUGE_ELEMENTS * 8;
    private static final long X_BEGIN = A_LEN + HUGE_LEN;
    private static final float[] X = {1.5f, -2.25f, 3e-3f, Float.MAX_VALUE};
    private static final float[] Y = {0.5f, -1f, 448f};

    @TempDir
    static Path dir;
    static Path file;
    static long dataStart;

    @BeforeAll
    static void writeSparseFile() throws Exception {
        String header = "{"
                + "\"a\":{\"dtype\":\"U8\",\"shape\":[" + A_LEN + "],\"data_offsets\":[0," + A_LEN + "]},"
                + "\"huge\":{\"dtype\":\"F64\",\"shape\":[" + HUGE_ELEMENTS + "],\"data_offsets\":[" + A_LEN + ","
                + X_BEGIN + "]},"
                + "\"x\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[" + X_BEGIN + "," + (X_BEGIN + 16) + "]},"
                + "\"y\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[" + (X_BEGIN + 16) + "," + (X_BEGIN + 22)
                + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        file = dir.resolve("big.safetensors");
        dataStart = 8 + h.length;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(dataStart + X_BEGIN + 22);
            ByteBuffer head = Crafted.le(8 + h.length).putLong(h.length).put(h);
            raf.write(head.array());
            raf.seek(dataStart + A_LEN - 1);
            raf.write(0x5A);
            raf.seek(dataStart + A_LEN);
            raf.write(Crafted.le(8).putDouble(0, -1.0).array());
            raf.seek(dataStart + X_BEGIN - 8);
            raf.write(Crafted.le(8).putDouble(0, 2.5).array());
            ByteBuffer xy = Crafted.le(22);
            for (float v : X) {
                xy.putFloat(v);
            }
            for (float v : Y) {
                xy.putShort(Half.floatToBf16(v));
            }
            raf.seek(dataStart + X_BEGIN);
            raf.write(xy.array());
        }
    }

    @Test
    void tensorsPastTheTwoGigabyteMarkReadThroughSmallMappings() throws Exception {
        assertThat(file.toFile().length()).isGreaterThan(3L << 30);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.dataBytes()).isEqualTo(X_BEGIN + 22);
            assertThat(f.readFloats("x")).containsExactly(X);
            assertThat(f.bytes("x").getFloat(12)).isEqualTo(Float.MAX_VALUE);
            assertThat(f.readFloats("y")).containsExactly(Y);
            ByteBuffer a = f.bytes("a");
            assertThat(a.capacity()).isEqualTo((int) A_LEN);
            assertThat(a.get((int) A_LEN - 1)).isEqualTo((byte) 0x5A);
            assertThat(a.get(0)).isZero();
        }
    }

    @Test
    void aTensorOverTwoGibibytesIsReadInPieces() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.info("huge").byteLength()).isGreaterThan(Integer.MAX_VALUE);
            assertThatThrownBy(() -> f.bytes("huge")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("tensor \"huge\" is 2147483656 bytes, more than one ByteBuffer can address")
                    .hasMessageContaining("readInto(name, offset, buffer)");
            ByteBuffer first = Crafted.le(8);
            f.readInto("huge", 0, first);
            assertThat(first.getDouble(0)).isEqualTo(-1.0);
            ByteBuffer last = Crafted.le(8);
            f.readInto("huge", HUGE_LEN - 8, last);
            assertThat(last.getDouble(0)).isEqualTo(2.5);
            ByteBuffer across = Crafted.le(16); // around the 2 GiB offset inside the tensor
            f.readInto("huge", (1L << 31) - 8, across);
            assertThat(across.getDouble(0)).isZero();
        }
    }

    @Test
    @Tag("slow")
    void readFloatsConvertsATensorOverTwoGibibytesInChunks() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            float[] v = f.readFloats("huge");
            assertThat(v).hasSize((int) HUGE_ELEMENTS);
            assertThat(v[0]).isEqualTo(-1f);
            assertThat(v[v.length - 1]).isEqualTo(2.5f);
            assertThat(v[v.length / 2]).isZero();
        }
    }
}
