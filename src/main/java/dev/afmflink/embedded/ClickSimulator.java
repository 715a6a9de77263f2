package dev.afmflink.embedded;

import dev.afmflink.model.SplitMix64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;

/**
 * A click-stream with a known structure, for the embedded default and the tests (no data set is
 * shipped). Fields: user (60, a few heavy users), ad (40), site (30, skewed), hour (24), device
 * (4, no effect). The click probability is σ(bias + site effect + two pair interactions, each
 * 2·cos of two unit latent vectors): before the drift the important pairs are
 * {@link #IMPORTANT_BEFORE} (user × ad, site × hour); after it {@link #IMPORTANT_AFTER} (user ×
 * site, ad × hour). No other pair interacts, so a model that learned the data puts its attention
 * on those pairs. Overall CTR is about 0.2. Deterministic for a seed.
 *
 * <p>{@link #clickStream} gives the events a user would send: impressions, and for the clicked
 * ones a click after a delay drawn from a long-tailed log-normal (median 20 s, σ = 1.5: about
 * 1 % come after 10 minutes, too late for the default attribution window), all in event-time
 * order.
 */
public final class ClickSimulator {
    /** The interacting field pairs before the drift. */
    public static final List<List<String>> IMPORTANT_BEFORE = List.of(List.of("ad", "user"), List.of("hour", "site"));
    /** The interacting field pairs after the drift. */
    public static final List<List<String>> IMPORTANT_AFTER = List.of(List.of("site", "user"), List.of("ad", "hour"));

    private static final int USERS = 60;
    private static final int ADS = 40;
    private static final int SITES = 30;
    private static final int LATENT = 2;

    private final SplitMix64 rng;
    private final double[][] user = new double[USERS][LATENT];
    private final double[][] ad = new double[ADS][LATENT];
    private final double[][] site = new double[SITES][LATENT];
    private final double[][] hour = new double[24][LATENT];
    private final double[][] device = new double[4][LATENT];
    private final double[][] adAfter = new double[ADS][LATENT];
    private final double[][] hourAfter = new double[24][LATENT];
    private final double[] siteEffect = new double[SITES];
    private final long seed;
    private final double bias;
    private long n;
    /** Open vocabulary: new user and ad ids keep arriving ({@link #openVocabulary()}); null: the closed world. */
    private SplitMix64 vocab;
    private long usersCreated;
    private long adsCreated;
    /** Share of impressions that bring a new user, a new ad (open vocabulary). */
    /** The fields of every impression (user, ad, site, hour, device): its feature count m. */
    public static final int FIELD_COUNT = 5;
    public static final double NEW_USER_RATE = 0.25;
    public static final double NEW_AD_RATE = 0.05;

    /** The default world: overall CTR about 0.2. */
    public ClickSimulator(long seed) {
        this(seed, DEFAULT_BIAS);
    }

    /** The click logit's constant: −2.2 gives a CTR of about 0.2; −0.75 about 0.37. */
    public static final double DEFAULT_BIAS = -2.2;

    /** A world with click-logit constant {@code bias} (higher: more clicks). */
    public ClickSimulator(long seed, double bias) {
        this.seed = seed;
        this.bias = bias;
        SplitMix64 init = new SplitMix64(seed);
        for (int s = 0; s < SITES; s++) {
            siteEffect[s] = 0.3 * init.nextGaussian();
        }
        fill(user, 0);
        fill(ad, 1);
        fill(site, 2);
        fill(hour, 3);
        fill(device, 4);
        fill(adAfter, 5);
        fill(hourAfter, 6);
        rng = new SplitMix64(seed ^ 0x5157L);
    }

    /**
     * An open vocabulary: a quarter of the impressions bring a user never seen before, one in twenty
     * a new ad; the others go back to an earlier id, mostly a recent one (how many ids back follows a
     * Pareto law), so most ids are seen a few times and then never again and the vocabulary grows
     * without bound while the ids in use stay about as many. An id's tastes are those of its class in the
     * closed world (id mod 60 users, mod 40 ads), so the click structure stays learnable. The click
     * draws are the closed world's (the ids come from a stream of their own).
     */
    public ClickSimulator openVocabulary() {
        vocab = SplitMix64.forStream(seed, 200);
        return this;
    }

    /**
     * Clicks carry their impression's user among their features ({@code "features":{"user":...}}), as
     * a job routed by user needs them ({@code --route-field user}, docs/events.md); returns this.
     */
    public ClickSimulator clicksCarryUser() {
        clicksCarryUser = true;
        return this;
    }

    private boolean clicksCarryUser;

    /** The next open id: new with probability {@code rate}, else an earlier one, mostly recent. */
    private long openId(double rate, boolean user) {
        long created = user ? usersCreated : adsCreated;
        if (created == 0 || vocab.nextDouble() < rate) {
            if (user) {
                usersCreated++;
            } else {
                adsCreated++;
            }
            return created;
        }
        // how many ids back: Pareto-tailed (scale 20, shape 1.5), the same law whatever the age of the stream, so the
        // live vocabulary reaches a steady state under a TTL while a long tail of old ids comes back now and then
        double u = 1.0 - vocab.nextDouble();
        double back = 20.0 * (Math.pow(u, -1.0 / 1.5) - 1.0);
        return created - 1 - (long) Math.min(created - 1, Math.floor(back));
    }

    private void fill(double[][] m, int which) {
        SplitMix64 r = SplitMix64.forStream(seed, 100 + which);
        for (double[] row : m) {
            double norm = 0;
            for (int q = 0; q < LATENT; q++) {
                row[q] = r.nextGaussian();
                norm += row[q] * row[q];
            }
            for (int q = 0; q < LATENT; q++) {
                row[q] /= Math.sqrt(norm); // unit vectors: every interaction equally strong, whatever the seed
            }
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int q = 0; q < LATENT; q++) {
            s += a[q] * b[q];
        }
        return s;
    }

    /** One draw of the five fields and its click, before or after the drift. */
    private final class Draw {
        final int u;
        final int a;
        final int s;
        final int h;
        final int d;
        final long userId;
        final long adId;
        /** The click probability this draw's click was drawn with (the Bayes predictor's). */
        final double p;
        final boolean clicked;

        Draw(boolean drifted) {
            this(drifted, rng);
        }

        Draw(boolean drifted, SplitMix64 r) {
            int closedUser = (int) (skewed(r) * USERS);
            int closedAd = (int) (r.nextDouble() * ADS);
            userId = vocab == null || r != rng ? closedUser : openId(NEW_USER_RATE, true);
            adId = vocab == null || r != rng ? closedAd : openId(NEW_AD_RATE, false);
            u = (int) (userId % USERS);
            a = (int) (adId % ADS);
            s = (int) (skewed(r) * SITES);
            h = (int) (r.nextDouble() * 24);
            d = (int) (r.nextDouble() * 4);
            double z = bias + siteEffect[s] + (drifted
                    ? 2.0 * dot(user[u], site[s]) + 2.0 * dot(adAfter[a], hourAfter[h])
                    : 2.0 * dot(user[u], ad[a]) + 2.0 * dot(site[s], hour[h]));
            p = 1.0 / (1.0 + Math.exp(-z));
            clicked = r.nextDouble() < p;
        }

        void features(StringBuilder sb) {
            sb.append("\"features\":{\"user\":\"u").append(userId).append("\",\"ad\":\"a").append(adId)
                    .append("\",\"site\":\"s").append(s).append("\",\"hour\":\"").append(h)
                    .append("\",\"device\":\"d").append(d).append("\"}}");
        }
    }

    /** The next labelled example (before the drift) as a JSON event (docs/events.md), with event time {@code ts}. */
    public String nextExampleJson(long ts, String model) {
        Draw x = new Draw(false);
        StringBuilder sb = new StringBuilder(160);
        sb.append(String.format(Locale.ROOT, "{\"type\":\"example\",\"id\":\"ex-%d\",\"ts\":%d,\"model\":\"%s\",\"label\":%d,",
                n++, ts, model, x.clicked ? 1 : 0));
        x.features(sb);
        return sb.toString();
    }

    /**
     * The click-stream of {@code impressions} impressions, one every {@code spacingMs} from
     * {@code t0}, with the drift after half of them: impressions and delayed clicks as JSON events
     * in event-time order.
     */
    public Iterator<String> clickStream(long impressions, long t0, long spacingMs, String model) {
        return clickStream(impressions, t0, spacingMs, model, DEFAULT_DELAY, true);
    }

    /**
     * The click-stream of {@code impressions} impressions, one every {@code spacingMs} of event
     * time from {@code t0}, clicks after {@code delay}, with the drift after half of them if
     * {@code drift}.
     */
    public Iterator<String> clickStream(long impressions, long t0, long spacingMs, String model, ClickDelay delay,
                                        boolean drift) {
        return new Iterator<>() {
            private final PriorityQueue<long[]> clicks = new PriorityQueue<>((p, q) -> Long.compare(p[0], q[0]));
            private long i;

            @Override
            public boolean hasNext() {
                return i < impressions || !clicks.isEmpty();
            }

            @Override
            public String next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                long now = t0 + i * spacingMs;
                if (!clicks.isEmpty() && (i >= impressions || clicks.peek()[0] <= now)) {
                    long[] c = clicks.poll();
                    return "{\"type\":\"click\",\"id\":\"imp-" + c[1] + "\",\"ts\":" + c[0]
                            + (clicksCarryUser ? ",\"features\":{\"user\":\"u" + c[2] + "\"}}" : "}");
                }
                Draw x = new Draw(drift && i >= impressions / 2);
                if (x.clicked) {
                    clicks.add(new long[] {now + delay.draw(rng), i, x.userId});
                }
                StringBuilder sb = new StringBuilder(180);
                sb.append("{\"type\":\"impression\",\"id\":\"imp-").append(i).append("\",\"ts\":").append(now)
                        .append(",\"model\":\"").append(model).append("\",");
                x.features(sb);
                i++;
                return sb.toString();
            }
        };
    }

    /** A draw in [0, 1) skewed towards 0 (a few heavy users and sites). */
    private static double skewed(SplitMix64 r) {
        double u = r.nextDouble();
        return u * u;
    }

    /**
     * {@code count} labelled examples from the same world, drawn from a stream of their own
     * ({@code drawSeed}), before or after the drift: a held-out sample to test a model on.
     */
    public java.util.List<String> heldOut(int count, boolean drifted, long drawSeed, String model) {
        SplitMix64 r = SplitMix64.forStream(seed, 1000 + drawSeed);
        java.util.List<String> out = new java.util.ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Draw x = new Draw(drifted, r);
            StringBuilder sb = new StringBuilder(160);
            sb.append("{\"type\":\"example\",\"id\":\"held-").append(i).append("\",\"ts\":0,\"model\":\"").append(model)
                    .append("\",\"label\":").append(x.clicked ? 1 : 0).append(',');
            x.features(sb);
            out.add(sb.toString());
        }
        return out;
    }

    /**
     * The click probability of each of {@link #heldOut}'s examples (the same arguments draw the same
     * examples): what the Bayes predictor says, for the best logloss any model can reach on them.
     */
    public double[] heldOutTruth(int count, boolean drifted, long drawSeed) {
        SplitMix64 r = SplitMix64.forStream(seed, 1000 + drawSeed);
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            out[i] = new Draw(drifted, r).p;
        }
        return out;
    }

    /** How long a click comes after its impression. */
    public interface ClickDelay {
        /** A delay in ms (at least 1), from the simulator's stream {@code r}. */
        long draw(SplitMix64 r);

        /** Log-normal: median {@code medianMs}, log-scale σ {@code sigma} (the embedded default: 20 s, 1.5). */
        static ClickDelay logNormal(double medianMs, double sigma) {
            return r -> Math.max(1, (long) (medianMs * Math.exp(sigma * r.nextGaussian())));
        }

        /** Exponential with mean {@code meanMs}. */
        static ClickDelay exponential(double meanMs) {
            return r -> Math.max(1, (long) (-meanMs * Math.log(1.0 - r.nextDouble())));
        }

        /** {@code lognormal:MEDIAN_MS:SIGMA} or {@code exp:MEAN_MS}. */
        static ClickDelay parse(String s) {
            String[] p = s.trim().split(":");
            try {
                if (p[0].equals("lognormal") && p.length == 3) {
                    return logNormal(Double.parseDouble(p[1]), Double.parseDouble(p[2]));
                }
                if (p[0].equals("exp") && p.length == 2) {
                    return exponential(Double.parseDouble(p[1]));
                }
            } catch (NumberFormatException e) {
                // fall through
            }
            throw new IllegalArgumentException("click delay '" + s + "': lognormal:MEDIAN_MS:SIGMA or exp:MEAN_MS");
        }
    }

    /** The embedded default's click delays: log-normal, median 20 s, σ = 1.5. */
    public static final ClickDelay DEFAULT_DELAY = ClickDelay.logNormal(20_000, 1.5);
}
