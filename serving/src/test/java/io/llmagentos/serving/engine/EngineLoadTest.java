package io.llmagentos.serving.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmagentos.serving.TestModels;
import io.llmagentos.serving.models.ServedModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The engine at 4× its capacity, measured in decode steps rather than seconds (so the check holds on a busy machine):
 * every admitted sequence's latency in steps (its wait + its own steps) stays within twice its own length, because the
 * engine admits a waiter only when a slot frees within that length; mixed lengths, so short requests must not wait
 * behind long ones. Refused submissions carry a positive retry time.
 */
class EngineLoadTest {
    @Test
    void admittedSequencesWaitAtMostTheirOwnLength() throws Exception {
        EngineConfig cfg = new EngineConfig(4, 4, 1);
        ServedModel m = ServedModel.load(TestModels.exported(11), "tiny", cfg, null);
        int clients = 4 * cfg.capacity();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        AtomicInteger refused = new AtomicInteger();
        try {
            int[] prompt = m.tokenizer().encode("The pump");
            List<Future<List<Completion>>> fs = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int tokens = c % 2 == 0 ? 8 : 40;
                fs.add(pool.submit(() -> {
                    List<Completion> out = new ArrayList<>();
                    for (int i = 0; i < 6; i++) {
                        CompletableFuture<Completion> done = new CompletableFuture<>();
                        try {
                            m.engine().submit(new GenerationRequest(prompt, SamplingParams.greedy(tokens), Set.of()),
                                    DecodeEngineTest.listener(done, new StringBuilder()));
                        } catch (QueueFullException e) {
                            assertThat(e.retryAfterMillis()).isPositive();
                            refused.incrementAndGet();
                            Thread.sleep(e.retryAfterMillis());
                            continue;
                        }
                        out.add(done.get(60, TimeUnit.SECONDS));
                    }
                    return out;
                }));
            }
            List<Completion> all = new ArrayList<>();
            for (Future<List<Completion>> f : fs) {
                all.addAll(f.get(5, TimeUnit.MINUTES));
            }
            assertThat(refused.get()).as("refusals at 4x capacity").isPositive();
            assertThat(all).as("admitted").hasSizeGreaterThan(clients);
            long worst = 0;
            for (Completion c : all) {
                assertThat(c.finishReason()).isEqualTo(FinishReason.LENGTH);
                // +1 step of slack: the tokens-left snapshot the rule reads is at most one step old
                assertThat(c.engineSteps()).as("steps in the engine of a %d-token sequence", c.completionTokens())
                        .isLessThanOrEqualTo(2L * c.completionTokens() + 1);
                worst = Math.max(worst, c.engineSteps() * 100 / c.completionTokens());
            }
            System.out.printf("engine load: %d admitted, %d refused; worst steps in engine = %d %% of own length%n",
                    all.size(), refused.get(), worst);
        } finally {
            pool.shutdownNow();
            m.release();
        }
    }
}
