package dev.afmflink.lifecycle;

import dev.afmflink.feedback.EventTimes;

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
 * (B + 1)·sweepMs + TTL unless touched again since: so it goes once it has been idle longer than
 * the TTL and at most one bucket more. The trainer keeps, per bucket, the ids whose last touch fell
 * in it (an id is added once per bucket it is touched in), and a sweep reads only that bucket's
 * ids: its cost is the ids touched in one bucket's time, each either evicted or already recorded
 * in a later bucket by the update that moved it, never a scan of all features. Flink's state TTL
 * is not used: it runs on processing time, so evictions (and so the model) would depend on when
 * the job ran.
 *
 * @param minCount   examples of a feature before it gets parameters (1: at once)
 * @param ttlMs      event time a feature may go without an update before it is removed (0: never)
 * @param countTtlMs event time a count may go without a sighting before it is dropped (with a
 *                   feature TTL, the same; without one, the counts still expire so that counting stays bounded)
 * @param sweepMs    the sweep bucket
 */
public record FeatureLifecycle(int minCount, long ttlMs, long countTtlMs, long sweepMs) implements java.io.Serializable {
    /** Counts expire after this much event time when no feature TTL is set. */
    public static final long DEFAULT_COUNT_TTL_MS = 24L * 3600 * 1000;
    /** Every feature admitted at once, none removed: the model as before lifecycles. */
    public static final FeatureLifecycle NONE = new FeatureLifecycle(1, 0, 0, 1000);

    public FeatureLifecycle {
        if (minCount < 1 || ttlMs < 0 || countTtlMs < 0 || sweepMs < 1) {
            throw new IllegalArgumentException("min-count must be >= 1, TTLs >= 0, the sweep bucket >= 1 ms");
        }
        if (ttlMs > 0 && countTtlMs != ttlMs) {
            throw new IllegalArgumentException("with a feature TTL, counts expire with the same TTL");
        }
    }

    /** The lifecycle for {@code --min-count} and {@code --feature-ttl} (0: none): sweep buckets of a sixteenth of the TTL, at least 1 s. */
    public static FeatureLifecycle of(int minCount, long ttlMs) {
        long countTtl = ttlMs > 0 ? ttlMs : minCount > 1 ? DEFAULT_COUNT_TTL_MS : 0;
        long expiry = Math.max(ttlMs, countTtl);
        return new FeatureLifecycle(minCount, ttlMs, countTtl, Math.max(1000, expiry / 16));
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

    /** The TTL the sweeps run with: the feature TTL, or the counts' when features never expire. */
    public long expiryMs() {
        return ttlMs > 0 ? ttlMs : countTtlMs;
    }

    /** Anything expires (ids are recorded per bucket and swept). */
    public boolean sweeps() {
        return expiryMs() > 0;
    }

    /** The sweep bucket of event time {@code ts}. */
    public long bucket(long ts) {
        return Math.floorDiv(ts, sweepMs);
    }

    /** When the ids last touched in {@code bucket} are swept (saturating below +inf). */
    public long sweepTime(long bucket) {
        long end = bucket >= Long.MAX_VALUE / sweepMs - 1 ? Long.MAX_VALUE - 1 : (bucket + 1) * sweepMs;
        return EventTimes.after(end, expiryMs());
    }

    /** True if an event-time timer at {@code t} is a sweep time. */
    public boolean isSweepTime(long t) {
        return sweeps() && t < Long.MAX_VALUE - 1 && Math.floorMod(t - expiryMs(), sweepMs) == 0;
    }

    /** The bucket a sweep at {@code t} removes ({@link #isSweepTime(long)} must hold). */
    public long sweptBy(long t) {
        return Math.floorDiv(t - expiryMs(), sweepMs) - 1;
    }

    /** True if something last touched at {@code last} is removed by the sweep at {@code t}: its bucket is the one swept. */
    public boolean sweptAt(long last, long t) {
        return bucket(last) == sweptBy(t);
    }
}
