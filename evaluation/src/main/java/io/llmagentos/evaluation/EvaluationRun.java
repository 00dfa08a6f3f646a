package io.llmagentos.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.ProgressListener;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;

/**
 * The evaluation stage's API, shared by {@code agentos eval} and the pipeline stages: evaluate every model on one
 * eval set, write the comparison report, and check the quality gates against it (writing {@code gates.json}). Bad
 * input — a malformed gate or eval file, a gate naming an alias that is not evaluated, a duplicate alias — fails
 * before any model is opened.
 */
public final class EvaluationRun {
    public static final String GATES_FILE = "gates.json";
    private static final Pattern ALIAS = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*");

    /** A model to evaluate under a name. */
    public record NamedModel(String alias, Path dir) {
        public NamedModel {
            if (alias == null || !ALIAS.matcher(alias).matches()) {
                throw new IllegalArgumentException("model alias '" + alias + "' must be a name of letters, digits, _ "
                        + "or - that starts with a letter (gates refer to it as alias.metric)");
            }
        }

        /** {@code alias=DIR}, or {@code DIR} (aliased by its directory name). */
        public static NamedModel parse(String spec) {
            int eq = spec.indexOf('=');
            if (eq > 0) {
                return new NamedModel(spec.substring(0, eq), Path.of(spec.substring(eq + 1)));
            }
            Path p = Path.of(spec);
            String name = p.toAbsolutePath().normalize().getFileName().toString().replaceAll("[^A-Za-z0-9_-]", "_");
            return new NamedModel(name.isEmpty() || !Character.isLetter(name.charAt(0)) ? "m_" + name : name, p);
        }
    }

    /**
     * What a run produced.
     *
     * @param report   the comparison
     * @param files    the files written (report.json, report.md, report.html, predictions.jsonl, gates.json)
     * @param outcomes the gates' outcomes (empty without a gate file)
     */
    public record Result(ComparisonReport report, List<Path> files, List<QualityGates.Outcome> outcomes) {
        public boolean gatesPassed() {
            return outcomes.stream().allMatch(QualityGates.Outcome::passed);
        }

        public long gatesFailed() {
            return outcomes.stream().filter(o -> !o.passed()).count();
        }
    }

    private EvaluationRun() {
    }

    /**
     * Runs the evaluation.
     *
     * @param sparkMaster null for local evaluation, else the Spark master ({@code local[*]}, {@code local[2]}, …)
     * @param partitions  Spark partitions (0: the default parallelism)
     */
    public static Result run(List<NamedModel> models, Path evalSet, Path reportDir, Path gateFile, EvalOptions options,
                             String sparkMaster, int partitions, ProgressListener progress) throws IOException {
        if (models.isEmpty()) {
            throw new IllegalArgumentException("no model to evaluate; give at least one --model alias=DIR");
        }
        Set<String> aliases = new LinkedHashSet<>();
        for (NamedModel m : models) {
            if (!aliases.add(m.alias())) {
                throw new IllegalArgumentException("model alias '" + m.alias() + "' is given twice; name each model "
                        + "once (--model alias=DIR)");
            }
        }
        QualityGates gates = gateFile == null ? null : QualityGates.load(gateFile);
        if (gates != null) {
            gates.requireAliases(aliases);
        }
        EvalSet set = EvalSet.load(evalSet, options.maxPerType());
        List<ModelReport> reports = new ArrayList<>();
        Evaluator ev = new Evaluator(options, progress);
        SparkSession spark = sparkMaster == null ? null : SparkEvaluator.session(sparkMaster);
        try {
            for (NamedModel m : models) {
                reports.add(ev.evaluate(m.alias(), m.dir(), set, spark, partitions));
            }
        } finally {
            if (spark != null) {
                spark.stop();
            }
        }
        ComparisonReport report = new ComparisonReport(evalSet.toString(), options,
                spark == null ? null : sparkMaster, reports);
        List<Path> files = new ArrayList<>(report.write(reportDir));
        List<QualityGates.Outcome> outcomes = List.of();
        if (gates != null) {
            outcomes = gates.check(report.byAlias());
            files.add(writeGates(reportDir.resolve(GATES_FILE), gates, outcomes));
        }
        return new Result(report, files, outcomes);
    }

    /** Checks gates against a report.json written earlier; writes gates.json beside it. */
    public static List<QualityGates.Outcome> checkReport(Path reportJson, Path gateFile) throws IOException {
        QualityGates gates = QualityGates.load(gateFile);
        Map<String, ModelReport> models = ComparisonReport.readModels(reportJson);
        List<QualityGates.Outcome> outcomes = gates.check(models);
        writeGates(reportJson.resolveSibling(GATES_FILE), gates, outcomes);
        return outcomes;
    }

    static Path writeGates(Path file, QualityGates gates, List<QualityGates.Outcome> outcomes) throws IOException {
        ObjectNode o = JsonFields.MAPPER.createObjectNode();
        o.put("gate_file", gates.source());
        o.put("passed", outcomes.stream().allMatch(QualityGates.Outcome::passed));
        ArrayNode a = o.putArray("gates");
        for (QualityGates.Outcome x : outcomes) {
            ObjectNode g = a.addObject();
            g.put("name", x.gate().name());
            g.put("check", x.gate().check());
            g.put("line", x.gate().line());
            put(g, "left", x.left());
            g.put("op", x.gate().op());
            put(g, "right", x.right());
            g.put("passed", x.passed());
            if (!x.note().isEmpty()) {
                g.put("note", x.note());
            }
        }
        JsonFields.MAPPER.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), o);
        return file;
    }

    /** A gates.json written by an earlier check, as {@link QualityGates#table} prints outcomes. */
    public static String gatesTable(Path gatesJson) throws IOException {
        JsonNode o = JsonFields.MAPPER.readTree(gatesJson.toFile());
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"status", "gate", "left", "op", "right", "check"});
        for (JsonNode g : o.path("gates")) {
            String name = g.path("name").asText();
            String check = name.equals(g.path("check").asText()) ? "" : g.path("check").asText();
            if (g.has("note")) {
                check = (check + " (" + g.path("note").asText() + ")").strip();
            }
            rows.add(new String[] {g.path("passed").asBoolean() ? "PASS" : "FAIL", name, number(g.path("left")),
                g.path("op").asText(), number(g.path("right")), check});
        }
        return QualityGates.format(rows);
    }

    private static String number(JsonNode v) {
        return QualityGates.fmt(v.isNumber() ? v.asDouble() : Double.NaN);
    }

    private static void put(ObjectNode o, String k, double v) {
        if (Double.isNaN(v)) {
            o.putNull(k);
        } else {
            o.put(k, v);
        }
    }

    /** Metrics flattened as {@code alias.metric} (the names a pipeline step reports to MLflow). */
    public static Map<String, Double> flatMetrics(ComparisonReport r) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (ModelReport x : r.models()) {
            x.metrics().forEach((k, v) -> m.put(x.alias() + "." + k, v));
        }
        return m;
    }
}
