package io.llmagentos.quantization.calibration;

import java.util.Locale;

/** How the clipping range of a static activation is chosen from calibration statistics. */
public enum CalibrationMethod {
    /** {@code [min, max]} seen on the calibration set: nothing is clipped. */
    MINMAX("minmax: the range seen on the calibration set (no clipping)"),
    /** The magnitude below which a given percentage of the values fall (outliers clipped). */
    PERCENTILE("percentile: clip at the p-th percentile of |x| (default 99.99)"),
    /** The threshold whose INT8 distribution is closest in KL divergence to the FP32 one (TensorRT). */
    ENTROPY("entropy: clip where the KL divergence between the FP32 and INT8 histograms is least");

    private final String description;

    CalibrationMethod(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    /** The lower-case name used on the command line. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code minmax | percentile | entropy}, case-insensitively. */
    public static CalibrationMethod parse(String s) {
        for (CalibrationMethod m : values()) {
            if (m.name().equalsIgnoreCase(s) || m.cliName().equals(s.toLowerCase(Locale.ROOT).replace("-", ""))) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown calibration method '" + s + "'; use minmax, percentile or entropy");
    }
}
