package dev.afmflink.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A window's attention per field pair: one entry per unordered pair, also after the window came back from state. */
class AttentionPairsTest {
    @Test
    void pairsAreUnorderedAndSurviveARestore() {
        ProgressiveWindow w = new ProgressiveWindow(0, 10);
        w.addAttention("user", "ad", 0.25);
        w.addAttention("ad", "user", 0.5);
        w.addAttention("site", "ad", 1.0);
        assertArrayEquals(new String[] {"ad × user", "ad × site"}, w.pairNames);
        assertArrayEquals(new double[] {0.75, 1.0}, w.pairSums);
        assertArrayEquals(new long[] {2, 1}, w.pairCounts);
        // as Flink's POJO serializer gives it back: public fields only
        ProgressiveWindow restored = new ProgressiveWindow();
        restored.start = w.start;
        restored.end = w.end;
        restored.pairNames = w.pairNames.clone();
        restored.pairSums = w.pairSums.clone();
        restored.pairCounts = w.pairCounts.clone();
        restored.addAttention("user", "ad", 0.25);
        restored.addAttention("hour", "user", 2.0);
        assertArrayEquals(new String[] {"ad × user", "ad × site", "hour × user"}, restored.pairNames);
        assertEquals(1.0, restored.pairSums[0]);
        assertEquals(3, restored.pairCounts[0]);
    }
}
