package dev.afmflink.time;

/**
 * The job's watermarks, driven by the data alone (the one home of the rule): the watermark is the
 * largest event time seen − the bound − 1, and it goes out whenever it has moved {@code stepMs}
 * past the last one that went out. The source's generator ({@code job.EventTimeWatermarks}) and
 * the plain-Java replays of the job follow it, so a replay sees the watermarks the job saw.
 */
public final class WatermarkSteps {
    private final long boundMs;
    private final long stepMs;
    private long max;
    private long last = Long.MIN_VALUE;

    public WatermarkSteps(long boundMs, long stepMs) {
        this.boundMs = boundMs;
        this.stepMs = stepMs;
        this.max = Long.MIN_VALUE + boundMs + 1;
    }

    /** Event time {@code ts} seen: the watermark that goes out now, or {@link Long#MIN_VALUE} if none does. */
    public long seen(long ts) {
        if (ts <= max) {
            return Long.MIN_VALUE;
        }
        max = ts;
        long wm = max - boundMs - 1;
        if (last == Long.MIN_VALUE || wm - last >= stepMs) {
            last = wm;
            return wm;
        }
        return Long.MIN_VALUE;
    }
}
