package io.llmagentos.quantization.int8;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Finds the ops of a graph whose weights can go to INT8 ({@link QuantTarget}). */
public final class QuantTargets {
    private QuantTargets() {
    }

    /** What {@link #find} saw: the quantizable ops in graph order, and ops that look close but are not. */
    public record Found(List<QuantTarget> targets, Map<String, String> unsupported) {
    }

    public static Found find(GraphProto g) {
        Map<String, TensorProto> inits = initializers(g);
        Map<String, NodeProto> producers = producers(g);
        List<QuantTarget> out = new ArrayList<>();
        Map<String, String> unsupported = new LinkedHashMap<>();
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
                continue;
            }
            switch (n.getOpType()) {
                case "MatMul" -> {
                    if (n.getInputCount() < 2) {
                        continue;
                    }
                    TensorProto w = float2d(inits.get(n.getInput(1)));
                    if (w != null) {
                        out.add(new QuantTarget(QuantTarget.Kind.MATMUL, i, n, w.getName(), (int) w.getDims(0),
                                (int) w.getDims(1), 1, null, n.getInput(0), null));
                        continue;
                    }
                    NodeProto tr = producers.get(n.getInput(1));
                    if (tr != null && tr.getOpType().equals("Transpose") && tr.getInputCount() == 1) {
                        TensorProto wt = float2d(inits.get(tr.getInput(0)));
                        long[] perm = OnnxTensors.intsAttr(tr, "perm");
                        if (wt != null && (perm == null || (perm.length == 2 && perm[0] == 1 && perm[1] == 0))) {
                            out.add(new QuantTarget(QuantTarget.Kind.MATMUL, i, n, wt.getName(), (int) wt.getDims(0),
                                    (int) wt.getDims(1), 0, tr.getName().isEmpty() ? tr.getOutput(0) : tr.getName(),
                                    n.getInput(0), null));
                        }
                    }
                }
                case "Gemm" -> {
                    TensorProto w = n.getInputCount() >= 2 ? float2d(inits.get(n.getInput(1))) : null;
                    if (w == null) {
                        continue;
                    }
                    String why = null;
                    if (OnnxTensors.floatAttr(n, "alpha", 1f) != 1f || OnnxTensors.floatAttr(n, "beta", 1f) != 1f) {
                        why = "Gemm with alpha or beta other than 1";
                    } else if (OnnxTensors.intAttr(n, "transA", 0) != 0) {
                        why = "Gemm with transA=1";
                    }
                    if (why != null) {
                        unsupported.put(name(n), why);
                        continue;
                    }
                    boolean transB = OnnxTensors.intAttr(n, "transB", 0) != 0;
                    String bias = n.getInputCount() >= 3 && !n.getInput(2).isEmpty() ? n.getInput(2) : null;
                    out.add(new QuantTarget(QuantTarget.Kind.GEMM, i, n, w.getName(), (int) w.getDims(0),
                            (int) w.getDims(1), transB ? 0 : 1, null, n.getInput(0), bias));
                }
                case "Gather" -> {
                    TensorProto w = n.getInputCount() == 2 ? float2d(inits.get(n.getInput(0))) : null;
                    if (w == null) {
                        continue;
                    }
                    if (OnnxTensors.intAttr(n, "axis", 0) != 0) {
                        unsupported.put(name(n), "Gather on axis " + OnnxTensors.intAttr(n, "axis", 0) + " of a table");
                        continue;
                    }
                    out.add(new QuantTarget(QuantTarget.Kind.EMBEDDING, i, n, w.getName(), (int) w.getDims(0),
                            (int) w.getDims(1), 0, null, null, null));
                }
                default -> {
                }
            }
        }
        return new Found(List.copyOf(out), unsupported);
    }

    static String name(NodeProto n) {
        return n.getName().isEmpty() ? n.getOpType() + "->" + n.getOutput(0) : n.getName();
    }

    private static TensorProto float2d(TensorProto t) {
        if (t == null || t.getDataType() != OnnxTensors.FLOAT || t.getDimsCount() != 2) {
            return null;
        }
        return t;
    }

    public static Map<String, TensorProto> initializers(GraphProto g) {
        Map<String, TensorProto> m = new HashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            m.put(t.getName(), t);
        }
        return m;
    }

    /** Output tensor name → the node that produces it. */
    public static Map<String, NodeProto> producers(GraphProto g) {
        Map<String, NodeProto> m = new HashMap<>();
        for (NodeProto n : g.getNodeList()) {
            for (String o : n.getOutputList()) {
                m.put(o, n);
            }
        }
        return m;
    }

    /** Tensor name → the nodes that read it (graph outputs are not counted). */
    public static Map<String, List<NodeProto>> consumers(GraphProto g) {
        Map<String, List<NodeProto>> m = new HashMap<>();
        for (NodeProto n : g.getNodeList()) {
            for (String in : n.getInputList()) {
                m.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
            }
        }
        return m;
    }
}
