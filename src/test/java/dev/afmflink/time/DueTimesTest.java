package dev.afmflink.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.PriorityQueue;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DueTimesTest {

    @Test
    void saysWhenAnEntryIsTheNewEarliest() {
        DueTimes d = new DueTimes();
        assertEquals(Long.MAX_VALUE, d.earliest());
        assertTrue(d.add(50));
        assertFalse(d.add(70));
        assertFalse(d.add(50)); // equal to the earliest: its timer is there already
        assertTrue(d.add(20));
        assertEquals(20, d.earliest());
        assertEquals(0, d.removeEarliest(50)); // not at the front
        assertEquals(1, d.removeEarliest(20));
        assertEquals(2, d.removeEarliest(50));
        assertEquals(70, d.earliest());
        assertEquals(1, d.removeEarliest(70));
        assertTrue(d.isEmpty());
    }

    /** Against the JDK's priority queue: the same entries leave in the same order, duplicates together. */
    @Test
    void takesEntriesOutInTimeOrderAsAPriorityQueueDoes() {
        Random r = new Random(3);
        DueTimes d = new DueTimes();
        PriorityQueue<Long> ref = new PriorityQueue<>();
        long now = 0;
        for (int step = 0; step < 200_000; step++) {
            if (r.nextInt(3) > 0) {
                long t = now + r.nextInt(r.nextBoolean() ? 20 : 5_000); // many repeats, some far ahead
                boolean earliest = ref.isEmpty() || t < ref.peek();
                assertEquals(earliest, d.add(t));
                ref.add(t);
            } else if (!ref.isEmpty()) {
                now = ref.peek();
                int n = 0;
                while (!ref.isEmpty() && ref.peek() == now) {
                    ref.poll();
                    n++;
                }
                assertEquals(n, d.removeEarliest(now));
            }
            assertEquals(ref.size(), d.size());
            assertEquals(ref.isEmpty() ? Long.MAX_VALUE : ref.peek(), d.earliest());
        }
    }
}
