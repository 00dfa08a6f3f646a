package io.llmagentos.serving.edge;

import io.llmagentos.serving.ServerConfig;
import io.llmagentos.serving.engine.EngineConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The edge distribution's entry point ({@code bin/agentos serve …}): the serving runtime alone, without the
 * platform's other stages. Takes the same options as the full CLI's {@code agentos serve}, with the same
 * descriptions ({@link ServerConfig}, {@link EngineConfig}).
 */
public final class EdgeMain {
    private record Opt(String name, String arg, String doc, String dflt) {
    }

    private static final List<Opt> OPTIONS = List.of(
            new Opt("--model", "DIR", "Exported ONNX model directory (model.onnx + config.json + tokenizer), or the "
                    + ".onnx file.", null),
            new Opt("--port", "N", ServerConfig.PORT_DOC, "8080"),
            new Opt("--host", "ADDR", ServerConfig.HOST_DOC, "127.0.0.1"),
            new Opt("--api-key", "KEY", ServerConfig.API_KEY_DOC, null),
            new Opt("--model-name", "ID", ServerConfig.MODEL_NAME_DOC, null),
            new Opt("--max-batch", "N", EngineConfig.MAX_BATCH_DOC, "8"),
            new Opt("--max-queued", "N", EngineConfig.MAX_QUEUED_DOC, "32"),
            new Opt("--threads", "N", EngineConfig.THREADS_DOC, null),
            new Opt("--spin", null, EngineConfig.SPINNING_DOC, null),
            new Opt("--max-body-bytes", "N", ServerConfig.MAX_BODY_DOC, "1048576"),
            new Opt("--max-prompt-tokens", "N", ServerConfig.MAX_PROMPT_DOC, "0"),
            new Opt("--max-tokens", "N", ServerConfig.MAX_TOKENS_DOC, "0"),
            new Opt("--request-timeout", "SECONDS", ServerConfig.TIMEOUT_DOC, "60"),
            new Opt("--drain-timeout", "SECONDS", ServerConfig.DRAIN_DOC, "30"),
            new Opt("--admin-api", null, ServerConfig.ADMIN_DOC, null));

    private EdgeMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Exit codes: 0 ok, 1 failed (one line naming what), 2 usage error. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            usage(out);
            return args.length == 0 ? 2 : 0;
        }
        if (!args[0].equals("serve")) {
            err.println("agentos (edge): unknown command '" + args[0] + "'; this distribution runs 'agentos serve' only");
            return 2;
        }
        Map<String, List<String>> given = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                usage(out);
                return 0;
            }
            String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            Opt o = OPTIONS.stream().filter(x -> x.name.equals(name)).findFirst().orElse(null);
            if (o == null) {
                err.println("agentos serve: unknown option '" + a + "' (see agentos serve --help)");
                return 2;
            }
            String value;
            if (o.arg == null) {
                value = "true";
            } else if (a.contains("=")) {
                value = a.substring(a.indexOf('=') + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                err.println("agentos serve: option " + name + " needs a value " + o.arg);
                return 2;
            }
            given.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        if (!given.containsKey("--model")) {
            err.println("agentos serve: --model DIR is required (an exported ONNX model directory)");
            return 2;
        }
        ServerConfig cfg;
        try {
            EngineConfig engine = new EngineConfig(intOpt(given, "--max-batch"), intOpt(given, "--max-queued"),
                    given.containsKey("--threads") ? intOpt(given, "--threads")
                            : Runtime.getRuntime().availableProcessors(), given.containsKey("--spin"));
            cfg = new ServerConfig(value(given, "--host"), intOpt(given, "--port"), given.getOrDefault("--api-key",
                    List.of()), given.containsKey("--model-name") ? value(given, "--model-name") : null,
                    Long.parseLong(value(given, "--max-body-bytes")), intOpt(given, "--max-prompt-tokens"),
                    intOpt(given, "--max-tokens"), Duration.ofSeconds(intOpt(given, "--request-timeout")),
                    Duration.ofSeconds(intOpt(given, "--drain-timeout")), engine, given.containsKey("--admin-api"));
        } catch (IllegalArgumentException e) {
            err.println("agentos serve: " + e.getMessage());
            return 2;
        }
        try {
            return ServeRunner.run(Path.of(value(given, "--model")), cfg, out);
        } catch (Exception e) {
            err.println("agentos serve: " + e.getMessage());
            return 1;
        }
    }

    private static String value(Map<String, List<String>> given, String name) {
        List<String> v = given.get(name);
        if (v != null) {
            return v.get(v.size() - 1);
        }
        return OPTIONS.stream().filter(o -> o.name.equals(name)).findFirst().orElseThrow().dflt;
    }

    private static int intOpt(Map<String, List<String>> given, String name) {
        String v = value(given, name);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer (got '" + v + "')");
        }
    }

    private static void usage(PrintStream out) {
        out.println("Usage: agentos serve --model DIR [options]");
        out.println("Serve an exported ONNX model behind the OpenAI-compatible API (edge distribution).");
        for (Opt o : OPTIONS) {
            String left = "  " + o.name + (o.arg == null ? "" : " " + o.arg);
            out.printf("%-28s %s%s%n", left, o.doc, o.dflt == null ? "" : " (default " + o.dflt + ")");
        }
    }
}
