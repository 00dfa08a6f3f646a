package io.llmagentos.datasets.sample.internal;

import java.util.List;

/**
 * A kind of equipment and what can go wrong with it.
 *
 * @param name       lower-case name used in running text, e.g. "screw compressor"
 * @param prefix     model-code prefix, e.g. "CX" (model codes are prefix-NNN)
 * @param faultStyle fault-code prefix, e.g. "E-" or "AL"
 * @param parts      spare parts named in procedures and tickets
 * @param readings   measurement templates ("discharge pressure {d:6-9} bar")
 * @param lubricants lubricants or fluids the family uses
 * @param conditions faults: meaning, causes, checks and the fix
 */
public record Family(String name, String prefix, String faultStyle, List<String> parts, List<String> readings,
        List<String> lubricants, List<Condition> conditions) {

    /** One fault condition of a family. */
    public record Condition(String meaning, List<String> causes, List<String> checks, String remedy) {
    }

    static Condition c(String meaning, String remedy, String[] causes, String... checks) {
        return new Condition(meaning, List.of(causes), List.of(checks), remedy);
    }

    static String[] causes(String... c) {
        return c;
    }
}
