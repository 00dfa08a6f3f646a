package io.llmagentos.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.llmagentos.core.config.LlamaConfig;

/**
 * Model FLOPs utilisation: training FLOPs per token ≈ 6·N (N = non-embedding matmul parameters: forward
 * 2·N, backward 4·N) + 12·L·T·d for attention scores and values (PaLM, appendix B), against the peak of a
 * large square matmul measured on the device. LoRA skips the weight gradients of the frozen matrices:
 * 4·N instead of 6·N.
 */
public final class Flops {
    private Flops() {
    }

    public static double trainingFlopsPerToken(LlamaConfig c, int seqLen, boolean frozenBase) {
        double h = c.hiddenSize();
        double q = (double) c.numAttentionHeads() * c.headDim();
        double kv = (double) c.numKeyValueHeads() * c.headDim();
        double perLayer = h * q + 2 * h * kv + q * h + 3 * h * c.intermediateSize();
        double n = c.numHiddenLayers() * perLayer + (double) c.vocabSize() * h; // + the LM head matmul
        double attention = 12.0 * c.numHiddenLayers() * seqLen * q / 2; // causal: half the T×T products
        return (frozenBase ? 4 : 6) * n + attention;
    }

    /** GFLOP/s of a 1024×1024 float32 matmul on {@code device} (median of a short loop after warm-up). */
    public static double measurePeakGflops(Device device) {
        int n = 1024;
        try (NDManager m = NDManager.newBaseManager(device)) {
            NDArray a = m.randomUniform(-1, 1, new Shape(n, n));
            NDArray b = m.randomUniform(-1, 1, new Shape(n, n));
            for (int i = 0; i < 3; i++) {
                a.matMul(b).close();
            }
            double best = 0;
            for (int r = 0; r < 5; r++) {
                long t0 = System.nanoTime();
                int reps = 4;
                NDArray acc = null;
                for (int i = 0; i < reps; i++) {
                    NDArray c = a.matMul(b);
                    if (acc != null) {
                        acc.close();
                    }
                    acc = c;
                }
                acc.getFloat(0, 0); // wait for the device
                acc.close();
                double s = (System.nanoTime() - t0) / 1e9;
                best = Math.max(best, reps * 2.0 * n * n * n / s / 1e9);
            }
            return best;
        }
    }
}
