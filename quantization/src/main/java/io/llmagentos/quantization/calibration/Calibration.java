package io.llmagentos.quantization.calibration;

import io.llmagentos.quantization.int8.ActivationRange;
import java.util.Map;

/**
 * The outcome of calibrating a model.
 *
 * @param method    how the ranges were chosen
 * @param ranges    the range of each observed activation
 * @param stats     min/max and per-channel magnitudes of each observed activation
 * @param sequences calibration sequences run
 * @param tokens    tokens in them
 * @param seconds   wall time of all passes
 */
public record Calibration(CalibrationMethod method, Map<String, ActivationRange> ranges, Map<String, TensorStats> stats,
                          int sequences, long tokens, double seconds) {
    public Calibration {
        ranges = Map.copyOf(ranges);
        stats = Map.copyOf(stats);
    }
}
