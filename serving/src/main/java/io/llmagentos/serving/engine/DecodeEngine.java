package io.llmagentos.serving.engine;

import ai.onnxruntime.OrtException;
import io.llmagentos.core.tokenizer.Tokenizer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Generates many sequences on one {@link OnnxLm} with continuous batching: one thread admits waiting
 * sequences (each prompt is prefilled alone, which yields its first token), then decodes every running
 * sequence one token per ONNX Runtime call, the batch's caches left-padded to a common length. A batch
 * whose members did not change feeds ONNX Runtime's present cache straight back in; when a sequence joins or
 * leaves, the rows are gathered into a new cache ({@link KvBatch#gather}), which also drops padding that
 * every row shares.
 *
 * <p>Memory per sequence is bounded: its cache holds at most {@code contextLength} positions
 * ({@link OnnxLm#cacheBytes}) and it ends with {@link FinishReason#LENGTH} at that length. At most
 * {@link EngineConfig#capacity()} sequences are held; {@link #submit} refuses more.
 */
public final class DecodeEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DecodeEngine.class);

    private final OnnxLm lm;
    private final Tokenizer tokenizer;
    private final int contextLength;
    private final EngineConfig config;
    private final EngineObserver observer;
    private final LinkedBlockingDeque<Sequence> pending = new LinkedBlockingDeque<>();
    private final AtomicInteger held = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private final Thread thread;
    private volatile boolean closing;
    private volatile double avgSeconds = 1.0;   // EWMA of request durations, for Retry-After

    public DecodeEngine(OnnxLm lm, Tokenizer tokenizer, int contextLength, EngineConfig config, EngineObserver observer) {
        this.lm = lm;
        this.tokenizer = tokenizer;
        this.contextLength = contextLength;
        this.config = config;
        this.observer = observer == null ? EngineObserver.NONE : observer;
        this.thread = new Thread(this::loop, "decode-engine-" + lm.file().getFileName());
        thread.setDaemon(true);
        thread.start();
    }

    /** A running or waiting sequence; {@link #cancel()} ends it at the next step. */
    public interface Handle {
        void cancel();
    }

    /**
     * Queues a sequence; {@code listener} gets its text and its end on the engine thread.
     *
     * @throws QueueFullException when {@link EngineConfig#capacity()} sequences are already held
     * @throws IllegalStateException when the engine is closing
     */
    public Handle submit(GenerationRequest request, GenerationListener listener) throws QueueFullException {
        if (closing) {
            throw new IllegalStateException("the engine is shutting down");
        }
        if (request.prompt().length >= contextLength) {
            throw new ParameterException("messages", "the prompt has " + request.prompt().length
                    + " tokens; this model's context is " + contextLength + " tokens");
        }
        for (int t : request.prompt()) {
            if (t < 0 || t >= lm.vocab()) {
                throw new ParameterException("prompt", "token id " + t + " is outside the vocabulary [0, " + lm.vocab() + ")");
            }
        }
        if (held.incrementAndGet() > config.capacity()) {
            held.decrementAndGet();
            int retry = (int) Math.max(1, Math.ceil(avgSeconds * (1 + pending.size()) / config.maxBatch()));
            throw new QueueFullException("the server is at capacity (" + config.maxBatch() + " running, "
                    + config.maxQueued() + " waiting); retry after " + retry + " s", retry);
        }
        Sequence s = new Sequence(request, listener);
        pending.add(s);
        return s;
    }

    /** Generates one sequence and waits for it (tests, the CLI's smoke request). */
    public Completion generate(GenerationRequest request) throws QueueFullException, InterruptedException,
            ExecutionException {
        CompletableFuture<Completion> done = new CompletableFuture<>();
        submit(request, new GenerationListener() {
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
        return done.get();
    }

    /** Sequences waiting for a batch slot. */
    public int queued() {
        return pending.size();
    }

    /** Sequences being decoded. */
    public int running() {
        return running.get();
    }

    public int contextLength() {
        return contextLength;
    }

    public EngineConfig config() {
        return config;
    }

    public OnnxLm model() {
        return lm;
    }

    private final class Sequence implements Handle {
        final GenerationRequest req;
        final GenerationListener listener;
        final long submitted = System.nanoTime();
        final Sampler sampler;
        final TextStream text;
        int[] out;
        int generated;
        int position;      // real tokens in the cache
        int pad;           // padding positions before them in the batch cache
        int last;          // the token to feed next
        long started;
        long firstToken;
        volatile boolean cancelled;
        boolean finished;

        Sequence(GenerationRequest req, GenerationListener listener) {
            this.req = req;
            this.listener = listener;
            this.sampler = new Sampler(req.params(), lm.vocab(), req.prompt());
            this.text = new TextStream(tokenizer, req.params().stop());
            this.out = new int[Math.min(req.params().maxTokens(), 64)];
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    private void loop() {
        List<Sequence> active = new ArrayList<>();
        KvBatch batch = null;
        boolean changed = false;
        while (true) {
            try {
                List<Sequence> joined = new ArrayList<>();
                List<KvBatch> joinedCaches = new ArrayList<>();
                while (active.size() + joined.size() < config.maxBatch()) {
                    Sequence s = active.isEmpty() && joined.isEmpty()
                            ? pending.pollFirst(50, TimeUnit.MILLISECONDS) : pending.pollFirst();
                    if (s == null) {
                        break;
                    }
                    KvBatch cache = prefill(s);
                    if (cache != null) {
                        joined.add(s);
                        joinedCaches.add(cache);
                    }
                }
                for (Sequence s : active) {
                    if (!s.finished && checkEnded(s)) {
                        changed = true;
                    }
                }
                if (changed || !joined.isEmpty()) {
                    List<KvBatch.Row> rows = new ArrayList<>();
                    List<Sequence> next = new ArrayList<>();
                    for (int i = 0; i < active.size(); i++) {
                        Sequence s = active.get(i);
                        if (!s.finished) {
                            rows.add(new KvBatch.Row(batch, i, s.pad));
                            next.add(s);
                        }
                    }
                    for (int i = 0; i < joined.size(); i++) {
                        rows.add(new KvBatch.Row(joinedCaches.get(i), 0, 0));
                        next.add(joined.get(i));
                    }
                    KvBatch merged = null;
                    if (!rows.isEmpty()) {
                        KvBatch.Row only = rows.get(0);
                        boolean reuse = rows.size() == 1 && only.source().rows() == 1 && only.pad() == 0;
                        merged = reuse ? only.source() : KvBatch.gather(lm, rows);
                        for (Sequence s : next) {
                            s.pad = merged.length() - s.position;
                        }
                    }
                    if (batch != null && batch != merged) {
                        batch.close();
                    }
                    for (KvBatch c : joinedCaches) {
                        if (c != merged) {
                            c.close();
                        }
                    }
                    batch = merged;
                    active = next;
                    changed = false;
                }
                running.set(active.size());
                if (active.isEmpty()) {
                    if (closing && pending.isEmpty()) {
                        break;
                    }
                    continue;
                }
                batch = decodeStep(active, batch);
                for (Sequence s : active) {
                    changed |= s.finished;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (OrtException | RuntimeException e) {
                LOG.error("decode step failed; failing its {} sequences", active.size(), e);
                for (Sequence s : active) {
                    fail(s, e);
                }
                active = new ArrayList<>();
                if (batch != null) {
                    batch.close();
                    batch = null;
                }
                changed = false;
                running.set(0);
            }
        }
        if (batch != null) {
            batch.close();
        }
        for (Sequence s : active) {
            if (!s.finished) {
                finish(s, FinishReason.CANCELLED);
            }
        }
        for (Sequence s; (s = pending.pollFirst()) != null; ) {
            finish(s, FinishReason.CANCELLED);
        }
        running.set(0);
    }

    /** Runs the prompt, chooses the first token; returns the sequence's cache, or null when it already ended. */
    private KvBatch prefill(Sequence s) {
        s.started = System.nanoTime();
        if (checkEnded(s)) {
            return null;
        }
        int[] p = s.req.prompt();
        long[] ids = new long[p.length];
        long[] pos = new long[p.length];
        long[] mask = new long[p.length];
        for (int i = 0; i < p.length; i++) {
            ids[i] = p[i];
            pos[i] = i;
            mask[i] = 1;
        }
        try (KvBatch empty = lm.emptyCache(1)) {
            long t0 = System.nanoTime();
            OnnxLm.Step step = lm.forward(1, p.length, ids, pos, mask, empty);
            observer.onPrefill(p.length, System.nanoTime() - t0);
            s.position = p.length;
            accept(s, s.sampler.next(step.logits(), 0));
            if (s.finished) {
                step.cache().close();
                return null;
            }
            return step.cache();
        } catch (OrtException | RuntimeException e) {
            LOG.error("prefill of a {}-token prompt failed", p.length, e);
            fail(s, e);
            return null;
        }
    }

    private KvBatch decodeStep(List<Sequence> active, KvBatch batch) throws OrtException {
        int b = active.size();
        int past = batch.length();
        long[] ids = new long[b];
        long[] pos = new long[b];
        long[] mask = new long[b * (past + 1)];
        for (int r = 0; r < b; r++) {
            Sequence s = active.get(r);
            ids[r] = s.last;
            pos[r] = s.position;
            Arrays.fill(mask, r * (past + 1) + s.pad, (r + 1) * (past + 1), 1L);
        }
        long t0 = System.nanoTime();
        OnnxLm.Step step = lm.forward(b, 1, ids, pos, mask, batch);
        observer.onDecodeStep(b, System.nanoTime() - t0);
        batch.close();
        float[] logits = step.logits();
        for (int r = 0; r < b; r++) {
            Sequence s = active.get(r);
            s.position++;
            if (!checkEnded(s)) {
                accept(s, s.sampler.next(logits, r * lm.vocab()));
            }
        }
        return step.cache();
    }

    private void accept(Sequence s, int token) {
        long now = System.nanoTime();
        if (s.generated == 0) {
            s.firstToken = now;
        }
        if (s.generated == s.out.length) {
            s.out = Arrays.copyOf(s.out, Math.min(s.req.params().maxTokens(), s.out.length * 2));
        }
        s.out[s.generated++] = token;
        s.last = token;
        if (s.req.stopTokenIds().contains(token)) {
            finish(s, FinishReason.STOP);
            return;
        }
        String delta = s.text.add(token);
        if (!delta.isEmpty()) {
            try {
                s.listener.onText(delta);
            } catch (RuntimeException e) {
                s.cancelled = true;
            }
        }
        if (s.text.stopped()) {
            finish(s, FinishReason.STOP);
        } else if (s.cancelled) {
            finish(s, FinishReason.CANCELLED);
        } else if (s.generated >= s.req.params().maxTokens() || s.position + 1 >= contextLength) {
            finish(s, FinishReason.LENGTH);
        }
    }

    /** Ends a cancelled or overdue sequence; true when it ended. */
    private boolean checkEnded(Sequence s) {
        if (s.finished) {
            return true;
        }
        if (s.cancelled) {
            finish(s, FinishReason.CANCELLED);
        } else if (System.nanoTime() > s.req.deadlineNanos()) {
            finish(s, FinishReason.TIMEOUT);
        }
        return s.finished;
    }

    private void finish(Sequence s, FinishReason reason) {
        s.finished = true;
        held.decrementAndGet();
        if (reason == FinishReason.STOP || reason == FinishReason.LENGTH) {
            String rest = s.text.flush();
            if (!rest.isEmpty()) {
                try {
                    s.listener.onText(rest);
                } catch (RuntimeException ignored) {
                    // the client is gone; nothing else to tell it
                }
            }
        }
        long now = System.nanoTime();
        avgSeconds = 0.9 * avgSeconds + 0.1 * ((now - s.submitted) / 1e9);
        Completion c = new Completion(Arrays.copyOf(s.out, s.generated), s.text.text(), reason, s.req.prompt().length,
                s.started - s.submitted, s.generated == 0 ? 0 : s.firstToken - s.submitted, now - s.submitted);
        try {
            s.listener.onComplete(c);
        } catch (RuntimeException e) {
            LOG.debug("listener failed on completion", e);
        }
    }

    private void fail(Sequence s, Exception e) {
        if (s.finished) {
            return;
        }
        s.finished = true;
        held.decrementAndGet();
        try {
            s.listener.onError(e);
        } catch (RuntimeException ignored) {
            // nothing else to tell it
        }
    }

    /**
     * Stops taking sequences, lets every held one finish (or hit its deadline), then stops the thread. Waits up to
     * {@code drainMillis}; sequences still running after that are cancelled.
     */
    public void drain(long drainMillis) throws InterruptedException {
        closing = true;
        thread.join(Math.max(1, drainMillis));
        if (thread.isAlive()) {
            for (Sequence s : pending) {
                s.cancel();
            }
            thread.interrupt();
            thread.join(5000);
        }
    }

    /** {@link #drain} with 30 s, then closes the ONNX Runtime session. */
    @Override
    public void close() throws InterruptedException, OrtException {
        drain(30_000);
        lm.close();
    }
}
