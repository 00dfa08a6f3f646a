package io.llmagentos.serving.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.llmagentos.core.tokenizer.ChatMl;
import io.llmagentos.core.tokenizer.TokenizerConfig;
import io.llmagentos.serving.ServerConfig;
import io.llmagentos.serving.engine.Completion;
import io.llmagentos.serving.engine.DecodeEngine;
import io.llmagentos.serving.engine.FinishReason;
import io.llmagentos.serving.engine.GenerationListener;
import io.llmagentos.serving.engine.GenerationRequest;
import io.llmagentos.serving.engine.ParameterException;
import io.llmagentos.serving.engine.QueueFullException;
import io.llmagentos.serving.engine.SamplingParams;
import io.llmagentos.serving.metrics.ServingMetrics;
import io.llmagentos.serving.models.ModelSlot;
import io.llmagentos.serving.models.ServedModel;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The OpenAI-compatible endpoints: {@code POST /v1/chat/completions} and {@code POST /v1/completions}
 * (JSON, or Server-Sent Events ending in {@code data: [DONE]} with {@code stream: true}) and
 * {@code GET /v1/models}. A request holds a reference to the model version it started on until its last
 * token, so a hot swap never fails it.
 */
public final class OpenAiApi {
    /** Extra wait beyond the request deadline for the engine to report the timeout itself. */
    private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final ModelSlot slot;
    private final ServerConfig config;
    private final ServingMetrics metrics;
    private final BooleanSupplier accepting;
    private final ObjectMapper mapper = new ObjectMapper();

    public OpenAiApi(ModelSlot slot, ServerConfig config, ServingMetrics metrics, BooleanSupplier accepting) {
        this.slot = slot;
        this.config = config;
        this.metrics = metrics;
        this.accepting = accepting;
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    /** {@code GET /v1/models}. */
    public void models(Context ctx) {
        ServedModel m = slot.peek();
        ObjectNode root = mapper.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        if (m != null) {
            data.add(modelJson(m));
        }
        json(ctx, 200, root);
    }

    /** {@code GET /v1/models/{model}}. */
    public void model(Context ctx) {
        ServedModel m = slot.peek();
        String id = ctx.pathParam("model");
        if (m == null || !m.id().equals(id)) {
            throw ApiException.modelNotFound(id, m == null ? "nothing" : m.id());
        }
        json(ctx, 200, modelJson(m));
    }

    private ObjectNode modelJson(ServedModel m) {
        ObjectNode o = mapper.createObjectNode();
        o.put("id", m.id());
        o.put("object", "model");
        o.put("created", m.created());
        o.put("owned_by", "llmagentos");
        o.put("context_length", m.engine().contextLength());
        return o;
    }

    public void chat(Context ctx) throws IOException {
        generate(ctx, true);
    }

    public void completions(Context ctx) throws IOException {
        generate(ctx, false);
    }

    private void generate(Context ctx, boolean chat) throws IOException {
        long arrived = System.nanoTime();
        if (!accepting.getAsBoolean()) {
            throw ApiException.shuttingDown();
        }
        ServedModel current = slot.peek();
        if (current != null && current.engine().atCapacity()) {
            // shed before reading, parsing and tokenizing: under overload the 429s must not take the cores
            QueueFullException e = current.engine().refusal();
            throw ApiException.queueFull(e.getMessage(), e.retryAfterMillis());
        }
        long declared = ctx.req().getContentLengthLong();
        if (declared > config.maxBodyBytes()) {
            throw ApiException.tooLarge("the request body is " + declared + " bytes; this server takes at most "
                    + config.maxBodyBytes() + " (--max-body-bytes)");
        }
        byte[] body = ctx.bodyAsBytes();
        if (body.length > config.maxBodyBytes()) {
            throw ApiException.tooLarge("the request body is " + body.length + " bytes; this server takes at most "
                    + config.maxBodyBytes() + " (--max-body-bytes)");
        }
        OpenAiRequest req = OpenAiRequest.parse(mapper, body, chat);
        ServedModel model = slot.acquire();
        try {
            if (!model.id().equals(req.model())) {
                throw ApiException.modelNotFound(req.model(), model.id());
            }
            Prepared p = prepare(req, model, arrived);
            Events events = new Events();
            DecodeEngine.Handle handle;
            long submitted = System.nanoTime();
            try {
                handle = model.engine().submit(p.request, events);
            } catch (QueueFullException e) {
                throw ApiException.queueFull(e.getMessage(), e.retryAfterMillis());
            } catch (ParameterException e) {
                throw ApiException.contextLength(e.param(), e.getMessage());
            } catch (IllegalStateException e) {
                throw ApiException.shuttingDown();
            }
            String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
            long created = System.currentTimeMillis() / 1000;
            if (req.stream()) {
                stream(ctx, req, model, p, events, handle, id, created);
            } else {
                Completion c = awaitCompletion(events, handle, p.request.deadlineNanos());
                ObjectNode answer = response(req, model, id, created, c);
                ctx.header("Server-Timing", serverTiming(submitted - arrived, c, System.nanoTime() - submitted));
                json(ctx, 200, answer);
            }
        } finally {
            model.release();
        }
    }

    private record Prepared(GenerationRequest request, int promptTokens) {
    }

    private Prepared prepare(OpenAiRequest req, ServedModel model, long arrived) {
        int[] ids;
        if (req.chat()) {
            if (!model.hasChatTemplate()) {
                throw ApiException.invalid("messages", "model '" + model.id() + "' has no ChatML chat template in "
                        + "tokenizer_config.json (or no <|im_end|> token); use /v1/completions with a plain prompt");
            }
            String template = model.tokenizer().config().chatTemplate();
            if (!TokenizerConfig.CHATML_TEMPLATE.equals(template)) {
                throw ApiException.invalid("messages", "model '" + model.id() + "' has a chat template other than "
                        + "ChatML in tokenizer_config.json; this server renders ChatML only");
            }
            ids = model.tokenizer().encode(ChatMl.render(req.messages(), true));
        } else if (req.promptIds() != null) {
            ids = req.promptIds();
        } else {
            ids = model.tokenizer().encode(req.prompt());
        }
        int context = model.engine().contextLength();
        int promptLimit = config.maxPromptTokens() > 0 ? Math.min(config.maxPromptTokens(), context - 1) : context - 1;
        String promptField = req.chat() ? "messages" : "prompt";
        if (ids.length == 0) {
            throw ApiException.invalid(promptField, "the prompt is empty after tokenization; send some text");
        }
        if (ids.length > promptLimit) {
            throw ApiException.contextLength(promptField, "the prompt has " + ids.length + " tokens; this server takes "
                    + "at most " + promptLimit + " (model context " + context + " tokens)");
        }
        int room = context - ids.length;
        int tokenLimit = config.maxTokens() > 0 ? Math.min(config.maxTokens(), context) : context;
        int maxTokens;
        if (req.maxTokens() != null) {
            maxTokens = req.maxTokens();
            if (maxTokens <= 0) {
                throw ApiException.invalid("max_tokens", "max_tokens must be > 0 (got " + maxTokens + ")");
            }
            if (maxTokens > tokenLimit) {
                throw ApiException.invalid("max_tokens", "max_tokens is " + maxTokens + "; this server allows at most "
                        + tokenLimit);
            }
            if (maxTokens > room) {
                throw ApiException.contextLength("max_tokens", "this model's maximum context length is " + context
                        + " tokens; the prompt has " + ids.length + " and max_tokens asks for " + maxTokens
                        + " more (at most " + room + " fit)");
            }
        } else {
            // OpenAI's defaults: 16 for completions; chat runs to the end of the turn (bounded by the model's defaults)
            int wanted = req.chat() ? model.generation().maxNewTokens() : 16;
            maxTokens = Math.max(1, Math.min(Math.min(wanted, tokenLimit), room));
        }
        var g = model.generation();
        double temperature = req.temperature() != null ? req.temperature() : g.doSample() ? g.temperature() : 0;
        double topP = req.topP() != null ? req.topP() : g.doSample() ? g.topP() : 1;
        int topK = req.topK() != null ? req.topK() : g.doSample() ? g.topK() : 0;
        double rep = req.repetitionPenalty() != null ? req.repetitionPenalty() : g.repetitionPenalty();
        long seed = req.seed() != null ? req.seed() : ThreadLocalRandom.current().nextLong();
        SamplingParams params;
        try {
            params = new SamplingParams(maxTokens, temperature, topK, topP, rep,
                    req.frequencyPenalty() != null ? req.frequencyPenalty() : 0,
                    req.presencePenalty() != null ? req.presencePenalty() : 0, req.stop(), seed);
        } catch (ParameterException e) {
            throw ApiException.invalid(e.param(), e.getMessage());
        }
        Set<Integer> stopIds = new HashSet<>(model.eosIds());
        if (model.chatEndId() != null) {
            stopIds.add(model.chatEndId());
        }
        long deadline = arrived + config.requestTimeout().toNanos();
        try {
            return new Prepared(new GenerationRequest(ids, params, stopIds, deadline), ids.length);
        } catch (ParameterException e) {
            throw ApiException.invalid(promptField, e.getMessage());
        }
    }

    /** Hands the engine's events to the request thread. */
    private static final class Events implements GenerationListener {
        final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();

        @Override
        public void onText(String delta) {
            queue.add(delta);
        }

        @Override
        public void onComplete(Completion completion) {
            queue.add(completion);
        }

        @Override
        public void onError(Exception error) {
            queue.add(error);
        }

        /** The next event, or null when {@code deadline} (+ grace) passed. */
        Object next(long deadline) throws InterruptedException {
            long wait = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline + GRACE_NANOS - System.nanoTime();
            return queue.poll(Math.max(0, wait), TimeUnit.NANOSECONDS);
        }
    }

    private Completion awaitCompletion(Events events, DecodeEngine.Handle handle, long deadline) {
        try {
            while (true) {
                Object e = events.next(deadline);
                if (e == null) {
                    handle.cancel();
                    throw timeout();
                }
                if (e instanceof Completion c) {
                    metrics.completion(c);
                    return checked(c);
                }
                if (e instanceof Exception ex) {
                    throw new IllegalStateException("generation failed: " + ex.getMessage(), ex);
                }
            }
        } catch (InterruptedException ie) {
            handle.cancel();
            Thread.currentThread().interrupt();
            throw ApiException.shuttingDown();
        }
    }

    private Completion checked(Completion c) {
        if (c.finishReason() == FinishReason.TIMEOUT) {
            throw timeout();
        }
        if (c.finishReason() == FinishReason.CANCELLED) {
            throw ApiException.shuttingDown();
        }
        return c;
    }

    private ApiException timeout() {
        metrics.rejection("timeout");
        return ApiException.timeout("the request did not finish within " + config.requestTimeout().toSeconds()
                + " s (--request-timeout); ask for fewer max_tokens or retry when the server is less busy");
    }

    private ObjectNode response(OpenAiRequest req, ServedModel model, String id, long created, Completion c) {
        ObjectNode root = mapper.createObjectNode();
        root.put("id", id);
        root.put("object", req.chat() ? "chat.completion" : "text_completion");
        root.put("created", created);
        root.put("model", model.id());
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        if (req.chat()) {
            ObjectNode msg = choice.putObject("message");
            msg.put("role", "assistant");
            msg.put("content", c.text());
        } else {
            choice.put("text", c.text());
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", c.finishReason().apiName());
        root.set("usage", usage(c));
        return root;
    }

    /**
     * The W3C {@code Server-Timing} header of a non-streamed response (browsers' network panels and any HTTP client
     * read it): where the request's time on the server went, in ms. {@code parse}: from arrival to the engine
     * (body, JSON, tokenizing); {@code queue}: waiting for a batch slot; {@code prefill}: the prompt run, to the
     * first token; {@code decode}: the remaining tokens; {@code respond}: from the engine's end to the response
     * (waking the request thread, building the JSON); {@code total}: all of these. Sending the body comes after.
     */
    static String serverTiming(long parseNanos, Completion c, long sinceSubmitNanos) {
        // a completion without tokens ends in its prefill
        long prefillEnd = c.firstTokenNanos() == 0 ? c.totalNanos() : c.firstTokenNanos();
        long prefill = prefillEnd - c.queueNanos();
        long decode = c.totalNanos() - prefillEnd;
        long respond = Math.max(0, sinceSubmitNanos - c.totalNanos());
        return timing("parse", parseNanos) + ", " + timing("queue", c.queueNanos()) + ", " + timing("prefill", prefill)
                + ", " + timing("decode", decode) + ", " + timing("respond", respond) + ", "
                + timing("total", parseNanos + sinceSubmitNanos);
    }

    private static String timing(String name, long nanos) {
        return name + ";dur=" + String.format(java.util.Locale.ROOT, "%.3f", nanos / 1e6);
    }

    private ObjectNode usage(Completion c) {
        ObjectNode u = mapper.createObjectNode();
        u.put("prompt_tokens", c.promptTokens());
        u.put("completion_tokens", c.completionTokens());
        u.put("total_tokens", c.promptTokens() + c.completionTokens());
        return u;
    }

    private void stream(Context ctx, OpenAiRequest req, ServedModel model, Prepared p, Events events,
            DecodeEngine.Handle handle, String id, long created) throws IOException {
        ctx.status(200);
        ctx.res().setContentType("text/event-stream; charset=utf-8");
        ctx.res().setHeader("Cache-Control", "no-cache");
        ctx.res().setHeader("X-Accel-Buffering", "no");
        OutputStream out = ctx.res().getOutputStream();
        try {
            if (req.chat()) {
                ObjectNode first = chunk(req, model, id, created);
                ObjectNode delta = ((ObjectNode) first.withArray("choices").get(0)).putObject("delta");
                delta.put("role", "assistant");
                delta.put("content", "");
                send(out, first);
            }
            while (true) {
                Object e = events.next(p.request.deadlineNanos());
                if (e == null) {
                    handle.cancel();
                    sendError(out, timeout());
                    break;
                }
                if (e instanceof String text) {
                    ObjectNode c = chunk(req, model, id, created);
                    ObjectNode choice = (ObjectNode) c.withArray("choices").get(0);
                    if (req.chat()) {
                        choice.putObject("delta").put("content", text);
                    } else {
                        choice.put("text", text);
                    }
                    send(out, c);
                } else if (e instanceof Completion done) {
                    metrics.completion(done);
                    if (done.finishReason() == FinishReason.TIMEOUT) {
                        sendError(out, timeout());
                    } else if (done.finishReason() == FinishReason.CANCELLED) {
                        sendError(out, ApiException.shuttingDown());
                    } else {
                        ObjectNode c = chunk(req, model, id, created);
                        ObjectNode choice = (ObjectNode) c.withArray("choices").get(0);
                        if (req.chat()) {
                            choice.putObject("delta");
                        } else {
                            choice.put("text", "");
                        }
                        choice.put("finish_reason", done.finishReason().apiName());
                        send(out, c);
                        if (req.includeUsage()) {
                            ObjectNode u = chunk(req, model, id, created);
                            u.putArray("choices");
                            u.set("usage", usage(done));
                            send(out, u);
                        }
                    }
                    break;
                } else if (e instanceof Exception ex) {
                    sendError(out, new ApiException(500, "server_error", "generation_failed", null,
                            "generation failed: " + ex.getMessage(), 0));
                    break;
                }
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException clientGone) {
            handle.cancel();
            metrics.rejection("client_disconnected");
        } catch (InterruptedException ie) {
            handle.cancel();
            Thread.currentThread().interrupt();
        }
    }

    private ObjectNode chunk(OpenAiRequest req, ServedModel model, String id, long created) {
        ObjectNode c = mapper.createObjectNode();
        c.put("id", id);
        c.put("object", req.chat() ? "chat.completion.chunk" : "text_completion");
        c.put("created", created);
        c.put("model", model.id());
        ObjectNode choice = c.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        return c;
    }

    private void send(OutputStream out, ObjectNode event) throws IOException {
        out.write("data: ".getBytes(StandardCharsets.UTF_8));
        out.write(mapper.writeValueAsBytes(event));
        out.write("\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private void sendError(OutputStream out, ApiException e) throws IOException {
        send(out, e.toJson());
    }

    /** Writes {@code body} as JSON with {@code status}. */
    public void json(Context ctx, int status, Object body) {
        try {
            ctx.status(status).contentType("application/json").result(mapper.writeValueAsBytes(body));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write a response: " + e.getMessage(), e);
        }
    }
}
