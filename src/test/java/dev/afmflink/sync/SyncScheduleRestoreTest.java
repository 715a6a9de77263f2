package dev.afmflink.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A restore at another parallelism: each subtask reads every subtask's schedule, keeps the keys of
 * its key groups and goes on from the earliest place among the schedules they came from; one that
 * keeps none starts from its data, as a new subtask does.
 */
class SyncScheduleRestoreTest {
    static final long TICK = 1000;

    /** A driver that records the emissions. */
    static final class Emits implements SyncSchedule.Driver {
        final List<String> emitted = new ArrayList<>();

        @Override
        public void takeIn(String key, long through) {
        }

        @Override
        public void advanceTo(long watermark) {
        }

        @Override
        public void emit(String key, long tick) {
            emitted.add(key + "@" + tick);
        }
    }

    /** A started schedule of {@code keys}, worked through tick {@code through}, every key settled through it. */
    static byte[] scheduleAt(long through, String... keys) throws Exception {
        SyncSchedule s = new SyncSchedule(TICK, 1);
        Emits d = new Emits();
        s.timer(0);
        for (String k : keys) {
            s.present(k, d);
            s.settled(k, through, d);
        }
        s.watermark((through + 1) * TICK - 1, d);
        return s.state();
    }

    @Test
    void eachSubtaskKeepsItsKeysFromTheEarliestPlace() throws Exception {
        byte[] a = scheduleAt(5, "a1", "a2");
        byte[] b = scheduleAt(7, "b1");
        // a subtask with a1 and b1: both, from tick 5 on
        SyncSchedule one = new SyncSchedule(TICK, 1);
        assertTrue(one.restore(a, k -> k.equals("a1") || k.equals("b1")));
        assertTrue(one.restore(b, k -> k.equals("a1") || k.equals("b1")));
        assertEquals(Set.of("a1", "b1"), one.keys());
        assertEquals(5, java.nio.ByteBuffer.wrap(one.state()).getLong(), "the earliest tick worked through");
        // the one ahead emits nothing the schedule has passed for it already; the driver skips it (the job's ledger does)
        Emits d = new Emits();
        one.watermark(9 * TICK - 1, d);
        assertTrue(d.emitted.contains("a1@6") && d.emitted.contains("b1@6"), d.emitted.toString());
        // a subtask with none of them: not started, it starts from its data and its new keys emit there
        SyncSchedule none = new SyncSchedule(TICK, 1);
        assertFalse(none.restore(a, k -> k.startsWith("c")));
        assertFalse(none.restore(b, k -> k.startsWith("c")));
        assertEquals(Set.of(), none.keys());
        assertEquals(Long.MIN_VALUE, java.nio.ByteBuffer.wrap(none.state()).getLong());
        Emits n = new Emits();
        none.present("c1", n);
        assertEquals(List.of(), n.emitted, "not started: a key emits at the start");
        none.watermark(3 * TICK + 10, n);
        assertEquals("c1@2", n.emitted.get(0));
    }
}
