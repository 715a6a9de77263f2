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

    /**
     * The ordered mode's pattern (each impression's time and its window's end on arrival, its
     * tombstone's end one window after that end; the watermark firing what is due): the entries leave
     * as from a priority queue; with the input in order every entry stays in the runs (none goes to
     * the heap), and out of order by up to {@code jitterMs} nearly every one.
     */
    private static long[] orderedPattern(long jitterMs) {
        Random r = new Random(5);
        DueTimes d = new DueTimes();
        PriorityQueue<Long> ref = new PriorityQueue<>();
        long window = 600_000;
        long maxSeen = 0;
        long adds = 0;
        long toHeap = 0;
        for (int i = 0; i < 100_000; i++) {
            long ts = i * 250L + (jitterMs == 0 ? 0 : r.nextInt((int) jitterMs));
            maxSeen = Math.max(maxSeen, ts);
            for (long t : new long[] {ts, ts + window}) {
                int before = d.size() - d.inRuns();
                assertEquals(ref.isEmpty() || t < ref.peek(), d.add(t));
                ref.add(t);
                adds++;
                toHeap += d.size() - d.inRuns() - before;
            }
            long watermark = maxSeen - 3_000;
            while (!ref.isEmpty() && ref.peek() <= watermark) { // the timers the watermark fires
                long now = ref.peek();
                int n = 0;
                while (!ref.isEmpty() && ref.peek() == now) {
                    ref.poll();
                    n++;
                }
                assertEquals(n, d.removeEarliest(now));
                if (now % 250 == 0 || now % 7 == 3) { // a window's end (and some others): a tombstone one window on
                    int before = d.size() - d.inRuns();
                    assertEquals(ref.isEmpty() || now + window < ref.peek(), d.add(now + window));
                    ref.add(now + window);
                    adds++;
                    toHeap += d.size() - d.inRuns() - before;
                }
            }
            assertEquals(ref.size(), d.size());
            assertEquals(ref.isEmpty() ? Long.MAX_VALUE : ref.peek(), d.earliest());
        }
        return new long[] {adds, toHeap};
    }

    @Test
    void theOrderedModesTimesStayInRuns() {
        long[] inOrder = orderedPattern(0);
        assertEquals(0, inOrder[1], "in order, the job's pattern needs no heap");
        long[] jittered = orderedPattern(2_000);
        assertTrue(jittered[1] < jittered[0] / 1_000, "out of order by up to 2 s: " + jittered[1] + " of " + jittered[0]
                + " entries went to the heap");
    }

    /** Times far out of order outgrow the runs: the rest goes to the heap, and the order still holds. */
    @Test
    void timesFarOutOfOrderSpillToTheHeapInOrder() {
        Random r = new Random(9);
        DueTimes d = new DueTimes();
        PriorityQueue<Long> ref = new PriorityQueue<>();
        for (int i = 0; i < 1_000; i++) {
            long t = r.nextInt(1_000_000);
            assertEquals(ref.isEmpty() || t < ref.peek(), d.add(t));
            ref.add(t);
        }
        assertTrue(d.inRuns() < d.size(), "random times need the heap");
        while (!ref.isEmpty()) {
            long now = ref.peek();
            assertEquals(0, d.removeEarliest(now + 1));
            int n = 0;
            while (!ref.isEmpty() && ref.peek() == now) {
                ref.poll();
                n++;
            }
            assertEquals(n, d.removeEarliest(now));
            assertEquals(ref.isEmpty() ? Long.MAX_VALUE : ref.peek(), d.earliest());
        }
        assertTrue(d.isEmpty());
        d.add(5);
        d.clear();
        assertTrue(d.isEmpty());
        assertEquals(Long.MAX_VALUE, d.earliest());
    }

    /** The heap alone (no runs, as before them) and the runs give the same answers on the same operations. */
    @Test
    void runsAndTheHeapAloneAgree() {
        Random r = new Random(11);
        DueTimes runs = new DueTimes();
        DueTimes heap = new DueTimes(0);
        long now = 0;
        for (int step = 0; step < 100_000; step++) {
            if (r.nextInt(3) > 0) {
                long t = now + (r.nextBoolean() ? 600_000 : 0) + r.nextInt(r.nextInt(10) == 0 ? 50_000 : 300);
                assertEquals(heap.add(t), runs.add(t));
            } else if (!heap.isEmpty()) {
                now = heap.earliest();
                assertEquals(heap.removeEarliest(now), runs.removeEarliest(now));
            }
            assertEquals(heap.size(), runs.size());
            assertEquals(heap.earliest(), runs.earliest());
        }
        assertEquals(0, heap.inRuns());
        assertTrue(runs.inRuns() > 0);
    }
}
