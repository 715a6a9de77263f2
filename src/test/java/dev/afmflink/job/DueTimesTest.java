package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** A key's due times: earliest first, each once, as Flink's timer service would fire them; through state and back. */
class DueTimesTest {
    @Test
    void dueTimesComeEarliestFirstEachOnceWhateverTheOrderTheyCameIn() {
        Random r = new Random(3);
        DueTimes d = new DueTimes();
        TreeSet<Long> expected = new TreeSet<>();
        List<Long> got = new ArrayList<>();
        for (int round = 0; round < 50; round++) {
            for (int i = 0; i < 200; i++) {
                long t = 1_000 * round + r.nextInt(5_000) - 2_000; // mostly later, some earlier, many repeats
                d.add(t);
                expected.add(t);
            }
            long upTo = 1_000L * round;
            while (!d.isEmpty() && d.min() <= upTo) {
                got.add(d.pollMin());
            }
            while (!expected.isEmpty() && expected.first() <= upTo) {
                assertEquals(expected.pollFirst(), got.remove(0));
            }
            assertEquals(List.of(), got);
        }
        // through state: the registered time and the rest, each once
        d.registered = d.min();
        DueTimes back = DueTimes.fromState(d.toState());
        assertEquals(d.registered, back.registered);
        List<Long> rest = new ArrayList<>();
        while (!back.isEmpty()) {
            rest.add(back.pollMin());
        }
        assertEquals(new ArrayList<>(expected), rest);
        assertTrue(DueTimes.fromState(null).isEmpty());
        assertEquals(DueTimes.NONE, DueTimes.fromState(null).registered);
        assertEquals(Long.MAX_VALUE, new DueTimes().min());
        assertArrayEquals(new long[] {DueTimes.NONE}, new DueTimes().toState());
    }
}
