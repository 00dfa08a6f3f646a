package io.llmagentos.datasets.sample.internal;

/** An open-addressing set of longs: shingle hash sets for millions of words without boxing. */
public final class LongHashSet {
    private long[] keys;
    private boolean hasZero;
    private int size;
    private int mask;

    public LongHashSet(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[cap];
        mask = cap - 1;
    }

    public int size() {
        return size;
    }

    /** Adds a key; true if it was new. */
    public boolean add(long k) {
        if (k == 0) {
            if (hasZero) {
                return false;
            }
            hasZero = true;
            size++;
            return true;
        }
        int i = (int) Rng.mix(k) & mask;
        while (keys[i] != 0) {
            if (keys[i] == k) {
                return false;
            }
            i = (i + 1) & mask;
        }
        keys[i] = k;
        size++;
        if (size * 2 > keys.length) {
            grow();
        }
        return true;
    }

    public boolean contains(long k) {
        if (k == 0) {
            return hasZero;
        }
        int i = (int) Rng.mix(k) & mask;
        while (keys[i] != 0) {
            if (keys[i] == k) {
                return true;
            }
            i = (i + 1) & mask;
        }
        return false;
    }

    /** Calls back every key (order unspecified). */
    public void forEach(java.util.function.LongConsumer c) {
        if (hasZero) {
            c.accept(0);
        }
        for (long k : keys) {
            if (k != 0) {
                c.accept(k);
            }
        }
    }

    private void grow() {
        long[] old = keys;
        keys = new long[old.length * 2];
        mask = keys.length - 1;
        for (long k : old) {
            if (k != 0) {
                int i = (int) Rng.mix(k) & mask;
                while (keys[i] != 0) {
                    i = (i + 1) & mask;
                }
                keys[i] = k;
            }
        }
    }
}
