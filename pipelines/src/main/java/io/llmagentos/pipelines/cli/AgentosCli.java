package io.llmagentos.pipelines.cli;

import io.llmagentos.core.AgentosVersion;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code agentos} command: one sub-command per stage, plus {@code demo} and {@code info}. */
@Command(name = "agentos",
        mixinStandardHelpOptions = true,
        versionProvider = AgentosCli.Version.class,
        showDefaultValues = true,
        description = "LLMAgentOS: turn domain data into small, fast language models for edge agents.",
        subcommands = {
            DemoCommand.class,
            InfoCommand.class,
            TokenizerCommand.class,
            CheckpointCommand.class,
            DatasetsCommand.class,
            PrepCommand.class,
            TrainCommand.class,
            DistillCommand.class,
            GenerateCommand.class,
            ServeCommand.class,
            PipelineCommand.class,
            SchedulerCommand.class,
            ExportCommand.class,
            QuantizeCommand.class,
            EvalCommand.class,
            CommandLine.HelpCommand.class
        })
public final class AgentosCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // Nothing is downloaded at run time: DJL takes libtorch from the pytorch-native-cpu jar.
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (0 ok, 1 failed, 2 usage error). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new AgentosCli());
        cl.setExecutionExceptionHandler(AgentosCli::handleFailure);
        cl.setUsageHelpWidth(120);
        for (CommandLine mode : cl.getSubcommands().get("train").getSubcommands().values()) {
            if (!mode.getCommandName().equals("help")) {
                mode.getCommandSpec().usageMessage().footer(TrainCommand.footer());
            }
        }
        cl.getSubcommands().get("distill").getCommandSpec().usageMessage().footer(DistillCommand.footer());
        return cl;
    }

    /**
     * A failed command prints one clear line (the exception's message names the file and what to do);
     * AGENTOS_DEBUG=1 adds the stack trace.
     */
    private static int handleFailure(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        err.println(cl.getColorScheme().errorText(cl.getCommandSpec().qualifiedName() + ": " + msg));
        if ("1".equals(System.getenv("AGENTOS_DEBUG"))) {
            e.printStackTrace(err);
        } else if (e instanceof RuntimeException && !(e instanceof IllegalArgumentException)) {
            err.println("(set AGENTOS_DEBUG=1 for the stack trace; this looks like a bug, please report it)");
        }
        err.flush();
        return 1;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                "agentos " + AgentosVersion.get(),
                "Java " + System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vendor") + ")",
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch")
            };
        }
    }
}
