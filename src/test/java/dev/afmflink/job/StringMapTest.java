package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StringMapTest {

    /** Against the JDK's HashMap: the same answers through puts (null values too), overwrites, removes, growth and clears. */
    @Test
    void answersAsAHashMapDoes() {
        Random r = new Random(7);
        StringMap<Integer> m = new StringMap<>();
        Map<String, Integer> ref = new HashMap<>();
        String[] colliding = {"Aa", "BB", "AaAa", "BBBB", "AaBB", "BBAa"}; // equal String hash codes in pairs
        String[] pool = new String[2_000]; // the same instances again (found by identity) and equal copies of them
        for (int i = 0; i < pool.length; i++) {
            pool[i] = "id-" + i;
        }
        for (int step = 0; step < 400_000; step++) {
            String k = switch (r.nextInt(5)) {
                case 0 -> "imp-" + r.nextInt(3_000);
                case 1 -> colliding[r.nextInt(colliding.length)];
                case 2 -> pool[r.nextInt(pool.length)];
                case 3 -> new String(pool[r.nextInt(pool.length)]);
                default -> Long.toHexString(r.nextLong());
            };
            int op = r.nextInt(10);
            if (op < 5) {
                Integer v = r.nextInt(8) == 0 ? null : step;
                m.put(k, v);
                ref.put(k, v);
            } else if (op < 9) {
                assertEquals(ref.remove(k), m.remove(k));
            } else {
                assertEquals(ref.get(k), m.get(k));
                assertEquals(ref.containsKey(k), m.containsKey(k));
                int slot = m.slotOf(k);
                assertEquals(ref.containsKey(k), slot >= 0);
                if (slot >= 0) {
                    assertEquals(k, m.keyAt(slot));
                    assertEquals(ref.get(k), m.valueAt(slot));
                }
            }
            if (step % 100_000 == 99_999) {
                m.clear();
                ref.clear();
            }
            assertEquals(ref.size(), m.size());
        }
        int seen = 0;
        for (int i = 0; i < m.capacity(); i++) {
            if (m.used(i)) {
                assertTrue(ref.containsKey(m.keyAt(i)));
                assertEquals(ref.get(m.keyAt(i)), m.valueAt(i));
                seen++;
            }
        }
        assertEquals(ref.size(), seen, "iteration visits every entry once");
    }
}
