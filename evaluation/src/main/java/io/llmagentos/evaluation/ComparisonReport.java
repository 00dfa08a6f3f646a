package io.llmagentos.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.json.JsonFields;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The comparison of several models on one eval set, written as {@code report.json} (every number), {@code
 * report.md} (a Markdown table for the CLI and MLflow), {@code report.html} (the same numbers with a
 * quality-vs-size-vs-latency chart; self-contained: inline SVG and a few lines of inline JS, nothing loaded from
 * anywhere) and {@code predictions.jsonl} (every short-answer generation). The HTML's cells carry the exact JSON
 * value in {@code data-value} and show it formatted by {@link #format}.
 *
 * @param evalSet the eval set file
 * @param options how the models were evaluated
 * @param spark   the Spark master quality metrics were computed on, or null for local evaluation
 * @param models  the models, in the order given
 */
public record ComparisonReport(String evalSet, EvalOptions options, String spark, List<ModelReport> models) {
    public static final String JSON = "report.json";
    public static final String MARKDOWN = "report.md";
    public static final String HTML = "report.html";
    public static final String PREDICTIONS = "predictions.jsonl";

    /** The columns of the Markdown table (and of the HTML summary), by metric. */
    public static final List<String> TABLE = List.of("perplexity", "mc_acc", "mc_acc_norm", "mc_pmi_acc",
            "exact_match", "token_f1", "ttft_ms_p50", "ttft_ms_p95", "decode_tokens_per_s", "decode_ms_p95",
            "peak_rss_bytes", "bytes");

    private static final Map<String, String> HEADERS = Map.ofEntries(Map.entry("perplexity", "perplexity"),
            Map.entry("mc_acc", "MC acc"), Map.entry("mc_acc_norm", "MC acc_norm"), Map.entry("mc_pmi_acc", "MC PMI acc"),
            Map.entry("exact_match", "EM"), Map.entry("token_f1", "F1"), Map.entry("ttft_ms_p50", "TTFT p50 ms"),
            Map.entry("ttft_ms_p95", "TTFT p95 ms"), Map.entry("decode_tokens_per_s", "decode tok/s"),
            Map.entry("decode_ms_p95", "decode p95 ms"), Map.entry("peak_rss_bytes", "peak RSS MiB"),
            Map.entry("bytes", "size MiB"));

    public ComparisonReport {
        models = List.copyOf(models);
    }

    /** The models by alias. */
    public Map<String, ModelReport> byAlias() {
        Map<String, ModelReport> m = new LinkedHashMap<>();
        models.forEach(r -> m.put(r.alias(), r));
        return m;
    }

    /** A metric's value as the Markdown and HTML tables show it. */
    public static String format(String metric, double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        if (metric.endsWith("_bytes") || metric.equals("bytes")) {
            return String.format(Locale.ROOT, "%.2f", v / (1024.0 * 1024.0));
        }
        if (metric.startsWith("ttft_") || metric.startsWith("decode_ms") || metric.equals("eval_seconds")) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        if (metric.endsWith("_per_s")) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (metric.equals("ppl_tokens") || metric.endsWith("_questions") || metric.equals("parameters")) {
            return String.format(Locale.ROOT, "%d", (long) v);
        }
        return String.format(Locale.ROOT, "%.4f", v);
    }

    public ObjectNode toJson() {
        ObjectNode o = JsonFields.MAPPER.createObjectNode();
        o.put("eval_set", evalSet);
        o.put("evaluated_on", spark == null ? "local" : "spark " + spark);
        ObjectNode opt = o.putObject("options");
        opt.put("threads", options.threads());
        opt.put("ppl_window", options.pplWindow());
        opt.put("ppl_stride", options.pplStride());
        opt.put("max_new_tokens", options.maxNewTokens());
        opt.put("latency_prompts", options.latencyPrompts());
        opt.put("latency_tokens", options.latencyTokens());
        opt.put("max_per_type", options.maxPerType());
        opt.put("mc_prompt", options.mcPrompt().toString());
        ArrayNode ms = o.putArray("models");
        for (ModelReport r : models) {
            ObjectNode m = ms.addObject();
            m.put("alias", r.alias());
            m.put("dir", r.dir().toString());
            m.put("kind", r.kind());
            m.put("precision", r.precision());
            ObjectNode v = m.putObject("metrics");
            r.metrics().forEach((k, x) -> {
                if (Double.isNaN(x)) {
                    v.putNull(k);
                } else {
                    v.put(k, x);
                }
            });
        }
        ObjectNode doc = o.putObject("metric_docs");
        Metrics.ALL.forEach(doc::put);
        doc.put("memory", "peak_rss_bytes is the RSS of the whole evaluating process (JVM included), sampled every 10"
                + " ms from /proc/self/status while the model was open; rss_delta_bytes subtracts the RSS before it"
                + " opened. With Spark local mode the executors share the process.");
        return o;
    }

    public String toMarkdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("| model | kind | precision |");
        TABLE.forEach(c -> sb.append(' ').append(HEADERS.get(c)).append(" |"));
        sb.append('\n').append("|---|---|---|");
        TABLE.forEach(c -> sb.append("---:|"));
        sb.append('\n');
        for (ModelReport r : models) {
            sb.append("| ").append(r.alias()).append(" | ").append(r.kind()).append(" | ").append(r.precision())
                    .append(" |");
            TABLE.forEach(c -> sb.append(' ').append(format(c, r.metric(c))).append(" |"));
            sb.append('\n');
        }
        return sb.toString();
    }

    /** Writes the four files into {@code dir} (created) and returns them. */
    public List<Path> write(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        Path json = dir.resolve(JSON);
        JsonFields.MAPPER.writerWithDefaultPrettyPrinter().writeValue(json.toFile(), toJson());
        files.add(json);
        Path md = dir.resolve(MARKDOWN);
        Files.writeString(md, "# Evaluation on " + evalSet + "\n\n" + toMarkdown(), StandardCharsets.UTF_8);
        files.add(md);
        Path html = dir.resolve(HTML);
        Files.writeString(html, ReportHtml.render(this), StandardCharsets.UTF_8);
        files.add(html);
        Path pred = dir.resolve(PREDICTIONS);
        StringBuilder sb = new StringBuilder();
        for (ModelReport r : models) {
            for (QualityMetrics.Prediction p : r.predictions()) {
                ObjectNode o = JsonFields.MAPPER.createObjectNode();
                o.put("model", r.alias());
                o.put("id", p.id());
                o.put("question", p.question());
                o.put("prediction", p.prediction());
                o.put("answer", p.answer());
                o.put("exact_match", p.exactMatch());
                o.put("f1", p.f1());
                sb.append(JsonFields.LINE.writeValueAsString(o)).append('\n');
            }
        }
        Files.writeString(pred, sb.toString(), StandardCharsets.UTF_8);
        files.add(pred);
        return files;
    }

    /** Reads the models' metrics back from a report.json (for gates run apart from the evaluation). */
    public static Map<String, ModelReport> readModels(Path reportJson) throws IOException {
        JsonNode root = JsonFields.readObject(reportJson);
        Map<String, ModelReport> out = new LinkedHashMap<>();
        JsonNode ms = root.path("models");
        if (!ms.isArray()) {
            throw new EvalFormatException(reportJson + ": $.models: expected a list (is this an agentos eval report?)");
        }
        for (int i = 0; i < ms.size(); i++) {
            JsonNode m = ms.get(i);
            Map<String, Double> v = new LinkedHashMap<>();
            m.path("metrics").fields().forEachRemaining(e -> v.put(e.getKey(), e.getValue().isNumber()
                    ? e.getValue().asDouble() : Double.NaN));
            out.put(m.path("alias").asText(), new ModelReport(m.path("alias").asText(), Path.of(m.path("dir").asText()),
                    m.path("kind").asText(), m.path("precision").asText(), v, List.of()));
        }
        return out;
    }
}
