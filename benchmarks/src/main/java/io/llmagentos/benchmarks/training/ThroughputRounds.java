package io.llmagentos.benchmarks.training;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The throughput measurement of one model: rounds that alternate the peer and ours (so that load from other
 * processes falls on both), each with the full step, peak RSS, the phase profile and (demo teacher only) the
 * 1 × 16-token step; then the optimizer phase alone. Prints a line per round.
 */
final class ThroughputRounds {
    private final BenchOptions opts;
    private final PeerRunner peer;
    private final OurLoop loop;
    private final Path work;

    /**
     * What the rounds measured: timed step seconds of each side, RSS in MB (before the run and peak), median
     * seconds per phase per round, 1 × 16 step seconds per round (empty for the larger model), the peer's torch
     * build, and {@link OptimizerMicro}'s result.
     */
    record Result(List<Double> ours, List<Double> theirs, double ourRssBefore, double ourPeakRss,
            double theirRssBefore, double theirPeakRss, Map<String, List<Double>> ourPhases,
            Map<String, List<Double>> theirPhases, List<Double> ourTiny, List<Double> theirTiny, String torchInfo,
            Map<String, Double> optimizer) {
    }

    ThroughputRounds(BenchOptions opts, PeerRunner peer, OurLoop loop, Path work) {
        this.opts = opts;
        this.peer = peer;
        this.loop = loop;
        this.work = work;
    }

    Result measure(ModelSpec ms) throws Exception {
        boolean big = ms.preset() == null;
        int nRounds = big ? opts.largerRounds() : opts.rounds();
        int nSteps = big ? opts.largerSteps() : opts.steps();
        int nWarm = big ? Math.min(opts.warmup(), 1) : opts.warmup();
        int batch = opts.batch();
        int seq = opts.seq();
        List<Double> ours = new ArrayList<>();
        List<Double> theirs = new ArrayList<>();
        double ourPeakRss = 0;
        double ourRssBefore = 0;
        double theirPeakRss = 0;
        double theirRssBefore = 0;
        Map<String, List<Double>> ourPhases = new LinkedHashMap<>();
        Map<String, List<Double>> theirPhases = new LinkedHashMap<>();
        List<Double> ourTiny = new ArrayList<>();
        List<Double> theirTiny = new ArrayList<>();
        String torchInfo = "";
        for (int k = 0; k < nRounds; k++) {
            JsonNode py = peer.train(work, ms.config(), batch, seq, nWarm, nSteps, null, null, StepSettings.LR);
            py.get("step_seconds").forEach(v -> theirs.add(v.asDouble()));
            py.get("phase_median_seconds").fields().forEachRemaining(e ->
                    theirPhases.computeIfAbsent(e.getKey(), x -> new ArrayList<>()).add(e.getValue().asDouble()));
            theirPeakRss = Math.max(theirPeakRss, py.get("peak_rss_mb").asDouble());
            theirRssBefore = py.get("rss_before_train_mb").asDouble();
            torchInfo = "torch " + py.get("torch").asText() + " (Python " + py.get("python").asText() + ", MKL "
                    + py.get("mkl").asBoolean() + ", intra/inter-op threads " + py.get("threads").asInt() + "/"
                    + py.get("interop_threads").asInt() + ")";

            double rssBefore = ProcStats.resetPeakRss();
            List<Double> st = loop.run(ms, nWarm + nSteps, null);
            double rssPeak = ProcStats.peakRssMb();
            ours.addAll(st.subList(nWarm, st.size()));
            ourPeakRss = Math.max(ourPeakRss, rssPeak);
            ourRssBefore = rssBefore;

            Map<String, Double> ph = loop.profile(ms.config(), batch, seq, nWarm, nSteps);
            ph.forEach((key, v) -> ourPhases.computeIfAbsent(key, x -> new ArrayList<>()).add(v));

            if (!big) { // the overhead floor; the larger model's would take as long as a few of its full steps
                theirTiny.add(peer.train(work, ms.config(), 1, 16, 3, 10, null, null, StepSettings.LR)
                        .get("median_step_seconds").asDouble());
                ourTiny.add(loop.profile(ms.config(), 1, 16, 3, 10).get("step"));
            }
            System.out.printf(Locale.ROOT, "%s round %d: step ours %.3f s (profile loop %.3f s), PyTorch %.3f s; "
                            + "1x16 step ours %.1f ms, PyTorch %.1f ms; load %s%n", ms.label(), k + 1,
                    Stats.medianOf(st.subList(nWarm, st.size())), ph.get("step"),
                    py.get("median_step_seconds").asDouble(), big ? Double.NaN : ourTiny.get(k) * 1e3,
                    big ? Double.NaN : theirTiny.get(k) * 1e3, ProcStats.loadAverage());
        }
        Map<String, Double> opt = OptimizerMicro.run(ms.config(), big ? 3 : 10, opts.seed());
        return new Result(ours, theirs, ourRssBefore, ourPeakRss, theirRssBefore, theirPeakRss, ourPhases,
                theirPhases, ourTiny, theirTiny, torchInfo, opt);
    }
}
