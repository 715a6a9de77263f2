package dev.afmflink.time;

/**
 * Event-time arithmetic, the one home of "a time plus a delay" for every part that schedules in
 * event time (the label join, the trainer's releases and windows, publish ticks, feature expiry, the
 * replay): saturating below +inf, which is the end-of-input time (the watermark of a finished
 * bounded input), so a timer set from any real time fires before the end of input does.
 */
public final class EventTime {
    private EventTime() {
    }

    /**
     * The event time of the first record of a file replayed ({@code bin/afm stream --input},
     * {@code bin/afm produce}): record i (blank lines not counted) is at {@code FILE_START_MS + i}
     * ms, which is a libfm line's event time; {@code bin/afm train} gives line i the same time, so
     * a streamed log trained offline meets the lifecycle's sweeps where the job met them.
     */
    public static final long FILE_START_MS = 1_767_225_600_000L;

    /** Watermarks trail the largest event time of a Kafka partition by this much unless told otherwise. */
    public static final long DEFAULT_OUT_OF_ORDERNESS_MS = 5_000;

    /** A partition's watermark is emitted when it has moved this much event time (and at every idle or end). */
    public static final long WATERMARK_STEP_MS = 200;

    /** The event time of record {@code index} of a file replayed. */
    public static long ofRecord(long index) {
        return after(FILE_START_MS, index);
    }

    /** {@code ts} + {@code delay}, saturating at +inf − 1. */
    public static long after(long ts, long delay) {
        long t = ts + delay;
        return t < ts || t == Long.MAX_VALUE ? Long.MAX_VALUE - 1 : t;
    }

    /** The smallest multiple of {@code step} at or after {@code ts} (saturating below +inf): publish ticks. */
    public static long ceilTo(long ts, long step) {
        long r = Math.floorMod(ts, step);
        return r == 0 ? ts : after(ts, step - r);
    }
}
