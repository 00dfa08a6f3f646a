package io.llmagentos.core.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged files must fail with a {@link SafetensorsFormatException} or open as valid files whose
 * every tensor can be read: never another exception, an out-of-memory or a hang.
 */
class SafetensorsFuzzTest {
    private static final int ITERATIONS = 3000;
    private static final Duration BUDGET = Duration.ofSeconds(30);

    @Test
    void randomDamageOnlyEverYieldsAFormatErrorOrAValidFile(@TempDir Path dir) throws Exception {
        Path valid = dir.resolve("valid.safetensors");
        List<TensorSpec> specs = List.of(
                new TensorSpec("model.embed_tokens.weight", DType.BF16, new long[] {4, 3}),
                new TensorSpec("model.norm.weight", DType.F32, new long[] {3}),
                new TensorSpec("ids", DType.I64, new long[] {2}),
                new TensorSpec("scalar", DType.F16, new long[0]),
                new TensorSpec("empty", DType.U8, new long[] {0}),
                new TensorSpec("flags", DType.BOOL, new long[] {5}));
        try (SafetensorsWriter w = new SafetensorsWriter(valid, specs, Map.of("format", "pt"))) {
            w.writeFloats("model.embed_tokens.weight", new float[12]);
            w.writeFloats("model.norm.weight", new float[] {1, 2, 3});
            w.write("ids", Crafted.le(16).putLong(0, 7).putLong(8, 9));
            w.writeFloats("scalar", new float[] {0.5f});
            w.write("flags", ByteBuffer.wrap(new byte[] {1, 0, 1, 0, 1}));
        }
        byte[] original = Files.readAllBytes(valid);
        int headerEnd = 8 + (int) ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN).getLong();
        SplittableRandom rnd = new SplittableRandom(20240607);
        Path f = dir.resolve("fuzz.safetensors");
        long deadline = System.nanoTime() + BUDGET.toNanos();
        int rejected = 0;
        int opened = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] b = mutate(original, headerEnd, rnd);
            Files.write(f, b);
            try (SafetensorsFile r = SafetensorsFile.open(f)) {
                opened++;
                for (TensorInfo t : r.tensors()) {
                    ByteBuffer bytes = r.bytes(t.name());
                    assertThat((long) bytes.remaining()).isEqualTo(t.byteLength());
                    if (t.dtype().isFloat()) {
                        assertThat((long) r.readFloats(t.name()).length).isEqualTo(t.elementCount());
                    } else if (t.dtype().isInteger()) {
                        assertThat((long) r.readLongs(t.name()).length).isEqualTo(t.elementCount());
                    }
                }
            } catch (SafetensorsFormatException e) {
                rejected++;
                assertThat(e.getMessage()).startsWith(f + ": ");
            } catch (Throwable e) {
                fail("iteration " + i + ": unexpected " + e + " for a file starting "
                        + new String(b, 0, Math.min(b.length, 300), StandardCharsets.ISO_8859_1), e);
            }
            if (System.nanoTime() > deadline) {
                fail("fuzzing took longer than " + BUDGET + " after " + i + " iterations");
            }
        }
        assertThat(rejected).as("most damage is detected").isGreaterThan(ITERATIONS / 2);
        assertThat(opened).as("some damage (e.g. in tensor data) leaves a valid file").isPositive();
    }

    private static byte[] mutate(byte[] original, int headerEnd, SplittableRandom rnd) {
        byte[] b = original.clone();
        switch (rnd.nextInt(7)) {
            case 0 -> { // flip a few random bits anywhere
                for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                    int at = rnd.nextInt(b.length);
                    b[at] ^= (byte) (1 << rnd.nextInt(8));
                }
            }
            case 1 -> { // replace a header byte with an interesting character
                byte[] interesting = "{}[],:\"-0123456789eE. \\\u00ff\0".getBytes(StandardCharsets.ISO_8859_1);
                b[8 + rnd.nextInt(headerEnd - 8)] = interesting[rnd.nextInt(interesting.length)];
            }
            case 2 -> b = Arrays.copyOf(b, rnd.nextInt(b.length)); // truncate
            case 3 -> { // a different header length
                long[] choices = {0, 1, 7, headerEnd - 9, headerEnd - 7, b.length, Long.MAX_VALUE, -1,
                        100_000_000, rnd.nextLong()};
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, choices[rnd.nextInt(choices.length)]);
            }
            case 4 -> { // bump a digit in the header (shapes and offsets)
                for (int tries = 0; tries < 50; tries++) {
                    int at = 8 + rnd.nextInt(headerEnd - 8);
                    if (b[at] >= '0' && b[at] <= '9') {
                        b[at] = (byte) ('0' + rnd.nextInt(10));
                        break;
                    }
                }
            }
            case 5 -> { // grow the file
                b = Arrays.copyOf(b, b.length + 1 + rnd.nextInt(16));
            }
            default -> { // delete a byte in the header
                int at = 8 + rnd.nextInt(headerEnd - 8);
                byte[] c = new byte[b.length - 1];
                System.arraycopy(b, 0, c, 0, at);
                System.arraycopy(b, at + 1, c, at, b.length - at - 1);
                b = c;
            }
        }
        return b;
    }
}
