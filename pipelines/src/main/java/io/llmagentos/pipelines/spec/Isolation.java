package io.llmagentos.pipelines.spec;

import java.util.Locale;

/** Where a step runs: in the executor's JVM, or in a child JVM of its own (a native crash or OOM kills only it). */
public enum Isolation {
    IN_PROCESS, CHILD_JVM;

    public String yamlName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Isolation parse(String s) {
        for (Isolation i : values()) {
            if (i.yamlName().equals(s)) {
                return i;
            }
        }
        throw new IllegalArgumentException("expected in-process or child-jvm (got \"" + s + "\")");
    }
}
