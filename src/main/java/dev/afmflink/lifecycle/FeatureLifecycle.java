package dev.afmflink.lifecycle;

import dev.afmflink.time.EventTime;

/**
 * When a feature gets trainable parameters and when it loses them, in event time only (plain
 * Java: the streaming trainer and the offline replay follow these rules, so the same input gives
 * the same evictions and the same model bits).
 *
 * <p><b>Admission.</b> A feature gets parameters at the {@code minCount}-th training example of
 * its model key that holds it; until then it contributes nothing to a prediction, and all that is
 * kept of it is its count and the time it was last seen.
 *
 * <p><b>Expiry.</b> Event time is cut into sweep buckets of {@code sweepMs}. A feature (or a
 * count) last touched in bucket B is removed at event time {@link #sweepTime(long)} =
 * (B + 1)·sweepMs + TTL (the feature TTL, or the counts' own) unless touched again since: so it goes once it has been idle longer than
 * the TTL and at most one bucket more. The trainer keeps, per bucket, the ids whose last touch fell
 * in it (an id is added once per bucket it is touched in), and a sweep reads only that bucket's
 * ids: its cost is the ids touched in one bucket's time, each either evicted or already recorded
 * in a later bucket by the update that moved it, never a scan of all features. Flink's state TTL
 * is not used: it runs on processing time, so evictions (and so the model) would depend on when
 * the job ran.
 *
 * @param minCount   examples of a feature before it gets parameters (1: at once)
 * @param ttlMs      event time a feature may go without an update before it is removed (0: never)
 * @param countTtlMs event time a count may go without a sighting before it is dropped (so that counting
 *                   stays bounded; 0 with no admission)
 * @param sweepMs    the sweep bucket
 */
public record FeatureLifecycle(int minCount, long ttlMs, long countTtlMs, long sweepMs) implements java.io.Serializable {
    /** The job's default admission count, chosen by measurement (docs/operation.md: best delayed logloss, fewest features). */
    public static final int DEFAULT_MIN_COUNT = 4;
    /** The job's default feature TTL: a feature not updated for 30 days of event time goes. */
    public static final long DEFAULT_TTL_MS = 30L * 24 * 3600 * 1000;
    /** Admission counts expire after this much event time without a sighting (unless the feature TTL is shorter). */
    public static final long DEFAULT_COUNT_TTL_MS = 24L * 3600 * 1000;
    /** Every feature admitted at once, none removed: the model as before lifecycles. */
    public static final FeatureLifecycle NONE = new FeatureLifecycle(1, 0, 0, 1000);

    public FeatureLifecycle {
        if (minCount < 1 || ttlMs < 0 || countTtlMs < 0 || sweepMs < 1) {
            throw new IllegalArgumentException("min-count must be >= 1, TTLs >= 0, the sweep bucket >= 1 ms");
        }
    }

    /**
     * The lifecycle for {@code --min-count} and {@code --feature-ttl} (0: none): counts expire after
     * a day without a sighting (or the feature TTL if shorter); sweep buckets of a sixteenth of the
     * shorter TTL, at least 1 s.
     */
    public static FeatureLifecycle of(int minCount, long ttlMs) {
        long countTtl = minCount <= 1 ? 0 : ttlMs > 0 ? Math.min(ttlMs, DEFAULT_COUNT_TTL_MS) : DEFAULT_COUNT_TTL_MS;
        long shortest = ttlMs > 0 && countTtl > 0 ? Math.min(ttlMs, countTtl) : Math.max(ttlMs, countTtl);
        return new FeatureLifecycle(minCount, ttlMs, countTtl, Math.max(1000, shortest / 16));
    }

    /** Anything to do at all (else the trainer takes its old path). */
    public boolean enabled() {
        return minCount > 1 || ttlMs > 0;
    }

    /** Features are counted before they get parameters. */
    public boolean counts() {
        return minCount > 1;
    }

    /** Whether a feature seen in {@code seen} examples (this one included) gets parameters now. */
    public boolean admits(long seen) {
        return seen >= minCount;
    }

    /** Features (not only counts) are removed when idle. */
    public boolean featuresExpire() {
        return ttlMs > 0;
    }

    /** The TTL of counts ({@code count}) or of features. */
    public long ttl(boolean count) {
        return count ? countTtlMs : ttlMs;
    }

    /** Counts ({@code count}) or features expire at all. */
    public boolean expires(boolean count) {
        return ttl(count) > 0;
    }

    /** The shortest TTL in force: it must exceed the attribution window. */
    public long shortestTtl() {
        return ttlMs > 0 && countTtlMs > 0 ? Math.min(ttlMs, countTtlMs) : Math.max(ttlMs, countTtlMs);
    }

    /** The sweep bucket of event time {@code ts}. */
    public long bucket(long ts) {
        return Math.floorDiv(ts, sweepMs);
    }

    /** When the counts ({@code count}) or features last touched in {@code bucket} are swept (saturating below +inf). */
    public long sweepTime(long bucket, boolean count) {
        long end = bucket >= Long.MAX_VALUE / sweepMs - 1 ? Long.MAX_VALUE - 1 : (bucket + 1) * sweepMs;
        return EventTime.after(end, ttl(count));
    }

    /** True if an event-time timer at {@code t} sweeps counts ({@code count}) or features. */
    public boolean isSweepTime(long t, boolean count) {
        return expires(count) && t < Long.MAX_VALUE - 1 && Math.floorMod(t - ttl(count), sweepMs) == 0;
    }

    /** The bucket a sweep at {@code t} removes ({@link #isSweepTime} must hold). */
    public long sweptBy(long t, boolean count) {
        return Math.floorDiv(t - ttl(count), sweepMs) - 1;
    }
}
