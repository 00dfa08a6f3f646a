package io.llmagentos.benchmarks.pipelines;

import io.llmagentos.benchmarks.BenchReport;
import io.llmagentos.benchmarks.MachineInfo;
import io.llmagentos.pipelines.db.MetadataDb;
import io.llmagentos.pipelines.exec.Executor;
import io.llmagentos.pipelines.exec.RunReport;
import io.llmagentos.pipelines.spec.PipelineSpec;
import io.llmagentos.pipelines.spec.SpecLoader;
import io.llmagentos.pipelines.stage.StageRegistry;
import io.llmagentos.pipelines.tracking.Tracking;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Scheduling overhead of the pipeline executor: a DAG of no-op steps (each step needs step (i-1)/2: a binary tree,
 * so up to max_parallel run at once) on a SQLite metadata DB, in-process and in child JVMs. Overhead per step =
 * wall time / steps, since the steps do nothing. Also the same DAG again (all cache hits) and a chain (no
 * parallelism). Every step writes its DB rows, its try directory and logs, as real steps do.
 *
 * <p>Args: --steps N (100), --child-steps N (100), --parallel N (4), --dir DIR (scratch, default a temp dir).
 */
public final class PipelineBench {
    private PipelineBench() {
    }

    static String dag(String name, int steps, boolean tree, String isolation, int parallel) {
        StringBuilder sb = new StringBuilder("pipeline: " + name + "\nmax_parallel: " + parallel
                + "\nparams:\n  tag: x\nsteps:\n");
        for (int i = 0; i < steps; i++) {
            sb.append("  s").append(i).append(":\n    uses: noop\n    isolation: ").append(isolation)
                    .append("\n    with: {value: \"${params.tag}-").append(i).append("\"}\n");
            if (i > 0) {
                sb.append("    needs: [s").append(tree ? (i - 1) / 2 : i - 1).append("]\n");
            }
        }
        return sb.toString();
    }

    public static void main(String[] args) throws Exception {
        int steps = 100;
        int childSteps = 100;
        int parallel = 4;
        Path dir = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--child-steps" -> childSteps = Integer.parseInt(args[++i]);
                case "--parallel" -> parallel = Integer.parseInt(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (dir == null) {
            dir = Files.createTempDirectory("agentos-pipeline-bench");
        }
        BenchReport report = new BenchReport("pipelines", "Pipeline executor: scheduling overhead per no-op step")
                .param("steps", steps).param("child_steps", childSteps).param("max_parallel", parallel)
                .param("db", "SQLite (WAL)").param("machine", MachineInfo.describe());
        StageRegistry reg = StageRegistry.load();
        try (MetadataDb db = MetadataDb.open("jdbc:sqlite:" + dir.resolve("bench.db"))) {
            Executor ex = new Executor(db, reg, Tracking.NONE, new Executor.Config(dir.resolve("runs"), 0,
                    Duration.ofSeconds(30), List.of("-Xshare:auto", "-XX:TieredStopAtLevel=1"), null, false));
            // warm-up: class loading, JIT, SQLite
            measure(ex, reg, dir, dag("warmup", 20, true, "in-process", parallel));
            double[] tree = measure(ex, reg, dir, dag("tree", steps, true, "in-process", parallel));
            report.row("in-process, tree DAG").put("steps", steps).put("wall_s", tree[0]).put("ms_per_step", 1e3 * tree[0] / steps)
                    .put("cached_rerun_ms_per_step", 1e3 * tree[1] / steps);
            double[] chain = measure(ex, reg, dir, dag("chain", steps, false, "in-process", parallel));
            report.row("in-process, chain").put("steps", steps).put("wall_s", chain[0]).put("ms_per_step", 1e3 * chain[0] / steps)
                    .put("cached_rerun_ms_per_step", 1e3 * chain[1] / steps);
            if (childSteps > 0) {
                double[] child = measure(ex, reg, dir, dag("children", childSteps, true, "child-jvm", parallel));
                report.row("child JVM, tree DAG").put("steps", childSteps).put("wall_s", child[0])
                        .put("ms_per_step", 1e3 * child[0] / childSteps).put("cached_rerun_ms_per_step", 1e3 * child[1] / childSteps);
            }
        }
        report.note("goal: <= 50 ms per in-process step; child-JVM steps pay a JVM start each (divided by max_parallel "
                + "when the DAG allows)");
        report.printAndWrite(Path.of(System.getProperty("agentos.bench.results", "benchmarks/results")));
    }

    /** Wall seconds of a fresh run and of a second run (all cache hits). */
    static double[] measure(Executor ex, StageRegistry reg, Path dir, String yaml) throws Exception {
        Path f = dir.resolve("p-" + System.nanoTime() + ".yaml");
        Files.writeString(f, yaml);
        // a fresh tag gives fresh cache keys; the second run with the same tag is all cache hits
        PipelineSpec spec = new SpecLoader(reg).load(f, Map.of("tag", Long.toString(System.nanoTime())));
        long t0 = System.nanoTime();
        RunReport r = ex.execute(ex.createRun(spec, "manual", null));
        double fresh = (System.nanoTime() - t0) / 1e9;
        if (!r.status().equals("SUCCEEDED")) {
            throw new IllegalStateException("benchmark run failed: " + r.error());
        }
        long t1 = System.nanoTime();
        RunReport again = ex.execute(ex.createRun(spec, "manual", null));
        double cached = (System.nanoTime() - t1) / 1e9;
        if (!again.steps().stream().allMatch(x -> x.status().equals("CACHED"))) {
            throw new IllegalStateException("the re-run was not all cache hits: " + again.status());
        }
        return new double[] {fresh, cached};
    }
}
