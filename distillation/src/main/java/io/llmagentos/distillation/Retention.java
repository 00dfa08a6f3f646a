package io.llmagentos.distillation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.training.Batch;
import io.llmagentos.training.LlamaModel;
import io.llmagentos.training.Objective;
import io.llmagentos.training.TrainingData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * How much of the teacher a student keeps: both measured on the same inputs, on the same device, in this
 * process. Perplexity on the first {@code valWindows} validation windows (exp of the mean next-token
 * cross-entropy), task accuracy on the eval set's multiple-choice questions ({@link MultipleChoice}, scored by the
 * evaluation module), how closely the student follows the teacher on those validation windows ({@link Agreement}),
 * parameters, weight bytes, and forward-pass tokens per second (median of timed batches after a warm-up).
 */
public final class Retention {
    private Retention() {
    }

    /** One model's numbers. */
    public record Side(long parameters, long weightBytes, double valPerplexity, MultipleChoice.Score task,
                       double tokensPerSecond) {
    }

    /**
     * How closely the student's next-token distribution follows the teacher's, over the target positions of the
     * validation windows perplexity is measured on: {@code kl} is the mean KL(p_teacher ‖ p_student) in nats per
     * token (at temperature 1; 0 when the student predicts exactly as the teacher), {@code top1} the fraction of
     * positions where both rank the same token first. What distillation optimises, measured where neither trained.
     */
    public record Agreement(double kl, double top1) {
    }

    /**
     * Student against teacher. Ratios are student / teacher; {@code accuracyRetention} (student accuracy /
     * teacher accuracy) is null without an eval set.
     */
    public record Report(Side teacher, Side student, Agreement agreement, int valWindows, int batch, int seqLen) {
        public double parameterRatio() {
            return (double) student.parameters() / teacher.parameters();
        }

        public double bytesRatio() {
            return (double) student.weightBytes() / teacher.weightBytes();
        }

        public double speedRatio() {
            return student.tokensPerSecond() / teacher.tokensPerSecond();
        }

        public Double accuracyRetention() {
            return teacher.task() == null ? null : student.task().accuracy() / teacher.task().accuracy();
        }

        /** Teacher perplexity / student perplexity: 1 when the student is as good, below 1 when worse. */
        public double perplexityRetention() {
            return teacher.valPerplexity() / student.valPerplexity();
        }

        public ObjectNode toJson() {
            ObjectNode o = JsonFields.MAPPER.createObjectNode();
            o.set("teacher", side(teacher));
            o.set("student", side(student));
            ObjectNode r = o.putObject("ratios");
            r.put("parameters", parameterRatio());
            r.put("weight_bytes", bytesRatio());
            r.put("tokens_per_s", speedRatio());
            r.put("perplexity_retention", perplexityRetention());
            if (accuracyRetention() != null) {
                r.put("task_accuracy_retention", accuracyRetention());
            }
            ObjectNode a = o.putObject("agreement");
            a.put("kl_teacher_student", agreement.kl());
            a.put("top1", agreement.top1());
            ObjectNode h = o.putObject("how");
            h.put("val_windows", valWindows);
            h.put("forward_batch", batch + " x " + seqLen + " tokens");
            h.put("agreement", "on the val_windows: kl_teacher_student = mean KL(p_teacher || p_student) in nats per "
                    + "target token at temperature 1, top1 = fraction of those tokens where both rank the same token "
                    + "first");
            h.put("task", "multiple-choice accuracy (choices continue the question, or its cloze under retention.mc_prompt "
                    + "cloze): task_accuracy by PMI (log p(choice | question) - log p(choice | "
                    + "null question)), task_accuracy_per_character by log-likelihood per character of the choice, "
                    + "task_accuracy_unnormalized by summed log-likelihood");
            return o;
        }

        private static ObjectNode side(Side s) {
            ObjectNode o = JsonFields.MAPPER.createObjectNode();
            o.put("parameters", s.parameters());
            o.put("weight_bytes", s.weightBytes());
            o.put("val_ppl", s.valPerplexity());
            if (s.task() != null) {
                o.put("task_accuracy", s.task().accuracy());
                o.put("task_accuracy_per_character", s.task().accuracyPerCharacter());
                o.put("task_accuracy_unnormalized", s.task().accuracyUnnormalized());
                o.put("task_questions", s.task().questions());
                o.put("task_chance", s.task().chance());
            }
            o.put("tokens_per_s", s.tokensPerSecond());
            return o;
        }
    }

    /**
     * Measures teacher and student checkpoints. {@code validation} supplies the windows (its validation split);
     * {@code questions} may be null (no task accuracy).
     */
    public static Report measure(Path teacherDir, Path studentDir, TrainingData validation, int valWindows,
            List<MultipleChoice.Question> questions, int batch, int speedBatches, ai.djl.Device device)
            throws IOException {
        int n = Math.min(valWindows, validation.validationSize());
        try (Checkpoint tc = Checkpoint.open(teacherDir); Checkpoint sc = Checkpoint.open(studentDir);
             LlamaModel teacher = LlamaModel.load(tc, device); LlamaModel student = LlamaModel.load(sc, device)) {
            StudentInit.requireSameTokenizer(tc.tokenizer(), teacherDir, sc.tokenizer(), studentDir);
            Tokenizer tok = tc.tokenizer();
            Validation v = validate(teacher, student, validation, n, batch);
            double tPpl = Math.exp(v.teacherLoss());
            double sPpl = Math.exp(v.studentLoss());
            Agreement agreement = v.agreement();
            MultipleChoice.Score tTask = questions == null ? null : MultipleChoice.score(teacher, tok, questions);
            MultipleChoice.Score sTask = questions == null ? null : MultipleChoice.score(student, tok, questions);
            // timed batches alternate between the two models, so load from elsewhere on the machine falls on both
            double[] tSec = new double[speedBatches];
            double[] sSec = new double[speedBatches];
            int[][] in = speedInputs(validation, batch);
            for (int k = -1; k < speedBatches; k++) {
                double a = forwardSeconds(teacher, in);
                double b = forwardSeconds(student, in);
                if (k >= 0) {
                    tSec[k] = a;
                    sSec[k] = b;
                }
            }
            double tokens = in.length * (double) validation.seqLen();
            return new Report(new Side(teacher.parameterCount(), tc.weightBytes(), tPpl, tTask, tokens / median(tSec)),
                    new Side(student.parameterCount(), sc.weightBytes(), sPpl, sTask, tokens / median(sSec)),
                    agreement, n, in.length, validation.seqLen());
        }
    }

    /** Validation windows {@code from … from + rows - 1} as a batch. */
    private static Batch validationRows(TrainingData data, int from, int rows) throws IOException {
        int seq = data.seqLen();
        int[][] in = new int[rows][seq];
        int[][] tg = new int[rows][seq];
        float[][] w = new float[rows][seq];
        for (int r = 0; r < rows; r++) {
            data.validation(from + r, in[r], tg[r], w[r]);
        }
        return new Batch(in, tg, w);
    }

    /**
     * Both models' mean next-token cross-entropy (nats per target token, as training's validation loss) and their
     * {@link Agreement}, over the target positions of the first {@code n} validation windows.
     */
    public record Validation(double teacherLoss, double studentLoss, Agreement agreement) {
    }

    /**
     * {@link Validation} of the two models from one forward pass of each per batch of validation windows (one in all
     * when {@code student} is {@code teacher}).
     */
    public static Validation validate(LlamaModel teacher, LlamaModel student, TrainingData data, int n, int batch)
            throws IOException {
        if (n < 1) {
            throw new IOException("the shards have no validation windows to measure perplexity on; raise "
                    + "data.validation_fraction");
        }
        double tLoss = 0;
        double sLoss = 0;
        double kl = 0;
        double same = 0;
        double tokens = 0;
        try (NDManager root = teacher.manager().newSubManager()) {
            for (int i = 0; i < n; i += batch) {
                Batch b = validationRows(data, i, Math.min(batch, n - i));
                try (NDManager m = root.newSubManager()) {
                    NDArray ids = LlamaModel.ids(m, b.inputs());
                    NDArray lt = logProbs(teacher, ids);
                    NDArray ls = student == teacher ? lt : logProbs(student, ids);
                    NDArray mask = Objective.weights(m, b, lt);
                    tLoss += Objective.nllSum(lt, b, m).getFloat();
                    sLoss += Objective.nllSum(ls, b, m).getFloat();
                    kl += lt.exp().mul(lt.sub(ls)).sum(new int[] {-1}).mul(mask).sum().getFloat();
                    same += lt.argMax(-1).eq(ls.argMax(-1)).toType(DataType.FLOAT32, false).mul(mask).sum().getFloat();
                }
                tokens += b.tokens();
            }
        }
        double t = Math.max(1, tokens);
        return new Validation(tLoss / t, sLoss / t, new Agreement(kl / t, same / t));
    }

    /** The model's next-token log-probabilities for {@code ids}, on the CPU. */
    private static NDArray logProbs(LlamaModel model, NDArray ids) {
        return model.forward(model.weights(), ids.toDevice(model.device(), false), null)
                .toDevice(ai.djl.Device.cpu(), false).logSoftmax(-1);
    }

    private static int[][] speedInputs(TrainingData data, int batch) throws IOException {
        int seq = data.seqLen();
        int rows = Math.min(batch, data.validationSize());
        int[][] in = new int[rows][seq];
        int[] tg = new int[seq];
        float[] w = new float[seq];
        for (int r = 0; r < rows; r++) {
            data.validation(r, in[r], tg, w);
        }
        return in;
    }

    /** Seconds of one forward pass over {@code in}. */
    private static double forwardSeconds(LlamaModel model, int[][] in) {
        try (NDManager m = model.manager().newSubManager()) {
            NDArray ids = LlamaModel.ids(m, in).toDevice(model.device(), false);
            long t0 = System.nanoTime();
            NDArray logits = model.forward(model.weights(), ids, null);
            logits.getFloat(0, 0, 0); // wait for the device
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
