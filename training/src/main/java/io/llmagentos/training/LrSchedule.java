package io.llmagentos.training;

/**
 * Linear warmup then cosine decay: for step t (from 1) of T, with W warmup steps,
 * {@code lr(t) = peak · t / W} while t ≤ W, then
 * {@code lr(t) = min + (peak − min) · ½ · (1 + cos(π · (t − W) / (T − W)))}.
 */
public record LrSchedule(double peak, double min, int warmup, int total) {
    public double at(int step) {
        if (warmup > 0 && step <= warmup) {
            return peak * step / warmup;
        }
        if (total <= warmup) {
            return peak;
        }
        double progress = Math.min(1.0, (double) (step - warmup) / (total - warmup));
        return min + (peak - min) * 0.5 * (1 + StrictMath.cos(Math.PI * progress));
    }
}
