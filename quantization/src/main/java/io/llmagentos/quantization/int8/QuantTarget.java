package io.llmagentos.quantization.int8;

import ai.onnx.proto.OnnxMl.NodeProto;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One op whose weight can go to INT8: a {@code MatMul} or {@code Gemm} whose weight is a 2-D FP32
 * initializer (directly, or through a {@code Transpose} as a tied LM head does), or a {@code Gather} on a
 * 2-D FP32 initializer (an embedding table).
 *
 * @param kind          what the op is
 * @param nodeIndex     position of the node in the graph
 * @param node          the node
 * @param weight        name of the FP32 initializer
 * @param rows          stored first dimension of the initializer
 * @param cols          stored second dimension
 * @param channelAxis   axis of the output channels in the stored initializer: 1 for a MatMul weight
 *                      {@code [K, N]}, 0 for an embedding table {@code [V, H]}, a transposed weight or
 *                      {@code Gemm(transB=1)}
 * @param transposeNode name of the {@code Transpose} between the initializer and the MatMul, or null
 * @param activation    the FP32 input that multiplies the weight (null for an embedding)
 * @param bias          a Gemm's bias input, or null
 */
public record QuantTarget(Kind kind, int nodeIndex, NodeProto node, String weight, int rows, int cols, int channelAxis,
                          String transposeNode, String activation, String bias) {
    private static final Pattern LAYER = Pattern.compile("layers?[._/](\\d+)");

    /** What a target op is. */
    public enum Kind {
        MATMUL, GEMM, EMBEDDING
    }

    /** The reduction length K of a matrix product (the embedding width for a table). */
    public int inFeatures() {
        return channelAxis == 1 ? rows : cols;
    }

    /** Output channels N (vocabulary rows for an embedding table). */
    public int outFeatures() {
        return channelAxis == 1 ? cols : rows;
    }

    /** The op's output tensor. */
    public String output() {
        return node.getOutput(0);
    }

    /** The readable name of the op: its weight's name (HF names such as {@code model.layers.0.mlp.up_proj.weight}). */
    public String displayName() {
        return weight;
    }

    /** Names an exclusion pattern is matched against: the node, its weight and its output. */
    public List<String> names() {
        List<String> n = new ArrayList<>();
        if (!node.getName().isEmpty()) {
            n.add(node.getName());
        }
        n.add(weight);
        n.add(output());
        return n;
    }

    /**
     * The decoder layer the op belongs to ({@code layers.3}), found in its weight or node name, or its
     * display name for ops outside the layers (embedding, LM head).
     */
    public String layer() {
        for (String s : List.of(weight, node.getName())) {
            Matcher m = LAYER.matcher(s);
            if (m.find()) {
                return "layers." + m.group(1);
            }
        }
        return kind == Kind.EMBEDDING ? "embedding" : displayName();
    }
}
