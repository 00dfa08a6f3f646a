package io.llmagentos.pipelines.schedule;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.Optional;

/**
 * A cron expression in a time zone, through cron-utils: five Unix fields (minute hour day-of-month month
 * day-of-week) or one of the nicknames @hourly, @daily, @weekly, @monthly, @yearly.
 */
public final class CronSchedule {
    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final Map<String, String> NICKNAMES = Map.of("@hourly", "0 * * * *", "@daily", "0 0 * * *",
            "@midnight", "0 0 * * *", "@weekly", "0 0 * * 0", "@monthly", "0 0 1 * *", "@yearly", "0 0 1 1 *",
            "@annually", "0 0 1 1 *");

    private final ExecutionTime execution;
    private final ZoneId zone;

    public CronSchedule(String expression, ZoneId zone) {
        this.execution = ExecutionTime.forCron(parse(expression));
        this.zone = zone;
    }

    /** Parses; a bad expression is an IllegalArgumentException with cron-utils' reason. */
    public static Cron parse(String expression) {
        String e = NICKNAMES.getOrDefault(expression.strip(), expression.strip());
        return PARSER.parse(e);
    }

    /** The first fire time strictly after {@code t}, or empty when there is none. */
    public Optional<Instant> next(Instant t) {
        return execution.nextExecution(ZonedDateTime.ofInstant(t, zone)).map(ZonedDateTime::toInstant);
    }

    /** The last fire time at or before {@code t}, or empty. */
    public Optional<Instant> latestAtOrBefore(Instant t) {
        ZonedDateTime z = ZonedDateTime.ofInstant(t, zone);
        if (execution.isMatch(z.withNano(0)) && z.getSecond() == 0) {
            return Optional.of(z.withNano(0).toInstant());
        }
        return execution.lastExecution(z).map(ZonedDateTime::toInstant);
    }
}
