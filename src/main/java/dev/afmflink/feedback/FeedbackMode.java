package dev.afmflink.feedback;

import dev.afmflink.model.ExampleWeight;
import java.util.Locale;

/**
 * When the trainer learns from an impression whose label comes later. The label join is the same
 * in every mode (a click within the attribution window W labels an impression 1, no click by the
 * time event time passes its end labels it 0); the modes differ in what the trainer does with the
 * impression and its label. Every mode judges each impression once, by the score the model gave it
 * when it arrived, against its final label (delayed progressive validation).
 */
public enum FeedbackMode {
    /**
     * Each impression's final label is trained when its window closes, in impression event-time
     * order (ties by impression id): the offline order, W later. The model equals the offline
     * trainer on the impressions in event-time order with their final labels, bit for bit. An
     * impression is scored (for its judgement) when event time reaches it, after the labels
     * released by then: the model that has trained every impression at least W older. Model and
     * judgements depend on the data alone, at any parallelism.
     */
    ORDERED("ordered", ExampleWeight.ONE),
    /**
     * A click's label is trained when the click arrives, a non-click's when its window closes:
     * positives run W ahead of negatives (the behaviour before feedback modes; kept for comparison).
     */
    IMMEDIATE("immediate", ExampleWeight.ONE),
    /**
     * Every impression is trained at once as a negative and each click again as a positive, with
     * importance weights so that the model estimates the true click probability (FNW, Ktena et al.
     * 2019). The freshest mode: nothing waits for the window. Logistic loss only.
     */
    FAKE_NEGATIVE("fake-negative", ExampleWeight.FAKE_NEGATIVE);

    /** The default for click-streams: the mode that measured best (docs/feedback.md). */
    public static final FeedbackMode DEFAULT = ORDERED;

    private final String id;
    private final ExampleWeight weighting;

    FeedbackMode(String id, ExampleWeight weighting) {
        this.id = id;
        this.weighting = weighting;
    }

    public String id() {
        return id;
    }

    /** The loss weighting of the examples this mode trains. */
    public ExampleWeight weighting() {
        return weighting;
    }

    /** True when an impression is trained on arrival (as a negative) before its label is known. */
    public boolean trainsImpressions() {
        return this == FAKE_NEGATIVE;
    }

    /** True when a label is trained only once its impression's window has closed. */
    public boolean waitsForWindow() {
        return this == ORDERED;
    }

    /** True when a label of {@code label} (negative: {@code negativeLabel}) from the join is trained, not only judged. */
    public boolean trainsLabel(double label, double negativeLabel) {
        return this != FAKE_NEGATIVE || label > negativeLabel; // FNW trained the negative at arrival already
    }

    public static FeedbackMode parse(String s) {
        for (FeedbackMode m : values()) {
            if (m.id.equals(s.trim().toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown feedback mode '" + s + "' (ordered, immediate or fake-negative)");
    }

    @Override
    public String toString() {
        return id;
    }
}
