package io.llmagentos.pipelines.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code ${…}} references in step settings: {@code ${params.NAME}}, {@code ${steps.ID.outputs.NAME}},
 * {@code ${steps.ID.metrics.NAME}}, {@code ${run.id}}, {@code ${run.dir}} and {@code ${pipeline.dir}} (the directory
 * of the pipeline file, for files that ship beside it, such as quality gates).
 */
public final class Templates {
    private static final Pattern REF = Pattern.compile("\\$\\{([^}]*)}");

    private Templates() {
    }

    /** One reference. {@code kind} is params, steps, run or pipeline; {@code step} and {@code section} only for steps. */
    public record Ref(String kind, String step, String section, String name, String text) {
    }

    /** Every reference in {@code template}; a malformed one is an IllegalArgumentException saying which forms exist. */
    public static List<Ref> refs(String template) {
        List<Ref> out = new ArrayList<>();
        Matcher m = REF.matcher(template);
        while (m.find()) {
            out.add(parse(m.group(1).strip(), m.group()));
        }
        int open = template.indexOf("${");
        if (open >= 0 && template.indexOf('}', open) < 0) {
            throw new IllegalArgumentException("unclosed \"${\" in \"" + template + "\"");
        }
        return out;
    }

    private static Ref parse(String inner, String text) {
        String[] p = inner.split("\\.", -1);
        if (p.length == 2 && p[0].equals("params") && !p[1].isEmpty()) {
            return new Ref("params", null, null, p[1], text);
        }
        if (p.length == 2 && p[0].equals("run") && (p[1].equals("id") || p[1].equals("dir"))) {
            return new Ref("run", null, null, p[1], text);
        }
        if (p.length == 2 && p[0].equals("pipeline") && p[1].equals("dir")) {
            return new Ref("pipeline", null, null, p[1], text);
        }
        if (p.length == 4 && p[0].equals("steps") && (p[2].equals("outputs") || p[2].equals("metrics"))
                && !p[1].isEmpty() && !p[3].isEmpty()) {
            return new Ref("steps", p[1], p[2], p[3], text);
        }
        throw new IllegalArgumentException("cannot read the reference " + text + "; write ${params.NAME}, "
                + "${steps.STEP.outputs.NAME}, ${steps.STEP.metrics.NAME}, ${run.id}, ${run.dir} or ${pipeline.dir}");
    }

    /** {@code template} with every reference replaced by {@code lookup}'s value. */
    public static String resolve(String template, Function<Ref, String> lookup) {
        Matcher m = REF.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(lookup.apply(parse(m.group(1).strip(), m.group()))));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
