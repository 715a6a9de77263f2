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
