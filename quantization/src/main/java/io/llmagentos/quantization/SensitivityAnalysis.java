package io.llmagentos.quantization;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.quantization.int8.Exclusions;
import io.llmagentos.quantization.int8.QuantizationException;
import io.llmagentos.quantization.int8.QuantizationReport;
import io.llmagentos.quantization.int8.QuantizedModel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Which ops cost quality in INT8, and which to keep in FP32 to meet a perplexity budget.
 * <ol>
 *   <li>The ops the full INT8 model quantizes are grouped (one op each, or one decoder layer each).</li>
 *   <li>Each group alone is quantized — every other group stays FP32 — and the eval perplexity measured:
 *       its cost is {@code ppl(group in INT8) / ppl(FP32)}. Groups are ranked by cost.</li>
 *   <li>From the full INT8 model, the costliest group still in INT8 goes back to FP32, one at a time,
 *       until {@code ppl / ppl(FP32) <= budget} (or nothing is left). The exclusions of the first variant
 *       within budget are the recommendation, with its size ratio.</li>
 * </ol>
 */
public final class SensitivityAnalysis {
    private SensitivityAnalysis() {
    }

    /** How ops are grouped. */
    public enum Granularity {
        OP, LAYER
    }

    /** Makes the INT8 model with the given ops kept in FP32 (on top of the user's exclusions). */
    @FunctionalInterface
    public interface Quantize {
        QuantizedModel apply(Exclusions keepFp32) throws QuantizationException;
    }

    /** Perplexity of a model on the eval sequences. */
    @FunctionalInterface
    public interface Score {
        double perplexity(ModelProto model) throws IOException, QuantizationException;
    }

    /**
     * A group of ops.
     *
     * @param name    the op's weight name, or the layer ("layers.3", "embedding", "lm_head.weight")
     * @param pattern an exclusion pattern that matches exactly these ops (usable with --exclude)
     * @param ops     the weight names of its ops
     */
    public record Group(String name, String pattern, List<String> ops) {
    }

    /**
     * @param group the group quantized alone
     * @param ppl   eval perplexity with only it in INT8
     * @param ratio {@code ppl / ppl(FP32)}
     */
    public record Entry(Group group, double ppl, double ratio) {
    }

    /**
     * One variant of the greedy search.
     *
     * @param keptFp32  groups kept in FP32 (beyond the user's exclusions)
     * @param ppl       eval perplexity
     * @param ratio     {@code ppl / ppl(FP32)}
     * @param sizeRatio model bytes / FP32 model bytes
     */
    public record Step(List<String> keptFp32, double ppl, double ratio, double sizeRatio) {
    }

    /**
     * @param granularity  how ops were grouped
     * @param fp32Ppl      FP32 eval perplexity
     * @param budget       largest ratio accepted
     * @param ranking      groups, costliest first
     * @param steps        the greedy search, from the full INT8 model
     * @param recommended  exclusion patterns of the recommended variant (empty: quantize everything)
     * @param met          whether the recommended variant is within budget
     */
    public record Result(Granularity granularity, double fp32Ppl, double budget, List<Entry> ranking, List<Step> steps,
                         List<String> recommended, boolean met) {
        /** The recommended variant's step. */
        public Step chosen() {
            for (Step s : steps) {
                if (s.keptFp32().equals(recommended)) {
                    return s;
                }
            }
            return steps.get(steps.size() - 1);
        }

        public String summary() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "sensitivity (%s groups, FP32 perplexity %.4f, budget %.3fx):%n",
                    granularity.name().toLowerCase(Locale.ROOT), fp32Ppl, budget));
            int shown = 0;
            for (Entry e : ranking) {
                if (shown++ == 10) {
                    sb.append(String.format(Locale.ROOT, "  … %d more%n", ranking.size() - 10));
                    break;
                }
                sb.append(String.format(Locale.ROOT, "  %2d. %-48s alone in INT8: ppl %.4f (%.4fx)%n", shown,
                        e.group().name(), e.ppl(), e.ratio()));
            }
            for (Step s : steps) {
                sb.append(String.format(Locale.ROOT, "  keep FP32 %-40s ppl %.4f (%.4fx)  size %.1f %% of FP32%n",
                        s.keptFp32().isEmpty() ? "(nothing)" : String.join(", ", s.keptFp32()), s.ppl(), s.ratio(),
                        100 * s.sizeRatio()));
            }
            sb.append(met ? "  recommended: " + (recommended.isEmpty() ? "quantize every op" : "--exclude "
                    + String.join(" --exclude ", recommended)) : "  the budget is not met even with every group in FP32")
                    .append('\n');
            return sb.toString();
        }
    }

    /** Groups of the ops that {@code full} quantized. */
    public static List<Group> groups(QuantizationReport full, Granularity g) {
        Map<String, List<String>> byName = new LinkedHashMap<>();
        for (QuantizationReport.Op op : full.ops()) {
            if (op.status() == QuantizationReport.Status.QUANTIZED) {
                String key = g == Granularity.OP ? op.name() : op.layer();
                byName.computeIfAbsent(key, k -> new ArrayList<>()).add(op.name());
            }
        }
        List<Group> out = new ArrayList<>();
        byName.forEach((name, ops) -> {
            String pattern = name.matches("layers\\.\\d+") ? "*" + name + ".*" : ops.size() == 1 ? ops.get(0) : null;
            if (pattern != null) {
                String p = pattern;
                long hits = full.ops().stream().filter(o -> o.status() == QuantizationReport.Status.QUANTIZED)
                        .filter(o -> matches(p, o.name())).count();
                if (hits != ops.size()) {
                    pattern = null;
                }
            }
            if (pattern == null) {
                pattern = "re:" + String.join("|", ops.stream().map(Pattern::quote).toList());
            }
            out.add(new Group(name, pattern, List.copyOf(ops)));
        });
        return out;
    }

    private static boolean matches(String pattern, String name) {
        String re = pattern.indexOf('*') >= 0 ? Pattern.quote(pattern).replace("*", "\\E.*\\Q") : ".*" + Pattern.quote(pattern) + ".*";
        return name.matches(re);
    }

    /**
     * Runs the analysis.
     *
     * @param user      the user's own exclusions (kept in every variant)
     * @param full      the full INT8 model under the user's exclusions
     * @param fp32Ppl   FP32 eval perplexity
     * @param fullPpl   eval perplexity of {@code full}
     */
    public static Result run(Exclusions user, QuantizedModel full, Granularity granularity, double fp32Ppl,
                             double fullPpl, double budget, Quantize quantize, Score score, ProgressListener progress)
            throws IOException, QuantizationException {
        List<Group> groups = groups(full.report(), granularity);
        List<Entry> ranking = new ArrayList<>();
        try (ProgressListener.Progress p = progress.start("sensitivity: one group at a time in INT8", groups.size(),
                "groups")) {
            for (Group gr : groups) {
                List<String> others = new ArrayList<>();
                for (Group o : groups) {
                    if (o != gr) {
                        others.add(o.pattern());
                    }
                }
                double ppl = score.perplexity(quantize.apply(user.plus(others)).model());
                ranking.add(new Entry(gr, ppl, ppl / fp32Ppl));
                p.status(gr.name());
                p.advance(1);
            }
        }
        ranking.sort(Comparator.comparingDouble(Entry::ppl).reversed());

        List<Step> steps = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        steps.add(new Step(List.of(), fullPpl, fullPpl / fp32Ppl, full.report().sizeRatio()));
        double ratio = fullPpl / fp32Ppl;
        try (ProgressListener.Progress p = progress.start("sensitivity: keep the costliest in FP32 until within "
                + budget + "x", ranking.size(), "groups")) {
            for (Entry e : ranking) {
                if (ratio <= budget) {
                    break;
                }
                kept.add(e.group().pattern());
                QuantizedModel q = quantize.apply(user.plus(kept));
                double ppl = score.perplexity(q.model());
                ratio = ppl / fp32Ppl;
                steps.add(new Step(List.copyOf(kept), ppl, ratio, q.report().sizeRatio()));
                p.advance(1);
            }
        }
        boolean met = ratio <= budget;
        return new Result(granularity, fp32Ppl, budget, List.copyOf(ranking), List.copyOf(steps), List.copyOf(kept), met);
    }
}
