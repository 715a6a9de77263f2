package dev.afmflink.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The metrics line is written and read by one type: what the job writes, the monitor and the report read back. */
class MetricsLineTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void whatIsWrittenIsReadBackAndNonFiniteFiguresAreNull() throws Exception {
        TreeMap<String, Double> att = new TreeMap<>();
        att.put("ad × user", 0.6);
        att.put("site × user", Double.NaN);
        MetricsLine w = new MetricsLine(MetricsLine.WINDOW, "ctr-eu", 900_000, 1_800_000, 120, 0.43, Double.NaN, 0.2, 0.21,
                0.952, 5000, 1234, 7, 1, 88, null, att);
        String json = JSON.writeValueAsString(w.toJson());
        assertTrue(json.contains("\"auc\":null") && json.contains("\"site × user\":null"), json);
        assertTrue(json.startsWith("{\"event\":\"window\",\"model\":\"ctr-eu\",\"windowStart\":900000"), "the topic's field order: " + json);
        MetricsLine back = MetricsLine.parse(JSON.readTree(json));
        assertEquals(w.toJson(), back.toJson());
        assertTrue(Double.isNaN(back.auc()));
        assertEquals(0.6, back.attention().get("ad × user"));
        assertNull(MetricsLine.parse(JSON.readTree("{\"reason\":\"x\"}")), "not a metrics line");
        MetricsLine held = MetricsLine.parse(JSON.readTree(JSON.writeValueAsString(new MetricsLine(MetricsLine.HELD_BACK, "m", 0, 0,
                0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 10, 5, 0, 1, 3, "AUC 0.4 < 0.6", new TreeMap<>()).toJson())));
        assertEquals("AUC 0.4 < 0.6", held.detail());
    }
}
