package io.llmagentos.quantization.int8;

import java.util.stream.IntStream;

/**
 * A matrix-product weight in symmetric 8-bit blocks along its reduction axis, laid out as ONNX Runtime's
 * {@code com.microsoft.MatMulNBits} (bits 8) reads it. For output channel {@code n} and block {@code b} of
 * {@code blockSize} consecutive {@code k}:
 * <pre>
 *   s[n, b]    = max_{k in block b} |w[k, n]| / 127
 *   q[n, b, i] = clamp(round_half_even(w[b·blockSize + i, n] / s[n, b]), -127, 127) + 128     (uint8)
 *   w[k, n]   ≈ (q[n, k / blockSize, k mod blockSize] - 128) · s[n, k / blockSize]
 * </pre>
 * 128 is MatMulNBits' zero point when none is given; the last block of a {@code K} that {@code blockSize} does
 * not divide is padded with 128 (zero). A scale is one per {@code blockSize} weights instead of one per
 * {@code K}: finer than per-channel, at 4 bytes per block.
 *
 * @param data      {@code [N, kBlocks, blockSize]} uint8, row-major
 * @param scales    {@code [N · kBlocks]}, channel-major
 * @param k         reduction length K
 * @param n         output channels N
 * @param blockSize values per block (a power of two, at least 16, as MatMulNBits requires)
 */
public record BlockwiseWeight(byte[] data, float[] scales, int k, int n, int blockSize) {
    public BlockwiseWeight {
        if (blockSize < 16 || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("block size must be a power of two >= 16 (got " + blockSize + ")");
        }
        if (data.length != (long) n * blocks(k, blockSize) * blockSize || scales.length != n * blocks(k, blockSize)) {
            throw new IllegalArgumentException("blockwise weight of K " + k + ", N " + n + ", block " + blockSize
                    + " has " + data.length + " values and " + scales.length + " scales");
        }
    }

    /**
     * The block size for a reduction length {@code k}: of 16, 32, 64 and {@code maxBlock} (a power of two), the one
     * that stores a column in the fewest bytes (padded values + 4-byte scales), the largest on a tie: 128 for
     * K = 768 or 352, 64 for K = 64 (a block of 128 would be half padding).
     */
    public static int blockSizeFor(int k, int maxBlock) {
        int best = 16;
        long bestBytes = Long.MAX_VALUE;
        for (int b = 16; b <= maxBlock; b *= 2) {
            long blocks = blocks(k, b);
            long bytes = blocks * b + 4 * blocks;
            if (bytes <= bestBytes) {
                best = b;
                bestBytes = bytes;
            }
        }
        return best;
    }

    public int kBlocks() {
        return blocks(k, blockSize);
    }

    static int blocks(int k, int blockSize) {
        return (k + blockSize - 1) / blockSize;
    }

    /** The weight {@code w[k, n]} back in float, for tests and error checks. */
    public float dequantize(int row, int col) {
        int b = row / blockSize;
        return ((data[(col * kBlocks() + b) * blockSize + row % blockSize] & 0xff) - 128) * scales[col * kBlocks() + b];
    }

    /**
     * Quantizes the weight of {@code y = x · W}: {@code w} row-major {@code [rows, cols]}, read as {@code W[k, n]}
     * when {@code kMajor} ({@code [K, N]}, a MatMul weight), else as {@code W[n, k]} ({@code [N, K]}, a Gemm
     * with transB). Output channels run in parallel on the common pool.
     */
    public static BlockwiseWeight quantize(float[] w, int rows, int cols, boolean kMajor, int blockSize) {
        if (w.length != (long) rows * cols) {
            throw new IllegalArgumentException("weight holds " + w.length + " values, shape [" + rows + ", " + cols + "]");
        }
        int k = kMajor ? rows : cols;
        int n = kMajor ? cols : rows;
        int kb = blocks(k, blockSize);
        byte[] data = new byte[n * kb * blockSize];
        float[] scales = new float[n * kb];
        IntStream.range(0, n).parallel().forEach(c -> {
            for (int b = 0; b < kb; b++) {
                int k0 = b * blockSize;
                int k1 = Math.min(k, k0 + blockSize);
                float absMax = 0;
                for (int r = k0; r < k1; r++) {
                    absMax = Math.max(absMax, Math.abs(kMajor ? w[r * cols + c] : w[c * cols + r]));
                }
                float s = QuantMath.symmetricScale(absMax);
                scales[c * kb + b] = s;
                int base = (c * kb + b) * blockSize;
                for (int i = 0; i < blockSize; i++) {
                    int r = k0 + i;
                    byte q = r < k1 ? QuantMath.quantizeSymmetric(kMajor ? w[r * cols + c] : w[c * cols + r], s) : 0;
                    data[base + i] = (byte) (q + 128);
                }
            }
        });
        return new BlockwiseWeight(data, scales, k, n, blockSize);
    }
}
