package io.llmagentos.core.tokenizer.internal;

import java.util.Arrays;

/** A growable int array: token ids without boxing. */
public final class IntList {
    private int[] a;
    private int n;

    public IntList(int capacity) {
        a = new int[Math.max(4, capacity)];
    }

    public void add(int v) {
        if (n == a.length) {
            a = Arrays.copyOf(a, a.length * 2);
        }
        a[n++] = v;
    }

    public void addAll(int[] v) {
        if (n + v.length > a.length) {
            a = Arrays.copyOf(a, Math.max(a.length * 2, n + v.length));
        }
        System.arraycopy(v, 0, a, n, v.length);
        n += v.length;
    }

    public int size() {
        return n;
    }

    public int get(int i) {
        return a[i];
    }

    public int[] toArray() {
        return Arrays.copyOf(a, n);
    }
}
