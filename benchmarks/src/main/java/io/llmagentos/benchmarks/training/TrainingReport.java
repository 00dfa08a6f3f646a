package io.llmagentos.benchmarks.training;

import ai.djl.engine.Engine;
import io.llmagentos.benchmarks.BenchReport;
import io.llmagentos.training.Flops;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The results table and JSON ({@code training}): the run's parameters, a row per GEMM size and side, a row per
 * model and side (tokens/s, step, MFU, RSS, 1 × 16 step), and the notes that explain them. Calls must come in
 * the order the benchmark measures: {@link #gemm}, {@link #sameMath}, {@link #model} per model, {@link #finish}.
 */
final class TrainingReport {
    private final BenchOptions opts;
    private final BenchReport r;
    private double peak;
    private double torchPeak;

    TrainingReport(BenchOptions opts, int vocabSize) {
        this.opts = opts;
        int threads = opts.threads();
        r = new BenchReport("training", "training step throughput on " + threads + " threads: LmTrainer (DJL "
                + Engine.getDjlVersion() + ", libtorch " + Engine.getInstance().getVersion() + ") vs PyTorch eager");
        r.param("batch", opts.batch() + " x " + opts.seq() + " tokens (random ids of a " + vocabSize
                + "-token BPE vocabulary)");
        r.param("threads", threads + " intra-op (DJL: training.threads; torch.set_num_threads), OMP_NUM_THREADS set "
                + "by the script");
        r.param("timing", "rounds alternate PyTorch and ours; per round " + opts.warmup() + " warm-up + "
                + opts.steps() + " timed optimizer steps (larger model: " + Math.min(opts.warmup(), 1) + " + "
                + opts.largerSteps() + "); median step time over all timed steps");
    }

    /** The GEMM rows and notes; prints the peaks, which later MFUs divide by. */
    void gemm(GemmPeak g) {
        for (int i = 0; i < GemmPeak.SIZES.length; i++) {
            int n = GemmPeak.SIZES[i];
            r.row("GEMM " + n + "² fp32, DJL").put("gflops", Stats.median(g.djl()[i]));
            r.row("GEMM " + n + "² fp32, torch").put("gflops", Stats.median(g.torch()[i]));
            r.note("GEMM " + n + "² GFLOP/s per round: DJL " + fmt(g.djl()[i]) + ", torch " + fmt(g.torch()[i]));
        }
        peak = g.peak();
        torchPeak = g.torchPeak();
        System.out.printf(Locale.ROOT, "GEMM peak: DJL %.1f GFLOP/s, torch %.1f GFLOP/s%n", peak, torchPeak);
        r.param("gemm_peak_gflops", String.format(Locale.ROOT, "%.1f (DJL, best of the two sizes' medians; torch: "
                + "%.1f)", peak, torchPeak));
    }

    void sameMath(String check) {
        r.param("same_math", check);
    }

    /** One model's rows, parameters and notes. */
    void model(ModelSpec ms, ThroughputRounds.Result m) {
        int seq = opts.seq();
        double flopsPerToken = Flops.trainingFlopsPerToken(ms.config(), seq, false);
        Map<String, Double> opt = m.optimizer();
        r.note(ms.label() + String.format(Locale.ROOT, " optimizer phase alone (median of repeated updates on the "
                + "model's %d tensors): the loop's clip + AdamW.update + g.subi(g) %.3f s (clip %.3f, update+zero "
                + "%.3f); proposed: one getFloat for the norm, DJL's native adamUpdate (adamw, eps x sqrt(1 - b2^t)) "
                + "(which also zeroes the gradient) %.3f s (clip %.3f, update+zero %.3f); weights after 3 steps "
                + "differ by at most %.1e (relative to max |w|)", ms.config().expectedTensors().size(),
                opt.get("loop"), opt.get("loop_clip"), opt.get("loop_update"), opt.get("fused"),
                opt.get("fused_clip"), opt.get("fused_update"), opt.get("max_rel_diff")));
        double ourStep = Stats.medianOf(m.ours());
        double theirStep = Stats.medianOf(m.theirs());
        double tokens = (double) opts.batch() * seq;
        double ourTps = tokens / ourStep;
        double theirTps = tokens / theirStep;
        String what = " " + ms.label() + " ("
                + String.format(Locale.ROOT, "%.2fM", ms.config().parameterCount() / 1e6) + " params)";
        BenchReport.Row ourRow = r.row("agentos LmTrainer" + what).put("tokens_per_s", ourTps)
                .put("step_s", ourStep).put("mfu", ourTps * flopsPerToken / (peak * 1e9))
                .put("vs_pytorch", ourTps / theirTps).put("peak_rss_mb", m.ourPeakRss());
        if (!m.ourTiny().isEmpty()) {
            ourRow.put("step_1x16_ms", Stats.medianOf(m.ourTiny()) * 1e3);
        }
        BenchReport.Row theirRow = r.row("PyTorch eager" + what).put("tokens_per_s", theirTps)
                .put("step_s", theirStep).put("mfu", theirTps * flopsPerToken / (peak * 1e9))
                .put("mfu_own_gemm", theirTps * flopsPerToken / (torchPeak * 1e9))
                .put("peak_rss_mb", m.theirPeakRss());
        if (!m.theirTiny().isEmpty()) {
            theirRow.put("step_1x16_ms", Stats.medianOf(m.theirTiny()) * 1e3);
        }
        r.param("flops_per_token " + ms.label(), String.format(Locale.ROOT, "%.3e (Flops.trainingFlopsPerToken, "
                + "seq %d)", flopsPerToken, seq));
        r.note(ms.label() + " step seconds: ours " + fmt(m.ours()) + "; PyTorch " + fmt(m.theirs()));
        r.note(ms.label() + " profile, median seconds per phase: ours " + phases(m.ourPhases()) + "; PyTorch "
                + phases(m.theirPhases()));
        r.note(ms.label() + String.format(Locale.ROOT, " RSS: ours %.0f MB before the run (JVM, libtorch loaded, "
                + "earlier rounds' heap) -> %.0f MB peak; PyTorch %.0f MB after import and model -> %.0f MB peak",
                m.ourRssBefore(), m.ourPeakRss(), m.theirRssBefore(), m.theirPeakRss()));
        r.param("peer", m.torchInfo());
    }

    /** The closing parameters and notes; prints the table and writes the JSON. */
    void finish(String loadAtStart) throws IOException {
        r.param("load_average", "at start " + loadAtStart + ", at end " + ProcStats.loadAverage()
                + " (1/5/15 min, " + Runtime.getRuntime().availableProcessors() + " cores; other processes on the "
                + "machine slow both sides)");
        r.note("mfu = tokens/s x FLOPs/token / GEMM peak (DJL's, measured above); mfu_own_gemm divides PyTorch's by "
                + "torch's own GEMM peak");
        r.note("vs_pytorch = our tokens/s / PyTorch's (goal >= 0.9); step_1x16_ms = one optimizer step at 1 x 16 "
                + "tokens (the profile loop), where nearly all the time is per-op overhead");
        r.note("peak_rss_mb: ours is the whole JVM (heap included), high-water mark during LmTrainer.run; PyTorch's "
                + "the peer process's maximum (ru_maxrss, the import of a CUDA build of torch included)");
        r.note("profile phases: data = batch arrays + id tensor; forward = model + loss; backward; free = closing the "
                + "step's NDManager (frees the activations); clip = gradient "
                + "norm (one getFloat per tensor) + scaling; adamw = AdamW.update per tensor + zeroing the gradient; "
                + "PyTorch's optimizer = clip_grad_norm_ + AdamW.step + zero_grad");
        r.printAndWrite(Path.of(System.getProperty("agentos.bench.results", "benchmarks/results")));
    }

    private static String phases(Map<String, List<Double>> ph) {
        StringBuilder sb = new StringBuilder();
        double step = ph.containsKey("step") ? Stats.medianOf(ph.get("step")) : Double.NaN;
        ph.forEach((k, v) -> {
            if (!k.equals("step")) {
                double m = Stats.medianOf(v);
                sb.append(String.format(Locale.ROOT, "%s%s %.3f (%.0f%%)", sb.length() == 0 ? "" : ", ", k, m,
                        100 * m / step));
            }
        });
        return sb.append(String.format(Locale.ROOT, ", step %.3f", step)).toString();
    }

    private static String fmt(double[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", v[i]));
        }
        return sb.append(']').toString();
    }

    private static String fmt(List<Double> v) {
        return fmt(v.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
