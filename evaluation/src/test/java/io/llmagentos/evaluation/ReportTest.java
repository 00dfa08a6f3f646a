package io.llmagentos.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.testsupport.Guards;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The comparison report: JSON, Markdown and HTML hold the same numbers; the HTML opens in headless Chromium without
 * a console error or a script error, renders its charts (a screenshot is taken), and every number it shows equals
 * report.json's.
 */
class ReportTest {
    @TempDir
    static Path tmp;
    static ComparisonReport report;
    static Path dir;

    @BeforeAll
    static void evaluate() throws Exception {
        EvalFixtures f = EvalFixtures.get();
        EvalSet set = EvalSet.load(f.smallEval).withLimit(4);
        Evaluator ev = new Evaluator(EvalFixtures.options(), ProgressListener.NONE);
        report = new ComparisonReport(f.smallEval.toString(), EvalFixtures.options(), null,
                List.of(ev.evaluate("fp32", f.onnx, set, null, 0), ev.evaluate("int8", f.int8, set, null, 0)));
        dir = tmp.resolve("report");
        assertThat(report.write(dir)).extracting(p -> p.getFileName().toString())
                .containsExactly("report.json", "report.md", "report.html", "predictions.jsonl");
    }

    @Test
    void markdownAndJsonHoldTheSameNumbers() throws Exception {
        String md = Files.readString(dir.resolve("report.md"));
        assertThat(md).contains("| model | kind | precision | perplexity | MC acc |").contains("|---|---|---|---:|");
        Map<String, ModelReport> back = ComparisonReport.readModels(dir.resolve("report.json"));
        assertThat(back).containsOnlyKeys("fp32", "int8");
        for (ModelReport m : report.models()) {
            StringBuilder row = new StringBuilder("| " + m.alias() + " | onnx | " + m.precision() + " |");
            for (String c : ComparisonReport.TABLE) {
                row.append(' ').append(ComparisonReport.format(c, m.metric(c))).append(" |");
                double v = back.get(m.alias()).metric(c);
                assertThat(Double.isNaN(v) ? "NaN" : Double.toString(v)).isEqualTo(Double.toString(m.metric(c)));
            }
            assertThat(md).contains(row.toString());
        }
        assertThat(Files.readAllLines(dir.resolve("predictions.jsonl"))).hasSize(8)
                .allSatisfy(l -> assertThat(JsonFields.MAPPER.readTree(l).has("prediction")).isTrue());
        String html = Files.readString(dir.resolve("report.html"));
        assertThat(html).doesNotContain("http://", "https://").contains("<svg id=\"chart-perplexity\"")
                .contains("<svg id=\"chart-task_acc\"");
    }

    @Test
    void theHtmlRendersInHeadlessChromiumWithTheJsonsNumbers() throws Exception {
        Path chromium = chromium();
        Guards.requireProvidedByCi(chromium != null, "headless Chromium not found (chromium or chromium-browser on "
                + "PATH); install it with apt-get install -y chromium (scripts/test.sh does on CI and as root)");
        Path html = dir.resolve("report.html");
        Path png = tmp.resolve("report.png");
        Run shot = chromium(chromium, "--screenshot=" + png, "--window-size=1280,1600", html.toUri().toString());
        assertThat(png).exists();
        byte[] img = Files.readAllBytes(png);
        assertThat(img.length).as("a screenshot of a rendered page, not a blank one").isGreaterThan(20_000);
        assertThat(new String(img, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
        Run dom = chromium(chromium, "--dump-dom", html.toUri().toString());
        for (Run r : List.of(shot, dom)) {
            assertThat(r.err()).as("Chromium console").doesNotContainPattern("(?i)CONSOLE.*(error|uncaught)")
                    .doesNotContain("Uncaught");
        }
        assertThat(dom.out()).contains("data-rendered=\"true\"").contains("data-errors=\"\"");

        JsonNode json = JsonFields.readObject(dir.resolve("report.json"));
        Matcher m = Pattern.compile("<td class=\"num\" data-model=\"([^\"]+)\" data-metric=\"([^\"]+)\" "
                + "data-value=\"([^\"]+)\">([^<]*)</td>").matcher(dom.out());
        int cells = 0;
        while (m.find()) {
            JsonNode model = null;
            for (JsonNode x : json.get("models")) {
                if (x.get("alias").asText().equals(m.group(1))) {
                    model = x;
                }
            }
            assertThat(model).as(m.group(1)).isNotNull();
            JsonNode v = model.get("metrics").get(m.group(2));
            if (v.isNull()) {
                assertThat(m.group(3)).isEqualTo("null");
                assertThat(m.group(4)).isEqualTo("n/a");
            } else {
                assertThat(Double.parseDouble(m.group(3))).as(m.group(1) + "." + m.group(2)).isEqualTo(v.asDouble());
                assertThat(m.group(4)).isEqualTo(ComparisonReport.format(m.group(2), v.asDouble()));
            }
            cells++;
        }
        assertThat(cells).isEqualTo(2 * (ComparisonReport.TABLE.size() + Metrics.ALL.size()));
        Matcher c = Pattern.compile("<circle [^>]*data-model=\"([^\"]+)\" data-x=\"([^\"]+)\" data-y=\"([^\"]+)\"")
                .matcher(dom.out());
        int circles = 0;
        while (c.find()) {
            circles++;
            double bytes = report.byAlias().get(c.group(1)).metric("bytes");
            assertThat(Double.parseDouble(c.group(2))).isEqualTo(bytes);
        }
        assertThat(circles).as("one bubble per model in each chart").isEqualTo(4);
    }

    record Run(String out, String err) {
    }

    static Path chromium() {
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
                Path p = Path.of(d, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    static Run chromium(Path exe, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(exe.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--enable-logging=stderr", "--v=0",
                "--user-data-dir=" + tmp.resolve("chromium-profile")));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(tmp, "chromium", ".out");
        Path err = Files.createTempFile(tmp, "chromium", ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("Chromium did not finish in 120 s: " + cmd);
        }
        assertThat(p.exitValue()).as("chromium exit: " + Files.readString(err)).isZero();
        return new Run(Files.readString(out), Files.readString(err));
    }
}
