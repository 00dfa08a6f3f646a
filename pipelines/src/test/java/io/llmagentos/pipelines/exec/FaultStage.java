package io.llmagentos.pipelines.exec;

import io.llmagentos.pipelines.stage.Stage;
import io.llmagentos.pipelines.stage.StageContext;
import io.llmagentos.pipelines.stage.StageOutput;
import io.llmagentos.pipelines.stage.StageParam;
import io.llmagentos.pipelines.stage.StageResult;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A test-only stage (registered from the test class path) that misbehaves on purpose: fails, fails its first tries,
 * runs out of memory, crashes the JVM natively, sleeps. Every try appends a line to {@code marker} when given, so
 * tests count tries across processes.
 */
public final class FaultStage implements Stage {
    @Override
    public String name() {
        return "fault";
    }

    @Override
    public String description() {
        return "test stage: ok | fail | flaky | oom | crash | sleep";
    }

    @Override
    public List<StageParam> params() {
        return List.of(StageParam.optional("mode", StageParam.Type.STRING, "ok", "ok, fail, flaky, oom, crash, sleep"),
                StageParam.optional("fail_times", StageParam.Type.INT, "1", "flaky: tries that fail before one succeeds"),
                StageParam.optional("marker", StageParam.Type.STRING, "", "file that counts tries (one line each)"),
                StageParam.optional("sleep_ms", StageParam.Type.INT, "0", "wait this long first"),
                StageParam.optional("value", StageParam.Type.STRING, "x", "written to the output file"),
                StageParam.optional("input", StageParam.Type.PATH, "", "an input file (digested into the cache key)"));
    }

    @Override
    public List<StageOutput> outputs() {
        return List.of(StageOutput.path("file", "a file holding value"), StageOutput.value("value", "value"),
                StageOutput.value("score", "a number: the length of value"));
    }

    @Override
    public StageResult run(StageContext ctx) throws Exception {
        int tries = 0;
        Path marker = ctx.optional("marker") == null ? null : Path.of(ctx.string("marker"));
        if (marker != null) {
            Files.writeString(marker, ctx.stepId() + " " + ctx.attempt() + " " + ProcessHandle.current().pid() + "\n",
                    StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            tries = (int) Files.readAllLines(marker).stream().filter(l -> l.startsWith(ctx.stepId() + " ")).count();
        }
        ctx.log().println("fault stage " + ctx.stepId() + " mode " + ctx.string("mode") + " try " + ctx.attempt());
        long sleep = ctx.integer("sleep_ms");
        if (sleep > 0) {
            Thread.sleep(sleep);
        }
        for (int i = 1; i <= 3; i++) {
            ctx.metrics().metrics(i, Map.of("loss", 1.0 / i));
        }
        switch (ctx.string("mode")) {
            case "fail" -> throw new IllegalStateException("step " + ctx.stepId() + " failed on purpose");
            case "flaky" -> {
                if (tries <= ctx.integer("fail_times")) {
                    throw new IllegalStateException("flaky step " + ctx.stepId() + " fails try " + tries);
                }
            }
            case "oom" -> {
                ctx.log().println("allocating until the heap is gone");
                List<long[]> hog = new ArrayList<>();
                while (true) {
                    hog.add(new long[1 << 20]);
                }
            }
            case "crash" -> {
                ctx.log().println("writing to address 0");
                Field f = Class.forName("sun.misc.Unsafe").getDeclaredField("theUnsafe");
                f.setAccessible(true);
                sun.misc.Unsafe u = (sun.misc.Unsafe) f.get(null);
                u.putAddress(0, 42);
            }
            default -> {
            }
        }
        Path out = ctx.workDir().resolve("out.txt");
        Files.writeString(out, ctx.string("value"), StandardCharsets.UTF_8);
        return StageResult.builder().output("file", out).output("value", ctx.string("value"))
                .output("score", ctx.string("value").length()).metric("score", ctx.string("value").length())
                .artifact("out.txt", out).build();
    }
}
