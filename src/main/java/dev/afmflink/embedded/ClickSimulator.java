package dev.afmflink.embedded;

import dev.afmflink.model.SplitMix64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A small click-stream with a known structure, for the embedded default and the tests (no data
 * set is shipped). Fields: user (2,000), ad (300), site (40), hour (24), device (4). The click
 * probability is σ(bias + Σ field effects + two interactions): user × ad through 4-dimensional
 * latent tastes (the pair the attention should learn to weigh most) and device × hour (mobile
 * users click in the evening). Overall CTR is about 0.2. Deterministic for a seed.
 */
public final class ClickSimulator {
    private static final int USERS = 2000;
    private static final int ADS = 300;
    private static final int SITES = 40;
    private static final int LATENT = 4;

    private final SplitMix64 rng;
    private final double[][] userTaste = new double[USERS][LATENT];
    private final double[][] adStyle = new double[ADS][LATENT];
    private final double[] siteEffect = new double[SITES];
    private long n;

    public ClickSimulator(long seed) {
        SplitMix64 init = new SplitMix64(seed);
        for (double[] u : userTaste) {
            for (int q = 0; q < LATENT; q++) {
                u[q] = init.nextGaussian();
            }
        }
        for (double[] a : adStyle) {
            for (int q = 0; q < LATENT; q++) {
                a[q] = init.nextGaussian();
            }
        }
        for (int s = 0; s < SITES; s++) {
            siteEffect[s] = 0.3 * init.nextGaussian();
        }
        rng = new SplitMix64(seed ^ 0x5157L);
    }

    /** The next labelled example as a JSON event (docs/events.md), with event time {@code ts}. */
    public String nextExampleJson(long ts, String model) {
        int user = (int) (skewed() * USERS);
        int ad = (int) (rng.nextDouble() * ADS);
        int site = (int) (skewed() * SITES);
        int hour = (int) (rng.nextDouble() * 24);
        int device = (int) (rng.nextDouble() * 4);
        double dot = 0;
        for (int q = 0; q < LATENT; q++) {
            dot += userTaste[user][q] * adStyle[ad][q];
        }
        double z = -2.0 + 0.9 * dot + siteEffect[site] + (device == 0 && hour >= 18 ? 1.2 : 0.0);
        int label = rng.nextDouble() < 1.0 / (1.0 + Math.exp(-z)) ? 1 : 0;
        Map<String, String> f = new LinkedHashMap<>();
        f.put("user", "u" + user);
        f.put("ad", "a" + ad);
        f.put("site", "s" + site);
        f.put("hour", Integer.toString(hour));
        f.put("device", "d" + device);
        StringBuilder sb = new StringBuilder(160);
        sb.append(String.format(Locale.ROOT, "{\"type\":\"example\",\"id\":\"ex-%d\",\"ts\":%d,\"model\":\"%s\",\"label\":%d,\"features\":{",
                n++, ts, model, label));
        boolean first = true;
        for (Map.Entry<String, String> e : f.entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append('"').append(e.getKey()).append("\":\"").append(e.getValue()).append('"');
        }
        return sb.append("}}").toString();
    }

    /** A draw in [0, 1) skewed towards 0 (a few heavy users and sites). */
    private double skewed() {
        double u = rng.nextDouble();
        return u * u;
    }
}
