package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LongMapTest {

    /** Against the JDK's HashMap: the same answers through puts, overwrites, removes (probe runs shifted back), growth and clears. */
    @Test
    void answersAsAHashMapDoes() {
        Random r = new Random(5);
        LongMap<String> m = new LongMap<>();
        Map<Long, String> ref = new HashMap<>();
        for (int step = 0; step < 400_000; step++) {
            // keys: consecutive times, a few far apart, and colliding multiples of the table's sizes
            long k = switch (r.nextInt(3)) {
                case 0 -> 1_767_225_600_000L + r.nextInt(3_000);
                case 1 -> r.nextLong();
                default -> (long) r.nextInt(64) << 20;
            };
            int op = r.nextInt(10);
            if (op < 5) {
                String v = "v" + step;
                assertEquals(ref.put(k, v), m.put(k, v));
            } else if (op < 9) {
                assertEquals(ref.remove(k), m.remove(k));
            } else {
                assertEquals(ref.get(k), m.get(k));
            }
            if (step % 100_000 == 99_999) {
                m.clear();
                ref.clear();
            }
            assertEquals(ref.size(), m.size());
        }
        int seen = 0;
        for (int i = 0; i < m.capacity(); i++) {
            String v = m.valueAt(i);
            if (v != null) {
                assertEquals(ref.get(m.keyAt(i)), v);
                seen++;
            }
        }
        assertEquals(ref.size(), seen, "iteration visits every entry once");
        for (Map.Entry<Long, String> e : ref.entrySet()) {
            assertEquals(e.getValue(), m.get(e.getKey()));
        }
        assertNull(m.get(42L << 40));
        assertThrows(NullPointerException.class, () -> m.put(1, null));
    }
}
