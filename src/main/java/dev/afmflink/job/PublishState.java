package dev.afmflink.job;

import dev.afmflink.metrics.WindowSummary;

/** Per model key: the last published version, what happened since, and the feature count, the snapshots held back. A Flink POJO in ValueState. */
public class PublishState {
    public long version;
    public long sinceLastPublish;
    public int deltasSinceFull;
    public long features;
    /** Snapshots the quality gate held back. */
    public long heldBack;
    /** The last completed validation window (the quality gate's evidence); {@code windowsCompleted} = 0: none yet. */
    public long windowsCompleted;
    public long lastWindowStart;
    public long lastWindowEnd;
    public int lastWindowN;
    public double lastLoss;
    public double lastAuc;
    public double lastMeanPrediction;
    public double lastMeanLabel;
    /** Labelled impressions held out of training so far (the holdout sample is a ring of the latest). */
    public long holdoutSeen;
    /** Features given parameters (admitted) and removed (expired) so far; features seen but not admitted yet. */
    public long admitted;
    public long evicted;
    public long pending;
    /** The digest of the last published file (a delta names it as its base's). */
    public String lastDigest;

    public PublishState() {
    }

    /** The last completed validation window, or null. */
    public WindowSummary lastWindow() {
        return windowsCompleted == 0 ? null : new WindowSummary(lastWindowStart, lastWindowEnd, lastWindowN, lastLoss, lastAuc,
                lastMeanPrediction, lastMeanLabel);
    }

    void completed(WindowSummary w) {
        windowsCompleted++;
        lastWindowStart = w.start();
        lastWindowEnd = w.end();
        lastWindowN = w.n();
        lastLoss = w.loss();
        lastAuc = w.auc();
        lastMeanPrediction = w.meanPrediction();
        lastMeanLabel = w.meanLabel();
    }
}
