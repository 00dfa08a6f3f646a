package io.llmagentos.pipelines.exec;

import io.llmagentos.core.json.JsonFields;
import io.llmagentos.pipelines.stage.StageRegistry;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * The entry point of a step's child JVM: {@code StepMain <request.json>}. Runs the try with {@link StepInvoker}
 * and exits 0 on success, 1 on failure. It also exits when its standard input closes: the executor holds that
 * pipe, so a killed executor takes its running steps with it instead of leaving orphans.
 */
public final class StepMain {
    private StepMain() {
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        if (args.length != 1) {
            System.err.println("usage: StepMain REQUEST_JSON");
            System.exit(2);
        }
        Thread watchdog = new Thread(() -> {
            try {
                InputStream in = System.in;
                while (in.read() >= 0) {
                    // the executor never writes; reading only detects that it is gone
                }
            } catch (java.io.IOException e) {
                // the same: the pipe is gone
            }
            System.err.println("agentos step: the executor went away; stopping this step");
            Runtime.getRuntime().halt(143);
        }, "executor-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        StepRequest req = JsonFields.MAPPER.readValue(Path.of(args[0]).toFile(), StepRequest.class);
        boolean ok = StepInvoker.invoke(req, StageRegistry.load(), System.out, System.err);
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(ok ? 0 : 1);
    }
}
