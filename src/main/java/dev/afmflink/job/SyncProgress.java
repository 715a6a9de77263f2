package dev.afmflink.job;

import dev.afmflink.sync.ChangeCodec;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;

/**
 * How far the trainers have come, as the synchronization source's watermark (one generator per
 * partition of the topic): the end of the latest tick whose change it has read ({@link #timestamp}).
 * It serves one purpose, the input's read-ahead bound (docs/scaling.md, "Reading ahead"): the event
 * source and this one share a watermark alignment group, so the event source pauses once its
 * watermark is more than {@link ReplicaSettings#readAheadMs} past this one. Nothing downstream sees
 * it ({@link WithoutEventTime}).
 *
 * <p>A partition that has read no change yet, or none for {@link #QUIET_MS} of wall-clock time, says
 * it is idle and so bounds nothing: a topic without changes (the job's start, an input that has
 * ended or goes slower than real time) never holds the events back. The wall clock decides only how
 * fast the input is read, never what a trainer computes.
 */
final class SyncProgress implements WatermarkGenerator<SyncRecord> {
    /** No change read for this long: the partition is idle (the trainers' loop takes milliseconds a tick while it runs). */
    static final long QUIET_MS = 5_000;

    private final java.util.function.LongSupplier nanos;
    private long latest = Long.MIN_VALUE;
    private long lastReadNanos;

    SyncProgress() {
        this(System::nanoTime);
    }

    /** With {@code nanos} as the clock of {@link #QUIET_MS} (tests). */
    SyncProgress(java.util.function.LongSupplier nanos) {
        this.nanos = nanos;
    }

    /** A change's event time: the last millisecond of its tick (as the trainer stamps the record it writes). */
    static long timestamp(SyncRecord r, long tickMs) {
        long tick = ChangeCodec.tickOf(r.change);
        return tick == Long.MIN_VALUE ? Long.MIN_VALUE : (tick + 1) * tickMs - 1;
    }

    @Override
    public void onEvent(SyncRecord event, long eventTimestamp, WatermarkOutput output) {
        if (eventTimestamp == Long.MIN_VALUE) {
            return; // not a change: its merger sends it to the dead letters
        }
        latest = Math.max(latest, eventTimestamp);
        lastReadNanos = nanos.getAsLong();
        output.emitWatermark(new Watermark(latest)); // also marks the partition active again
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        if (latest == Long.MIN_VALUE || nanos.getAsLong() - lastReadNanos > QUIET_MS * 1_000_000L) {
            output.markIdle();
        }
    }
}
