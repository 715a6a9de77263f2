package dev.afmflink.report;

import dev.afmflink.serving.FieldPairAttention;
import java.util.List;
import java.util.Locale;

/**
 * The learning-curve page of one model key: delayed-progressive logloss and AUC over examples and
 * over event time, observed CTR against mean prediction, examples/s, held-back snapshots, and
 * (given a model and sample events) the mean attention per field pair. One self-contained HTML
 * file with inline SVG: no scripts, no external resources.
 */
public final class HtmlReport {
    private HtmlReport() {
    }

    /** The page; {@code attention} may be null (no model given). */
    public static String render(MetricsSeries m, FieldPairAttention attention, String attentionSource) {
        List<MetricsSeries.Window> w = m.windows();
        int n = w.size();
        double[] examples = new double[n];
        double[] hours = new double[n];
        double[] loss = new double[n];
        double[] auc = new double[n];
        double[] ctr = new double[n];
        double[] meanPrediction = new double[n];
        long t0 = n > 0 ? w.get(0).start() : 0;
        for (int i = 0; i < n; i++) {
            MetricsSeries.Window x = w.get(i);
            examples[i] = x.examples();
            hours[i] = (x.end() - t0) / 3_600_000.0;
            loss[i] = x.loss();
            auc[i] = x.auc();
            ctr[i] = x.meanLabel();
            meanPrediction[i] = x.meanPrediction();
        }
        StringBuilder sb = new StringBuilder(65536);
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>afm-flink report: ")
                .append(SvgChart.esc(m.model())).append("</title>\n<style>body{font-family:sans-serif;max-width:760px;margin:2em auto;"
                        + "color:#222}table{border-collapse:collapse}td,th{padding:2px 10px;text-align:right;border-bottom:1px solid #ddd}"
                        + "th:first-child,td:first-child{text-align:left}figure{margin:1.5em 0}</style></head><body>\n");
        sb.append("<h1>Model <code>").append(SvgChart.esc(m.model())).append("</code>: learning curve</h1>\n");
        sb.append("<p>Delayed progressive validation: every example is judged by the prediction the model made when its impression"
                + " arrived, before the label was known; figures are per window of ").append(n > 0 ? (w.get(0).end() - w.get(0).start()) / 1000 : 0)
                .append(" s of event time (the examples' own time), final once all their labels are in.</p>\n");
        sb.append("<table id=\"summary\"><tr><th>figure</th><th>first window</th><th>best</th><th>last window</th></tr>\n");
        row(sb, "logloss", loss, true);
        row(sb, "AUC", auc, false);
        sb.append(String.format(Locale.ROOT, "<tr><td>validation windows</td><td></td><td></td><td>%d</td></tr>%n", n));
        sb.append(String.format(Locale.ROOT, "<tr><td>examples trained</td><td>%d</td><td></td><td>%d</td></tr>%n",
                n > 0 ? w.get(0).examples() : 0, n > 0 ? w.get(n - 1).examples() : 0));
        sb.append(String.format(Locale.ROOT, "<tr><td>snapshots held back by the quality gate</td><td></td><td></td><td>%d</td></tr>%n",
                m.heldBack().size()));
        sb.append("</table>\n");
        SvgChart byExamples = new SvgChart("Progressive logloss over examples", "examples trained").series("logloss", examples, loss);
        SvgChart aucByExamples = new SvgChart("Progressive AUC over examples", "examples trained").series("AUC", examples, auc);
        for (MetricsSeries.HeldBack h : m.heldBack()) {
            byExamples.marker(h.examples(), "held back");
        }
        figure(sb, byExamples);
        figure(sb, aucByExamples);
        figure(sb, new SvgChart("Progressive logloss and AUC over event time", "event time (hours since the first window)")
                .series("logloss", hours, loss).series("AUC", hours, auc));
        figure(sb, new SvgChart("Observed CTR vs mean prediction", "examples trained")
                .series("observed CTR", examples, ctr).series("mean prediction", examples, meanPrediction));
        sb.append("<p>Training speed, as the console defines it: labelled examples per wall-clock second over an interval "
                + "(here, between two window closings; on the console, between two progress lines). A replay of a log reads "
                + "far faster than its events happened, and windows close in bursts as event time jumps, so this rate swings "
                + "more than the console's; the console's last line also gives the average over the whole run.</p>\n");
        figure(sb, new SvgChart("Training speed: labelled examples per wall-clock second", "examples trained")
                .series("examples/s", examples, m.examplesPerSecond()));
        if (!m.heldBack().isEmpty()) {
            sb.append("<h2>Held-back snapshots</h2>\n<table id=\"held-back\"><tr><th>after examples</th><th>reason</th></tr>\n");
            for (MetricsSeries.HeldBack h : m.heldBack()) {
                sb.append("<tr><td>").append(h.examples()).append("</td><td>").append(SvgChart.esc(h.reason())).append("</td></tr>\n");
            }
            sb.append("</table>\n");
        }
        candidates(sb, m);
        heatMap(sb, m);
        if (attention != null) {
            List<FieldPairAttention.Pair> ranked = attention.ranked();
            sb.append("<h2>Where the latest model's attention goes</h2>\n<p>Mean attention weight per field pair over ")
                    .append(attention.events()).append(" sample events (").append(SvgChart.esc(attentionSource))
                    .append("); uniform attention would give every pair the same share.</p>\n");
            sb.append("<table id=\"attention\"><tr><th>field pair</th><th>mean attention</th><th></th></tr>\n");
            double max = ranked.isEmpty() ? 1 : ranked.get(0).meanAttention();
            for (FieldPairAttention.Pair p : ranked) {
                sb.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%.4f</td><td><svg xmlns=\"http://www.w3.org/2000/svg\""
                        + " width=\"200\" height=\"10\"><rect width=\"%.1f\" height=\"10\" fill=\"#1f77b4\"/></svg></td></tr>%n",
                        SvgChart.esc(p.name()), p.meanAttention(), 200 * p.meanAttention() / max));
            }
            sb.append("</table>\n");
        }
        return sb.append("</body></html>\n").toString();
    }

    /**
     * Mean attention per field pair per validation window as a heat map (rows: pairs, most
     * attended overall first; columns: windows in event-time order; darker: more attention), so a
     * drift in which pairs matter shows as rows changing shade.
     */
    /** With candidates: every candidate's logloss over event time, and the switches of leader. */
    private static void candidates(StringBuilder sb, MetricsSeries m) {
        if (m.candidateWindows().isEmpty()) {
            return;
        }
        long t0 = m.windows().isEmpty() ? 0 : m.windows().get(0).start();
        SvgChart chart = new SvgChart("Candidates: delayed progressive logloss over event time (the key's curve above is the leader's)",
                "event time (hours since the first window)");
        for (var e : m.candidateWindows().entrySet()) {
            double[] x = new double[e.getValue().size()];
            double[] y = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = (e.getValue().get(i).end() - t0) / 3_600_000.0;
                y[i] = e.getValue().get(i).loss();
            }
            chart.series(e.getKey(), x, y);
        }
        sb.append("<h2>Candidates</h2>\n<p>Every candidate trains on the same events as it would alone and is judged by the same "
                + "validation windows; the key publishes the leader's snapshots and its windows (docs/feedback.md, \"Online choice\").</p>\n");
        figure(sb, chart);
        sb.append("<table id=\"switches\"><tr><th>window (event time, UTC)</th><th>leader</th><th>its loss</th>"
                + "<th>the former leader's</th></tr>\n");
        for (MetricsSeries.Switch w : m.switches()) {
            sb.append("<tr><td>").append(java.time.Instant.ofEpochMilli(w.windowStart()).toString().replace("T", " ").replace("Z", ""))
                    .append("</td><td>").append(SvgChart.esc(w.leader())).append("</td><td>")
                    .append(String.format(java.util.Locale.ROOT, "%.4f", w.loss())).append("</td><td>")
                    .append(String.format(java.util.Locale.ROOT, "%.4f", w.formerLoss())).append("</td></tr>\n");
        }
        if (m.switches().isEmpty()) {
            sb.append("<tr><td colspan=\"4\">no switch: the first candidate led throughout</td></tr>\n");
        }
        sb.append("</table>\n");
    }

    static void heatMap(StringBuilder sb, MetricsSeries m) {
        List<MetricsSeries.Window> ws = m.windows().stream().filter(w -> !w.attention().isEmpty()).toList();
        if (ws.isEmpty()) {
            return;
        }
        java.util.Map<String, Double> total = new java.util.TreeMap<>();
        for (MetricsSeries.Window w : ws) {
            w.attention().forEach((k, v) -> total.merge(k, Double.isFinite(v) ? v : 0.0, Double::sum));
        }
        List<String> pairs = total.entrySet().stream()
                .sorted(java.util.Map.Entry.<String, Double>comparingByValue().reversed().thenComparing(java.util.Map.Entry.comparingByKey()))
                .map(java.util.Map.Entry::getKey).toList();
        double max = 0;
        for (MetricsSeries.Window w : ws) {
            for (double v : w.attention().values()) {
                max = Math.max(max, Double.isFinite(v) ? v : 0);
            }
        }
        int label = 150;
        int rowH = 14;
        double cellW = Math.max(1.0, 560.0 / ws.size());
        int cells = (int) Math.ceil(cellW * ws.size());
        int width = label + cells + 20;
        int axisY = rowH * pairs.size() + 4;
        int scaleY = axisY + 38;
        int height = scaleY + 30;
        sb.append("<h2>Attention per field pair over event time</h2>\n<p>Mean attention weight per field pair in each ")
                .append("validation window (").append(ws.size()).append(" windows, left to right in event time; the colour scale ")
                .append("below the map goes from 0 to the largest mean, ")
                .append(String.format(Locale.ROOT, "%.3f", max)).append(").</p>\n<figure>\n")
                .append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"attention-heatmap\" width=\"%d\" "
                        + "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">%n", width, height, width, height));
        int maxChars = (int) (label / (11 * 0.62)) - 1;
        for (int r = 0; r < pairs.size(); r++) {
            String name = pairs.get(r);
            String shown = name.length() > maxChars ? name.substring(0, maxChars - 1) + "…" : name;
            sb.append(String.format(Locale.ROOT, "<text x=\"0\" y=\"%d\">%s%s</text>%n", r * rowH + 11, SvgChart.esc(shown),
                    shown.equals(name) ? "" : "<title>" + SvgChart.esc(name) + "</title>"));
            for (int c = 0; c < ws.size(); c++) {
                Double v = ws.get(c).attention().get(name);
                double shade = v == null || !Double.isFinite(v) || max == 0 ? 0 : v / max;
                sb.append(String.format(Locale.ROOT, "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"#1f77b4\" "
                        + "fill-opacity=\"%.3f\"/>%n", label + c * cellW, r * rowH, cellW, rowH - 1, shade));
            }
        }
        // the time axis: the start of every k-th window (UTC), about five labels
        int every = Math.max(1, (int) Math.ceil(ws.size() / 5.0));
        java.time.format.DateTimeFormatter hm = java.time.format.DateTimeFormatter.ofPattern("MM-dd HH:mm", Locale.ROOT)
                .withZone(java.time.ZoneOffset.UTC);
        for (int c = 0; c < ws.size(); c += every) {
            double x = label + c * cellW;
            String t = hm.format(java.time.Instant.ofEpochMilli(ws.get(c).start()));
            double tx = Math.min(x, width - 1 - t.length() * 11 * 0.62);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"#666\"/>"
                    + "<text class=\"tick\" x=\"%.2f\" y=\"%d\">%s</text>%n", x, axisY, x, axisY + 5, tx, axisY + 17, t));
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">event time, UTC (window start)</text>%n", label, axisY + 31));
        // the colour scale: 0 to the largest mean attention
        sb.append("<defs><linearGradient id=\"attention-scale\"><stop offset=\"0\" stop-color=\"#1f77b4\" stop-opacity=\"0\"/>"
                + "<stop offset=\"1\" stop-color=\"#1f77b4\" stop-opacity=\"1\"/></linearGradient></defs>\n");
        sb.append(String.format(Locale.ROOT, "<text x=\"0\" y=\"%d\">attention</text><rect id=\"colour-scale\" x=\"%d\" y=\"%d\" "
                + "width=\"200\" height=\"10\" fill=\"url(#attention-scale)\" stroke=\"#999\"/>"
                + "<text class=\"tick\" x=\"%d\" y=\"%d\">0</text><text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%.3f</text>%n",
                scaleY + 9, label, scaleY, label, scaleY + 22, label + 200, scaleY + 22, max));
        sb.append("</svg>\n</figure>\n");
    }

    private static void figure(StringBuilder sb, SvgChart chart) {
        sb.append("<figure>\n").append(chart.render()).append("</figure>\n");
    }

    private static void row(StringBuilder sb, String name, double[] v, boolean lowerIsBetter) {
        double best = Double.NaN;
        for (double x : v) {
            if (Double.isFinite(x) && (Double.isNaN(best) || (lowerIsBetter ? x < best : x > best))) {
                best = x;
            }
        }
        sb.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>%n", name,
                v.length > 0 ? f(v[0]) : "-", f(best), v.length > 0 ? f(v[v.length - 1]) : "-"));
    }

    private static String f(double d) {
        return Double.isFinite(d) ? String.format(Locale.ROOT, "%.4f", d) : "-";
    }
}
