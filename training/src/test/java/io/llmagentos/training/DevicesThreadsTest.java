package io.llmagentos.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code training.threads} is applied before anything else touches DJL (the first thing a CLI run does): the
 * JNI call needs libtorch loaded. Tested in a fresh JVM, since in this one earlier tests have started the engine.
 */
class DevicesThreadsTest {
    @Test
    void settingThreadsFirstInAFreshJvmWorks() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of(java.toString(), "-Dai.djl.offline=true", "-cp",
                System.getProperty("java.class.path"), ThreadsProbe.class.getName())).redirectErrorStream(true).start();
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(done).as("probe finished").isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("threads set; engine PyTorch");
    }
}
