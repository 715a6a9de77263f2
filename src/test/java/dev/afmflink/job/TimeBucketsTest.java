package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class TimeBucketsTest {
    /** Random adds and takes, in and out of order, against a map of lists: the same buckets, lists and answers. */
    @Test
    void theSameAnswersAsAMapOfLists() {
        for (long seed = 1; seed <= 40; seed++) {
            Random r = new Random(seed);
            TimeBuckets<Integer> b = new TimeBuckets<>();
            Map<Long, List<Integer>> m = new HashMap<>();
            long now = 0;
            int spread = 1 + r.nextInt(seed % 2 == 0 ? 5 : 200);
            for (int op = 0; op < 5_000; op++) {
                int what = r.nextInt(10);
                if (what < 6) { // an add, mostly ahead of the last times, sometimes behind
                    long t = now + r.nextInt(spread) - (r.nextInt(4) == 0 ? r.nextInt(spread) : 0);
                    boolean created = !m.containsKey(t);
                    m.computeIfAbsent(t, k -> new ArrayList<>()).add(op);
                    assertEquals(created, b.add(t, op), "seed " + seed + " op " + op);
                } else if (what < 9) { // a take of the earliest (a timer's)
                    if (!m.isEmpty()) {
                        long t = new TreeMap<>(m).firstKey();
                        assertEquals(m.remove(t), b.remove(t));
                        now = Math.max(now, t);
                    }
                } else { // a take of any time, held or not
                    long t = now + r.nextInt(2 * spread) - spread;
                    assertEquals(m.remove(t), b.remove(t), "seed " + seed + " op " + op);
                }
                assertEquals(m.size(), b.size());
                assertEquals(m.isEmpty(), b.isEmpty());
                if (op % 997 == 0) {
                    assertEquals(m, contents(b));
                }
                if (op % 2_503 == 0) {
                    b.clear();
                    m.clear();
                }
            }
            assertEquals(m, contents(b));
        }
    }

    /** The ordered mode's pattern: holds in rising time are kept in the ring alone, and taken earliest first. */
    @Test
    void risingHoldsStayInTheRing() {
        TimeBuckets<Integer> b = new TimeBuckets<>();
        long window = 600_000;
        for (int i = 0; i < 20_000; i++) {
            long ts = 250L * i;
            assertTrue(b.add(ts + window, i)); // a deadline a window after each impression
            if (i % 3 == 0) {
                assertEquals(false, b.add(ts + window, -i)); // a second item in the same bucket
            }
            long due = ts; // the timer at this impression's time takes the deadlines due by now
            List<Integer> taken = b.remove(due);
            if (ts >= window) {
                assertEquals(i - (int) (window / 250), taken.get(0));
            } else {
                assertNull(taken);
            }
        }
        assertEquals(0, b.besideTheRing());
        assertEquals((int) (window / 250), b.size());
    }

    /** A bucket behind the ring's end goes beside it, and is found there again; the order in a bucket is arrival order. */
    @Test
    void aBucketBehindTheEndGoesBesideTheRing() {
        TimeBuckets<String> b = new TimeBuckets<>();
        assertTrue(b.add(100, "a"));
        assertTrue(b.add(300, "b"));
        assertTrue(b.add(200, "c")); // behind 300, not in the ring
        assertEquals(1, b.besideTheRing());
        assertEquals(false, b.add(200, "d"));
        assertEquals(false, b.add(100, "e")); // in the ring, behind its end
        assertEquals(List.of("c", "d"), b.remove(200));
        assertEquals(List.of("a", "e"), b.remove(100));
        assertEquals(List.of("b"), b.remove(300));
        assertTrue(b.isEmpty());
        assertTrue(b.add(250, "f")); // the ring is empty: any time is past its end
        assertEquals(0, b.besideTheRing());
    }

    /** After a burst that grew the ring past its bound, a clear gives the memory back and the buckets work as before. */
    @Test
    void aClearAfterABurst() {
        TimeBuckets<Integer> b = new TimeBuckets<>();
        for (int i = 0; i < 200_000; i++) {
            b.add(i, i);
        }
        b.add(5, -5); // in the ring, behind its end
        assertEquals(200_000, b.size());
        b.clear();
        assertTrue(b.isEmpty());
        assertEquals(0, b.slots());
        assertNull(b.remove(5));
        assertTrue(b.add(7, 1));
        assertTrue(b.add(3, 2)); // behind the end: beside the ring
        assertEquals(List.of(2), b.remove(3));
        assertEquals(List.of(1), b.remove(7));
        assertTrue(b.isEmpty());
    }

    private static <E> Map<Long, List<E>> contents(TimeBuckets<E> b) {
        Map<Long, List<E>> m = new HashMap<>();
        for (int k = 0; k < b.slots(); k++) {
            List<E> l = b.listAt(k);
            if (l != null) {
                assertNull(m.put(b.timeAt(k), l), "a time in two slots");
            }
        }
        return m;
    }
}
