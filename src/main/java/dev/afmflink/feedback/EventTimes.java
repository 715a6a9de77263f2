package dev.afmflink.feedback;

import dev.afmflink.time.EventTime;

/**
 * The trainer's event-time arithmetic, in one place: when an impression's label is released, when
 * a validation window closes, and which window or impression a timer at time T belongs to. Every
 * time saturates below +inf, which Flink reserves here for the end of a bounded input.
 *
 * @param windowMs     the attribution window W: every label of an impression at time ts is in once
 *                     event time passes ts + W
 * @param validationMs the length of a progressive-validation window
 */
public record EventTimes(long windowMs, long validationMs) implements java.io.Serializable {
    public EventTimes {
        if (validationMs < 1 || windowMs < 0) {
            throw new IllegalArgumentException("validation window must be >= 1 ms, label delay >= 0");
        }
    }

    /** When the labels of the impressions at {@code ts} are final (ordered mode trains them then). */
    public long release(long ts) {
        return EventTime.after(ts, windowMs);
    }

    /** The impressions whose labels a timer at {@code timer} releases. */
    public long releasedBy(long timer) {
        return timer - windowMs;
    }

    /** The start of the validation window holding event time {@code ts}. */
    public long windowStart(long ts) {
        return ts - Math.floorMod(ts, validationMs);
    }

    /** When the validation window starting at {@code start} closes: its end plus W (all its labels are in). */
    public long close(long start) {
        return EventTime.after(EventTime.after(start, validationMs), windowMs);
    }

    /** The start of the validation window a timer at {@code timer} closes. */
    public long closedBy(long timer) {
        return timer - windowMs - validationMs;
    }
}
