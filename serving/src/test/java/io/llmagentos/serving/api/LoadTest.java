package io.llmagentos.serving.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.llmagentos.serving.Http;
import io.llmagentos.serving.ServerConfig;
import io.llmagentos.serving.ServingServer;
import io.llmagentos.serving.TestModels;
import io.llmagentos.serving.engine.EngineConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A bounded load test over real HTTP on 127.0.0.1 at 4× the server's capacity (batch 4 + 4 waiting, 32 clients):
 * only 200s and 429s, every 429 with a Retry-After, and the latency of admitted requests tight (p99 ≤ 2 × p50).
 * The latency bound is judged on a model whose decode step takes milliseconds, as a real edge model's does
 * ({@link #LATENCY_HIDDEN} × {@link #LATENCY_LAYERS}, 14 M parameters; 4-5 ms a step at batch 4 on 2 cores), for 9 s;
 * on the 0.1 M-parameter default test model a whole request takes ~20 ms, the size of the operating system's
 * scheduling noise on 2 shared cores, and its p99/p50 (2.3-3.5×, docs/benchmarks.md) measures that noise rather than
 * the server. The bound is judged only when the machine is not overloaded (load average ≤ 2 × cores), with a
 * visible assumption otherwise; {@code EngineLoadTest} checks the same bound in decode steps, which no neighbour
 * disturbs. The same check runs against the packaged server in its own JVM in {@code ServingSoakIT}. System
 * properties for experiments: {@code load.batch}, {@code load.queue}, {@code load.threads}, {@code load.spin},
 * {@code load.tokens}, {@code load.hidden}, {@code load.layers}, {@code load.seconds}.
 */
public class LoadTest {
    static final int TOKENS = Integer.getInteger("load.tokens", 24);
    /** The latency check's model: 512 wide, 6 layers (14 M parameters). */
    public static final int LATENCY_HIDDEN = 512;
    public static final int LATENCY_LAYERS = 6;

    /**
     * One attempt: its status, its latency, when it was sent (ns since the test started), its Retry-After and the
     * server's own account of its time ({@code Server-Timing}, ms; empty for a 429).
     */
    public record Attempt(int status, long nanos, long sentAt, String retryAfter, Map<String, Double> timing) {
        /** The client's latency outside the server's total: connection, Jetty, writing and reading the bodies. */
        double outsideMillis() {
            return nanos / 1e6 - timing.getOrDefault("total", 0.0);
        }
    }

    /** Statuses and admitted latencies of {@code clients} closed-loop clients, {@code perClient} attempts each. */
    public record Outcome(Map<Integer, Integer> byStatus, List<Attempt> admitted, List<Attempt> rejected) {
        public double percentileMillis(double p) {
            return percentile(admitted.stream().mapToDouble(a -> a.nanos() / 1e6).toArray(), p);
        }

        /**
         * p50 / p99 of each part of the admitted requests' time, ms: the server's {@code Server-Timing} entries
         * and what lies outside them, e.g. {@code queue 4.1/11.0, decode 12.0/15.2, …, outside 9.0/41.3}.
         */
        public String breakdown() {
            Map<String, double[]> parts = new java.util.LinkedHashMap<>();
            for (String k : admitted.isEmpty() ? List.<String>of() : admitted.get(0).timing().keySet()) {
                parts.put(k, admitted.stream().mapToDouble(a -> a.timing().getOrDefault(k, 0.0)).toArray());
            }
            parts.put("outside", admitted.stream().mapToDouble(Attempt::outsideMillis).toArray());
            StringBuilder b = new StringBuilder();
            parts.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(String.format(java.util.Locale.ROOT,
                    "%s %.1f/%.1f", k, percentile(v, 0.5), percentile(v, 0.99))));
            return b.toString();
        }

        static double percentile(double[] v, double p) {
            double[] s = v.clone();
            java.util.Arrays.sort(s);
            return s[Math.max(0, (int) Math.ceil(s.length * p) - 1)];
        }

        /** The attempts sent at or after {@code nanos} since the start. */
        public Outcome sentFrom(long nanos) {
            Map<Integer, Integer> by = new TreeMap<>();
            List<Attempt> ad = admitted.stream().filter(a -> a.sentAt() >= nanos).toList();
            List<Attempt> rj = rejected.stream().filter(a -> a.sentAt() >= nanos).toList();
            ad.forEach(a -> by.merge(a.status(), 1, Integer::sum));
            rj.forEach(a -> by.merge(a.status(), 1, Integer::sum));
            return new Outcome(by, ad, rj);
        }
    }

    /**
     * Runs the load for {@code duration}: each client posts a greedy completion ({@code TOKENS} tokens), again and
     * again until the duration is over, and after a 429 waits what the response's {@code retry-after-ms} says, as
     * OpenAI's Python client does (a client that retried at once would only measure how fast 2 shared cores answer
     * 429s). Clients run for a time rather than a number of attempts: with a count, the 429s use up attempts fast
     * and the clients finish one by one, so the run would be a start-up burst and a ramp-down, never 4x capacity.
     */
    public static Outcome load(Http http, int clients, Duration duration) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        try {
            List<Future<List<Attempt>>> fs = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                fs.add(pool.submit(() -> {
                    List<Attempt> out = new ArrayList<>();
                    while (System.nanoTime() < end) {
                        long t0 = System.nanoTime();
                        Http.Response r = http.post("/v1/completions", LifecycleTest.completion(TOKENS, false));
                        out.add(new Attempt(r.status(), System.nanoTime() - t0, t0 - start,
                                r.raw().headers().firstValue("Retry-After").orElse(null), r.serverTiming()));
                        if (r.status() == 429) {
                            // as OpenAI's clients do: wait what retry-after-ms says
                            Thread.sleep(Long.parseLong(r.raw().headers().firstValue("retry-after-ms").orElse("1000")));
                        }
                    }
                    return out;
                }));
            }
            Map<Integer, Integer> byStatus = new TreeMap<>();
            List<Attempt> admitted = new ArrayList<>();
            List<Attempt> rejected = new ArrayList<>();
            for (Future<List<Attempt>> f : fs) {
                for (Attempt a : f.get(duration.toSeconds() + 300, TimeUnit.SECONDS)) {
                    byStatus.merge(a.status(), 1, Integer::sum);
                    (a.status() == 200 ? admitted : rejected).add(a);
                }
            }
            return new Outcome(byStatus, admitted, rejected);
        } finally {
            pool.shutdownNow();
        }
    }

    /** The 1-minute load average ({@code /proc/loadavg}; 0 where there is none). */
    public static double loadAverage() throws java.io.IOException {
        java.nio.file.Path p = java.nio.file.Path.of("/proc/loadavg");
        return java.nio.file.Files.exists(p) ? Double.parseDouble(java.nio.file.Files.readString(p).split(" ")[0]) : 0;
    }

    /** Statuses at 4x capacity: only 200s and 429s, every 429 with Retry-After (in the default suite). */
    @Test
    void fourTimesCapacityGetsOnly200sAnd429s() throws Exception {
        fourTimesCapacity(false);
    }

    /** Issue 9's latency goal: p99 of admitted requests within 2x p50, over HTTP, on a model of edge-like step time. */
    @Test
    void admittedLatencyStaysWithinTwiceTheMedian() throws Exception {
        fourTimesCapacity(true);
    }

    private void fourTimesCapacity(boolean judgeLatency) throws Exception {
        // capacity 8: 4 decoded together, up to 4 waiting for them; 32 closed-loop clients = 4x
        EngineConfig engine = new EngineConfig(Integer.getInteger("load.batch", 4), Integer.getInteger("load.queue", 4),
                Integer.getInteger("load.threads", 2), Boolean.getBoolean("load.spin"));
        int clients = 4 * engine.capacity();
        ServerConfig cfg = ServerConfig.defaults().withModelName("m").withEngine(engine)
                .withLimits(1 << 20, 0, 0, Duration.ofSeconds(30));
        Path model = TestModels.exported(11, 256, Integer.getInteger("load.hidden", judgeLatency ? LATENCY_HIDDEN : 64),
                Integer.getInteger("load.layers", judgeLatency ? LATENCY_LAYERS : 2));
        try (ServingServer server = ServingServer.start(model, cfg)) {
            Http http = new Http(server.baseUri(), null);
            // one run: its first second is the start-up burst (32 clients at once, the client's own JIT and
            // connections; the server warmed itself before it was ready), the rest is the steady state at 4x
            Outcome all = load(http, clients, Duration.ofSeconds(judgeLatency ? Integer.getInteger("load.seconds", 9) : 4));
            Outcome o = all.sentFrom(Duration.ofSeconds(1).toNanos());
            double p50 = o.percentileMillis(0.5);
            double p99 = o.percentileMillis(0.99);
            System.out.printf("load test: %s in all; after the first second %s, admitted p10 %.1f, p50 %.1f, "
                    + "p90 %.1f, p99 %.1f ms (p99/p50 %.2fx); worst of the run %.1f ms; load average %.1f%n"
                    + "  p50/p99 ms by part: %s%n", all.byStatus(),
                    o.byStatus(), o.percentileMillis(0.1), p50, o.percentileMillis(0.9), p99, p99 / p50,
                    all.percentileMillis(1.0), loadAverage(), o.breakdown());
            assertThat(all.byStatus().keySet()).as("statuses").isSubsetOf(200, 429).contains(200, 429);
            assertThat(all.rejected()).as("every 429 says when to retry").allMatch(a -> a.retryAfter() != null);
            if (!judgeLatency) {
                return;
            }
            double load = loadAverage();
            int cores = Runtime.getRuntime().availableProcessors();
            assumeTrue(load <= 2 * cores, String.format(java.util.Locale.ROOT, "p99 %.1f ms vs p50 %.1f ms not judged: "
                    + "the machine is overloaded (load average %.1f on %d cores), so latency measures the other "
                    + "processes; EngineLoadTest checks the same bound in decode steps", p99, p50, load, cores));
            assertThat(p99).as("p99 of admitted requests vs 2 x p50 (ms)").isLessThanOrEqualTo(2 * p50);
        }
    }
}
