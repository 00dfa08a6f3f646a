package io.llmagentos.quantization.int8;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rewrites a graph so that the selected ops read INT8 weights. Shared by dynamic and static quantization:
 * it picks the targets (exclusions applied), quantizes each weight once, replaces each target node by the
 * nodes its {@link LinearScheme} writes (embeddings always become an INT8 Gather), drops the FP32
 * initializers nobody reads any more, and checks that every input of the new graph is defined.
 */
final class Int8Rewriter {
    /** How a matrix product {@code y = x · W} is written with an INT8 weight. */
    interface LinearScheme {
        void emit(Int8Rewriter r, QuantTarget t, QWeight w, String x, String y) throws QuantizationException;

        String describe();

        /**
         * True when the scheme quantizes matrix-product weights itself ({@link #emitOwned}) instead of taking the
         * rewriter's per-channel INT8; a weight that another target shares (an LM head tied to the embedding)
         * still goes through {@link #emit}, so it is stored once.
         */
        default boolean ownsWeights() {
            return false;
        }

        /** {@code y = x · W} from the FP32 weight, for a scheme that {@link #ownsWeights()}. */
        default void emitOwned(Int8Rewriter r, QuantTarget t, TensorProto fp32, String x, String y) {
            throw new UnsupportedOperationException(describe() + " takes per-channel INT8 weights");
        }

        /** How {@link #emitOwned} stores and runs a weight, for the report. */
        default String describeOwned() {
            return describe();
        }

        /** One matrix product's emission, per-channel or owned. */
        interface Emitter {
            void emit(String x, String y) throws QuantizationException;
        }
    }

    /**
     * An INT8 weight in the new graph.
     *
     * @param q                the values and scales
     * @param data             INT8 initializer, stored as the FP32 one was
     * @param scale            FP32 scales ({@code [N]}, or a scalar per-tensor)
     */
    record QWeight(QuantizedWeight q, String data, String scale) {
        boolean perChannel() {
            return q.scales().length > 1;
        }
    }

    private final GraphProto g;
    private final Set<String> names = new HashSet<>();
    private final List<NodeProto> nodes = new ArrayList<>();
    private final List<TensorProto> inits = new ArrayList<>();
    private final Map<String, String[]> shared = new HashMap<>();

    private Int8Rewriter(GraphProto g) {
        this.g = g;
        for (NodeProto n : g.getNodeList()) {
            names.add(n.getName());
            names.addAll(n.getOutputList());
            names.addAll(n.getInputList());
        }
        for (TensorProto t : g.getInitializerList()) {
            names.add(t.getName());
        }
        for (ValueInfoProto v : g.getInputList()) {
            names.add(v.getName());
        }
    }

    /** Rewrites {@code model}; {@code method} names the result in the report and the model's metadata. */
    static QuantizedModel rewrite(ModelProto model, QuantizeConfig cfg, LinearScheme scheme, String method)
            throws QuantizationException {
        GraphProto g = model.getGraph();
        Int8Rewriter r = new Int8Rewriter(g);
        QuantTargets.Found found = QuantTargets.find(g);
        Map<String, TensorProto> initMap = QuantTargets.initializers(g);
        Map<String, List<NodeProto>> consumers = QuantTargets.consumers(g);

        List<QuantizationReport.Op> ops = new ArrayList<>();
        Map<Integer, QuantTarget> selected = new LinkedHashMap<>();
        Map<String, Integer> axisOf = new HashMap<>();
        String scheme0 = (cfg.perChannel() ? "per-channel" : "per-tensor") + " symmetric int8 weights";
        Map<String, Integer> uses = new HashMap<>();
        for (QuantTarget t : found.targets()) {
            if (cfg.exclusions().match(t) == null) {
                uses.merge(t.weight(), 1, Integer::sum);
            }
        }
        java.util.function.Predicate<QuantTarget> owned = t -> scheme.ownsWeights()
                && t.kind() != QuantTarget.Kind.EMBEDDING && uses.getOrDefault(t.weight(), 0) == 1;
        for (QuantTarget t : found.targets()) {
            String pattern = cfg.exclusions().match(t);
            Integer axis = axisOf.get(t.weight());
            if (pattern != null) {
                ops.add(op(t, QuantizationReport.Status.EXCLUDED, "matches exclusion '" + pattern + "'"));
            } else if (t.kind() == QuantTarget.Kind.EMBEDDING && !cfg.quantizeEmbedding()) {
                ops.add(op(t, QuantizationReport.Status.EXCLUDED, "embedding kept FP32 by the config"));
            } else if (axis != null && axis != t.channelAxis()) {
                ops.add(op(t, QuantizationReport.Status.UNSUPPORTED, "weight shared with another op that needs its "
                        + "scales on the other axis"));
            } else {
                axisOf.put(t.weight(), t.channelAxis());
                selected.put(t.nodeIndex(), t);
                ops.add(op(t, QuantizationReport.Status.QUANTIZED, t.kind() == QuantTarget.Kind.EMBEDDING
                        ? scheme0.replace("weights", "rows") + ", Gather + Cast + Mul"
                        : owned.test(t) ? scheme.describeOwned() : scheme0 + ", " + scheme.describe()));
            }
        }
        for (String p : cfg.exclusions().patterns()) {
            if (found.targets().stream().noneMatch(t -> Exclusions.of(p).match(t) != null)) {
                throw new QuantizationException("exclusion pattern '" + p + "' matches no quantizable op; the ops are "
                        + "named like " + found.targets().stream().limit(4).map(QuantTarget::displayName).toList()
                        + " (" + found.targets().size() + " in all)");
            }
        }
        found.unsupported().forEach((n, why) -> ops.add(new QuantizationReport.Op(n, "-", "-",
                QuantizationReport.Status.UNSUPPORTED, why)));

        Map<String, QWeight> weights = new HashMap<>();
        for (QuantTarget t : selected.values()) {
            if (!owned.test(t) && !weights.containsKey(t.weight())) {
                weights.put(t.weight(), r.quantizeWeight(initMap.get(t.weight()), t, cfg.perChannel()));
            }
        }

        // Transposes that fed only INT8 targets go away with their FP32 weight.
        Set<String> dropped = new HashSet<>();
        for (QuantTarget t : selected.values()) {
            if (t.transposeNode() != null) {
                String out = t.node().getInput(1);
                boolean onlyTargets = consumers.getOrDefault(out, List.of()).stream()
                        .allMatch(c -> selected.values().stream().anyMatch(s -> s.node() == c));
                if (onlyTargets && !isGraphOutput(g, out)) {
                    dropped.add(out);
                }
            }
        }

        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            QuantTarget t = selected.get(i);
            if (t == null) {
                if (!(n.getOpType().equals("Transpose") && n.getOutputCount() == 1 && dropped.contains(n.getOutput(0)))) {
                    r.nodes.add(n);
                }
                continue;
            }
            QWeight w = weights.get(t.weight());
            LinearScheme.Emitter linear = owned.test(t)
                    ? (x, y) -> scheme.emitOwned(r, t, initMap.get(t.weight()), x, y)
                    : (x, y) -> scheme.emit(r, t, w, x, y);
            switch (t.kind()) {
                case EMBEDDING -> r.emitEmbedding(t, w);
                case MATMUL -> linear.emit(t.activation(), t.output());
                case GEMM -> {
                    if (t.bias() == null) {
                        linear.emit(t.activation(), t.output());
                    } else {
                        String tmp = r.tmp("nb");
                        linear.emit(t.activation(), tmp);
                        r.add(OnnxTensors.node("Add", r.tmp("badd"), List.of(tmp, t.bias()),
                                List.of(t.output())));
                    }
                }
                default -> throw new IllegalStateException("unknown target kind " + t.kind());
            }
        }
        ModelProto out = r.build(model, method, ops);
        return new QuantizedModel(out, new QuantizationReport(method, ops, modelBytes(model), modelBytes(out),
                weightBytes(model), weightBytes(out)));
    }

    private ModelProto build(ModelProto model, String method, List<QuantizationReport.Op> ops) {
        Set<String> read = new HashSet<>();
        Set<String> produced = new HashSet<>();
        for (NodeProto n : nodes) {
            read.addAll(n.getInputList());
            produced.addAll(n.getOutputList());
        }
        for (ValueInfoProto o : g.getOutputList()) {
            read.add(o.getName());
        }
        GraphProto.Builder gb = g.toBuilder().clearNode().addAllNode(nodes).clearInitializer();
        Set<String> defined = new HashSet<>(produced);
        for (ValueInfoProto v : g.getInputList()) {
            defined.add(v.getName());
        }
        for (TensorProto t : g.getInitializerList()) {
            if (read.contains(t.getName())) {
                gb.addInitializer(t);
                defined.add(t.getName());
            }
        }
        for (TensorProto t : inits) {
            gb.addInitializer(t);
            defined.add(t.getName());
        }
        gb.clearValueInfo();
        for (ValueInfoProto v : g.getValueInfoList()) {
            if (produced.contains(v.getName())) {
                gb.addValueInfo(v);
            }
        }
        for (NodeProto n : nodes) {
            for (String in : n.getInputList()) {
                if (!in.isEmpty() && !defined.contains(in)) {
                    throw new IllegalStateException("quantized graph reads undefined tensor \"" + in + "\" in node \""
                            + n.getName() + "\" (" + n.getOpType() + ")");
                }
            }
        }
        ModelProto.Builder mb = model.toBuilder().setGraph(gb);
        for (NodeProto n : nodes) {
            String domain = n.getDomain();
            if (!domain.isEmpty() && mb.getOpsetImportList().stream().noneMatch(o -> o.getDomain().equals(domain))) {
                mb.addOpsetImport(ai.onnx.proto.OnnxMl.OperatorSetIdProto.newBuilder().setDomain(domain).setVersion(1));
            }
        }
        Map<String, String> meta = new LinkedHashMap<>();
        for (StringStringEntryProto e : model.getMetadataPropsList()) {
            meta.put(e.getKey(), e.getValue());
        }
        meta.put("agentos.quantization", method);
        meta.put("agentos.quantization.int8_ops", Long.toString(ops.stream()
                .filter(o -> o.status() == QuantizationReport.Status.QUANTIZED).count()));
        mb.clearMetadataProps();
        meta.forEach((k, v) -> mb.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return mb.build();
    }

    private static boolean isGraphOutput(GraphProto g, String name) {
        return g.getOutputList().stream().anyMatch(o -> o.getName().equals(name));
    }

    private static QuantizationReport.Op op(QuantTarget t, QuantizationReport.Status s, String detail) {
        return new QuantizationReport.Op(t.displayName(), t.kind().name(), t.layer(), s, detail);
    }

    /** Serialized bytes of a model, counted per initializer so models over 2 GiB do not overflow. */
    static long modelBytes(ModelProto m) {
        long n = 0;
        for (TensorProto t : m.getGraph().getInitializerList()) {
            n += t.getSerializedSize() + 5;
        }
        ModelProto rest = m.toBuilder().setGraph(m.getGraph().toBuilder().clearInitializer()).build();
        return n + rest.getSerializedSize();
    }

    /** Bytes of tensor data in a model's initializers. */
    static long weightBytes(ModelProto m) {
        long n = 0;
        for (TensorProto t : m.getGraph().getInitializerList()) {
            n += OnnxTensors.dataBytes(t);
        }
        return n;
    }

    private QWeight quantizeWeight(TensorProto fp32, QuantTarget t, boolean perChannel) {
        float[] w = OnnxTensors.readFloats(fp32);
        QuantizedWeight q = WeightQuantizer.quantize(w, t.rows(), t.cols(), t.channelAxis(), perChannel);
        String base = fp32.getName();
        String data = addInit(OnnxTensors.int8(fresh(base + "_quantized"), q.data(), t.rows(), t.cols()));
        long[] sdims = q.scales().length == 1 ? new long[0] : new long[] {q.scales().length};
        String scale = addInit(OnnxTensors.floats(fresh(base + "_scale"), q.scales(), sdims));
        return new QWeight(q, data, scale);
    }

    /** INT8 zeros shaped like the weight's scales, for DequantizeLinear (written on first use). */
    String zeroPoint(QWeight w) {
        return shared("zero-point:" + w.data(), () -> {
            int n = w.q().scales().length;
            long[] dims = n == 1 ? new long[0] : new long[] {n};
            return new String[] {addInit(OnnxTensors.int8(fresh(w.data().replace("_quantized", "") + "_zero_point"),
                    new byte[n], dims))};
        })[0];
    }

    /**
     * Embedding rows in INT8: {@code y = float(Gather(Wq, ids)) · Gather(s, ids)[..., None]} per row, or
     * {@code · s} per tensor.
     */
    private void emitEmbedding(QuantTarget t, QWeight w) {
        String ids = t.node().getInput(1);
        String y = t.output();
        String rows = tmp("int8");
        add(OnnxTensors.node("Gather", tmp("gather"), List.of(w.data(), ids), List.of(rows)));
        String rowsF = tmp("f32");
        add(OnnxTensors.node("Cast", tmp("cast"), List.of(rows), List.of(rowsF))
                .addAttribute(OnnxTensors.intAttr("to", OnnxTensors.FLOAT)));
        String s = w.scale();
        if (w.perChannel()) {
            String rs = tmp("rs");
            add(OnnxTensors.node("Gather", tmp("sg"), List.of(w.scale(), ids), List.of(rs)));
            s = tmp("rs1");
            add(OnnxTensors.node("Unsqueeze", tmp("su"), List.of(rs, lastAxis()), List.of(s)));
        }
        add(OnnxTensors.node("Mul", tmp("dq"), List.of(rowsF, s), List.of(y)));
    }

    /**
     * The INT8 weight of a matrix product as {@code [K, N]}: the initializer itself, or, when it is stored
     * {@code [N, K]} (a Gemm with transB, an LM head tied to the embedding), one Transpose of it, which ORT
     * folds into a constant when it loads the model.
     */
    String kMajor(QuantTarget t, QWeight w) {
        if (t.channelAxis() == 1) {
            return w.data();
        }
        return shared("transpose:" + w.data(), () -> {
            String out = tmp("t");
            add(OnnxTensors.node("Transpose", tmp("tr"), List.of(w.data()), List.of(out))
                    .addAttribute(OnnxTensors.intsAttr("perm", 1, 0)));
            return new String[] {out};
        })[0];
    }

    private String lastAxis() {
        return shared("const:axes[-1]", () -> new String[] {addInit(OnnxTensors.int64(fresh("int8_axes_last"),
                new long[] {-1}, 1))})[0];
    }

    /** Tensors made once and reused (a quantized activation read by q, k and v): {@code make} runs on first use. */
    String[] shared(String key, java.util.function.Supplier<String[]> make) {
        String[] v = shared.get(key);
        if (v == null) {
            v = make.get();
            shared.put(key, v);
        }
        return v;
    }

    /**
     * A short name for a node or intermediate tensor: {@code q<n>.<kind>}. Names are stored once per use in the
     * model file; on a small model, long derived names cost a percent of its size.
     */
    String tmp(String kind) {
        return fresh("q" + (counter++) + "." + kind);
    }

    private int counter;

    /** A tensor or node name not yet used in the graph. */
    String fresh(String base) {
        String b = base.isEmpty() ? "int8" : base;
        String n = b;
        for (int i = 1; names.contains(n); i++) {
            n = b + "_" + i;
        }
        names.add(n);
        return n;
    }

    void add(NodeProto.Builder n) {
        nodes.add(n.build());
    }

    String addInit(TensorProto t) {
        inits.add(t);
        return t.getName();
    }
}
