package io.llmagentos.quantization.calibration;

import java.nio.file.Path;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Where ND4J's native libraries live and who owns its off-heap memory. ND4J unpacks its natives (~400 MB)
 * through JavaCPP into {@code org.bytedeco.javacpp.cachedir} on first use; left alone that is
 * {@code ~/.javacpp/cache}. {@link #init} points it at one directory (by default
 * {@code ~/.cache/llmagentos/javacpp}, kept across runs so the unpacking happens once per machine) before
 * ND4J loads, and runs ND4J on one thread. This is the only place either is set.
 *
 * <p>Every calibration statistic is computed inside a {@link #scope()}: arrays made there live in a
 * workspace whose memory is released when the scope closes, so a pass over thousands of activations
 * does not leave native buffers to the garbage collector.
 */
public final class Nd4jRuntime {
    /** The JavaCPP property that decides where natives are unpacked. */
    public static final String CACHE_DIR_PROPERTY = "org.bytedeco.javacpp.cachedir";
    private static final WorkspaceConfiguration SCOPE = WorkspaceConfiguration.builder()
            .policyAllocation(AllocationPolicy.OVERALLOCATE).policyLearning(LearningPolicy.FIRST_LOOP).build();
    private static volatile boolean initialized;

    private Nd4jRuntime() {
    }

    /** The default native cache: {@code $XDG_CACHE_HOME/llmagentos/javacpp}, else {@code ~/.cache/llmagentos/javacpp}. */
    public static Path defaultCacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("llmagentos").resolve("javacpp");
    }

    /**
     * Sets the native cache directory unless the JVM was started with one ({@code -D}), then loads ND4J.
     * Idempotent; the first call decides.
     *
     * @param cacheDir where to unpack the natives, or null for {@link #defaultCacheDir()}
     */
    public static synchronized void init(Path cacheDir) {
        if (initialized) {
            return;
        }
        if (System.getProperty(CACHE_DIR_PROPERTY) == null) {
            System.setProperty(CACHE_DIR_PROPERTY, (cacheDir == null ? defaultCacheDir() : cacheDir).toString());
        }
        Nd4j.getBackend();
        // Calibration arrays are small (a histogram, a [128, 2048] block): OpenMP threads cost more in
        // barriers than they save, by 3-4x when the cores are busy (measured on the 2-core test machine).
        Nd4j.getEnvironment().setMaxThreads(1);
        Nd4j.getEnvironment().setMaxMasterThreads(1);
        initialized = true;
    }

    /** A workspace scope for one batch of statistics; convert results to Java arrays before closing it. */
    static MemoryWorkspace scope() {
        return scope("agentos-calibration");
    }

    /**
     * A named workspace scope. Opening the same name again (one step of a loop) reuses its memory, so a loop
     * body should open its own name inside the enclosing scope.
     */
    static MemoryWorkspace scope(String name) {
        init(null);
        return Nd4j.getWorkspaceManager().getAndActivateWorkspace(SCOPE, name);
    }
}
