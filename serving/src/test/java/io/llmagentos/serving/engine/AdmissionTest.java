package io.llmagentos.serving.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The engine's admission rule ({@link DecodeEngine#admissible}): wait only for a slot that frees in time. */
class AdmissionTest {
    private static final EngineConfig BATCH_2_QUEUE_4 = new EngineConfig(2, 4, 1);

    @Test
    void aFreeSlotAdmitsAnyLength() {
        assertThat(DecodeEngine.admissible(BATCH_2_QUEUE_4, 1, new int[] {500}, new int[0], 1)).isTrue();
        assertThat(DecodeEngine.admissible(BATCH_2_QUEUE_4, 0, new int[0], new int[0], 1)).isTrue();
    }

    @Test
    void aWaiterIsAdmittedOnlyWhenASlotFreesWithinItsOwnLength() {
        // running sequences have 30 and 80 tokens left: the first slot frees after 30 steps
        int[] running = {30, 80};
        assertThat(DecodeEngine.admissible(BATCH_2_QUEUE_4, 2, running, new int[0], 30)).isTrue();
        assertThat(DecodeEngine.admissible(BATCH_2_QUEUE_4, 2, running, new int[0], 29)).as("would wait longer than it runs")
                .isFalse();
        // one waiter of 40 takes the slot at 30 (until 70); the next slot frees at 70
        assertThat(DecodeEngine.admissible(BATCH_2_QUEUE_4, 3, running, new int[] {40}, 70)).isTrue();
        assertThat(DecodeEngine.admissible(BATCH_2_QUEUE_4, 3, running, new int[] {40}, 69)).isFalse();
        // waiters that have not joined yet count against free slots too (a burst at an idle engine)
        assertThat(DecodeEngine.admissible(BATCH_2_QUEUE_4, 2, new int[0], new int[] {50, 50}, 50)).isTrue();
        assertThat(DecodeEngine.admissible(BATCH_2_QUEUE_4, 2, new int[0], new int[] {50, 50}, 49)).isFalse();
    }

    @Test
    void nothingIsAdmittedAtCapacity() {
        assertThat(DecodeEngine.admissible(BATCH_2_QUEUE_4, 6, new int[] {1, 1}, new int[] {1, 1, 1, 1}, 1000))
                .isFalse();
        assertThat(DecodeEngine.admissible(new EngineConfig(4, 0, 1), 4, new int[] {1, 1, 1, 1}, new int[0], 1000))
                .as("no queue: a full batch refuses").isFalse();
    }

    @Test
    void theFirstRefusedRetriesWhenThePlaceFreesAndTheNextOnesOneAdmissionIntervalApart() {
        long now = 1_000_000_000L;
        double step = 2e6;   // 2 ms decode steps
        int[] running = {5, 20, 30, 40};
        // nothing promised yet: back when the sequence with 5 tokens left ends, 5 steps = 10 ms
        long first = DecodeEngine.retryDelayMillis(now, running, step, 24, 4, now - 1_000_000_000L);
        assertThat(first).isEqualTo(10);
        // a herd refused at the same moment: each one admission interval (24 steps / batch 4 = 6 steps = 12 ms) later
        long promised = now + first * 1_000_000L;
        long previous = first;
        for (int i = 0; i < 5; i++) {
            long d = DecodeEngine.retryDelayMillis(now, running, step, 24, 4, promised);
            assertThat(d - previous).as("refusal %d after the first", i + 1).isEqualTo(12);
            previous = d;
            promised = now + d * 1_000_000L;
        }
        // once the promises are past, the next refused client is back to the first free place
        assertThat(DecodeEngine.retryDelayMillis(now + 500_000_000L, running, step, 24, 4, promised)).isEqualTo(10);
    }

    @Test
    void retryDelaysAreAtLeastOneMsAndAtMostAMinute() {
        assertThat(DecodeEngine.retryDelayMillis(0, new int[0], 1e3, 1, 4, -1_000_000_000L)).isEqualTo(1);
        assertThat(DecodeEngine.retryDelayMillis(0, new int[] {1_000_000}, 1e6, 16, 4, 0)).isEqualTo(60_000);
    }
}
