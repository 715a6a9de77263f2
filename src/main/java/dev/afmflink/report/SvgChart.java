package dev.afmflink.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small, dependency-free SVG line chart: one or more series over a shared x axis, with axes,
 * ticks, a legend and optional vertical markers. Non-finite points are left out of the lines.
 */
public final class SvgChart {
    private static final int W = 720;
    private static final int H = 300;
    private static final int LEFT = 64;
    private static final int RIGHT = 16;
    private static final int TOP = 36;
    private static final int BOTTOM = 48;
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"};

    private final String title;
    private final String xLabel;
    private final List<String> names = new ArrayList<>();
    private final List<double[]> xs = new ArrayList<>();
    private final List<double[]> ys = new ArrayList<>();
    private final List<double[]> markers = new ArrayList<>();
    private final List<String> markerLabels = new ArrayList<>();

    public SvgChart(String title, String xLabel) {
        this.title = title;
        this.xLabel = xLabel;
    }

    public SvgChart series(String name, double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("x and y differ in length");
        }
        names.add(name);
        xs.add(x);
        ys.add(y);
        return this;
    }

    /** A dashed vertical line at {@code x}, labelled. */
    public SvgChart marker(double x, String label) {
        markers.add(new double[] {x});
        markerLabels.add(label);
        return this;
    }

    public String render() {
        double x0 = Double.POSITIVE_INFINITY;
        double x1 = Double.NEGATIVE_INFINITY;
        double y0 = Double.POSITIVE_INFINITY;
        double y1 = Double.NEGATIVE_INFINITY;
        for (int s = 0; s < xs.size(); s++) {
            for (int i = 0; i < xs.get(s).length; i++) {
                double x = xs.get(s)[i];
                double y = ys.get(s)[i];
                if (Double.isFinite(x) && Double.isFinite(y)) {
                    x0 = Math.min(x0, x);
                    x1 = Math.max(x1, x);
                    y0 = Math.min(y0, y);
                    y1 = Math.max(y1, y);
                }
            }
        }
        StringBuilder sb = new StringBuilder(8192);
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
                + " font-family=\"sans-serif\" font-size=\"12\" role=\"img\">%n", W, H, W, H));
        sb.append("<title>").append(esc(title)).append("</title>\n");
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"16\" font-size=\"14\" font-weight=\"bold\">%s</text>%n", LEFT, esc(title)));
        if (!Double.isFinite(x0)) {
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">no data</text>%n</svg>%n", LEFT, H / 2));
            return sb.toString();
        }
        if (x1 == x0) {
            x1 = x0 + 1;
        }
        if (y1 == y0) {
            y1 = y0 + 1e-9 + Math.abs(y0) * 0.01;
        }
        // round ticks: the axes run from a multiple of a 1-2-5 step below the data to one above it
        double yStep = niceStep(y1 - y0);
        y0 = Math.floor(y0 / yStep) * yStep;
        y1 = Math.ceil(y1 / yStep) * yStep;
        double xStep = niceStep(x1 - x0);
        x0 = Math.floor(x0 / xStep) * xStep;
        x1 = Math.ceil(x1 / xStep) * xStep;
        int pw = W - LEFT - RIGHT;
        int ph = H - TOP - BOTTOM;
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>%n",
                LEFT, TOP, pw, ph));
        for (double yv = y0; yv <= y1 + yStep / 2; yv += yStep) {
            double py = TOP + ph - ph * (yv - y0) / (y1 - y0);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
                    + "<text class=\"tick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", LEFT, py, LEFT + pw, py, LEFT - 4,
                    py + 4, label(yv, yStep)));
        }
        for (double xv = x0; xv <= x1 + xStep / 2; xv += xStep) {
            double px = LEFT + pw * (xv - x0) / (x1 - x0);
            String text = label(xv, xStep);
            // a label at an edge is anchored inside the picture, never cut
            double half = textWidth(text) / 2;
            String anchor = px + half > W ? "end" : px - half < 0 ? "start" : "middle";
            double tx = anchor.equals("end") ? Math.min(px, W - 1) : anchor.equals("start") ? Math.max(px, 1) : px;
            sb.append(String.format(Locale.ROOT, "<text class=\"tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">%s</text>%n", tx,
                    TOP + ph + 16, anchor, text));
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", LEFT + pw / 2, H - 8, esc(xLabel)));
        for (int m = 0; m < markers.size(); m++) {
            double px = LEFT + pw * (markers.get(m)[0] - x0) / (x1 - x0);
            String text = markerLabels.get(m);
            double tx = Math.min(px + 3, W - 1 - textWidth(text));
            sb.append(String.format(Locale.ROOT, "<line class=\"marker\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#888\""
                    + " stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"%d\" fill=\"#555\">%s</text>%n", px, TOP, px, TOP + ph, tx,
                    TOP + 12, esc(text)));
        }
        for (int s = 0; s < xs.size(); s++) {
            String color = COLORS[s % COLORS.length];
            StringBuilder pts = new StringBuilder();
            int count = 0;
            for (int i = 0; i < xs.get(s).length; i++) {
                double x = xs.get(s)[i];
                double y = ys.get(s)[i];
                if (Double.isFinite(x) && Double.isFinite(y)) {
                    pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", LEFT + pw * (x - x0) / (x1 - x0),
                            TOP + ph - ph * (y - y0) / (y1 - y0)));
                    count++;
                }
            }
            sb.append(String.format(Locale.ROOT, "<polyline class=\"series\" data-name=\"%s\" data-points=\"%d\" fill=\"none\""
                    + " stroke=\"%s\" stroke-width=\"1.8\" points=\"%s\"/>%n", esc(names.get(s)), count, color, pts.toString().trim()));
            int lx = LEFT + pw - (xs.size() - s) * 150;
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"3\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>%n", lx, TOP - 14, color, lx + 16, TOP - 9, esc(names.get(s))));
        }
        return sb.append("</svg>\n").toString();
    }

    /** A 1, 2 or 5 times a power of ten that cuts {@code range} into 4 to 10 parts. */
    static double niceStep(double range) {
        double raw = range / 5;
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / p;
        return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
    }

    /** A tick value with as many decimals as its step needs; thousands grouped ("200,000"). */
    static String label(double v, double step) {
        int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
        double r = Math.abs(v) < step / 1e6 ? 0 : v; // no "-0.000"
        return decimals == 0 ? String.format(Locale.ROOT, "%,.0f", r) : String.format(Locale.ROOT, "%." + decimals + "f", r);
    }

    /** Width of a text at the chart's font size (12 px sans-serif), generously: 0.62 em a character. */
    static double textWidth(String s) {
        return s.length() * 12 * 0.62;
    }

    /** Width of {@code W}, the chart's viewBox. */
    static int width() {
        return W;
    }

    static String fmt(double v) {
        double a = Math.abs(v);
        if (a >= 10_000) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
