package dev.afmflink.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The model's window from its replicas' windows, against figures worked out by hand. */
class ReplicaWindowsTest {
    static MetricsLine line(String model, long start, int r, int of, int n, double loss, double auc, double meanPrediction,
                            double meanLabel, long examples, double attention) {
        TreeMap<String, Double> att = new TreeMap<>();
        att.put("user × ad", attention);
        return new MetricsLine(MetricsLine.REPLICA_WINDOW, model, start, start + 100, n, loss, auc, meanPrediction, meanLabel,
                meanPrediction / meanLabel, examples, 5, 0, 0, 10 + r, r + "/" + of, att);
    }

    @Test
    void aWindowIsItsReplicasExamplesTogether() {
        ReplicaWindows w = new ReplicaWindows();
        assertEquals(List.of(), w.add(line("m", 0, 1, 2, 30, 0.5, 0.7, 0.2, 0.25, 300, 0.4)));
        List<MetricsLine> out = w.add(line("m", 0, 0, 2, 10, 0.3, 0.9, 0.4, 0.5, 100, 0.8));
        assertEquals(1, out.size());
        MetricsLine m = out.get(0);
        assertEquals(MetricsLine.WINDOW, m.event());
        assertEquals("m", m.model());
        assertEquals(null, m.detail());
        assertEquals(40, m.n());
        assertEquals((10 * 0.3 + 30 * 0.5) / 40, m.loss(), 1e-15); // 0.45
        assertEquals(0.25, m.meanPrediction(), 1e-15); // (4 + 6) / 40
        assertEquals(0.3125, m.meanLabel(), 1e-15); // (5 + 7.5) / 40
        assertEquals(0.8, m.calibration(), 1e-15);
        assertEquals(0.75, m.auc(), 1e-15); // (9 + 21) / 40: the approximation the docs name
        assertEquals(0.5, m.attention().get("user × ad"), 1e-15); // (8 + 12) / 40
        assertEquals(300, m.examples(), "each replica counts the model's steps it has taken in: the largest");
        assertEquals(11, m.features());
        assertEquals(List.of(), w.add(line("m", 0, 0, 2, 10, 0.3, 0.9, 0.4, 0.5, 100, 0.8)), "seen again: taken once");
    }

    @Test
    void aReplicaThatJudgedNothingInAWindowDoesNotHoldItBack() {
        ReplicaWindows w = new ReplicaWindows();
        assertEquals(List.of(), w.add(line("m", 0, 0, 2, 10, 0.3, 0.9, 0.4, 0.5, 100, 0.8)));
        assertEquals(List.of(), w.add(line("m", 100, 0, 2, 10, 0.3, 0.9, 0.4, 0.5, 100, 0.8)));
        assertEquals(List.of(), w.add(line("other", 0, 0, 3, 1, 0.1, 0.5, 0.5, 0.5, 1, 0.1)), "another model waits on its own");
        // replica 1 judged nothing in [0, 100): its first window is the next one, so [0, 100) is complete without it
        List<MetricsLine> out = w.add(line("m", 100, 1, 2, 30, 0.5, 0.7, 0.2, 0.25, 300, 0.4));
        assertEquals(List.of(0L, 100L), out.stream().map(MetricsLine::windowStart).toList());
        assertEquals(10, out.get(0).n());
        assertEquals(0.3, out.get(0).loss(), 1e-15);
        assertEquals(40, out.get(1).n());
        List<MetricsLine> rest = w.flush();
        assertEquals(1, rest.size(), "the input ended: what came of the other model's window");
        assertEquals("other", rest.get(0).model());
        assertTrue(w.flush().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> w.add(line("m", 200, 2, 3, 1, 0.1, 0.5, 0.5, 0.5, 1, 0.1)),
                "one model's replicas agree on R");
    }
}
