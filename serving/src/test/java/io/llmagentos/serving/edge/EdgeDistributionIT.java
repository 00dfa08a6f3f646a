package io.llmagentos.serving.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.serving.Http;
import io.llmagentos.serving.TestModels;
import io.llmagentos.testsupport.RepoPaths;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packaged edge distribution (serving/target/edge: bin/agentos + lib/) holds no Spark, DJL or ND4J class
 * and serves on its own: a fresh JVM started by the launcher, with only lib/ on its classpath.
 */
class EdgeDistributionIT {
    static final List<String> FORBIDDEN = List.of("org/apache/spark/", "ai/djl/", "org/nd4j/", "org/bytedeco/",
            "org/apache/hadoop/", "scala/", "org/tribuo/");

    static Path edge() {
        return RepoPaths.root().resolve("serving/target/edge");
    }

    @Test
    void theLibDirectoryHoldsNoSparkDjlOrNd4jClass() throws IOException {
        Path lib = edge().resolve("lib");
        List<Path> jars;
        try (Stream<Path> s = Files.list(lib)) {
            jars = s.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        }
        assertThat(jars).extracting(p -> p.getFileName().toString())
                .anyMatch(n -> n.startsWith("serving-")).anyMatch(n -> n.startsWith("onnxruntime-"))
                .anyMatch(n -> n.startsWith("javalin-")).anyMatch(n -> n.startsWith("core-"));
        List<String> bad = new ArrayList<>();
        long bytes = 0;
        int classes = 0;
        for (Path jar : jars) {
            bytes += Files.size(jar);
            try (JarFile jf = new JarFile(jar.toFile())) {
                for (Enumeration<JarEntry> e = jf.entries(); e.hasMoreElements(); ) {
                    String name = e.nextElement().getName();
                    if (name.endsWith(".class")) {
                        classes++;
                    }
                    for (String f : FORBIDDEN) {
                        if (name.startsWith(f)) {
                            bad.add(jar.getFileName() + "!" + name);
                        }
                    }
                }
            }
        }
        System.out.printf("edge distribution: %d jars, %d classes, %.1f MB in %s%n", jars.size(), classes, bytes / 1e6, lib);
        assertThat(bad).as("forbidden classes in the edge distribution").isEmpty();
        assertThat(classes).isGreaterThan(1000);
        assertThat(Files.isExecutable(edge().resolve("bin/agentos"))).isTrue();
    }

    @Test
    void theLauncherServesAModelAndDrainsOnSigterm() throws Exception {
        Path model = TestModels.exported(11);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path log = Files.createTempFile("edge-serve", ".log");
        Process p = new ProcessBuilder(edge().resolve("bin/agentos").toString(), "serve", "--model", model.toString(),
                "--port", Integer.toString(port), "--model-name", "edge", "--api-key", "sk-edge", "--threads", "1")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Http http = new Http(URI.create("http://127.0.0.1:" + port), "sk-edge");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            boolean up = false;
            // /ready, not /health: the port opens before the HTTP warm-up ends and the launcher installs its drain hook
            while (!up && System.nanoTime() < deadline && p.isAlive()) {
                try {
                    up = http.get("/ready").status() == 200;
                } catch (IOException notYet) {
                    // not listening yet
                }
                if (!up) {
                    Thread.sleep(200);
                }
            }
            assertThat(up).as("edge server came up; log:\n" + Files.readString(log)).isTrue();
            assertThat(http.get("/v1/models").json().at("/data/0/id").asText()).isEqualTo("edge");
            ObjectNode chat = Http.JSON.createObjectNode();
            chat.put("model", "edge");
            chat.putArray("messages").addObject().put("role", "user").put("content", "hello");
            chat.put("max_tokens", 8);
            Http.Response r = http.post("/v1/chat/completions", chat);
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            assertThat(r.json().at("/usage/completion_tokens").asInt()).isPositive();
            p.destroy();   // SIGTERM: the shutdown hook drains and stops
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            String out = Files.readString(log, StandardCharsets.UTF_8);
            assertThat(out).contains("agentos serve: model 'edge'").contains("http://127.0.0.1:" + port);
            assertThat(out).doesNotContain("Exception");
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }

    @Test
    void badUsageExitsTwoWithOneLine() throws Exception {
        Process p = new ProcessBuilder(edge().resolve("bin/agentos").toString(), "serve").redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(out).contains("--model DIR is required");
        Process q = new ProcessBuilder(edge().resolve("bin/agentos").toString(), "serve", "--model", "/no/such/model")
                .redirectErrorStream(true).start();
        String qOut = new String(q.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(q.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(q.exitValue()).isEqualTo(1);
        assertThat(qOut).contains("/no/such/model");
    }
}
