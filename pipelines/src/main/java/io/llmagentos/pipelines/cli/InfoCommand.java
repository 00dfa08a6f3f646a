package io.llmagentos.pipelines.cli;

import io.llmagentos.core.AgentosVersion;
import io.llmagentos.core.json.JsonFields;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code agentos info}: what this machine offers the platform. */
@Command(name = "info", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Show Java, OS, CPU features, cores, memory, the engines present and whether a GPU is visible.")
final class InfoCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    /** Engines a stage may bring, probed by a class that only that engine has. */
    private static final List<String[]> ENGINES = List.of(
            new String[] {"DJL (training)", "ai.djl.engine.Engine"},
            new String[] {"PyTorch native (DJL)", "ai.djl.pytorch.engine.PtEngine"},
            new String[] {"ONNX Runtime", "ai.onnxruntime.OrtEnvironment"},
            new String[] {"ND4J", "org.nd4j.linalg.factory.Nd4j"},
            new String[] {"Apache Spark", "org.apache.spark.SparkContext"},
            new String[] {"Jackson", "com.fasterxml.jackson.databind.ObjectMapper"},
            new String[] {"picocli", "picocli.CommandLine"});

    private static final Set<String> INTERESTING_CPU_FLAGS = Set.of("sse4_2", "avx", "avx2", "fma", "f16c",
            "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "avx_vnni", "amx_tile", "amx_int8",
            "amx_bf16", "asimd", "sve");

    @Override
    public Integer call() throws IOException {
        Map<String, Object> info = collect();
        if (json) {
            System.out.println(JsonFields.MAPPER.writeValueAsString(info));
            return 0;
        }
        info.forEach((k, v) -> {
            if (v instanceof Map<?, ?> m) {
                System.out.println(k + ":");
                m.forEach((k2, v2) -> System.out.printf(Locale.ROOT, "  %-22s %s%n", k2, v2));
            } else {
                System.out.printf(Locale.ROOT, "%-24s %s%n", k, v);
            }
        });
        return 0;
    }

    static Map<String, Object> collect() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("agentos", AgentosVersion.get());
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + " (" + System.getProperty("java.vendor") + ")");
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        Map<String, String> cpu = cpuInfo();
        m.put("cpu", cpu.getOrDefault("model", System.getProperty("os.arch")));
        m.put("cpu features", cpu.getOrDefault("features", "unknown"));
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("memory", memory());
        m.put("gpu", gpu());
        Map<String, String> engines = new LinkedHashMap<>();
        for (String[] e : ENGINES) {
            engines.put(e[0], engineVersion(e[1]));
        }
        m.put("engines", engines);
        return m;
    }

    private static String engineVersion(String className) {
        try {
            Class<?> c = Class.forName(className, false, InfoCommand.class.getClassLoader());
            Package p = c.getPackage();
            String v = p == null ? null : p.getImplementationVersion();
            if (v == null) {
                v = jarVersion(c);
            }
            return "present" + (v == null ? "" : " " + v);
        } catch (ClassNotFoundException | LinkageError e) {
            return "absent (not in this distribution)";
        }
    }

    /** The version in the jar file name, e.g. jackson-databind-2.20.1.jar → 2.20.1. */
    private static String jarVersion(Class<?> c) {
        try {
            var src = c.getProtectionDomain().getCodeSource();
            if (src == null) {
                return null;
            }
            String name = Path.of(src.getLocation().toURI()).getFileName().toString();
            var mt = java.util.regex.Pattern.compile("-(\\d+(?:\\.[\\w-]+)*)\\.jar$").matcher(name);
            return mt.find() ? mt.group(1) : null;
        } catch (Exception e) {
            return null;
        }
    }

    private static Map<String, String> cpuInfo() {
        Map<String, String> m = new LinkedHashMap<>();
        try {
            List<String> flags = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                int i = line.indexOf(':');
                if (i < 0) {
                    continue;
                }
                String k = line.substring(0, i).trim();
                String v = line.substring(i + 1).trim();
                if (k.equals("model name") && !m.containsKey("model")) {
                    m.put("model", v);
                }
                if ((k.equals("flags") || k.equals("Features")) && flags.isEmpty()) {
                    for (String f : v.split("\\s+")) {
                        if (INTERESTING_CPU_FLAGS.contains(f)) {
                            flags.add(f);
                        }
                    }
                    flags.sort(null);
                }
            }
            m.put("features", flags.isEmpty() ? "none of " + INTERESTING_CPU_FLAGS.size() + " probed" : String.join(" ", flags));
        } catch (IOException e) {
            m.put("features", "unknown (no /proc/cpuinfo)");
        }
        return m;
    }

    private static String memory() {
        long maxHeap = Runtime.getRuntime().maxMemory() >> 20;
        String total = "unknown";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    long kb = Long.parseLong(line.replaceAll("\\D+", ""));
                    total = String.format(Locale.ROOT, "%.1f GiB", kb / 1024.0 / 1024.0);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return total + " total, JVM max heap " + maxHeap + " MiB";
    }

    /** Whether an NVIDIA GPU is visible to this process (driver files), without loading any native library. */
    static String gpu() {
        Path gpus = Path.of("/proc/driver/nvidia/gpus");
        if (Files.isDirectory(gpus)) {
            try (var s = Files.list(gpus)) {
                long n = s.count();
                if (n > 0) {
                    return n + " NVIDIA GPU" + (n > 1 ? "s" : "") + " visible (driver "
                            + firstLine(Path.of("/proc/driver/nvidia/version")) + ")";
                }
            } catch (IOException e) {
                // fall through
            }
        }
        if (Files.exists(Path.of("/dev/nvidia0"))) {
            return "NVIDIA device node present (/dev/nvidia0)";
        }
        return "none visible (training and inference run on CPU)";
    }

    private static String firstLine(Path p) {
        try {
            String s = Files.readAllLines(p).get(0);
            var mt = java.util.regex.Pattern.compile("Kernel Module\\s+([\\d.]+)").matcher(s);
            return mt.find() ? mt.group(1) : s.trim();
        } catch (IOException | IndexOutOfBoundsException e) {
            return "unknown";
        }
    }
}
