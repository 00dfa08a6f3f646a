package io.llmagentos.benchmarks.dataprep;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.benchmarks.BenchReport;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.dataprep.DataPrep;
import io.llmagentos.dataprep.PrepConfig;
import io.llmagentos.dataprep.PrepReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * Data prep against Hugging Face datatrove on the same corpus in the same run (issue 4). Ours: {@link DataPrep}
 * with its default settings on Spark {@code local[W]} (normalize incl. HTML and boilerplate, Gopher quality and
 * repetition rules, exact dedup, MinHash LSH near-dup with Jaccard verification, PII redaction, split, write);
 * Spark session start-up is timed on its own. The peer: scripts/bench/dataprep_peer.py, datatrove's
 * LocalPipelineExecutor with W worker processes doing normalization, Gopher repetition + quality filters,
 * exact dedup and its 4-stage MinHash dedup. "Equivalent steps" for ours are the stages datatrove also runs
 * (ingest, clean, exact_dedup, near_dedup); the whole job is a second row. docs/s per core = input documents /
 * seconds / W. Run with {@code scripts/bench/dataprep.sh}.
 */
public final class DataPrepBench {
    private DataPrepBench() {
    }

    public static void main(String[] args) throws Exception {
        Path corpus = null;
        Path work = Path.of(System.getProperty("java.io.tmpdir"), "agentos-dataprep-bench");
        int workers = 2;
        String label = "";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--corpus" -> corpus = Path.of(args[++i]);
                case "--work" -> work = Path.of(args[++i]);
                case "--workers" -> workers = Integer.parseInt(args[++i]);
                case "--label" -> label = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; options: --corpus DIR (JSONL files) --work DIR --workers N (2) --label TEXT");
            }
        }
        if (corpus == null || !Files.isDirectory(corpus)) {
            throw new IllegalArgumentException("--corpus DIR (a directory of .jsonl files) is required");
        }
        long bytes;
        int files;
        try (Stream<Path> s = Files.list(corpus)) {
            List<Path> l = s.filter(p -> p.toString().endsWith(".jsonl")).toList();
            files = l.size();
            long b = 0;
            for (Path p : l) {
                b += Files.size(p);
            }
            bytes = b;
        }
        deleteRecursively(work);
        Files.createDirectories(work);

        // ours
        long t0 = System.nanoTime();
        PrepConfig cfg = PrepConfig.defaults();
        PrepReport report;
        double startup;
        double cpu0;
        try (SparkSession spark = DataPrep.createSession("local[" + workers + "]", cfg.spark())) {
            spark.range(1).count(); // the first job starts the executors
            startup = (System.nanoTime() - t0) / 1e9;
            cpu0 = processCpuSeconds();
            report = new DataPrep(spark, cfg).run(List.of(corpus.toString()), work.resolve("ours"),
                    ProgressListener.NONE);
        }
        double cpu = processCpuSeconds() - cpu0;
        Map<String, Double> s = report.seconds();
        double equivalent = s.get("ingest") + s.get("clean") + s.get("exact_dedup") + s.get("near_dedup");
        double total = s.get("total");
        long docs = report.counts().input();

        // datatrove
        Path python = Path.of(System.getProperty("agentos.bench.python", ".venv-bench/bin/python"));
        Path repo = Path.of(System.getProperty("agentos.repo.root", "."));
        List<String> cmd = new ArrayList<>(List.of(python.toString(), repo.resolve("scripts/bench/dataprep_peer.py")
                .toString(), corpus.toString(), work.resolve("datatrove").toString(), Integer.toString(workers)));
        long tp = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectError(work.resolve("datatrove.log").toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(3, TimeUnit.HOURS) || p.exitValue() != 0) {
            throw new IllegalStateException("datatrove peer failed; see " + work.resolve("datatrove.log") + ": "
                    + new String(out, StandardCharsets.UTF_8));
        }
        double peerWall = (System.nanoTime() - tp) / 1e9;
        String text = new String(out, StandardCharsets.UTF_8).strip();
        JsonNode peer = JsonFields.MAPPER.readTree(text.substring(text.lastIndexOf('\n') + 1));
        JsonNode ps = peer.get("seconds");
        double peerTotal = ps.get("total").asDouble();
        double peerCpu = peer.get("cpu_seconds").asDouble();

        double mb = bytes / 1e6;
        BenchReport r = new BenchReport("dataprep", "data prep on " + String.format("%.0f", mb)
                + " MB: agentos DataPrep (Spark local[" + workers + "]) vs datatrove (" + workers + " workers)");
        r.param("corpus", corpus + " (" + files + " JSONL files, " + docs + " documents, " + bytes + " bytes" + label + ")");
        r.param("workers", workers + " (ours: Spark local[" + workers + "]; datatrove: LocalPipelineExecutor workers)");
        r.param("peer", "datatrove 0.10.1 (" + python + ")");
        r.param("ours_stage_seconds", s.toString());
        r.param("peer_stage_seconds", ps.toString());
        r.param("kept", "ours " + report.counts().kept() + " (filtered " + report.counts().filteredTotal()
                + ", exact " + report.counts().exactDuplicates() + ", near " + report.counts().nearDuplicates()
                + "); datatrove " + peer.get("kept").asLong() + " (after filters " + peer.get("after_filters").asLong()
                + ", after exact " + peer.get("after_exact").asLong() + ")");
        r.row("Spark session start-up (local[" + workers + "])").put("seconds", startup);
        r.row("agentos equivalent steps (ingest, clean, exact, near-dup)").put("seconds", equivalent)
                .put("docs_per_s_per_core", docs / equivalent / workers).put("mb_per_s_per_core", mb / equivalent / workers)
                .put("vs_datatrove", peerTotal / equivalent);
        r.row("agentos whole job (+ PII, split, write)").put("seconds", total)
                .put("docs_per_s_per_core", docs / total / workers).put("mb_per_s_per_core", mb / total / workers)
                .put("vs_datatrove", peerTotal / total).put("cpu_seconds", cpu)
                .put("docs_per_cpu_s", docs / cpu).put("vs_datatrove_cpu", peerCpu / cpu);
        r.row("datatrove (normalize, Gopher, exact, MinHash)").put("seconds", peerTotal)
                .put("docs_per_s_per_core", docs / peerTotal / workers).put("mb_per_s_per_core", mb / peerTotal / workers)
                .put("cpu_seconds", peerCpu).put("docs_per_cpu_s", docs / peerCpu);
        r.note("datatrove wall time including interpreter start: " + String.format("%.1f", peerWall) + " s");
        r.note("vs_datatrove = datatrove seconds / ours (the goal is >= 3 per core, both sides on the same cores)");
        r.note("cpu_seconds = user + system CPU of the whole process (ours: the JVM during DataPrep.run, incl. JIT and GC;"
                + " datatrove: the executor and its worker processes); vs_datatrove_cpu compares whole job to whole"
                + " pipeline, and holds when other work shares the cores");
        r.printAndWrite(Path.of(System.getProperty("agentos.bench.results", "benchmarks/results")));
    }

    private static double processCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
