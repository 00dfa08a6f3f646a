package io.llmagentos.quantization.calibration;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.llmagentos.quantization.int8.OnnxTensors;
import io.llmagentos.quantization.int8.QuantTarget;
import io.llmagentos.quantization.int8.QuantTargets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SmoothQuant (Xiao et al., 2023): moves the activation outliers of a matrix product into its weight,
 * where per-channel INT8 absorbs them. For the matrix products that read one activation X (q, k and v read
 * one normalized input; gate and up another) with weights W (input channel k = row k of {@code [K, N]}),
 * <pre>
 *   s_k = max|X_k|^α / max_{W in group} max_n |W_{k,n}|^(1-α)         (α = migration strength)
 *   X' = X · diag(s)^-1,   W' = diag(s) · W,   so X'·W' = X·W exactly
 * </pre>
 * {@code 1/s} is folded into what produces X, so the FP32 graph keeps its ops:
 * <ul>
 *   <li>the weight of the RMSNorm before it — {@code Mul(x_normed, γ)}: {@code γ' = γ / s}
 *       (also {@code SimplifiedLayerNormalization}, {@code RMSNormalization}, {@code LayerNormalization}
 *       scales, and a LayerNorm's bias);</li>
 *   <li>the up projection before a down projection — {@code X = act(gate) ⊙ (h·W_up)}:
 *       column k of {@code W_up} divided by {@code s_k}.</li>
 * </ul>
 * A group whose producer is anything else, whose activation or weights are read elsewhere (an embedding
 * tied to the LM head), or without statistics, is left as it is and reported.
 */
public final class SmoothQuant {
    /** Scales are clamped to this range so a dead channel cannot blow up a weight. */
    static final float MIN_SCALE = 1e-5f;
    static final float MAX_SCALE = 1e5f;

    private SmoothQuant() {
    }

    /**
     * One smoothed group.
     *
     * @param activation the tensor X
     * @param weights    the weights scaled by s
     * @param foldedInto the initializer that took 1/s
     * @param minScale   smallest s_k
     * @param maxScale   largest s_k
     */
    public record Group(String activation, List<String> weights, String foldedInto, float minScale, float maxScale) {
    }

    /**
     * @param model   the smoothed model (FP32, computes the same function)
     * @param alpha   migration strength used
     * @param groups  groups smoothed
     * @param skipped activation → why its group was left alone
     */
    public record Result(ModelProto model, double alpha, List<Group> groups, Map<String, String> skipped) {
    }

    /** The per-channel scales {@code s_k} of the formula above ({@code wAbsMax} over the group's weights). */
    public static float[] scales(float[] xAbsMax, float[] wAbsMax, double alpha) {
        if (xAbsMax.length != wAbsMax.length) {
            throw new IllegalArgumentException("activation has " + xAbsMax.length + " channels, weights " + wAbsMax.length);
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("SmoothQuant alpha must be in [0, 1] (got " + alpha + ")");
        }
        float[] s = new float[xAbsMax.length];
        for (int k = 0; k < s.length; k++) {
            if (xAbsMax[k] <= 0 || wAbsMax[k] <= 0) {
                s[k] = 1f;
                continue;
            }
            double v = Math.pow(xAbsMax[k], alpha) / Math.pow(wAbsMax[k], 1 - alpha);
            s[k] = (float) Math.max(MIN_SCALE, Math.min(MAX_SCALE, v));
        }
        return s;
    }

    /**
     * Smooths every group it can.
     *
     * @param stats per-channel activation magnitudes from a calibration pass over {@code fp32}
     *              ({@link Calibration#stats()})
     */
    public static Result apply(ModelProto fp32, Map<String, TensorStats> stats, double alpha) {
        GraphProto g = fp32.getGraph();
        Map<String, TensorProto> inits = QuantTargets.initializers(g);
        Map<String, NodeProto> producers = QuantTargets.producers(g);
        Map<String, List<NodeProto>> consumers = QuantTargets.consumers(g);
        Set<String> graphOutputs = new HashSet<>();
        g.getOutputList().forEach(o -> graphOutputs.add(o.getName()));

        List<QuantTarget> linear = QuantTargets.find(g).targets().stream()
                .filter(t -> t.kind() != QuantTarget.Kind.EMBEDDING).toList();
        Map<String, List<QuantTarget>> byActivation = new LinkedHashMap<>();
        for (QuantTarget t : linear) {
            byActivation.computeIfAbsent(t.activation(), k -> new ArrayList<>()).add(t);
        }
        Map<String, QuantTarget> byOutput = new HashMap<>();
        for (QuantTarget t : linear) {
            byOutput.put(t.output(), t);
        }
        Map<String, Integer> weightUses = new HashMap<>();
        for (NodeProto n : g.getNodeList()) {
            for (String in : n.getInputList()) {
                weightUses.merge(in, 1, Integer::sum);
            }
        }

        Map<String, float[]> edited = new HashMap<>();
        List<Group> groups = new ArrayList<>();
        Map<String, String> skipped = new LinkedHashMap<>();
        for (Map.Entry<String, List<QuantTarget>> e : byActivation.entrySet()) {
            String x = e.getKey();
            List<QuantTarget> group = e.getValue();
            String why = null;
            TensorStats st = stats.get(x);
            int k = group.get(0).inFeatures();
            if (st == null || st.channelAbsMax().length != k) {
                why = "no per-channel statistics of " + k + " channels";
            } else if (graphOutputs.contains(x) || consumers.getOrDefault(x, List.of()).size() != group.size()) {
                why = "the activation is read by ops other than its matrix products";
            } else if (group.stream().anyMatch(t -> t.transposeNode() != null || weightUses.get(t.weight()) != 1)) {
                why = "a weight is shared with another op (tied embedding)";
            }
            Fold fold = why == null ? fold(x, k, producers, consumers, inits, weightUses, byOutput) : null;
            if (why == null && fold == null) {
                why = "produced by " + (producers.containsKey(x) ? producers.get(x).getOpType() : "a graph input")
                        + ", which takes no per-channel scale";
            }
            if (why != null) {
                skipped.put(x, why);
                continue;
            }
            float[] wMax = new float[k];
            for (QuantTarget t : group) {
                float[] w = current(edited, inits, t.weight());
                for (int r = 0; r < t.rows(); r++) {
                    for (int c = 0; c < t.cols(); c++) {
                        int kk = t.channelAxis() == 1 ? r : c;
                        wMax[kk] = Math.max(wMax[kk], Math.abs(w[r * t.cols() + c]));
                    }
                }
            }
            float[] s = scales(st.channelAbsMax(), wMax, alpha);
            for (QuantTarget t : group) {
                float[] w = current(edited, inits, t.weight()).clone();
                for (int r = 0; r < t.rows(); r++) {
                    for (int c = 0; c < t.cols(); c++) {
                        w[r * t.cols() + c] *= s[t.channelAxis() == 1 ? r : c];
                    }
                }
                edited.put(t.weight(), w);
            }
            for (String init : fold.divideRows ? List.<String>of() : fold.vectors) {
                float[] v = current(edited, inits, init).clone();
                for (int i = 0; i < k; i++) {
                    v[i] /= s[i];
                }
                edited.put(init, v);
            }
            if (fold.divideRows) {
                // columns of the up projection [K_up, K] (stored [rows, cols])
                TensorProto up = inits.get(fold.vectors.get(0));
                int rows = (int) up.getDims(0);
                int cols = (int) up.getDims(1);
                float[] w = current(edited, inits, up.getName()).clone();
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        w[r * cols + c] /= s[c];
                    }
                }
                edited.put(up.getName(), w);
            }
            float lo = Float.POSITIVE_INFINITY;
            float hi = 0;
            for (float v : s) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            groups.add(new Group(x, group.stream().map(QuantTarget::weight).toList(), fold.vectors.get(0), lo, hi));
        }

        GraphProto.Builder gb = g.toBuilder();
        for (int i = 0; i < gb.getInitializerCount(); i++) {
            TensorProto t = gb.getInitializer(i);
            float[] v = edited.get(t.getName());
            if (v != null) {
                gb.setInitializer(i, OnnxTensors.floats(t.getName(), v, t.getDimsList().stream().mapToLong(Long::longValue)
                        .toArray()));
            }
        }
        return new Result(fp32.toBuilder().setGraph(gb).build(), alpha, groups, skipped);
    }

    /** Where 1/s goes: per-channel vectors (norm scale and bias), or the columns of an up projection. */
    private record Fold(List<String> vectors, boolean divideRows) {
    }

    private static Fold fold(String x, int k, Map<String, NodeProto> producers, Map<String, List<NodeProto>> consumers,
                             Map<String, TensorProto> inits, Map<String, Integer> uses, Map<String, QuantTarget> byOutput) {
        NodeProto p = producers.get(x);
        if (p == null) {
            return null;
        }
        switch (p.getOpType()) {
            case "Mul" -> {
                for (String in : p.getInputList()) {
                    if (isVector(inits.get(in), k) && uses.get(in) == 1) {
                        return new Fold(List.of(in), false);
                    }
                }
                for (String in : p.getInputList()) {
                    QuantTarget up = byOutput.get(in);
                    if (up != null && up.kind() == QuantTarget.Kind.MATMUL && up.channelAxis() == 1 && up.cols() == k
                            && consumers.getOrDefault(in, List.of()).size() == 1 && uses.get(up.weight()) == 1) {
                        return new Fold(List.of(up.weight()), true);
                    }
                }
                return null;
            }
            case "SimplifiedLayerNormalization", "RMSNormalization", "SkipSimplifiedLayerNormalization",
                 "LayerNormalization" -> {
                if (p.getOutputCount() > 1 && p.getOutputList().subList(1, p.getOutputCount()).stream()
                        .anyMatch(o -> !o.isEmpty() && consumers.containsKey(o))) {
                    return null;
                }
                boolean skip = p.getOpType().startsWith("Skip");
                if (skip && p.getInputCount() != 3) {
                    return null; // a pre-norm bias is added before normalizing: 1/s cannot go there
                }
                int scaleIdx = skip ? 2 : 1;
                List<String> vs = new ArrayList<>();
                for (int i = scaleIdx; i < p.getInputCount(); i++) {
                    String in = p.getInput(i);
                    if (!isVector(inits.get(in), k) || uses.get(in) != 1) {
                        return null;
                    }
                    vs.add(in);
                }
                return vs.isEmpty() ? null : new Fold(vs, false);
            }
            default -> {
                return null;
            }
        }
    }

    private static boolean isVector(TensorProto t, int k) {
        return t != null && t.getDataType() == OnnxTensors.FLOAT && t.getDimsCount() == 1 && t.getDims(0) == k;
    }

    private static float[] current(Map<String, float[]> edited, Map<String, TensorProto> inits, String name) {
        float[] v = edited.get(name);
        return v != null ? v : OnnxTensors.readFloats(inits.get(name));
    }
}
