package dev.afmflink.job;

/**
 * One line of the metrics topic, per model key: a completed progressive-validation window
 * ({@code event = "window"}) or a snapshot held back by the quality gate ({@code "held_back"},
 * {@code detail} = the reason). Predictions are judged as made when the example (or impression)
 * arrived, before its label was known. {@code wallMs} is processing time, for examples/s only.
 * A Flink POJO.
 */
public class MetricsRecord {
    public static final String WINDOW = dev.afmflink.metrics.MetricsLine.WINDOW;
    public static final String HELD_BACK = dev.afmflink.metrics.MetricsLine.HELD_BACK;
    /**
     * A published snapshot ({@code version}) and, with a holdout, the candidate model's figures on
     * the held-out sample ({@code n}, {@code loss}, {@code auc}, {@code meanPrediction},
     * {@code meanLabel}, {@code calibration}; window fields 0).
     */
    public static final String SNAPSHOT = dev.afmflink.metrics.MetricsLine.SNAPSHOT;
    /** With candidates: a window of a candidate that does not lead ({@code detail}: the candidate; the leader's is a {@link #WINDOW}). */
    public static final String CANDIDATE_WINDOW = dev.afmflink.metrics.MetricsLine.CANDIDATE_WINDOW;
    /**
     * With candidates: a change of leader when window [{@code windowStart}, {@code windowEnd}) completed
     * ({@code detail}: "NEW (was OLD)"; {@code loss}: the new leader's loss over the rule's windows,
     * {@code meanPrediction}: the former leader's).
     */
    public static final String LEADER = dev.afmflink.metrics.MetricsLine.LEADER;
    /** With several trainers per model: a replica's window ({@code model}: the model key, {@code detail}: "r/R"). */
    public static final String REPLICA_WINDOW = dev.afmflink.metrics.MetricsLine.REPLICA_WINDOW;

    /** The line of the metrics topic this record is ({@link dev.afmflink.metrics.MetricsLine}: the one home of its JSON). */
    public dev.afmflink.metrics.MetricsLine line() {
        java.util.SortedMap<String, Double> attention = new java.util.TreeMap<>();
        for (int i = 0; attentionPairs != null && i < attentionPairs.length; i++) {
            attention.put(attentionPairs[i], attentionMeans[i]);
        }
        return new dev.afmflink.metrics.MetricsLine(event, model, windowStart, windowEnd, n, loss, auc, meanPrediction, meanLabel,
                calibration, examples, wallMs, version, heldBack, features, detail, attention);
    }

    public String event;
    public String model;
    /** The validation window, event time [start, end). */
    public long windowStart;
    public long windowEnd;
    public int n;
    public double loss;
    public double auc;
    public double meanPrediction;
    public double meanLabel;
    public double calibration;
    /** Examples the model has trained on. */
    public long examples;
    public long wallMs;
    /** The last published version. */
    public long version;
    public long heldBack;
    public long features;
    public String detail;
    /** Windows: mean attention per field pair ("a × b") of the examples trained in it; empty without field names. */
    public String[] attentionPairs = new String[0];
    public double[] attentionMeans = new double[0];

    public MetricsRecord() {
    }

    /**
     * The record of {@code event} for model key {@code key} as its buffer {@code b} stands:
     * {@code w}'s figures (null: none), the model's examples, version, held-back count and features.
     */
    static MetricsRecord of(String event, String key, WriteBackBuffer b, dev.afmflink.metrics.WindowSummary w, long wallMs,
                            String detail) {
        MetricsRecord r = new MetricsRecord();
        r.event = event;
        r.model = key;
        if (w != null) {
            r.windowStart = w.start();
            r.windowEnd = w.end();
            r.n = w.n();
            r.loss = w.loss();
            r.auc = w.auc();
            r.meanPrediction = w.meanPrediction();
            r.meanLabel = w.meanLabel();
            r.calibration = w.calibration();
        } else {
            r.loss = r.auc = r.meanPrediction = r.meanLabel = r.calibration = Double.NaN;
        }
        r.examples = b.shared.examples;
        r.wallMs = wallMs;
        r.version = b.publish.version;
        r.heldBack = b.publish.heldBack;
        r.features = b.publish.features;
        r.detail = detail;
        return r;
    }
}
