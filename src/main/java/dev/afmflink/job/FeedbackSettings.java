package dev.afmflink.job;

import dev.afmflink.feedback.FeedbackMode;
import dev.afmflink.feedback.Holdout;
import dev.afmflink.metrics.QualityGate;
import java.io.Serializable;

/**
 * The feedback loop's settings: event time, the impression/click join, progressive validation and
 * the quality gate.
 *
 * @param attributionWindowMs a click within this time after its impression labels it 1 (default 10 min)
 * @param outOfOrdernessMs    watermarks trail the largest event time seen per Kafka partition by this much
 * @param idlenessMs          a partition with no records for this long stops holding the watermark back (0: never)
 * @param validationWindowMs  event time per progressive-validation window (per model key); a window's
 *                            figures are final once the watermark passes its end plus the attribution window
 * @param gate                what a snapshot must pass before it is published
 * @param metricsTopic        where validation windows and held-back snapshots go as JSON (null: Flink metrics only)
 * @param mode                when the trainer learns from an impression and its delayed label
 * @param holdout             labelled impressions held out of training, scored by each candidate snapshot
 * @param predictions         which judged predictions go to the predictions topic (by impression id)
 * @param choice              configurations every key trains side by side, judged by progressive validation, the
 *                            leader published ({@link Choice#NONE}: the one model of the job's config)
 */
public record FeedbackSettings(long attributionWindowMs, long outOfOrdernessMs, long idlenessMs, long validationWindowMs,
                               QualityGate gate, String metricsTopic, FeedbackMode mode, Holdout holdout,
                               dev.afmflink.feedback.PredictionSample predictions, Choice choice)
        implements Serializable {

    /** The online choice among candidate configurations (docs/feedback.md, "Online choice"). */
    public record Choice(java.util.List<dev.afmflink.feedback.Candidate> candidates, dev.afmflink.feedback.LeaderChoice.Rule rule)
            implements Serializable {
        public static final Choice NONE = new Choice(java.util.List.of(), dev.afmflink.feedback.LeaderChoice.Rule.DEFAULT);

        public Choice {
            candidates = java.util.List.copyOf(candidates);
        }
    }

    /** Every judged prediction, one model per key. */
    public FeedbackSettings(long attributionWindowMs, long outOfOrdernessMs, long idlenessMs, long validationWindowMs,
                            QualityGate gate, String metricsTopic, FeedbackMode mode, Holdout holdout,
                            dev.afmflink.feedback.PredictionSample predictions) {
        this(attributionWindowMs, outOfOrdernessMs, idlenessMs, validationWindowMs, gate, metricsTopic, mode, holdout, predictions,
                Choice.NONE);
    }
    public static final long DEFAULT_WINDOW_MS = 10 * 60_000L;
    public static final long DEFAULT_VALIDATION_WINDOW_MS = 15 * 60_000L;
    public static final FeedbackSettings DEFAULTS = new FeedbackSettings(DEFAULT_WINDOW_MS, dev.afmflink.time.EventTime.DEFAULT_OUT_OF_ORDERNESS_MS, 30_000, DEFAULT_VALIDATION_WINDOW_MS,
            QualityGate.OPEN, null);

    /** With the default feedback mode. */
    public FeedbackSettings(long attributionWindowMs, long outOfOrdernessMs, long idlenessMs, long validationWindowMs,
                            QualityGate gate, String metricsTopic) {
        this(attributionWindowMs, outOfOrdernessMs, idlenessMs, validationWindowMs, gate, metricsTopic, FeedbackMode.DEFAULT);
    }

    /** With no holdout. */
    public FeedbackSettings(long attributionWindowMs, long outOfOrdernessMs, long idlenessMs, long validationWindowMs,
                            QualityGate gate, String metricsTopic, FeedbackMode mode) {
        this(attributionWindowMs, outOfOrdernessMs, idlenessMs, validationWindowMs, gate, metricsTopic, mode, Holdout.NONE);
    }

    /** Every judged prediction to the predictions topic. */
    public FeedbackSettings(long attributionWindowMs, long outOfOrdernessMs, long idlenessMs, long validationWindowMs,
                            QualityGate gate, String metricsTopic, FeedbackMode mode, Holdout holdout) {
        this(attributionWindowMs, outOfOrdernessMs, idlenessMs, validationWindowMs, gate, metricsTopic, mode, holdout,
                dev.afmflink.feedback.PredictionSample.ALL);
    }

    public FeedbackSettings withMode(FeedbackMode m) {
        return new FeedbackSettings(attributionWindowMs, outOfOrdernessMs, idlenessMs, validationWindowMs, gate, metricsTopic, m,
                holdout, predictions, choice);
    }

    public FeedbackSettings withHoldout(Holdout h) {
        return new FeedbackSettings(attributionWindowMs, outOfOrdernessMs, idlenessMs, validationWindowMs, gate, metricsTopic, mode,
                h, predictions, choice);
    }

    public FeedbackSettings withPredictions(dev.afmflink.feedback.PredictionSample p) {
        return new FeedbackSettings(attributionWindowMs, outOfOrdernessMs, idlenessMs, validationWindowMs, gate, metricsTopic, mode,
                holdout, p, choice);
    }

    public FeedbackSettings withMetricsTopic(String topic) {
        return new FeedbackSettings(attributionWindowMs, outOfOrdernessMs, idlenessMs, validationWindowMs, gate, topic, mode,
                holdout, predictions, choice);
    }

    public FeedbackSettings withChoice(Choice c) {
        return new FeedbackSettings(attributionWindowMs, outOfOrdernessMs, idlenessMs, validationWindowMs, gate, metricsTopic, mode,
                holdout, predictions, c);
    }

    public FeedbackSettings {
        if (attributionWindowMs <= 0) {
            throw new IllegalArgumentException("attribution window must be > 0 ms");
        }
        if (outOfOrdernessMs < 0 || idlenessMs < 0) {
            throw new IllegalArgumentException("out-of-orderness and idleness must be >= 0 ms");
        }
        if (holdout == null) {
            throw new IllegalArgumentException("holdout settings are required (Holdout.NONE: none)");
        }
        if (mode == null) {
            throw new IllegalArgumentException("a feedback mode is required");
        }
        if (choice == null) {
            throw new IllegalArgumentException("a choice is required (Choice.NONE: none)");
        }
        if (predictions == null) {
            throw new IllegalArgumentException("a predictions sample is required (PredictionSample.ALL: every one)");
        }
        if (validationWindowMs < 1) {
            throw new IllegalArgumentException("validation window must be >= 1 ms");
        }
    }
}
