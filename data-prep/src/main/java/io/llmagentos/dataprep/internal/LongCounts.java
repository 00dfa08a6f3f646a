package io.llmagentos.dataprep.internal;

import java.util.Arrays;

/**
 * Open-addressing map from long keys to int counts, for n-gram statistics without boxing every key
 * (the boxed HashMap was the hottest path of the quality filter in a profile).
 */
final class LongCounts {
    private static final long EMPTY = Long.MIN_VALUE;
    private long[] keys;
    private int[] counts;
    private int size;
    private boolean hasEmptyKey;
    private int emptyKeyCount;

    LongCounts(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[cap];
        Arrays.fill(keys, EMPTY);
        counts = new int[cap];
    }

    /** Adds one to the key's count and returns the new count. */
    int increment(long key) {
        if (key == EMPTY) {
            hasEmptyKey = true;
            return ++emptyKeyCount;
        }
        int mask = keys.length - 1;
        int i = mix(key) & mask;
        while (keys[i] != EMPTY) {
            if (keys[i] == key) {
                return ++counts[i];
            }
            i = (i + 1) & mask;
        }
        keys[i] = key;
        counts[i] = 1;
        if (++size * 2 > keys.length) {
            grow();
        }
        return 1;
    }

    int get(long key) {
        if (key == EMPTY) {
            return hasEmptyKey ? emptyKeyCount : 0;
        }
        int mask = keys.length - 1;
        int i = mix(key) & mask;
        while (keys[i] != EMPTY) {
            if (keys[i] == key) {
                return counts[i];
            }
            i = (i + 1) & mask;
        }
        return 0;
    }

    private void grow() {
        long[] oldK = keys;
        int[] oldC = counts;
        keys = new long[oldK.length * 2];
        Arrays.fill(keys, EMPTY);
        counts = new int[oldK.length * 2];
        int mask = keys.length - 1;
        for (int j = 0; j < oldK.length; j++) {
            if (oldK[j] != EMPTY) {
                int i = mix(oldK[j]) & mask;
                while (keys[i] != EMPTY) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldK[j];
                counts[i] = oldC[j];
            }
        }
    }

    private static int mix(long k) {
        long h = k * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
