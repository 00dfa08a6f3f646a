package io.llmagentos.pipelines.cli;

import io.llmagentos.pipelines.db.MetadataDb;
import io.llmagentos.pipelines.db.Rows;
import io.llmagentos.pipelines.exec.Executor;
import io.llmagentos.pipelines.schedule.CronSchedule;
import io.llmagentos.pipelines.schedule.Scheduler;
import io.llmagentos.pipelines.spec.Durations;
import io.llmagentos.pipelines.spec.PipelineSpec;
import io.llmagentos.pipelines.spec.SpecLoader;
import io.llmagentos.pipelines.stage.StageRegistry;
import io.llmagentos.pipelines.tracking.Tracking;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code agentos scheduler start|list|pause|unpause}. */
@Command(name = "scheduler", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Start pipelines on their cron schedules (schedule: in the pipeline file).",
        subcommands = {SchedulerCommand.Start.class, SchedulerCommand.ListSchedules.class, SchedulerCommand.Pause.class,
            SchedulerCommand.Unpause.class})
final class SchedulerCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "start", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = {"Register the pipelines' schedules and run them in the foreground until Ctrl-C / SIGTERM.",
                "On shutdown it starts nothing new, waits up to --grace for running runs, then cancels them (resumable)."})
    static final class Start extends PipelineCommand.Exec implements Callable<Integer> {
        @Parameters(arity = "0..*", paramLabel = "PIPELINE.yaml",
                description = "Pipeline files with a schedule: section (none: run the schedules already in the database).")
        List<Path> files = List.of();

        @Option(names = "--tick", defaultValue = "1s", description = "How often to look for due intervals.")
        String tick;

        @Option(names = "--grace", defaultValue = "60s", description = "How long shutdown waits for running runs.")
        String grace;

        @Override
        public Integer call() throws Exception {
            StageRegistry reg = StageRegistry.load();
            List<PipelineSpec> specs = new java.util.ArrayList<>();
            for (Path f : files) {
                specs.add(new SpecLoader(reg).load(f, Map.of()));
            }
            try (MetadataDb db = open(); Tracking t = tracking()) {
                Executor ex = executor(db, t);
                Scheduler s = new Scheduler(db, reg, ex, new Scheduler.Config(Durations.parse(tick),
                        java.time.Duration.ofSeconds(30), 100), System.out);
                for (PipelineSpec p : specs) {
                    s.register(p);
                }
                printList(db);
                CountDownLatch stopped = new CountDownLatch(1);
                Thread hook = new Thread(() -> {
                    System.out.println("scheduler: shutting down");
                    s.stop();
                    try {
                        stopped.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                Runtime.getRuntime().addShutdownHook(hook);
                System.out.println("scheduler " + ex.owner() + " running on " + db.url() + " (Ctrl-C stops it)");
                try {
                    s.runForeground(Durations.parse(grace));
                } finally {
                    System.out.println("scheduler: stopped");
                    stopped.countDown();
                }
            }
            return 0;
        }
    }

    static void printList(MetadataDb db) {
        List<Rows.Schedule> all = db.schedules();
        System.out.printf(Locale.ROOT, "%-16s %-16s %-16s %-7s %-6s %-7s %-25s %s%n", "pipeline", "cron", "timezone",
                "catchup", "max", "paused", "last interval", "next interval");
        for (Rows.Schedule s : all) {
            CronSchedule c = new CronSchedule(s.cron(), ZoneId.of(s.timezone()));
            String next = c.next(Instant.now()).map(Instant::toString).orElse("-");
            System.out.printf(Locale.ROOT, "%-16s %-16s %-16s %-7s %-6d %-7s %-25s %s%n", s.pipeline(), s.cron(),
                    s.timezone(), s.catchup(), s.maxActiveRuns(), s.paused(),
                    s.lastFire() == null ? "-" : Instant.ofEpochMilli(s.lastFire()).toString(), next);
        }
        if (all.isEmpty()) {
            System.out.println("(no schedules in " + db.url() + "; 'agentos scheduler start PIPELINE.yaml' adds one)");
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List schedules with their next interval.")
    static final class ListSchedules extends PipelineCommand.Where implements Callable<Integer> {
        @Override
        public Integer call() {
            try (MetadataDb db = open()) {
                printList(db);
            }
            return 0;
        }
    }

    @Command(name = "pause", mixinStandardHelpOptions = true, description = "Pause a pipeline's schedule.")
    static final class Pause extends PipelineCommand.Where implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "PIPELINE", description = "Pipeline name.")
        String pipeline;

        @Override
        public Integer call() {
            return set(this, pipeline, true);
        }
    }

    @Command(name = "unpause", mixinStandardHelpOptions = true,
            description = "Unpause a schedule (with catchup: false only the newest missed interval runs).")
    static final class Unpause extends PipelineCommand.Where implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "PIPELINE", description = "Pipeline name.")
        String pipeline;

        @Override
        public Integer call() {
            return set(this, pipeline, false);
        }
    }

    private static int set(PipelineCommand.Where w, String pipeline, boolean paused) {
        try (MetadataDb db = w.open()) {
            if (!db.setPaused(pipeline, paused)) {
                throw new IllegalArgumentException("no schedule for pipeline " + pipeline + " in " + db.url()
                        + "; 'agentos scheduler list' shows them");
            }
            System.out.println("schedule of " + pipeline + (paused ? " paused" : " unpaused"));
        }
        return 0;
    }
}
