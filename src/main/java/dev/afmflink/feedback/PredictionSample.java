package dev.afmflink.feedback;

import dev.afmflink.data.FeatureHash;
import java.io.Serializable;

/**
 * Which judged predictions go to the predictions topic ({@code --predictions-sample}): those whose
 * impression id hashes below {@code rate} of the hash range — about that share, the same ids on
 * every replay and in every job, whatever the arrival order (no random draw). 1 keeps every one
 * (the default), 0 none: the topic then carries nothing and the job spends nothing on it; the
 * training, the validation windows and their metrics records see every example either way.
 */
public record PredictionSample(double rate) implements Serializable {
    public static final PredictionSample ALL = new PredictionSample(1.0);

    public PredictionSample {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("the predictions sample is a share in [0, 1], got " + rate);
        }
    }

    /** Whether the prediction judged for impression (or example) {@code id} goes out. */
    public boolean keeps(String id) {
        if (rate >= 1) {
            return true;
        }
        if (rate <= 0) {
            return false;
        }
        long h = FeatureHash.of("afm-predictions", id == null ? "" : id);
        return (h >>> 11) * 0x1.0p-53 < rate;
    }
}
