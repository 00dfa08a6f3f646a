package io.llmagentos.dataprep.internal;

import com.codahale.metrics.MetricRegistry;
import java.util.Properties;
import org.apache.spark.SparkConf;
import org.apache.spark.metrics.sink.MetricsServlet;
import org.sparkproject.jetty.servlet.ServletContextHandler;

/**
 * Spark's metrics "servlet" sink without its HTTP handler. Spark registers a {@link MetricsServlet} by default even
 * with the UI off, and building its handler touches {@code jakarta.servlet.SingleThreadModel}, which Servlet 6
 * removed: in a JVM that also holds Jetty 12 (the serving runtime, in the CLI) the session would fail to start.
 * The job has no UI, so the sink keeps its metrics and exposes no servlet. {@link
 * io.llmagentos.dataprep.DataPrep#createSession} installs it.
 */
public final class NoHttpMetricsServlet extends MetricsServlet {
    public NoHttpMetricsServlet(Properties property, MetricRegistry registry) {
        super(property, registry);
    }

    @Override
    public ServletContextHandler[] getHandlers(SparkConf conf) {
        return new ServletContextHandler[0];
    }
}
