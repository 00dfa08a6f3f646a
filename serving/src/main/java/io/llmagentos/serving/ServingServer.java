package io.llmagentos.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;
import io.llmagentos.serving.api.ApiException;
import io.llmagentos.serving.api.OpenAiApi;
import io.llmagentos.serving.engine.Completion;
import io.llmagentos.serving.engine.GenerationListener;
import io.llmagentos.serving.engine.GenerationRequest;
import io.llmagentos.serving.engine.SamplingParams;
import io.llmagentos.serving.metrics.ServingMetrics;
import io.llmagentos.serving.models.ModelSlot;
import io.llmagentos.serving.models.ServedModel;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving runtime: an exported model behind the OpenAI-compatible API on Javalin (Jetty 12).
 *
 * <p>Endpoints: {@code GET /v1/models}, {@code POST /v1/chat/completions}, {@code POST /v1/completions}
 * (see {@link OpenAiApi}), {@code GET /health} (the process is up), {@code GET /ready} (a model is loaded and
 * requests are taken; 503 while shutting down), {@code GET /metrics} (Prometheus, {@link ServingMetrics}), and
 * with {@link ServerConfig#adminApi()} {@code POST /admin/models/swap}. Errors are OpenAI's error JSON.
 *
 * <p>Protection: Bearer keys on /v1/* and /admin/* when configured, a body-size limit, prompt and max_tokens
 * limits, a bounded queue that answers 429 with {@code Retry-After}, a per-request deadline (504), and
 * {@link #close()} drains in-flight requests before it stops.
 */
public final class ServingServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServingServer.class);

    private final ServerConfig config;
    private final ServingMetrics metrics;
    private final ModelSlot slot;
    private final OpenAiApi api;
    private final Javalin app;
    private final byte[][] keys;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Object swapLock = new Object();
    private volatile boolean accepting = true;
    private volatile boolean warming = true;
    private volatile boolean closed;

    private ServingServer(ServerConfig config, ServingMetrics metrics, ServedModel model) {
        this.config = config;
        this.metrics = metrics;
        this.slot = new ModelSlot(model);
        this.api = new OpenAiApi(slot, config, metrics, () -> accepting);
        this.keys = config.apiKeys().stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
        metrics.engineGauges(() -> current(ServedModel::engine) == null ? 0 : slot.peek().engine().queued(),
                () -> current(ServedModel::engine) == null ? 0 : slot.peek().engine().running());
        this.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.http.maxRequestSize = config.maxBodyBytes();
            cfg.http.compressionStrategy = CompressionStrategy.NONE;
            cfg.jetty.host = config.host();
            cfg.jetty.port = config.port();
            cfg.routes.before("/v1/*", this::authenticate);
            cfg.routes.before("/admin/*", this::authenticate);
            cfg.routes.get("/health", timed("health", ctx -> api.json(ctx, 200, status("ok"))));
            cfg.routes.get("/ready", timed("ready", this::ready));
            cfg.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                    .result(metrics.scrape()));
            cfg.routes.get("/v1/models", timed("models", api::models));
            cfg.routes.get("/v1/models/{model}", timed("models", api::model));
            cfg.routes.post("/v1/chat/completions", timed("chat_completions", guarded(api::chat)));
            cfg.routes.post("/v1/completions", timed("completions", guarded(api::completions)));
            if (config.adminApi()) {
                cfg.routes.post("/admin/models/swap", timed("admin_swap", this::swapOverHttp));
            }
            cfg.routes.exception(ApiException.class, (e, ctx) -> writeError(ctx, e));
            cfg.routes.exception(HttpResponseException.class, (e, ctx) -> writeError(ctx, fromJavalin(e, ctx)));
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("request {} {} failed", ctx.method(), ctx.path(), e);
                writeError(ctx, new ApiException(500, "server_error", "internal_error", null,
                        "internal error: " + e.getMessage(), 0));
            });
            cfg.routes.error(404, ctx -> {
                if (ctx.result() == null || ctx.result().isEmpty() || !ctx.result().startsWith("{")) {
                    writeError(ctx, ApiException.notFound(ctx.method() + " " + ctx.path()));
                }
            });
            cfg.routes.error(405, ctx -> writeError(ctx, new ApiException(405, "invalid_request_error",
                    "method_not_allowed", null, ctx.method() + " is not allowed on " + ctx.path(), 0)));
        });
    }

    private <T> T current(java.util.function.Function<ServedModel, T> f) {
        ServedModel m = slot.peek();
        return m == null ? null : f.apply(m);
    }

    /**
     * Loads the model ({@link ServedModel#load}), checks that it generates, and starts listening.
     */
    public static ServingServer start(Path model, ServerConfig config) throws IOException {
        ServingMetrics metrics = new ServingMetrics();
        ServedModel m = ServedModel.load(model, config.modelName(), config.engine(), metrics);
        try {
            warmUp(m);
            ServingServer s = new ServingServer(config, metrics, m);
            s.app.start();
            try {
                s.warmUpHttp();
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
            LOG.info("serving {} ({}) on {}", m.id(), m.onnxFile(), s.baseUri());
            return s;
        } catch (RuntimeException | IOException e) {
            m.release();
            throw e;
        }
    }

    /**
     * Checks that the model generates, then warms it up at every batch size it will run: {@code maxBatch} greedy
     * sequences submitted together, of staggered lengths, so that the batch shrinks from {@code maxBatch} to 1, for
     * {@link #WARM_UP_ROUNDS} rounds. A model that loads but cannot run fails here, before it takes traffic, and the
     * first requests do not pay for JIT compilation and ONNX Runtime's first run at each shape: without this the
     * first wave of a load test took 5-8x the median (p99 4.3x p50).
     */
    private static void warmUp(ServedModel m) throws IOException {
        int[] prompt = m.tokenizer().encode("Hello");
        if (prompt.length == 0) {
            prompt = new int[] {0};
        }
        try {
            Completion c = m.engine().generate(new GenerationRequest(prompt, SamplingParams.greedy(2), m.eosIds()));
            LOG.debug("warm-up of {} made {} tokens", m.id(), c.completionTokens());
            int batch = m.engine().config().maxBatch();
            int room = m.engine().contextLength() - prompt.length - 1;
            for (int round = 0; round < WARM_UP_ROUNDS; round++) {
                List<CompletableFuture<Completion>> done = new ArrayList<>();
                for (int i = 0; i < batch; i++) {
                    int tokens = Math.max(1, Math.min(room, WARM_UP_TOKENS * (i + 1) / batch));
                    done.add(submit(m, new GenerationRequest(prompt, SamplingParams.greedy(tokens), Set.of())));
                }
                for (CompletableFuture<Completion> f : done) {
                    f.get();
                }
            }
        } catch (Exception e) {
            throw new IOException(m.onnxFile() + ": the model loads but does not generate: " + e.getMessage(), e);
        }
    }

    private static final int WARM_UP_ROUNDS = 3;
    /** The longest warm-up sequence: the cache lengths a typical request reaches. */
    private static final int WARM_UP_TOKENS = 64;

    /**
     * Sends one completion, then {@code maxBatch} concurrent completions (plain, streamed, and chat when the model has
     * a template) to this server over loopback HTTP, {@link #WARM_UP_ROUNDS} times, while /ready still answers 503: the
     * request path (Jetty, Javalin, JSON, tokenizer, SSE) is compiled before the first client's request, not during
     * it. The warm-up requests are counted in /metrics like any other.
     */
    private void warmUpHttp() throws IOException {
        ServedModel m = slot.peek();
        int batch = config.engine().maxBatch();
        int tokens = config.maxTokens() > 0 ? Math.min(8, config.maxTokens()) : 8;
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(batch);
        try {
            // round 0 is one request alone: Javalin initialises its servlet context lazily and not thread-safely
            // (kotlin's UnsafeLazyImpl), so concurrent first requests can fail with HTTP 500 (seen once in CI)
            for (int round = 0; round <= WARM_UP_ROUNDS; round++) {
                List<java.util.concurrent.Future<Integer>> fs = new ArrayList<>();
                for (int i = 0; i < (round == 0 ? 1 : batch); i++) {
                    boolean chat = m.hasChatTemplate() && i % 3 == 2;
                    ObjectNode body = api.mapper().createObjectNode();
                    body.put("model", m.id());
                    if (chat) {
                        body.putArray("messages").addObject().put("role", "user").put("content", "Hello");
                    } else {
                        body.put("prompt", "Hello");
                    }
                    body.put("max_tokens", tokens);
                    body.put("temperature", 0);
                    body.put("stream", i % 3 == 1);
                    java.net.http.HttpRequest.Builder r = java.net.http.HttpRequest.newBuilder(
                                    baseUri().resolve(chat ? "/v1/chat/completions" : "/v1/completions"))
                            .timeout(config.requestTimeout()).header("Content-Type", "application/json")
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(
                                    api.mapper().writeValueAsBytes(body)));
                    if (!config.apiKeys().isEmpty()) {
                        r.header("Authorization", "Bearer " + config.apiKeys().get(0));
                    }
                    java.net.http.HttpRequest req = r.build();
                    fs.add(pool.submit(() -> client.send(req, java.net.http.HttpResponse.BodyHandlers.discarding())
                            .statusCode()));
                }
                for (java.util.concurrent.Future<Integer> f : fs) {
                    int status = f.get();
                    if (status != 200) {
                        throw new IOException("warm-up request to " + baseUri() + " got HTTP " + status
                                + "; the server would not serve it either");
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while warming up " + baseUri(), e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("warm-up request to " + baseUri() + " failed: " + e.getCause().getMessage(),
                    e.getCause());
        } finally {
            pool.shutdownNow();
            warming = false;
        }
    }

    private static CompletableFuture<Completion> submit(ServedModel m, GenerationRequest r) throws Exception {
        CompletableFuture<Completion> done = new CompletableFuture<>();
        m.engine().submit(r, new GenerationListener() {
            @Override
            public void onText(String delta) {
            }

            @Override
            public void onComplete(Completion c) {
                done.complete(c);
            }

            @Override
            public void onError(Exception e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    public int port() {
        return app.port();
    }

    /** {@code http://host:port} */
    public URI baseUri() {
        String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return URI.create("http://" + host + ":" + port());
    }

    public ServedModel currentModel() {
        return slot.peek();
    }

    public ServingMetrics metrics() {
        return metrics;
    }

    public ServerConfig config() {
        return config;
    }

    /** Requests being served now. */
    public int inFlight() {
        return inFlight.get();
    }

    /**
     * Hot swap: loads {@code model} (same engine settings, same served name unless {@code name} is given),
     * checks it generates, then switches atomically. Requests already running finish on the old version, which
     * closes after the last of them; new requests go to the new one. On a load failure nothing changes.
     */
    public ServedModel swap(Path model, String name) throws IOException {
        synchronized (swapLock) {
            if (closed) {
                throw new IllegalStateException("the server is shut down");
            }
            String id = name != null ? name : slot.peek().id();
            ServedModel next = ServedModel.load(model, id, config.engine(), metrics);
            try {
                warmUp(next);
            } catch (IOException | RuntimeException e) {
                next.release();
                throw e;
            }
            ServedModel old = slot.swap(next);
            LOG.info("swapped model {}: {} -> {}", id, old == null ? "-" : old.onnxFile(), next.onnxFile());
            return next;
        }
    }

    private void swapOverHttp(Context ctx) throws IOException {
        JsonNode body;
        try {
            body = api.mapper().readTree(ctx.bodyAsBytes());
        } catch (IOException e) {
            throw ApiException.invalidJson("the request body is not valid JSON: " + e.getMessage());
        }
        if (body == null || !body.path("model").isTextual()) {
            throw ApiException.invalid("model", "send {\"model\": \"/path/to/model-dir\"[, \"name\": \"id\"]}");
        }
        String name = body.path("name").isTextual() ? body.get("name").asText() : null;
        ServedModel m;
        try {
            m = swap(Path.of(body.get("model").asText()), name);
        } catch (IOException e) {
            throw ApiException.invalid("model", e.getMessage());
        }
        ObjectNode o = status("swapped");
        o.put("model", m.id());
        o.put("onnx", m.onnxFile().toString());
        api.json(ctx, 200, o);
    }

    private void ready(Context ctx) {
        ServedModel m = slot.peek();
        if (!accepting || m == null) {
            ObjectNode o = status("shutting_down");
            api.json(ctx, 503, o);
            return;
        }
        if (warming) {
            api.json(ctx, 503, status("warming_up"));
            return;
        }
        ObjectNode o = status("ready");
        o.put("model", m.id());
        o.put("queued", m.engine().queued());
        o.put("running", m.engine().running());
        api.json(ctx, 200, o);
    }

    private ObjectNode status(String s) {
        ObjectNode o = api.mapper().createObjectNode();
        o.put("status", s);
        return o;
    }

    private void authenticate(Context ctx) {
        if (keys.length == 0) {
            return;
        }
        String h = ctx.header("Authorization");
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            metrics.rejection("unauthorized");
            throw ApiException.unauthorized("this server needs an API key: send 'Authorization: Bearer <key>'");
        }
        byte[] given = h.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (byte[] k : keys) {
            ok |= MessageDigest.isEqual(k, given);
        }
        if (!ok) {
            metrics.rejection("unauthorized");
            throw ApiException.unauthorized("incorrect API key provided");
        }
    }

    /** Counts a generation request as in flight (shutdown waits for it). */
    private Handler guarded(Handler h) {
        return ctx -> {
            inFlight.incrementAndGet();
            try {
                h.handle(ctx);
            } finally {
                inFlight.decrementAndGet();
            }
        };
    }

    /** Records latency per endpoint and status; answers errors in OpenAI's shape. */
    private Handler timed(String endpoint, Handler h) {
        return ctx -> {
            long t0 = System.nanoTime();
            try {
                h.handle(ctx);
            } catch (ApiException e) {
                writeError(ctx, e);
            } catch (HttpResponseException e) {
                writeError(ctx, fromJavalin(e, ctx));
            } finally {
                metrics.request(endpoint, ctx.statusCode(), System.nanoTime() - t0);
            }
        };
    }

    private ApiException fromJavalin(HttpResponseException e, Context ctx) {
        if (e.getStatus() == 404) {
            return ApiException.notFound(ctx.method() + " " + ctx.path());
        }
        if (e.getStatus() == 405) {
            return new ApiException(405, "invalid_request_error", "method_not_allowed", null, ctx.method()
                    + " is not allowed on " + ctx.path(), 0);
        }
        if (e.getStatus() == 413) {
            return ApiException.tooLarge("the request body is larger than " + config.maxBodyBytes()
                    + " bytes (--max-body-bytes)");
        }
        return new ApiException(e.getStatus(), e.getStatus() >= 500 ? "server_error" : "invalid_request_error", null,
                null, e.getMessage(), 0);
    }

    private void writeError(Context ctx, ApiException e) {
        if (e.status() != 401) {
            metrics.rejection(e.code() == null ? "http_" + e.status() : e.code());
        }
        if (e.retryAfterSeconds() > 0) {
            ctx.header("Retry-After", Integer.toString(e.retryAfterSeconds()));
        }
        if (e.retryAfterMillis() > 0) {
            ctx.header("retry-after-ms", Long.toString(e.retryAfterMillis()));
        }
        api.json(ctx, e.status(), e.toJson());
    }

    /**
     * Graceful shutdown: /ready turns 503 and new generation requests get 503; requests in flight finish (up to
     * the drain timeout); then the HTTP server stops and the model closes.
     */
    @Override
    public void close() {
        synchronized (swapLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        accepting = false;
        long deadline = System.nanoTime() + config.drainTimeout().toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (inFlight.get() > 0) {
            LOG.warn("{} requests still in flight after the {} s drain; stopping anyway", inFlight.get(),
                    config.drainTimeout().toSeconds());
        }
        app.stop();
        slot.close();
        stopped.countDown();
    }

    /** Blocks until {@link #close()} has finished (the CLI's main thread waits here). */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Waits up to {@code millis} for the server to stop; true when it did. */
    public boolean awaitStop(long millis) throws InterruptedException {
        return stopped.await(millis, TimeUnit.MILLISECONDS);
    }

    /** The paths every caller may use without an API key. */
    public static List<String> openPaths() {
        return List.of("/health", "/ready", "/metrics");
    }
}
