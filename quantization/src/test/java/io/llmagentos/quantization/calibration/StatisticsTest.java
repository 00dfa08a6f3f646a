package io.llmagentos.quantization.calibration;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmagentos.testsupport.Tolerance;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The ND4J statistics against their plain-Java references, and against known distributions. */
class StatisticsTest {
    static float[] gaussian(int n, long seed, int outliers, float outlierSize) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < outliers; i++) {
            x[r.nextInt(n)] = (r.nextBoolean() ? 1 : -1) * outlierSize * (float) (0.5 + r.nextDouble());
        }
        return x;
    }

    @Test
    void histogramMatchesReference() {
        float[] x = gaussian(100_000, 1, 20, 30f);
        float upper = 0;
        for (float v : x) {
            upper = Math.max(upper, Math.abs(v));
        }
        x[17] = upper; // the top edge goes to the last bin
        x[18] = 0f;
        AbsHistogram h = new AbsHistogram(2048, upper);
        h.add(java.util.Arrays.copyOfRange(x, 0, 50_000));
        h.add(java.util.Arrays.copyOfRange(x, 50_000, x.length));
        long[] ref = AbsHistogram.reference(x, 2048, upper);
        assertThat(h.total()).isEqualTo(x.length);
        // floor(|x|/upper·bins) may round the other way for a value on a bin edge: at most a few such values
        long moved = 0;
        for (int i = 0; i < ref.length; i++) {
            moved += Math.abs(ref[i] - h.counts()[i]);
        }
        assertThat(moved).isLessThanOrEqualTo(4);
        assertThat(h.counts()[2047]).isGreaterThanOrEqualTo(1);
    }

    @Test
    void zeroRangeHistogramPutsEverythingInBinZero() {
        AbsHistogram h = new AbsHistogram(16, 0f);
        h.add(new float[] {0f, 0f, 0f});
        assertThat(h.counts()[0]).isEqualTo(3);
    }

    @Test
    void tensorStatsMatchReference() {
        float[] x = gaussian(64 * 300, 2, 5, 40f);
        TensorStats s = new TensorStats("x");
        s.add(java.util.Arrays.copyOfRange(x, 0, 64 * 100), 64);
        s.add(java.util.Arrays.copyOfRange(x, 64 * 100, x.length), 64);
        TensorStats ref = TensorStats.reference("x", x, 64);
        assertThat(s.min()).isEqualTo(ref.min());
        assertThat(s.max()).isEqualTo(ref.max());
        assertThat(s.channelAbsMax()).containsExactly(ref.channelAbsMax());
        assertThat(s.count()).isEqualTo(x.length);
    }

    @Test
    void percentileMatchesReferenceAndTheGaussianQuantile() {
        float[] x = gaussian(400_000, 3, 0, 0f);
        float upper = 6f;
        AbsHistogram h = new AbsHistogram(2048, upper);
        h.add(x);
        for (double p : new double[] {50, 90, 99, 99.9, 99.99, 100}) {
            float nd = Thresholds.percentile(h.counts(), h.binWidth(), p);
            float ref = Thresholds.percentileReference(h.counts(), h.binWidth(), p);
            assertThat(nd).as("p=%s", p).isEqualTo(ref);
        }
        // |N(0,1)|: median 0.674, 99th percentile 2.576 (one bin is 6/2048 = 0.003 wide)
        assertThat((double) Thresholds.percentile(h.counts(), h.binWidth(), 50)).isCloseTo(0.674, org.assertj.core.data.Offset.offset(0.01));
        assertThat((double) Thresholds.percentile(h.counts(), h.binWidth(), 99)).isCloseTo(2.576, org.assertj.core.data.Offset.offset(0.03));
    }

    @Test
    void entropyMatchesReference() {
        for (long seed = 1; seed <= 3; seed++) {
            float[] x = gaussian(200_000, seed, 50, 25f);
            float upper = 0;
            for (float v : x) {
                upper = Math.max(upper, Math.abs(v));
            }
            AbsHistogram h = new AbsHistogram(1024, upper);
            h.add(x);
            Thresholds.Entropy nd = Thresholds.entropy(h.counts(), h.binWidth(), 128);
            Thresholds.Entropy ref = Thresholds.entropyReference(h.counts(), h.binWidth(), 128);
            Tolerance.assertAllClose(nd.divergence(), ref.divergence(), 1e-9, 1e-12);
            assertThat(nd.bins()).isEqualTo(ref.bins());
            assertThat(nd.threshold()).isEqualTo(ref.threshold());
            // outliers at ~25 sigma are clipped: the threshold lands well inside the range
            assertThat(nd.threshold()).isLessThan(upper / 2).isGreaterThan(2f);
        }
    }

    @Test
    void entropyKeepsTheWholeRangeOfAUniformDistribution() {
        SplittableRandom r = new SplittableRandom(5);
        float[] x = new float[100_000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1);
        }
        AbsHistogram h = new AbsHistogram(512, 1f);
        h.add(x);
        Thresholds.Entropy e = Thresholds.entropy(h.counts(), h.binWidth(), 128);
        assertThat(e.threshold()).isGreaterThan(0.9f);
    }
}
