package dev.afmflink.job;

import java.util.Arrays;

/**
 * The labelled impressions of one event time (ms) of one model key, waiting for their window to
 * close ({@link dev.afmflink.feedback.FeedbackMode#ORDERED}). A Flink POJO in
 * {@code MapState<impressionTime, PendingLabels>}.
 */
public class PendingLabels {
    public TrainingExample[] examples;

    public PendingLabels() {
        examples = new TrainingExample[0];
    }

    PendingLabels(TrainingExample[] examples) {
        this.examples = examples;
    }

    /** This bucket with {@code more} appended. */
    PendingLabels plus(TrainingExample[] more) {
        TrainingExample[] all = Arrays.copyOf(examples, examples.length + more.length);
        System.arraycopy(more, 0, all, examples.length, more.length);
        return new PendingLabels(all);
    }
}
