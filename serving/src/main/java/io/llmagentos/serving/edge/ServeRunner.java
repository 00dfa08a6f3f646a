package io.llmagentos.serving.edge;

import io.llmagentos.serving.ServerConfig;
import io.llmagentos.serving.ServingServer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Runs {@code agentos serve} in the foreground, for both the full CLI and the edge launcher: starts the
 * server, prints where it listens, and on SIGTERM/SIGINT (a JVM shutdown hook) drains in-flight requests
 * before exiting.
 */
public final class ServeRunner {
    private ServeRunner() {
    }

    public static int run(Path model, ServerConfig config, PrintStream out) throws IOException, InterruptedException {
        ServingServer server = ServingServer.start(model, config);
        Thread hook = new Thread(server::close, "agentos-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        var m = server.currentModel();
        out.println("agentos serve: model '" + m.id() + "' (" + m.onnxFile() + ", context " + m.engine().contextLength()
                + " tokens) on " + server.baseUri());
        out.println("  OpenAI API  " + server.baseUri() + "/v1  (chat/completions, completions, models)"
                + (config.apiKeys().isEmpty() ? "" : "; Bearer key required"));
        out.println("  health      " + server.baseUri() + "/health, /ready; metrics " + server.baseUri() + "/metrics");
        out.println("  batch " + config.engine().maxBatch() + ", queue " + config.engine().maxQueued() + ", "
                + config.engine().threads() + " threads" + (config.engine().spinning() ? " (spinning)" : "")
                + "; Ctrl-C drains in-flight requests and stops");
        out.flush();
        server.awaitStop();
        return 0;
    }
}
