package dev.afmflink.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One line of the metrics topic (docs/events.md), the one home of its JSON: the job writes it
 * ({@link #toJson}), the console monitor and the report read it ({@link #parse}). A completed
 * progressive-validation window ({@link #WINDOW}), a snapshot held back by the quality gate
 * ({@link #HELD_BACK}, {@code detail} = the reason) or a published version with the candidate's
 * held-out figures ({@link #SNAPSHOT}). Non-finite figures are written as null and read as NaN.
 *
 * @param wallMs    processing time of the line (ms): for examples per second only, never in the math
 * @param attention mean attention per field pair ("a × b") in the window; empty if unknown
 */
public record MetricsLine(String event, String model, long windowStart, long windowEnd, int n, double loss, double auc,
                          double meanPrediction, double meanLabel, double calibration, long examples, long wallMs,
                          long version, long heldBack, long features, String detail, SortedMap<String, Double> attention) {
    public static final String WINDOW = "window";
    public static final String HELD_BACK = "held_back";
    public static final String SNAPSHOT = "snapshot";
    /** With candidates (docs/feedback.md, "Online choice"): a window of a candidate that does not lead, and a change of leader. */
    public static final String CANDIDATE_WINDOW = "candidate_window";
    public static final String LEADER = "leader";
    /**
     * With several trainers per model: a window one replica judged ({@code detail}: "r/R"); the
     * model's window is made of its replicas' ({@link ReplicaWindows}).
     */
    public static final String REPLICA_WINDOW = "replica_window";

    /** The line as JSON fields, in the topic's order. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", event);
        m.put("model", model);
        m.put("windowStart", windowStart);
        m.put("windowEnd", windowEnd);
        m.put("n", n);
        m.put("loss", finite(loss));
        m.put("auc", finite(auc));
        m.put("meanPrediction", finite(meanPrediction));
        m.put("meanLabel", finite(meanLabel));
        m.put("calibration", finite(calibration));
        m.put("examples", examples);
        m.put("wallMs", wallMs);
        m.put("version", version);
        m.put("heldBack", heldBack);
        m.put("features", features);
        if (detail != null) {
            m.put("detail", detail);
        }
        if (attention != null && !attention.isEmpty()) {
            Map<String, Object> att = new LinkedHashMap<>();
            attention.forEach((k, v) -> att.put(k, finite(v)));
            m.put("attention", att);
        }
        return m;
    }

    /** The line in {@code m}, or null if it is not a metrics line (no {@code event}). */
    public static MetricsLine parse(JsonNode m) {
        if (m == null || !m.isObject() || !m.hasNonNull("event")) {
            return null;
        }
        SortedMap<String, Double> attention = new TreeMap<>();
        JsonNode a = m.get("attention");
        if (a != null && a.isObject()) {
            a.fields().forEachRemaining(e -> attention.put(e.getKey(), e.getValue().isNumber() ? e.getValue().asDouble() : Double.NaN));
        }
        return new MetricsLine(m.path("event").asText(), m.path("model").asText(), m.path("windowStart").asLong(),
                m.path("windowEnd").asLong(), m.path("n").asInt(), num(m, "loss"), num(m, "auc"), num(m, "meanPrediction"),
                num(m, "meanLabel"), num(m, "calibration"), m.path("examples").asLong(), m.path("wallMs").asLong(),
                m.path("version").asLong(), m.path("heldBack").asLong(), m.path("features").asLong(),
                m.hasNonNull("detail") ? m.get("detail").asText() : null, attention);
    }

    private static Double finite(double d) {
        return Double.isFinite(d) ? d : null;
    }

    private static double num(JsonNode m, String field) {
        JsonNode v = m.get(field);
        return v == null || !v.isNumber() ? Double.NaN : v.asDouble();
    }
}
