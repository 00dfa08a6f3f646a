package io.llmagentos.datasets.sample.internal;

import java.util.List;

/**
 * A small SplitMix64 generator. The corpus must be byte-identical for a seed on every JDK, so the
 * algorithm is spelled out here instead of relying on {@code java.util.Random}'s implementation details.
 */
public final class Rng {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private long state;

    public Rng(long seed) {
        this.state = seed;
    }

    /** An independent stream for (seed, purpose, index): documents can be generated without a shared sequence. */
    public static Rng of(long seed, long purpose, long index) {
        return new Rng(mix(mix(seed + GOLDEN * (purpose + 1)) ^ (index * 0xD1B54A32D192ED03L)));
    }

    /** The SplitMix64 finalizer: a bijective 64-bit mix. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public long nextLong() {
        state += GOLDEN;
        return mix(state);
    }

    /** Uniform in [0, bound); the multiply-shift bias is below 2^-31 per draw, irrelevant here. */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be > 0 (got " + bound + ")");
        }
        return (int) (((nextLong() >>> 33) * bound) >>> 31);
    }

    /** Uniform in [lo, hi], both inclusive. */
    public int between(int lo, int hi) {
        return lo + nextInt(hi - lo + 1);
    }

    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    public boolean chance(double p) {
        return nextDouble() < p;
    }

    public <T> T pick(T[] a) {
        return a[nextInt(a.length)];
    }

    public <T> T pick(List<T> a) {
        return a.get(nextInt(a.size()));
    }

    public void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    public <T> void shuffle(List<T> a) {
        for (int i = a.size() - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            T t = a.get(i);
            a.set(i, a.get(j));
            a.set(j, t);
        }
    }
}
