package io.llmagentos.datasets.sample.internal;

/** Vocabulary of the planted dirt that the generator picks from. */
public final class Dirt {
    /** Languages of the other-language documents. */
    public static final String[] LANGS = Foreign.LANGS;

    private Dirt() {
    }

    /** A line for a repeated-line spam document. */
    public static String spamLine(Rng r) {
        return r.pick(Templates.SPAM_LINES);
    }
}
