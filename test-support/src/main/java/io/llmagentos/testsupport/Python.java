package io.llmagentos.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.opentest4j.AssertionFailedError;

/**
 * Runs reference computations in the git-ignored test virtualenv ({@code .venv}, made by
 * {@code scripts/test.sh}) for parity tests against Python libraries such as {@code tokenizers} and
 * {@code safetensors}. Obtain one with {@link #require(String...)}, which skips locally (fails on CI)
 * when the interpreter or a module is missing.
 */
public final class Python {
    private final Path interpreter;

    private Python(Path interpreter) {
        this.interpreter = interpreter;
    }

    /** The interpreter the build points at ({@code -Dagentos.python}), defaulting to {@code .venv/bin/python}. */
    public static Path interpreterPath() {
        String p = System.getProperty("agentos.python");
        if (p != null && !p.isBlank()) {
            return Path.of(p);
        }
        return RepoPaths.root().resolve(".venv/bin/python");
    }

    /** A Python that can import every named module, or a visible skip (a failure on CI). */
    public static Python require(String... modules) {
        Path exe = interpreterPath();
        String fix = "run scripts/test.sh (it creates .venv with scripts/requirements-test.txt)";
        Guards.requireProvidedByCi(Files.isExecutable(exe), "Python test virtualenv not found at " + exe + "; " + fix);
        Python py = new Python(exe);
        for (String m : modules) {
            boolean ok;
            try {
                py.run(List.of("-c", "import " + m), 120);
                ok = true;
            } catch (AssertionFailedError e) {
                ok = false;
            }
            Guards.requireProvidedByCi(ok, "Python module '" + m + "' is not installed in " + exe + "; " + fix);
        }
        return py;
    }

    /**
     * A Python at {@code interpreter} that can import every named module, or a visible skip on every machine,
     * CI included ({@link Guards#requireOptional}): for heavy references such as torch that CI's virtualenv
     * does not carry. {@code howToProvide} tells the reader how to get such an interpreter.
     */
    public static Python optional(Path interpreter, String howToProvide, String... modules) {
        Guards.requireOptional(Files.isExecutable(interpreter), "no Python interpreter at " + interpreter + "; "
                + howToProvide);
        Python py = new Python(interpreter);
        for (String m : modules) {
            boolean ok;
            try {
                py.run(List.of("-c", "import " + m), 300);
                ok = true;
            } catch (AssertionFailedError e) {
                ok = false;
            }
            Guards.requireOptional(ok, "Python module '" + m + "' does not import in " + interpreter + "; " + howToProvide);
        }
        return py;
    }

    public Path interpreter() {
        return interpreter;
    }

    /** Runs a script file with arguments; returns stdout. Fails the test with stderr when it exits non-zero. */
    public String runScript(Path script, String... args) {
        List<String> a = new ArrayList<>();
        a.add(script.toString());
        a.addAll(List.of(args));
        return run(a, 600);
    }

    /** Runs the interpreter with arguments; returns stdout. Fails the test with stderr when it exits non-zero. */
    public String run(List<String> args, long timeoutSeconds) {
        List<String> cmd = new ArrayList<>();
        cmd.add(interpreter.toString());
        cmd.addAll(args);
        try {
            Path err = Files.createTempFile("python-stderr", ".txt");
            Path out = Files.createTempFile("python-stdout", ".txt");
            try {
                Process p = new ProcessBuilder(cmd)
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile())
                        .start();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionFailedError("Python timed out after " + timeoutSeconds + " s: " + cmd);
                }
                String stdout = Files.readString(out, StandardCharsets.UTF_8);
                if (p.exitValue() != 0) {
                    throw new AssertionFailedError("Python exited " + p.exitValue() + ": " + cmd + "\n"
                            + Files.readString(err, StandardCharsets.UTF_8));
                }
                return stdout;
            } finally {
                Files.deleteIfExists(err);
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new AssertionFailedError("could not run Python " + cmd + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionFailedError("interrupted while running Python " + cmd, e);
        }
    }
}
