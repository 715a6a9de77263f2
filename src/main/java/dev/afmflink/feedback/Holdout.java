package dev.afmflink.feedback;

import dev.afmflink.data.FeatureHash;
import java.io.Serializable;

/**
 * Which labelled impressions are held out of training to test the model a snapshot would publish
 * ({@code --holdout-every N}): those whose id hashes to 0 mod N — about one in N, the same ones
 * whatever the arrival order, on every worker and after every restore. The trainer keeps the most
 * recent {@code size} of them (per model key) and scores them with the candidate model at each
 * publish; the quality gate judges those figures too.
 *
 * @param every one in this many impressions is held out (0: none)
 * @param size  how many of the most recent held-out impressions are kept
 */
public record Holdout(int every, int size) implements Serializable {
    public static final Holdout NONE = new Holdout(0, 0);

    public Holdout {
        if (every < 0 || every == 1) {
            throw new IllegalArgumentException("holdout-every must be 0 (none) or >= 2, got " + every);
        }
        if (every > 0 && size < 1) {
            throw new IllegalArgumentException("holdout size must be >= 1, got " + size);
        }
    }

    public boolean enabled() {
        return every > 0;
    }

    /** True if impression {@code id} is held out of training. */
    public boolean selects(String id) {
        return every > 0 && Math.floorMod(FeatureHash.of("afm-holdout", id), every) == 0;
    }
}
