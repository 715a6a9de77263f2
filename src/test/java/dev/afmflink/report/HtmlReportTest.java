package dev.afmflink.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.embedded.ClickSimulator;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Loss;
import dev.afmflink.optim.OptimizerSpec;
import dev.afmflink.serving.FieldPairAttention;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The report renders: every chart is well-formed SVG whose lines hold one point per window, and the tables are filled. */
class HtmlReportTest {

    static String metricsLine(String event, String model, long i, double loss, double auc) {
        return String.format(Locale.ROOT, "{\"event\":\"%s\",\"model\":\"%s\",\"windowStart\":%d,\"windowEnd\":%d,\"n\":1000,"
                        + "\"loss\":%s,\"auc\":%s,\"meanPrediction\":0.21,\"meanLabel\":0.2,\"calibration\":1.05,\"examples\":%d,"
                        + "\"wallMs\":%d,\"version\":%d,\"heldBack\":0,\"features\":10%s}", event, model, i * 300_000, (i + 1) * 300_000,
                Double.isNaN(loss) ? "null" : Double.toString(loss), Double.isNaN(auc) ? "null" : Double.toString(auc),
                (i + 1) * 1000, 1_000_000 + i * 500, i, event.equals("held_back") ? ",\"detail\":\"AUC 0.4 < 0.6\""
                        : model.equals("default") ? attention(i) : "");
    }

    /** Attention per field pair: "ad × user" leads in windows 0-5, "site × user" from window 6 on (a drift). */
    static String attention(long i) {
        double before = i < 6 ? 0.6 : 0.2;
        return String.format(Locale.ROOT, ",\"attention\":{\"ad × user\":%s,\"site × user\":%s}", before, 0.8 - before);
    }

    /** With candidates: one series per candidate over the windows it was judged in, and a row per switch of leader. */
    @Test
    void rendersTheCandidatesAndTheirSwitches() {
        MetricsSeries m = new MetricsSeries("default");
        for (int i = 0; i < 8; i++) {
            boolean bLeads = i >= 4;
            String a = metricsLine(bLeads ? "candidate_window" : "window", "default", i, 0.5, 0.7);
            String b = metricsLine(bLeads ? "window" : "candidate_window", "default", i, 0.4, 0.8);
            m.add(a.replace(",\"features\":10", ",\"features\":10,\"detail\":\"a\"").getBytes(StandardCharsets.UTF_8));
            m.add(b.replace(",\"features\":10", ",\"features\":10,\"detail\":\"b\"").getBytes(StandardCharsets.UTF_8));
        }
        m.add(("{\"event\":\"leader\",\"model\":\"default\",\"windowStart\":900000,\"windowEnd\":1200000,\"n\":0,"
                + "\"loss\":0.4,\"auc\":null,\"meanPrediction\":0.5,\"meanLabel\":null,\"calibration\":null,\"examples\":4000,"
                + "\"wallMs\":1,\"version\":3,\"heldBack\":0,\"features\":10,\"detail\":\"b (was a)\"}").getBytes(StandardCharsets.UTF_8));
        assertEquals(8, m.windows().size(), "the key's windows: the leader's");
        assertEquals(List.of("a", "b"), List.copyOf(m.candidateWindows().keySet()));
        assertEquals(8, m.candidateWindows().get("a").size());
        assertEquals(8, m.candidateWindows().get("b").size());
        assertEquals(1, m.switches().size());
        String html = HtmlReport.render(m, null, null);
        assertTrue(html.contains("<h2>Candidates</h2>"), "section");
        assertTrue(html.contains("<td>1970-01-01 00:15:00</td><td>b (was a)</td><td>0.4000</td><td>0.5000</td>"), "switch row");
    }

    @Test
    void rendersChartsAndTablesFromMetricsAndAModel() throws Exception {
        MetricsSeries m = new MetricsSeries("default");
        for (int i = 0; i < 12; i++) {
            m.add(metricsLine("window", "default", i, 0.6 - 0.01 * i, i == 3 ? Double.NaN : 0.6 + 0.01 * i).getBytes(StandardCharsets.UTF_8));
            m.add(metricsLine("window", "other-model", i, 9, 0.1).getBytes(StandardCharsets.UTF_8));
        }
        m.add(metricsLine("held_back", "default", 5, 0.5, 0.4).getBytes(StandardCharsets.UTF_8));
        m.add("not json".getBytes(StandardCharsets.UTF_8));
        assertEquals(12, m.windows().size(), "only the chosen model's windows");
        assertEquals(1, m.heldBack().size());
        assertEquals(1, m.skipped());

        AfmModel model = new AfmModel(new AfmConfig(4, 4, Loss.LOGISTIC, 0, 0, 0, 1, 0.1, 1, OptimizerSpec.sgd(0.01),
                OptimizerSpec.sgd(0.01), OptimizerSpec.sgd(0.01)));
        FieldPairAttention att = new FieldPairAttention();
        var stream = new ClickSimulator(1).clickStream(50, 0, 50, "default");
        while (stream.hasNext()) {
            String e = stream.next();
            if (e.contains("\"impression\"")) {
                att.add(model, e);
            }
        }
        String html = HtmlReport.render(m, att, "sample.jsonl");

        assertTrue(html.startsWith("<!DOCTYPE html>"));
        List<String> svgs = new ArrayList<>();
        Matcher svg = Pattern.compile("<svg.*?</svg>", Pattern.DOTALL).matcher(html);
        while (svg.find()) {
            svgs.add(svg.group());
        }
        assertEquals(5 + 1 + 10, svgs.size(), "5 charts, the attention heat map, one bar per field pair");
        int lines = 0;
        for (String s : svgs) {
            Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                    .parse(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8))); // well-formed, or it throws
            NodeList polylines = d.getElementsByTagName("polyline");
            for (int i = 0; i < polylines.getLength(); i++) {
                Element p = (Element) polylines.item(i);
                int points = Integer.parseInt(p.getAttribute("data-points"));
                assertEquals(points, p.getAttribute("points").trim().split("\\s+").length);
                String name = p.getAttribute("data-name");
                int expected = switch (name) {
                    case "AUC" -> 11; // one window had no AUC (one class): left out
                    case "examples/s" -> 11; // none for the first window
                    default -> 12;
                };
                assertEquals(expected, points, name);
                lines++;
            }
        }
        assertEquals(7, lines, "logloss, AUC, logloss+AUC over time, CTR + mean prediction, examples/s");
        assertTrue(html.contains("class=\"marker\""), "the held-back snapshot is marked");
        assertTrue(html.contains("AUC 0.4 &lt; 0.6"), "and listed with its reason");
        for (String pair : List.of("ad × user", "hour × site", "device × hour")) {
            assertTrue(html.contains("<td>" + pair + "</td>"), pair);
        }
        assertFalse(html.contains("NaN"));
        // the heat map: one cell per pair per window, rows by total attention, shades following the drift
        String heat = svgs.stream().filter(x -> x.contains("attention-heatmap")).findFirst().orElseThrow();
        Document hd = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(heat.getBytes(StandardCharsets.UTF_8)));
        List<Element> cellList = new ArrayList<>();
        NodeList rects = hd.getElementsByTagName("rect");
        for (int i = 0; i < rects.getLength(); i++) {
            if (((Element) rects.item(i)).hasAttribute("fill-opacity")) {
                cellList.add((Element) rects.item(i));
            }
        }
        assertEquals(2 * 12, cellList.size());
        assertTrue(heat.contains("id=\"colour-scale\"") && heat.contains("event time, UTC"), "a colour scale and a time axis");
        NodeList names = hd.getElementsByTagName("text");
        assertEquals("ad × user", names.item(0).getTextContent(), "total 0.6·6 + 0.2·6 beats 0.2·6 + 0.6·6 by name order: a tie");
        double first = Double.parseDouble(cellList.get(0).getAttribute("fill-opacity"));
        double afterDrift = Double.parseDouble(cellList.get(11).getAttribute("fill-opacity"));
        double otherAfter = Double.parseDouble(cellList.get(12 + 11).getAttribute("fill-opacity"));
        assertEquals(1.0, first, 1e-9, "ad × user before the drift: the darkest");
        assertEquals(1.0 / 3, afterDrift, 1e-3);
        assertEquals(1.0, otherAfter, 1e-9, "site × user after the drift: the darkest");
        assertEquals(0.6, m.windows().get(0).attention().get("ad × user"), 1e-12);
        assertEquals(0.2, m.windows().get(0).attention().get("site × user"), 1e-12);
        assertEquals(List.of("ad × user", "site × user"), List.copyOf(m.windows().get(0).attention().keySet()));
        assertTrue(html.contains("<td>logloss</td><td>0.6000</td><td>0.4900</td><td>0.4900</td>"), "summary row");
        assertTrue(html.contains("<td>validation windows</td><td></td><td></td><td>12</td>"), "the count under its own heading");
        textsInside(svgs);
    }

    /**
     * A run as long as the embedded default's (56 windows, 200,000 examples, speeds in the tens of
     * thousands): every tick is a round number and every text lies inside its picture.
     */
    @Test
    void ticksAreRoundAndEveryTextLiesInsideItsPicture() throws Exception {
        MetricsSeries m = new MetricsSeries("default");
        for (int i = 0; i < 56; i++) {
            String line = metricsLine("window", "default", i, 0.63 - 0.004 * i, 0.646 + 0.003 * i)
                    .replace("\"examples\":" + ((i + 1) * 1000), "\"examples\":" + (3601 * (i + 1)))
                    .replace("\"wallMs\":" + (1_000_000 + i * 500), "\"wallMs\":" + (1_000_000 + i * 137));
            m.add(line.getBytes(StandardCharsets.UTF_8));
        }
        String html = HtmlReport.render(m, null, null);
        List<String> svgs = new ArrayList<>();
        Matcher svg = Pattern.compile("<svg.*?</svg>", Pattern.DOTALL).matcher(html);
        while (svg.find()) {
            svgs.add(svg.group());
        }
        textsInside(svgs);
        for (String s : svgs) {
            if (!s.contains("<polyline")) {
                continue;
            }
            Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                    .parse(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)));
            NodeList texts = d.getElementsByTagName("text");
            List<Double> xTicks = new ArrayList<>();
            List<Double> yTicks = new ArrayList<>();
            for (int i = 0; i < texts.getLength(); i++) {
                Element t = (Element) texts.item(i);
                if (t.getAttribute("class").equals("tick")) {
                    double v = Double.parseDouble(t.getTextContent().replace(",", ""));
                    (t.getAttribute("text-anchor").equals("end") && Double.parseDouble(t.getAttribute("x")) < 70 ? yTicks : xTicks).add(v);
                }
            }
            for (List<Double> ticks : List.of(xTicks, yTicks)) {
                assertTrue(ticks.size() >= 3, "ticks " + ticks);
                double step = ticks.get(1) - ticks.get(0);
                double mantissa = step / Math.pow(10, Math.floor(Math.log10(step)));
                assertTrue(Math.abs(mantissa - 1) < 1e-6 || Math.abs(mantissa - 2) < 1e-6 || Math.abs(mantissa - 5) < 1e-6,
                        "a 1-2-5 step: " + ticks);
                for (double v : ticks) {
                    assertEquals(0, Math.abs(v / step - Math.rint(v / step)), 1e-6, "on the step: " + ticks);
                }
            }
        }
        assertTrue(html.contains(">200,000<"), "the last examples tick is whole: 200,000");
    }

    /** Every text of every SVG with a viewBox lies inside it (width estimated at 0.62 em a character). */
    static void textsInside(List<String> svgs) throws Exception {
        int checked = 0;
        for (String s : svgs) {
            Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                    .parse(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)));
            Element root = d.getDocumentElement();
            if (!root.hasAttribute("viewBox")) {
                continue;
            }
            String[] vb = root.getAttribute("viewBox").split(" ");
            double w = Double.parseDouble(vb[2]);
            double h = Double.parseDouble(vb[3]);
            double rootFont = root.hasAttribute("font-size") ? Double.parseDouble(root.getAttribute("font-size")) : 12;
            NodeList texts = d.getElementsByTagName("text");
            for (int i = 0; i < texts.getLength(); i++) {
                Element t = (Element) texts.item(i);
                String text = t.getFirstChild() == null ? "" : t.getFirstChild().getTextContent();
                double font = t.hasAttribute("font-size") ? Double.parseDouble(t.getAttribute("font-size")) : rootFont;
                double width = text.length() * font * 0.62;
                double x = Double.parseDouble(t.getAttribute("x"));
                double y = Double.parseDouble(t.getAttribute("y"));
                String anchor = t.getAttribute("text-anchor");
                double left = anchor.equals("end") ? x - width : anchor.equals("middle") ? x - width / 2 : x;
                assertTrue(left >= 0 && left + width <= w + 0.5, "'" + text + "' spans " + left + " to " + (left + width) + " of " + w);
                assertTrue(y - font >= -0.5 && y <= h, "'" + text + "' at y " + y + " of " + h);
                checked++;
            }
        }
        assertTrue(checked > 20, checked + " texts checked");
    }
}
