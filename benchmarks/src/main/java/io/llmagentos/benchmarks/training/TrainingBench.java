package io.llmagentos.benchmarks.training;

import ai.djl.engine.Engine;
import io.llmagentos.training.Devices;
import io.llmagentos.training.Flops;
import io.llmagentos.training.LmTrainer;
import io.llmagentos.training.ModelPresets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Training throughput of our loop against PyTorch eager on the same machine in the same run (issue 5):
 * <ol>
 *   <li><b>GEMM peak</b>: float32 matmul 1024² and 2048² in DJL and in torch, same threads; the better DJL
 *       median is the peak MFU is quoted against.</li>
 *   <li><b>Same math</b> (before any timing): {@link LmTrainer} runs a few steps of the demo teacher and the
 *       PyTorch peer (scripts/bench/training_peer.py) runs the same steps from the same initial weights on the
 *       same windows with the same learning rates; their losses must agree (relative 1e-3), else the
 *       comparison would be between two different computations and the benchmark stops.</li>
 *   <li><b>Throughput</b>, per model (the {@code demo-teacher} preset, and with {@code --larger} a hidden 512,
 *       8-layer model): rounds alternate the peer and ours, so that load from other processes falls on both.
 *       Ours is the real loop, {@code LmTrainer.run} (pretraining, full optimizer step = forward + backward +
 *       clipping + AdamW, {@code batch × seq} random token ids of the tokenizer's vocabulary, {@code threads}
 *       intra-op threads); its step time is what the loop itself measures around {@code trainStep}, median over
 *       the steps after warm-up. Peak RSS is the JVM's high-water mark during the run
 *       ({@code /proc/self/clear_refs} resets it first), the peer's its process maximum.</li>
 *   <li><b>Profile</b>: a copy of {@code LmTrainer.trainStep} (single device, no accumulation, same calls) with
 *       a clock between data, forward, backward, clip and AdamW; and the same at 1 × 16 tokens, where the step
 *       time is almost all per-op overhead, on both sides.</li>
 * </ol>
 * MFU = tokens/s × {@link Flops#trainingFlopsPerToken} / GEMM peak. Run with {@code scripts/bench/training.sh}.
 */
public final class TrainingBench {
    private final BenchOptions opts;
    private final PeerRunner peer;
    private final Path work;

    private TrainingBench(BenchOptions opts, PeerRunner peer, Path work) {
        this.opts = opts;
        this.peer = peer;
        this.work = work;
    }

    public static void main(String[] args) throws Exception {
        BenchOptions opts = BenchOptions.parse(args);
        PeerRunner peer = new PeerRunner(opts.threads(), opts.seed());
        Path work = Files.createTempDirectory(opts.dir(), "training-bench-");
        try {
            new TrainingBench(opts, peer, work).run();
        } finally {
            if (opts.keep()) {
                System.out.println("   work files kept in " + work);
            } else {
                deleteTree(work);
            }
        }
    }

    private void run() throws Exception {
        String loadAtStart = ProcStats.loadAverage();
        // Devices.threads calls into libtorch, which is loaded only once the engine starts
        Engine.getEngine("PyTorch");
        Devices.threads(opts.threads());
        if (opts.optimizerOnly()) {
            System.out.println("optimizer phase, demo-teacher: " + OptimizerMicro.run(
                    ModelPresets.config("demo-teacher", BenchData.VOCAB), 10, opts.seed()));
            return;
        }
        BenchData data = BenchData.prepare(work, opts.batch(), opts.seq(), opts.seed());
        TrainingReport report = new TrainingReport(opts, data.tok().vocabSize());
        report.gemm(GemmPeak.measure(peer));

        List<ModelSpec> models = new ArrayList<>();
        models.add(ModelSpec.demoTeacher(data.tok().vocabSize()));
        if (opts.larger()) {
            models.add(ModelSpec.larger(data.tok().vocabSize(), opts.seq()));
        }

        OurLoop loop = new OurLoop(opts, data, work);
        report.sameMath(SameMath.check(opts, models.get(0), loop, peer, data, work));

        ThroughputRounds rounds = new ThroughputRounds(opts, peer, loop, work);
        for (ModelSpec ms : models) {
            report.model(ms, rounds.measure(ms));
        }
        report.finish(loadAtStart);
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
