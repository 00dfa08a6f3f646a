package io.llmagentos.distillation;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.llmagentos.training.Batch;
import io.llmagentos.training.LlamaModel;
import io.llmagentos.training.Objective;
import io.llmagentos.training.Scalars;
import io.llmagentos.training.Weights;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The optional hidden-state term: for each pair (i, j) of the layer map, student hidden state i is pulled
 * towards teacher hidden state j (indices as in {@link LlamaModel.Outputs}: 0 = embeddings, L = after the
 * final norm). When the widths differ, a learned projection {@code P_i [teacher_hidden, student_hidden]}
 * maps the student's state into the teacher's space first (TinyBERT's W_h); it trains with the student and
 * is dropped afterwards. Per position, averaged over the pairs:
 *
 * <pre>
 *   mse:    H = mean_d (P·h_s − h_t)²
 *   cosine: H = 1 − (P·h_s)·h_t / (‖P·h_s‖ ‖h_t‖)
 * </pre>
 *
 * The distillation objective adds {@code β · H} to each position's KD loss.
 */
public final class HiddenLoss implements AutoCloseable {
    /** Which distance. */
    public enum Kind {
        MSE, COSINE
    }

    /** A student hidden-state index and the teacher hidden-state index it imitates. */
    public record Pair(int student, int teacher) {
    }

    private final Kind kind;
    private final double weight;
    private final List<Pair> pairs;
    private final NDManager manager;
    private final Map<String, Parameter> projections = new LinkedHashMap<>();

    /**
     * @param studentHidden, teacherHidden the two widths; a projection per pair is created when they differ
     * @param seed           initialises the projections (N(0, 1/student_hidden))
     */
    public HiddenLoss(Kind kind, double weight, List<Pair> pairs, int studentHidden, int teacherHidden, long seed,
            Device device) {
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("the hidden-state loss needs at least one student:teacher pair");
        }
        this.kind = kind;
        this.weight = weight;
        this.pairs = List.copyOf(pairs);
        this.manager = NDManager.newBaseManager(device);
        if (studentHidden != teacherHidden) {
            SplittableRandom r = new SplittableRandom(seed ^ 0x6A09E667F3BCC909L);
            double std = 1 / Math.sqrt(studentHidden);
            for (Pair p : pairs) {
                float[] v = new float[teacherHidden * studentHidden];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (r.nextGaussian() * std);
                }
                String name = projectionName(p.student());
                Parameter param = Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).build();
                param.setArray(LlamaModel.owned(manager.create(v, new Shape(teacherHidden, studentHidden))));
                projections.put(name, param);
            }
        }
    }

    /** The tensor name of the projection of student hidden state {@code i}. */
    public static String projectionName(int i) {
        return "distill.hidden_proj." + i + ".weight";
    }

    /**
     * The default map when none is configured: student state i (1 … L_s) imitates teacher state
     * {@code round(i · L_t / L_s)}: the last states pair up, and each student block stands in for
     * {@code L_t / L_s} teacher blocks (for a student of every other teacher layer, student state i meets teacher
     * state 2i: the output of the copied layer 2i − 2 and the layer after it).
     */
    public static List<Pair> uniformPairs(int studentLayers, int teacherLayers) {
        List<Pair> out = new java.util.ArrayList<>();
        for (int i = 1; i <= studentLayers; i++) {
            out.add(new Pair(i, (int) Math.round((double) i * teacherLayers / studentLayers)));
        }
        return out;
    }

    public List<Pair> pairs() {
        return pairs;
    }

    public Kind kind() {
        return kind;
    }

    /** The learned projections (empty when the widths are equal), trained by the loop with the student. */
    public Map<String, Parameter> parameters() {
        return Collections.unmodifiableMap(projections);
    }

    /** {@code Σ_pos w_pos · β · H_pos} for one batch. */
    public NDArray lossSum(NDArray[] student, NDArray[] teacher, Weights w, Batch b, NDManager m) {
        NDArray total = null;
        for (Pair p : pairs) {
            NDArray hs = student[p.student()];
            NDArray ht = teacher[p.teacher()];
            String proj = projectionName(p.student());
            if (projections.containsKey(proj)) {
                hs = w.linear(proj, hs);
            }
            NDArray h = switch (kind) {
                case MSE -> hs.sub(ht).square().mean(new int[] {-1});
                case COSINE -> {
                    NDArray dot = hs.mul(ht).sum(new int[] {-1});
                    NDArray norms = Scalars.maximum(hs.norm(new int[] {-1}).mul(ht.norm(new int[] {-1})), 1e-8);
                    yield dot.div(norms).neg().add(1);
                }
            };
            total = total == null ? h : total.add(h);
        }
        return Scalars.mul(total, weight / pairs.size()).mul(Objective.weights(m, b, total)).sum();
    }

    @Override
    public void close() {
        manager.close();
    }
}
