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
 * {@link EngineConfig#capacity()} sequences are held, and a sequence waits for a batch slot only when one frees
 * within its own length ({@link #admissible}); {@link #submit} refuses the rest, so an admitted sequence's latency
 * stays within about twice its decode time.
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
    private volatile double stepNanos = 1e6;    // EWMA of decode step times, for Retry-After
    private volatile long steps;                // decode steps run (engine thread writes)
    private final Object admission = new Object();
    private volatile int[] remaining = new int[0]; // tokens left per running sequence, ascending (engine thread writes)
    private volatile double meanLength = 16;    // EWMA of the decode steps of finished sequences, for Retry-After
    private long promisedRetry = System.nanoTime(); // the latest retry time handed out (under admission)

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
        synchronized (admission) {
            int[] waiting = pending.stream().mapToInt(w -> w.req.params().maxTokens()).toArray();
            if (!admissible(config, held.get(), remaining, waiting, request.params().maxTokens())) {
                throw refusal();
            }
            held.incrementAndGet();
            // queued under the same lock as the check: a submitter that checked between the two would not see this
            // waiter ahead of it, take the slot it was promised, and push it past its own length
            Sequence s = new Sequence(request, listener);
            pending.add(s);
            return s;
        }
    }

    /**
     * The admission rule: a sequence is taken when it can start within its own length. Its start is estimated
     * in decode steps from the tokens the running sequences have left and the {@code max_tokens} of those already
     * waiting, each waiter taking the batch slot that frees first (first come, first served):
     * <pre>
     *   slot_j  = tokens left of running sequence j (0 for a free slot), j &lt; maxBatch
     *   for each waiter w in order:  j = argmin slot;  slot_j += maxTokens_w
     *   start   = min slot;   admit  iff  held &lt; capacity  and  start &lt;= maxTokens
     * </pre>
     * An admitted sequence so waits at most its own decode time and its latency stays within about twice that,
     * however long the sequences ahead of it are; the rest are refused at once (429 with Retry-After) instead of
     * queueing behind long requests. Tokens left are a bound (a stop token may end a sequence sooner), so the
     * estimate errs towards refusing.
     *
     * @param config    the batch size and capacity
     * @param held      sequences held now (running + waiting)
     * @param remaining tokens left of each running sequence, ascending
     * @param waiting   max_tokens of the sequences waiting for a slot, in order
     * @param maxTokens the newcomer's max_tokens
     */
    static boolean admissible(EngineConfig config, int held, int[] remaining, int[] waiting, int maxTokens) {
        if (held >= config.capacity()) {
            return false;
        }
        long[] slot = new long[config.maxBatch()];
        for (int j = 0; j < Math.min(slot.length, remaining.length); j++) {
            slot[j] = remaining[j];
        }
        for (int w : waiting) {
            slot[argmin(slot)] += w;
        }
        return slot[argmin(slot)] <= maxTokens;
    }

    private static int argmin(long[] v) {
        int best = 0;
        for (int j = 1; j < v.length; j++) {
            if (v[j] < v[best]) {
                best = j;
            }
        }
        return best;
    }

    /**
     * True when {@link #submit} would refuse a sequence now: callers check it before they parse and tokenize a
     * request, so that shedding load costs almost nothing and leaves the cores to the admitted requests ({@link
     * #submit} still decides, under the race).
     */
    public boolean atCapacity() {
        return held.get() >= config.capacity();
    }

    /**
     * The refusal {@link #submit} throws, with when to retry. The first refused client is told to come back when
     * the running sequence with the fewest tokens left ends ({@code tokens left × the recent decode step time}),
     * which frees a slot or a place to wait; each further one is told one admission interval later than the last
     * promise ({@code mean sequence length × step time / maxBatch}, the time between two places freeing when the
     * batch is full). Clients that honour the delay so come back one at a time as places free, instead of all at
     * the same moment to be refused again together (a thundering herd whose 429s take the cores from decoding).
     */
    public QueueFullException refusal() {
        long now = System.nanoTime();
        long ms;
        synchronized (admission) {
            ms = retryDelayMillis(now, remaining, stepNanos, meanLength, config.maxBatch(), promisedRetry);
            promisedRetry = now + ms * 1_000_000L;
        }
        return new QueueFullException("the server is at capacity (" + config.maxBatch() + " running, at most "
                + config.maxQueued() + " waiting, and only while a slot frees within the request's max_tokens); retry "
                + "after " + ms + " ms", ms);
    }

    /**
     * When a refused client should retry, in ms from {@code now}: at the first place that frees, and no earlier than
     * one admission interval after the latest retry already promised ({@code promised}, in nanoseconds).
     */
    static long retryDelayMillis(long now, int[] remaining, double stepNanos, double meanLength, int maxBatch,
            long promised) {
        double firstFree = (remaining.length == 0 ? 1 : Math.max(1, remaining[0])) * stepNanos;
        double interval = Math.max(1, meanLength) * stepNanos / maxBatch;
        double at = Math.max(now + firstFree, promised + interval);
        return Math.min(60_000, Math.max(1, Math.round((at - now) / 1e6)));
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
        final long submittedStep = steps;
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
                    if (active.isEmpty() && joined.isEmpty()) {
                        // idle: wait for work, then take it the same way as below
                        Sequence w = pending.pollFirst(50, TimeUnit.MILLISECONDS);
                        if (w == null) {
                            break;
                        }
                        pending.addFirst(w);
                    }
                    Sequence s;
                    synchronized (admission) {
                        // leaving the queue and entering the tokens-left list in one step, so that admission sees
                        // every sequence in one of the two
                        s = pending.pollFirst();
                        if (s != null) {
                            List<Sequence> now = new ArrayList<>(active);
                            now.addAll(joined);
                            now.add(s);
                            publishRemaining(now);
                        }
                    }
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
                publishRemaining(active);
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
                publishRemaining(active);
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
                remaining = new int[0];
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

    /** Publishes the tokens each running (or joining) sequence has left, for {@link #admissible}. */
    private void publishRemaining(List<Sequence> active) {
        int[] r = new int[active.size()];
        int n = 0;
        for (Sequence s : active) {
            if (!s.finished) {
                r[n++] = Math.max(0, Math.min(s.req.params().maxTokens() - s.generated, contextLength - 1 - s.position));
            }
        }
        r = Arrays.copyOf(r, n);
        Arrays.sort(r);
        remaining = r;
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
        long took = System.nanoTime() - t0;
        observer.onDecodeStep(b, took);
        stepNanos = 0.9 * stepNanos + 0.1 * took;
        steps++;
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
            meanLength = 0.9 * meanLength + 0.1 * s.generated;
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
        Completion c = new Completion(Arrays.copyOf(s.out, s.generated), s.text.text(), reason, s.req.prompt().length,
                s.started - s.submitted, s.generated == 0 ? 0 : s.firstToken - s.submitted, now - s.submitted,
                steps - s.submittedStep);
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
