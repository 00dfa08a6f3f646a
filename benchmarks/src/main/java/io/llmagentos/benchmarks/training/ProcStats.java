package io.llmagentos.benchmarks.training;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What Linux's {@code /proc} tells about this process (RSS and its high-water mark) and the machine's load. */
final class ProcStats {
    private ProcStats() {
    }

    /** Resets the process's RSS high-water mark (Linux {@code clear_refs} 5); returns the current RSS in MB. */
    static double resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | RuntimeException e) {
            // not resettable here: the peak is then the process's lifetime maximum
        }
        return status("VmRSS:");
    }

    static double peakRssMb() {
        return status("VmHWM:");
    }

    private static double status(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return Double.NaN;
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
