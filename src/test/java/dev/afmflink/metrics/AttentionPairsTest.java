package dev.afmflink.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A window's attention per field pair: one entry per unordered pair, also after the window came back from state. */
class AttentionPairsTest {
    /** {@code w} as Flink's POJO serializer gives it back: public fields only. */
    static ProgressiveWindow restored(ProgressiveWindow w) {
        ProgressiveWindow restored = new ProgressiveWindow();
        restored.start = w.start;
        restored.end = w.end;
        restored.pairNames = w.pairNames.clone();
        restored.pairSums = w.pairSums.clone();
        restored.pairCounts = w.pairCounts.clone();
        return restored;
    }

    @Test
    void pairsAreUnorderedAndSurviveARestore() {
        ProgressiveWindow w = new ProgressiveWindow(0, 10);
        w.addAttention("user", "ad", 0.25);
        w.addAttention("ad", "user", 0.5);
        w.addAttention("site", "ad", 1.0);
        assertArrayEquals(new String[] {"ad × user", "ad × site"}, w.pairNames);
        assertArrayEquals(new double[] {0.75, 1.0}, w.pairSums);
        assertArrayEquals(new long[] {2, 1}, w.pairCounts);
        ProgressiveWindow restored = restored(w);
        restored.addAttention("user", "ad", 0.25);
        restored.addAttention("hour", "user", 2.0);
        assertArrayEquals(new String[] {"ad × user", "ad × site", "hour × user"}, restored.pairNames);
        assertEquals(1.0, restored.pairSums[0]);
        assertEquals(3, restored.pairCounts[0]);
    }

    /** Fields numbered once per event, pairs by number: the same pairs, sums and counts as by name, across restores. */
    @Test
    void pairsByFieldNumberAreThePairsByName() {
        java.util.Random r = new java.util.Random(3);
        String[] names = new String[300]; // more than the dense table holds
        for (int i = 0; i < names.length; i++) {
            names[i] = "f" + i;
        }
        ProgressiveWindow byName = new ProgressiveWindow(0, 10);
        ProgressiveWindow byNumber = new ProgressiveWindow(0, 10);
        for (int e = 0; e < 200; e++) {
            if (e == 100) { // a restore: numbers made again
                byNumber = restored(byNumber);
            }
            int m = 2 + r.nextInt(40);
            String[] fields = new String[m];
            for (int i = 0; i < m; i++) {
                fields[i] = new String(names[r.nextInt(names.length)]); // not the same string objects each time
            }
            int[] number = new int[m];
            for (int i = 0; i < m; i++) {
                number[i] = byNumber.fieldId(fields[i]);
            }
            for (int i = 0; i < m; i++) {
                for (int j = i + 1; j < m; j++) {
                    double a = r.nextDouble();
                    byName.addAttention(fields[i], fields[j], a);
                    byNumber.addAttention(number[i], number[j], a);
                }
            }
        }
        assertEquals(byName.meanAttention(), byNumber.meanAttention());
        assertEquals(java.util.Arrays.stream(byName.pairCounts).sum(), java.util.Arrays.stream(byNumber.pairCounts).sum());
    }
}
