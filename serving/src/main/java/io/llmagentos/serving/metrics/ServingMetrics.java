package io.llmagentos.serving.metrics;

import io.llmagentos.serving.engine.Completion;
import io.llmagentos.serving.engine.EngineObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The server's Prometheus metrics (served at {@code GET /metrics}), all prefixed {@code agentos_}:
 * request latency per endpoint and status ({@code agentos_http_request_duration_seconds}, a histogram), time to
 * first token ({@code agentos_time_to_first_token_seconds}) and its part spent waiting for a batch slot
 * ({@code agentos_queue_time_seconds}), per-request decode speed
 * ({@code agentos_decode_tokens_per_second}), prompt and generated tokens ({@code agentos_*_tokens_total}),
 * queue depth and running sequences (gauges), decode batch sizes and step times, and rejected requests by
 * reason ({@code agentos_rejections_total}).
 */
public final class ServingMetrics implements EngineObserver {
    private static final Duration[] LATENCY_SLOS = {
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
        Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
        Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer ttft;
    private final Timer queueTime;
    private final DistributionSummary tokensPerSecond;
    private final Counter promptTokens;
    private final Counter generatedTokens;
    private final DistributionSummary batchSize;
    private final Timer decodeStep;
    private final Timer prefill;

    public ServingMetrics() {
        ttft = Timer.builder("agentos_time_to_first_token").description("Time from request admission to the first "
                + "generated token").serviceLevelObjectives(LATENCY_SLOS).register(registry);
        queueTime = Timer.builder("agentos_queue_time").description("Time from request admission to the start of its "
                + "prefill (waiting for a batch slot)").serviceLevelObjectives(LATENCY_SLOS).register(registry);
        tokensPerSecond = DistributionSummary.builder("agentos_decode_tokens_per_second")
                .description("Per-request decode speed after the first token").serviceLevelObjectives(1, 5, 10, 25, 50,
                        100, 250, 500, 1000, 2500).register(registry);
        promptTokens = Counter.builder("agentos_prompt_tokens").description("Prompt tokens processed").register(registry);
        generatedTokens = Counter.builder("agentos_generated_tokens").description("Tokens generated")
                .register(registry);
        batchSize = DistributionSummary.builder("agentos_decode_batch_size").description("Sequences per decode step")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64).register(registry);
        decodeStep = Timer.builder("agentos_decode_step").description("ONNX Runtime time of one decode step")
                .serviceLevelObjectives(LATENCY_SLOS).register(registry);
        prefill = Timer.builder("agentos_prefill").description("ONNX Runtime time of one prompt prefill")
                .serviceLevelObjectives(LATENCY_SLOS).register(registry);
    }

    /** Registers the gauges of the current engine's queue; {@code queued} and {@code running} are read on scrape. */
    public void engineGauges(Supplier<Number> queued, Supplier<Number> running) {
        Gauge.builder("agentos_queue_depth", queued).description("Requests waiting for a batch slot").register(registry);
        Gauge.builder("agentos_running_sequences", running).description("Sequences being decoded").register(registry);
    }

    /** One finished HTTP request. */
    public void request(String endpoint, int status, long nanos) {
        Timer.builder("agentos_http_request_duration").description("HTTP request latency")
                .tags("endpoint", endpoint, "status", Integer.toString(status)).serviceLevelObjectives(LATENCY_SLOS)
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A request refused before generation: queue_full, unauthorized, invalid_request, too_large, shutting_down… */
    public void rejection(String reason) {
        Counter.builder("agentos_rejections").description("Requests refused, by reason").tag("reason", reason)
                .register(registry).increment();
    }

    /** A generation that ended (any finish reason). */
    public void completion(Completion c) {
        promptTokens.increment(c.promptTokens());
        generatedTokens.increment(c.completionTokens());
        queueTime.record(c.queueNanos(), TimeUnit.NANOSECONDS);
        if (c.firstTokenNanos() > 0) {
            ttft.record(c.firstTokenNanos(), TimeUnit.NANOSECONDS);
        }
        double tps = c.decodeTokensPerSecond();
        if (tps > 0) {
            tokensPerSecond.record(tps);
        }
    }

    @Override
    public void onPrefill(int tokens, long nanos) {
        prefill.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void onDecodeStep(int batch, long nanos) {
        batchSize.record(batch);
        decodeStep.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }
}
