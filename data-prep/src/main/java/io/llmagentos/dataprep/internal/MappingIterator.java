package io.llmagentos.dataprep.internal;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Function;

/** Maps an iterator lazily, skipping elements the function maps to null (for Spark mapPartitions). */
public final class MappingIterator<A, B> implements Iterator<B> {
    private final Iterator<A> in;
    private final Function<A, B> f;
    private B next;

    public MappingIterator(Iterator<A> in, Function<A, B> f) {
        this.in = in;
        this.f = f;
    }

    @Override
    public boolean hasNext() {
        while (next == null && in.hasNext()) {
            next = f.apply(in.next());
        }
        return next != null;
    }

    @Override
    public B next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        B b = next;
        next = null;
        return b;
    }
}
