package io.llmagentos.pipelines.tracking;

import io.llmagentos.testsupport.Guards;
import io.llmagentos.testsupport.Python;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code mlflow server} from the test virtualenv (scripts/requirements-test.txt), on 127.0.0.1 and a free
 * port, with a SQLite backend and a local artifact destination served through its artifact proxy; stopped on close.
 */
public final class MlflowServer implements AutoCloseable {
    private final Process process;
    private final String uri;
    private final Python python;
    private final Path log;

    private MlflowServer(Process process, String uri, Python python, Path log) {
        this.process = process;
        this.uri = uri;
        this.python = python;
        this.log = log;
    }

    /** Starts a server, or skips the test visibly (fails it on CI) when the virtualenv has no mlflow. */
    public static MlflowServer start(Path dir) throws Exception {
        Python py = Python.require("mlflow");
        return launch(dir, py);
    }

    /** A server when mlflow is installed (always on CI), else null after printing why. */
    public static MlflowServer startIfAvailable(Path dir) throws Exception {
        Path exe = Python.interpreterPath().resolveSibling("mlflow");
        if (!Files.isExecutable(exe)) {
            Guards.requireProvidedByCi(Guards.onCi() ? false : true, "mlflow is not installed in the test virtualenv");
            System.err.println("[NOTE] no mlflow in " + exe.getParent() + " (run scripts/test.sh): checking the DB only");
            return null;
        }
        return launch(dir, Python.require("mlflow"));
    }

    private static MlflowServer launch(Path dir, Python py) throws Exception {
        Files.createDirectories(dir);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        Path exe = py.interpreter().resolveSibling("mlflow");
        Path log = dir.resolve("mlflow-server.log");
        Process p = new ProcessBuilder(List.of(exe.toString(), "server", "--host", "127.0.0.1", "--port",
                Integer.toString(port), "--backend-store-uri", "sqlite:///" + dir.resolve("mlflow.db").toAbsolutePath(),
                "--artifacts-destination", dir.resolve("artifacts").toAbsolutePath().toString(), "--workers", "1"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        String uri = "http://127.0.0.1:" + port;
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("mlflow server exited " + p.exitValue() + ":\n" + Files.readString(log));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(uri + "/health"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return new MlflowServer(p, uri, py, log);
                }
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(250);
        }
        p.destroyForcibly();
        throw new IllegalStateException("mlflow server did not answer on " + uri + " within 180 s:\n" + Files.readString(log));
    }

    public String uri() {
        return uri;
    }

    /** Runs a Python script (with the virtualenv's mlflow) and returns its stdout. */
    public String python(String script, String... args) throws IOException {
        Path f = Files.createTempFile("mlflow-check", ".py");
        try {
            Files.writeString(f, script, StandardCharsets.UTF_8);
            return python.runScript(f, args);
        } finally {
            Files.deleteIfExists(f);
        }
    }

    @Override
    public void close() throws Exception {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }
}
