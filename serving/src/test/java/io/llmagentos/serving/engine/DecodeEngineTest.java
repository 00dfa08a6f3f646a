package io.llmagentos.serving.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.quantization.runtime.OrtCausalLm;
import io.llmagentos.serving.TestModels;
import io.llmagentos.serving.models.ServedModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The engine on a real export in ONNX Runtime, against the quantization stage's own greedy generation. */
class DecodeEngineTest {
    static final List<String> PROMPTS = List.of("Replace the hydraulic filter", "The pump", "Check the pressure at the "
            + "valve before you open the line, then", "a", "Technician notes: unit 4 leaks oil near the seal.",
            "Safety first", "Error E42 means");

    static Path model;
    static ServedModel served;
    static Tokenizer tok;
    static Set<Integer> eos;
    static final java.util.concurrent.atomic.AtomicInteger MAX_BATCH = new java.util.concurrent.atomic.AtomicInteger();

    @BeforeAll
    static void load() throws Exception {
        model = TestModels.exported(11);
        served = ServedModel.load(model, "tiny", new EngineConfig(4, 16, 2), new EngineObserver() {
            @Override
            public void onDecodeStep(int batch, long nanos) {
                MAX_BATCH.accumulateAndGet(batch, Math::max);
            }
        });
        tok = served.tokenizer();
        eos = served.eosIds();
    }

    @AfterAll
    static void close() {
        if (served != null) {
            served.release();
        }
    }

    private static int[] generated(int[] all, int promptLength) {
        return Arrays.copyOfRange(all, promptLength, all.length);
    }

    @Test
    void greedyEqualsTheQuantizationRuntimeTokenForToken() throws Exception {
        try (OrtCausalLm ref = OrtCausalLm.open(model)) {
            for (String p : PROMPTS) {
                int[] ids = tok.encode(p);
                int[] expected = generated(ref.generate(ids, 40, eos, t -> { }), ids.length);
                Completion c = served.engine().generate(new GenerationRequest(ids, SamplingParams.greedy(40), eos));
                assertThat(c.tokens()).as("prompt %s", p).containsExactly(expected);
                assertThat(c.finishReason()).isEqualTo(expected.length == 40 && !eos.contains(expected[39])
                        ? FinishReason.LENGTH : FinishReason.STOP);
                assertThat(c.promptTokens()).isEqualTo(ids.length);
            }
        }
    }

    @Test
    void concurrentSequencesBatchedTogetherGiveTheirSingleStreamTokens() throws Exception {
        // 7 prompts of different lengths and budgets over a batch of 4: sequences join and leave mid-flight
        List<int[]> single = new ArrayList<>();
        for (int i = 0; i < PROMPTS.size(); i++) {
            single.add(served.engine().generate(new GenerationRequest(tok.encode(PROMPTS.get(i)),
                    SamplingParams.greedy(10 + 7 * i), Set.of())).tokens());
        }
        List<CompletableFuture<Completion>> futures = new ArrayList<>();
        for (int i = 0; i < PROMPTS.size(); i++) {
            CompletableFuture<Completion> f = new CompletableFuture<>();
            served.engine().submit(new GenerationRequest(tok.encode(PROMPTS.get(i)), SamplingParams.greedy(10 + 7 * i),
                    Set.of()), listener(f, new StringBuilder()));
            futures.add(f);
        }
        for (int i = 0; i < PROMPTS.size(); i++) {
            assertThat(futures.get(i).get(60, TimeUnit.SECONDS).tokens()).as("prompt %d", i)
                    .containsExactly(single.get(i));
        }
        assertThat(MAX_BATCH.get()).as("largest decode batch").isEqualTo(4);
    }

    @Test
    void samplingRepeatsForASeedEvenWhenBatchedWithOthers() throws Exception {
        SamplingParams p = new SamplingParams(30, 0.9, 40, 0.95, 1.1, 0, 0, List.of(), 1234);
        int[] ids = tok.encode("The pump");
        int[] alone = served.engine().generate(new GenerationRequest(ids, p, Set.of())).tokens();
        List<CompletableFuture<Completion>> others = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            CompletableFuture<Completion> f = new CompletableFuture<>();
            served.engine().submit(new GenerationRequest(tok.encode(PROMPTS.get(i)), SamplingParams.greedy(25), Set.of()),
                    listener(f, new StringBuilder()));
            others.add(f);
        }
        int[] batched = served.engine().generate(new GenerationRequest(ids, p, Set.of())).tokens();
        assertThat(batched).containsExactly(alone);
        int[] otherSeed = served.engine().generate(new GenerationRequest(ids,
                new SamplingParams(30, 0.9, 40, 0.95, 1.1, 0, 0, List.of(), 99), Set.of())).tokens();
        assertThat(otherSeed).isNotEqualTo(alone);
        for (CompletableFuture<Completion> f : others) {
            f.get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void streamedTextAddsUpToTheCompletionAndStopSequencesCutIt() throws Exception {
        int[] ids = tok.encode("Replace the hydraulic filter");
        CompletableFuture<Completion> f = new CompletableFuture<>();
        StringBuilder streamed = new StringBuilder();
        served.engine().submit(new GenerationRequest(ids, SamplingParams.greedy(40), Set.of()), listener(f, streamed));
        Completion full = f.get(60, TimeUnit.SECONDS);
        assertThat(streamed.toString()).isEqualTo(full.text()).isEqualTo(tok.decode(full.tokens(), true));
        String text = full.text();
        assertThat(text.length()).isGreaterThan(6);
        String stop = text.substring(text.length() / 2, text.length() / 2 + 3);
        Completion cut = served.engine().generate(new GenerationRequest(ids, new SamplingParams(40, 0, 0, 1, 1, 0, 0,
                List.of(stop), 0), Set.of()));
        assertThat(cut.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(cut.text()).isEqualTo(text.substring(0, text.indexOf(stop)));
    }

    @Test
    void theContextBoundsEverySequence() throws Exception {
        int context = served.engine().contextLength();
        int[] prompt = new int[context - 5];
        Arrays.fill(prompt, tok.encode("a")[0]);
        Completion c = served.engine().generate(new GenerationRequest(prompt, SamplingParams.greedy(100), Set.of()));
        assertThat(c.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(prompt.length + c.completionTokens()).isLessThanOrEqualTo(context);
        assertThatThrownBy(() -> served.engine().generate(new GenerationRequest(new int[context], SamplingParams.greedy(1),
                Set.of()))).isInstanceOf(ParameterException.class).hasMessageContaining("context");
        assertThatThrownBy(() -> served.engine().generate(new GenerationRequest(new int[] {100_000},
                SamplingParams.greedy(1), Set.of()))).hasMessageContaining("vocabulary");
        assertThat(served.engine().model().cacheBytes(context)).isEqualTo(2L * 2 * 2 * context * 16 * 4);
    }

    @Test
    void anOverdueSequenceEndsWithTimeoutAndACancelledOneWithCancelled() throws Exception {
        int[] ids = tok.encode("The pump");
        Completion late = served.engine().generate(new GenerationRequest(ids, SamplingParams.greedy(50), Set.of(),
                System.nanoTime() - 1));
        assertThat(late.finishReason()).isEqualTo(FinishReason.TIMEOUT);
        CompletableFuture<Completion> f = new CompletableFuture<>();
        DecodeEngine.Handle h = served.engine().submit(new GenerationRequest(ids, SamplingParams.greedy(200), Set.of()),
                listener(f, new StringBuilder()));
        h.cancel();
        assertThat(f.get(30, TimeUnit.SECONDS).finishReason()).isIn(FinishReason.CANCELLED, FinishReason.LENGTH);
    }

    @Test
    void aFullEngineRefusesWithRetryAfter() throws Exception {
        ServedModel m = ServedModel.load(model, "small", new EngineConfig(1, 1, 1), null);
        try {
            int[] ids = tok.encode("The pump");
            List<CompletableFuture<Completion>> fs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                CompletableFuture<Completion> f = new CompletableFuture<>();
                m.engine().submit(new GenerationRequest(ids, SamplingParams.greedy(150), Set.of()),
                        listener(f, new StringBuilder()));
                fs.add(f);
            }
            assertThatThrownBy(() -> m.engine().submit(new GenerationRequest(ids, SamplingParams.greedy(5), Set.of()),
                    listener(new CompletableFuture<>(), new StringBuilder()))).isInstanceOf(QueueFullException.class)
                    .hasMessageContaining("capacity").satisfies(e ->
                            assertThat(((QueueFullException) e).retryAfterSeconds()).isPositive());
            for (CompletableFuture<Completion> f : fs) {
                assertThat(f.get(60, TimeUnit.SECONDS).completionTokens()).isPositive();
            }
        } finally {
            m.release();
        }
    }

    static GenerationListener listener(CompletableFuture<Completion> done, StringBuilder text) {
        return new GenerationListener() {
            @Override
            public void onText(String delta) {
                text.append(delta);
            }

            @Override
            public void onComplete(Completion c) {
                done.complete(c);
            }

            @Override
            public void onError(Exception e) {
                done.completeExceptionally(e);
            }
        };
    }
}
