package io.llmagentos.quantization.testing;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.llmagentos.quantization.int8.OnnxTensors;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Small ONNX language models built in tests, with the structure the quantizers care about: an embedding
 * Gather, RMSNorm (ops) with a weight, a SwiGLU MLP of three MatMuls with initializer weights, a residual,
 * a final RMSNorm and an LM head (its own weight, tied to the embedding through a Transpose, or a Gemm).
 * {@code outlierChannels} hidden channels get 20x larger norm weights, as real LLM activations have.
 */
public final class TinyLm {
    /** How the LM head is written. */
    public enum Head {
        UNTIED_MATMUL, TIED_TRANSPOSE, GEMM_TRANSB
    }

    public final int vocab;
    public final int hidden;
    public final int ffn;
    private final List<NodeProto> nodes = new ArrayList<>();
    private final List<TensorProto> inits = new ArrayList<>();
    private final SplittableRandom rnd;

    private TinyLm(int vocab, int hidden, int ffn, long seed) {
        this.vocab = vocab;
        this.hidden = hidden;
        this.ffn = ffn;
        this.rnd = new SplittableRandom(seed);
    }

    public static ModelProto build(int vocab, int hidden, int ffn, int layers, Head head, int outlierChannels, long seed) {
        return new TinyLm(vocab, hidden, ffn, seed).model(layers, head, outlierChannels);
    }

    /** The default test model: vocab 96, hidden 32, ffn 64, 2 layers, untied head, 2 outlier channels. */
    public static ModelProto standard(long seed) {
        return build(96, 32, 64, 2, Head.UNTIED_MATMUL, 2, seed);
    }

    /** {@code x [M, k]} through {@code layers} MatMuls with {@code [k, k]} weights {@code w<l>.weight}; output {@code h<l-1>}. */
    public static ModelProto matmulChain(int k, int layers, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        GraphProto.Builder g = GraphProto.newBuilder();
        String x = "x";
        for (int l = 0; l < layers; l++) {
            float[] w = new float[k * k];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (r.nextGaussian() / Math.sqrt(k));
            }
            g.addInitializer(OnnxTensors.floats("w" + l + ".weight", w, k, k));
            g.addNode(OnnxTensors.node("MatMul", "mm" + l, List.of(x, "w" + l + ".weight"), List.of("h" + l)));
            x = "h" + l;
        }
        g.addInput(valueInfo("x", TensorProto.DataType.FLOAT, "m", Integer.toString(k)))
                .addOutput(valueInfo(x, TensorProto.DataType.FLOAT, "m", Integer.toString(k)));
        return ModelProto.newBuilder().setIrVersion(8).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(17))
                .setGraph(g).build();
    }

    private ModelProto model(int layers, Head head, int outliers) {
        String e = init("model.embed_tokens.weight", gaussian(vocab * hidden, 1.0), vocab, hidden);
        node("Gather", "/model/embed_tokens/Gather", List.of(e, "input_ids"), "embeds");
        String h = "embeds";
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l;
            String n = rmsNorm(h, p + ".post_attention_layernorm", outliers);
            String gate = matmul(n, p + ".mlp.gate_proj.weight", hidden, ffn);
            String up = matmul(n, p + ".mlp.up_proj.weight", hidden, ffn);
            String sig = node("Sigmoid", "/" + p + "/mlp/act/Sigmoid", List.of(gate), p + ".sig");
            String silu = node("Mul", "/" + p + "/mlp/act/Mul", List.of(gate, sig), p + ".silu");
            String prod = node("Mul", "/" + p + "/mlp/Mul", List.of(silu, up), p + ".prod");
            String down = matmul(prod, p + ".mlp.down_proj.weight", ffn, hidden);
            h = node("Add", "/" + p + "/Add", List.of(h, down), p + ".out");
        }
        String n = rmsNorm(h, "model.norm", outliers);
        switch (head) {
            case UNTIED_MATMUL -> matmulTo(n, "lm_head.weight", hidden, vocab, "logits");
            case TIED_TRANSPOSE -> {
                String t = node("Transpose", "/lm_head/Transpose", List.of(e), "embed_t");
                nodes.set(nodes.size() - 1, nodes.get(nodes.size() - 1).toBuilder()
                        .addAttribute(OnnxTensors.intsAttr("perm", 1, 0)).build());
                node("MatMul", "/lm_head/MatMul", List.of(n, t), "logits");
            }
            case GEMM_TRANSB -> {
                // Gemm wants 2-D input: flatten [B, S, H] -> [B*S, H], then back.
                String shp = init("lm_head.flat_shape", null, 0);
                String flat = node("Reshape", "/lm_head/Reshape", List.of(n, shp), "norm_flat");
                String w = init("lm_head.weight", gaussian(vocab * hidden, 1 / Math.sqrt(hidden)), vocab, hidden);
                String b = init("lm_head.bias", gaussian(vocab, 0.1), vocab);
                NodeProto.Builder g = OnnxTensors.node("Gemm", "/lm_head/Gemm", List.of(flat, w, b), List.of("logits_flat"))
                        .addAttribute(OnnxTensors.intAttr("transB", 1));
                nodes.add(g.build());
                String shape = node("Shape", "/lm_head/Shape", List.of("input_ids"), "ids_shape");
                String vdim = init("lm_head.vocab_dim", null, 1);
                String full = node("Concat", "/lm_head/Concat", List.of(shape, vdim), "logits_shape");
                nodes.set(nodes.size() - 1, nodes.get(nodes.size() - 1).toBuilder()
                        .addAttribute(OnnxTensors.intAttr("axis", 0)).build());
                node("Reshape", "/lm_head/Reshape2", List.of("logits_flat", full), "logits");
            }
            default -> throw new IllegalStateException();
        }
        GraphProto g = GraphProto.newBuilder().setName("tiny-lm").addAllNode(nodes).addAllInitializer(inits)
                .addInput(valueInfo("input_ids", TensorProto.DataType.INT64, "batch", "sequence"))
                .addOutput(valueInfo("logits", TensorProto.DataType.FLOAT, "batch", "sequence", Integer.toString(vocab)))
                .build();
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("TinyLm")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17)).setGraph(g).build();
    }

    private String rmsNorm(String x, String prefix, int outliers) {
        String sq = node("Mul", "/" + prefix + "/Square", List.of(x, x), prefix + ".sq");
        String mean = node("ReduceMean", "/" + prefix + "/ReduceMean", List.of(sq), prefix + ".mean");
        nodes.set(nodes.size() - 1, nodes.get(nodes.size() - 1).toBuilder()
                .addAttribute(OnnxTensors.intsAttr("axes", -1)).addAttribute(OnnxTensors.intAttr("keepdims", 1)).build());
        String eps = init(prefix + ".eps", new float[] {1e-6f});
        String add = node("Add", "/" + prefix + "/Add", List.of(mean, eps), prefix + ".var");
        String rs = node("Sqrt", "/" + prefix + "/Sqrt", List.of(add), prefix + ".std");
        String div = node("Div", "/" + prefix + "/Div", List.of(x, rs), prefix + ".normed");
        float[] gw = new float[hidden];
        for (int i = 0; i < hidden; i++) {
            gw[i] = (float) (1 + 0.1 * rnd.nextGaussian()) * (i < outliers ? 20f : 1f);
        }
        String w = init(prefix + ".weight", gw, hidden);
        return node("Mul", "/" + prefix + "/Mul", List.of(div, w), prefix + ".output");
    }

    private String matmul(String x, String weight, int k, int n) {
        return matmulTo(x, weight, k, n, weight.replace(".weight", ".output"));
    }

    private String matmulTo(String x, String weight, int k, int n, String out) {
        String w = init(weight, gaussian(k * n, 1 / Math.sqrt(k)), k, n);
        return node("MatMul", "/" + weight.replace(".weight", "").replace('.', '/') + "/MatMul", List.of(x, w), out);
    }

    private String node(String op, String name, List<String> in, String out) {
        nodes.add(OnnxTensors.node(op, name, in, List.of(out)).build());
        return out;
    }

    private String init(String name, float[] data, long... dims) {
        if (data == null) {
            // int64 shape constants for the Gemm head
            long[] v = dims[0] == 0 ? new long[] {-1, hidden} : new long[] {vocab};
            inits.add(OnnxTensors.int64(name, v, v.length));
            return name;
        }
        inits.add(OnnxTensors.floats(name, data, dims));
        return name;
    }

    private float[] gaussian(int n, double std) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) (rnd.nextGaussian() * std);
        }
        return w;
    }

    private static ValueInfoProto valueInfo(String name, TensorProto.DataType type, String... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (String d : dims) {
            if (d.chars().allMatch(Character::isDigit)) {
                s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(Long.parseLong(d)));
            } else {
                s.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(d));
            }
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(s))).build();
    }
}
