package io.llmagentos.evaluation;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code report.html}: one self-contained page (inline CSS, SVG and script; no network) with two bubble charts —
 * perplexity and task accuracy against size on disk, bubble area proportional to the median decode step (latency)
 * — a summary table and every metric of every model. Each number cell holds the JSON value in {@code data-value}.
 */
final class ReportHtml {
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
        "#e377c2", "#17becf"};
    private static final int W = 460;
    private static final int H = 320;
    private static final int L = 64;
    private static final int R = 20;
    private static final int T = 30;
    private static final int B = 48;

    private ReportHtml() {
    }

    static String render(ComparisonReport r) {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>agentos eval: ")
                .append(esc(r.evalSet())).append("</title>\n<style>\n")
                .append("body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#222}\n")
                .append("h1{font-size:20px} h2{font-size:16px;margin-top:28px}\n")
                .append(".charts{display:flex;flex-wrap:wrap;gap:24px}\n")
                .append("svg{background:#fafafa;border:1px solid #ddd}\n")
                .append("table{border-collapse:collapse;font-size:13px} td,th{border:1px solid #ddd;padding:4px 8px}\n")
                .append("td.num{text-align:right;font-variant-numeric:tabular-nums} th{background:#f0f0f0}\n")
                .append(".hl{background:#fff3c4} .muted{color:#777;font-size:12px}\n")
                .append("circle{opacity:.75;cursor:pointer} circle.hl{opacity:1;stroke:#000;stroke-width:2}\n")
                .append("</style></head>\n<body data-rendered=\"false\" data-errors=\"\">\n");
        sb.append("<h1>Evaluation: ").append(r.models().size()).append(" models on ").append(esc(r.evalSet()))
                .append("</h1>\n<p class=\"muted\">Quality metrics computed ")
                .append(r.spark() == null ? "locally" : "on Spark " + esc(r.spark()))
                .append("; latency and memory in the evaluating process. Bubble area: median decode step (ms per token)"
                        + " — smaller is faster. Up and left is better for accuracy, down and left for perplexity.</p>\n");
        sb.append("<div class=\"charts\">\n");
        sb.append(chart(r, "perplexity", "perplexity (lower is better)"));
        sb.append(chart(r, "task_acc", "task accuracy, acc_norm (higher is better)"));
        sb.append("</div>\n");

        sb.append("<h2>Summary</h2>\n<table id=\"summary\"><tr><th>model</th><th>kind</th><th>precision</th>");
        for (String c : ComparisonReport.TABLE) {
            sb.append("<th>").append(esc(header(c))).append("</th>");
        }
        sb.append("</tr>\n");
        for (ModelReport m : r.models()) {
            sb.append("<tr data-model=\"").append(esc(m.alias())).append("\"><td>").append(esc(m.alias()))
                    .append("</td><td>").append(esc(m.kind())).append("</td><td>").append(esc(m.precision()))
                    .append("</td>");
            for (String c : ComparisonReport.TABLE) {
                sb.append(cell(m, c));
            }
            sb.append("</tr>\n");
        }
        sb.append("</table>\n");

        sb.append("<h2>All metrics</h2>\n<table id=\"metrics\"><tr><th>metric</th>");
        for (ModelReport m : r.models()) {
            sb.append("<th data-model=\"").append(esc(m.alias())).append("\">").append(esc(m.alias())).append("</th>");
        }
        sb.append("<th>meaning</th></tr>\n");
        for (Map.Entry<String, String> e : Metrics.ALL.entrySet()) {
            sb.append("<tr><td>").append(esc(e.getKey())).append("</td>");
            for (ModelReport m : r.models()) {
                sb.append(cell(m, e.getKey()));
            }
            sb.append("<td class=\"muted\">").append(esc(e.getValue())).append("</td></tr>\n");
        }
        sb.append("</table>\n<p class=\"muted\">Models: ");
        for (ModelReport m : r.models()) {
            sb.append(esc(m.alias())).append(" = ").append(esc(m.dir().toString())).append("; ");
        }
        sb.append("bytes and RSS shown in MiB.</p>\n");
        sb.append("<script>\n")
                .append("window.addEventListener('error', function (e) { document.body.dataset.errors += e.message + ';'; });\n")
                .append("(function () {\n")
                .append("  function mark(alias, on) {\n")
                .append("    document.querySelectorAll('[data-model]').forEach(function (el) {\n")
                .append("      if (el.getAttribute('data-model') === alias) { el.classList.toggle('hl', on); }\n")
                .append("    });\n")
                .append("  }\n")
                .append("  document.querySelectorAll('circle[data-model]').forEach(function (c) {\n")
                .append("    var a = c.getAttribute('data-model');\n")
                .append("    c.addEventListener('mouseenter', function () { mark(a, true); });\n")
                .append("    c.addEventListener('mouseleave', function () { mark(a, false); });\n")
                .append("  });\n")
                .append("  document.body.dataset.rendered = 'true';\n")
                .append("})();\n</script>\n</body></html>\n");
        return sb.toString();
    }

    private static String header(String metric) {
        return switch (metric) {
            case "perplexity" -> "perplexity";
            case "mc_acc" -> "MC acc";
            case "mc_acc_norm" -> "MC acc_norm";
            case "mc_pmi_acc" -> "MC PMI acc";
            case "exact_match" -> "EM";
            case "token_f1" -> "F1";
            case "ttft_ms_p50" -> "TTFT p50 ms";
            case "ttft_ms_p95" -> "TTFT p95 ms";
            case "decode_tokens_per_s" -> "decode tok/s";
            case "decode_ms_p95" -> "decode p95 ms";
            case "peak_rss_bytes" -> "peak RSS MiB";
            case "bytes" -> "size MiB";
            default -> metric;
        };
    }

    private static String cell(ModelReport m, String metric) {
        double v = m.metric(metric);
        return "<td class=\"num\" data-model=\"" + esc(m.alias()) + "\" data-metric=\"" + metric + "\" data-value=\""
                + (Double.isNaN(v) ? "null" : Double.toString(v)) + "\">" + ComparisonReport.format(metric, v) + "</td>";
    }

    /** A bubble chart of {@code metric} against size on disk; bubble area ∝ median decode step. */
    private static String chart(ComparisonReport r, String metric, String title) {
        List<double[]> pts = new ArrayList<>(); // x MiB, y, latency ms, model index
        for (int i = 0; i < r.models().size(); i++) {
            ModelReport m = r.models().get(i);
            double x = m.metric("bytes") / (1024.0 * 1024.0);
            double y = m.metric(metric);
            if (!Double.isNaN(x) && !Double.isNaN(y)) {
                pts.add(new double[] {x, y, m.metric("decode_ms_p50"), i});
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append("<svg id=\"chart-").append(metric).append("\" width=\"").append(W).append("\" height=\"").append(H)
                .append("\" viewBox=\"0 0 ").append(W).append(' ').append(H)
                .append("\" role=\"img\">\n");
        sb.append(text(W / 2.0, 18, "middle", 13, title));
        sb.append(text(W / 2.0, H - 8, "middle", 12, "size on disk (MiB)"));
        sb.append("<text x=\"14\" y=\"").append(H / 2).append("\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 14 ")
                .append(H / 2).append(")\">").append(esc(metric)).append("</text>\n");
        double[] xr = range(pts, 0, true);
        double[] yr = range(pts, 1, false);
        double maxLat = pts.stream().mapToDouble(p -> Double.isNaN(p[2]) ? 0 : p[2]).max().orElse(0);
        sb.append("<line x1=\"").append(L).append("\" y1=\"").append(H - B).append("\" x2=\"").append(W - R)
                .append("\" y2=\"").append(H - B).append("\" stroke=\"#888\"/>\n");
        sb.append("<line x1=\"").append(L).append("\" y1=\"").append(T).append("\" x2=\"").append(L)
                .append("\" y2=\"").append(H - B).append("\" stroke=\"#888\"/>\n");
        for (int k = 0; k <= 4; k++) {
            double xv = xr[0] + (xr[1] - xr[0]) * k / 4;
            double yv = yr[0] + (yr[1] - yr[0]) * k / 4;
            double px = sx(xv, xr);
            double py = sy(yv, yr);
            sb.append(text(px, H - B + 16, "middle", 11, tick(xv)));
            sb.append(text(L - 6, py + 4, "end", 11, tick(yv)));
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>%n",
                    L + 1, py, W - R, py));
        }
        if (pts.isEmpty()) {
            sb.append(text(W / 2.0, H / 2.0, "middle", 12, "not measured"));
        }
        for (double[] p : pts) {
            ModelReport m = r.models().get((int) p[3]);
            double rad = maxLat > 0 && !Double.isNaN(p[2]) ? 6 + 18 * Math.sqrt(p[2] / maxLat) : 8;
            double px = sx(p[0], xr);
            double py = sy(p[1], yr);
            sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\" data-model=\"%s\""
                    + " data-x=\"%s\" data-y=\"%s\" data-latency=\"%s\"><title>%s: %s %s, %s MiB, decode %s ms/token</title>"
                    + "</circle>%n", px, py, rad, COLORS[(int) p[3] % COLORS.length], esc(m.alias()),
                    Double.toString(m.metric("bytes")), Double.toString(p[1]), Double.toString(p[2]), esc(m.alias()),
                    esc(metric), ComparisonReport.format(metric, p[1]), ComparisonReport.format("bytes", m.metric("bytes")),
                    ComparisonReport.format("decode_ms_p50", p[2])));
            sb.append(text(px + rad + 3, py + 4, "start", 12, m.alias()));
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static double[] range(List<double[]> pts, int k, boolean fromZero) {
        double lo = pts.stream().mapToDouble(p -> p[k]).min().orElse(0);
        double hi = pts.stream().mapToDouble(p -> p[k]).max().orElse(1);
        if (fromZero) {
            lo = 0;
        }
        if (hi - lo < 1e-12) {
            double pad = Math.max(Math.abs(hi) * 0.1, 1e-3);
            return new double[] {lo - pad, hi + pad};
        }
        double pad = (hi - lo) * 0.15;
        return new double[] {fromZero ? 0 : lo - pad, hi + pad};
    }

    private static double sx(double v, double[] r) {
        return L + (W - L - R) * (v - r[0]) / (r[1] - r[0]);
    }

    private static double sy(double v, double[] r) {
        return H - B - (H - T - B) * (v - r[0]) / (r[1] - r[0]);
    }

    private static String tick(double v) {
        double a = Math.abs(v);
        return a >= 100 ? String.format(Locale.ROOT, "%.0f", v) : a >= 1 ? String.format(Locale.ROOT, "%.2f", v)
                : String.format(Locale.ROOT, "%.3f", v);
    }

    private static String text(double x, double y, String anchor, int size, String s) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%s\">%s</text>%n", x, y,
                size, anchor, esc(s));
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
