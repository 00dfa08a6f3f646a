package io.llmagentos.dataprep;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.testsupport.RepoPaths;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same job through a real Spark standalone cluster: a master and a worker started on 127.0.0.1 from
 * the project's own jars (no Spark distribution), executors in their own JVMs. Its outputs must equal
 * local mode's. Spark's worker wants a SPARK_HOME with a {@code jars/} directory and a {@code RELEASE}
 * file; the test builds one from links to its classpath.
 */
class StandaloneClusterTest {
    @TempDir
    Path tmp;
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stopCluster() throws InterruptedException {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void aSparkStandaloneRunEqualsLocalMode() throws Exception {
        Path input = tmp.resolve("head.jsonl.gz");
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(
                RepoPaths.root().resolve("datasets-sample/data/corpus-00000.jsonl.gz"))), StandardCharsets.UTF_8));
             var w = new java.io.PrintWriter(new java.io.OutputStreamWriter(new java.util.zip.GZIPOutputStream(
                     Files.newOutputStream(input)), StandardCharsets.UTF_8))) {
            for (int i = 0; i < 600; i++) {
                w.print(r.readLine());
                w.print('\n');
            }
        }
        PrepConfig config = PrepConfig.parse("t.yaml", "spark:\n  shufflePartitions: 2\n");

        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> jars = new ArrayList<>();
        List<String> dirs = new ArrayList<>();
        for (String e : classpath.split(File.pathSeparator)) {
            if (e.endsWith(".jar")) {
                jars.add(e);
            } else if (!e.isBlank()) {
                dirs.add(e);
            }
        }
        Path sparkHome = tmp.resolve("spark-home");
        Files.createDirectories(sparkHome.resolve("jars"));
        Files.writeString(sparkHome.resolve("RELEASE"), "Spark from the agentos test classpath\n");
        for (String j : jars) {
            Path link = sparkHome.resolve("jars").resolve(Path.of(j).getFileName());
            if (!Files.exists(link)) {
                Files.createSymbolicLink(link, Path.of(j));
            }
        }
        int masterPort = freePort();
        String master = "spark://127.0.0.1:" + masterPort;
        start("master", classpath, sparkHome, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                "--port", String.valueOf(masterPort), "--webui-port", String.valueOf(freePort()));
        start("worker", classpath, sparkHome, "org.apache.spark.deploy.worker.Worker", master, "--host", "127.0.0.1",
                "--cores", "2", "--memory", "2g", "--webui-port", String.valueOf(freePort()),
                "--work-dir", tmp.resolve("work").toString());

        Path clusterOut = tmp.resolve("cluster");
        PrepReport onCluster;
        try (SparkSession spark = SparkSession.builder().appName("agentos-prep-standalone-test").master(master)
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.executor.memory", "1g").config("spark.executor.cores", "2")
                .config("spark.executor.extraClassPath", String.join(File.pathSeparator, dirs))
                .config("spark.sql.shuffle.partitions", "2")
                .getOrCreate()) {
            assertThat(spark.sparkContext().master()).isEqualTo(master);
            onCluster = new DataPrep(spark, config).run(List.of(input.toString()), clusterOut, ProgressListener.NONE);
            assertThat(spark.sparkContext().getExecutorMemoryStatus().size()).as("driver + executor").isGreaterThan(1);
        }

        Path localOut = tmp.resolve("local");
        PrepReport local;
        try (SparkSession spark = SparkTestSession.start()) {
            local = new DataPrep(spark, config).run(List.of(input.toString()), localOut, ProgressListener.NONE);
        }
        assertThat(onCluster.spark().get("master")).isEqualTo(master);
        assertThat(onCluster.counts()).isEqualTo(local.counts());
        assertThat(onCluster.counts().invariantHolds()).isTrue();
        for (String out : List.of("corpus/train", "corpus/validation", "corpus/test", "rejects", "quarantine")) {
            assertThat(content(clusterOut.resolve(out))).as(out).isEqualTo(content(localOut.resolve(out)));
        }
    }

    private void start(String name, String classpath, Path sparkHome, String main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", classpath, main));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(tmp.resolve(name + ".log").toFile());
        Map<String, String> env = pb.environment();
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("JAVA_HOME", System.getProperty("java.home"));
        processes.add(pb.start());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String content(Path dir) throws IOException {
        List<Path> parts;
        try (Stream<Path> s = Files.list(dir)) {
            parts = new ArrayList<>(s.filter(f -> f.getFileName().toString().startsWith("part-")).sorted().toList());
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (Path f : parts) {
            try (InputStream in = f.toString().endsWith(".gz") ? new GZIPInputStream(Files.newInputStream(f))
                    : Files.newInputStream(f)) {
                in.transferTo(all);
            }
        }
        return all.toString(StandardCharsets.UTF_8);
    }
}
