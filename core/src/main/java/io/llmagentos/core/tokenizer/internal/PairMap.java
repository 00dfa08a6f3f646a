package io.llmagentos.core.tokenizer.internal;

import java.util.Arrays;

/**
 * Open-addressing map from a pair of token ids to an int (a merge rank), without boxing: BPE looks a
 * pair up for every adjacent symbol pair of every word it encodes.
 */
public final class PairMap {
    private static final long EMPTY = -1L;
    private long[] keys;
    private int[] values;
    private int size;
    private int mask;

    public PairMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[cap];
        values = new int[cap];
        Arrays.fill(keys, EMPTY);
        mask = cap - 1;
    }

    public static long key(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29)) & mask;
    }

    /** The value of pair {@code (a, b)}, or -1. */
    public int get(int a, int b) {
        long k = key(a, b);
        int i = slot(k, mask);
        while (true) {
            long x = keys[i];
            if (x == k) {
                return values[i];
            }
            if (x == EMPTY) {
                return -1;
            }
            i = (i + 1) & mask;
        }
    }

    /** Sets the value of {@code (a, b)} (values must be ≥ 0); returns the previous value or -1. */
    public int put(int a, int b, int value) {
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        long k = key(a, b);
        int i = slot(k, mask);
        while (keys[i] != EMPTY) {
            if (keys[i] == k) {
                int old = values[i];
                values[i] = value;
                return old;
            }
            i = (i + 1) & mask;
        }
        keys[i] = k;
        values[i] = value;
        size++;
        return -1;
    }

    public int size() {
        return size;
    }

    private void grow() {
        long[] ok = keys;
        int[] ov = values;
        keys = new long[ok.length * 2];
        values = new int[ok.length * 2];
        Arrays.fill(keys, EMPTY);
        mask = keys.length - 1;
        for (int j = 0; j < ok.length; j++) {
            if (ok[j] != EMPTY) {
                int i = slot(ok[j], mask);
                while (keys[i] != EMPTY) {
                    i = (i + 1) & mask;
                }
                keys[i] = ok[j];
                values[i] = ov[j];
            }
        }
    }
}
