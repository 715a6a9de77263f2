package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.junit.jupiter.api.Test;

/**
 * The synchronization source's watermark, which bounds how far the input is read ahead: the end of
 * the latest tick whose change was read; idle before the first change and after {@link SyncProgress#QUIET_MS}
 * without one, so it never holds the events back when the trainers write nothing.
 */
class SyncProgressTest {
    /** What a generator said: the watermarks, and whether the last word was "idle". */
    static final class Said implements WatermarkOutput {
        final List<Long> watermarks = new ArrayList<>();
        boolean idle;

        @Override
        public void emitWatermark(Watermark w) {
            watermarks.add(w.getTimestamp());
            idle = false;
        }

        @Override
        public void markIdle() {
            idle = true;
        }

        @Override
        public void markActive() {
            idle = false;
        }
    }

    static SyncRecord change(long tick) {
        // the header a change record starts with (ChangeCodec): 'S', version 2, 4 bytes per value, the tick
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(11);
        b.put((byte) 'S').put((byte) 2).put((byte) 4).putLong(tick);
        return new SyncRecord("default", b.array());
    }

    @Test
    void theWatermarkIsTheLatestTickReadAndQuietMeansIdle() {
        long[] now = {0};
        SyncProgress g = new SyncProgress(() -> now[0]);
        Said out = new Said();
        g.onPeriodicEmit(out);
        assertTrue(out.idle, "no change read yet: bounds nothing");

        long tickMs = 10_000;
        assertEquals(30_000 - 1, SyncProgress.timestamp(change(2), tickMs), "the last millisecond of tick 2");
        g.onEvent(change(2), SyncProgress.timestamp(change(2), tickMs), out);
        g.onEvent(change(1), SyncProgress.timestamp(change(1), tickMs), out); // another replica's, behind
        assertEquals(List.of(29_999L, 29_999L), out.watermarks, "never back");
        now[0] += (SyncProgress.QUIET_MS - 1) * 1_000_000L;
        g.onPeriodicEmit(out);
        assertFalse(out.idle, "a change read within the quiet time");
        now[0] += 2_000_000L;
        g.onPeriodicEmit(out);
        assertTrue(out.idle, "quiet for longer: idle, the input is read freely");
        g.onEvent(change(3), SyncProgress.timestamp(change(3), tickMs), out);
        assertFalse(out.idle);
        assertEquals(39_999L, out.watermarks.get(out.watermarks.size() - 1));

        SyncRecord junk = new SyncRecord("default", new byte[] {1, 2, 3});
        assertEquals(Long.MIN_VALUE, SyncProgress.timestamp(junk, tickMs));
        int before = out.watermarks.size();
        g.onEvent(junk, Long.MIN_VALUE, out);
        assertEquals(before, out.watermarks.size(), "a record that is not a change moves nothing");
    }
}
