package dev.afmflink.job;

/**
 * One line of the metrics topic, per model key: a completed progressive-validation window
 * ({@code event = "window"}) or a snapshot held back by the quality gate ({@code "held_back"},
 * {@code detail} = the reason). Predictions are judged as made when the example (or impression)
 * arrived, before its label was known. {@code wallMs} is processing time, for examples/s only.
 * A Flink POJO.
 */
public class MetricsRecord {
    public static final String WINDOW = "window";
    public static final String HELD_BACK = "held_back";
    /**
     * A published snapshot ({@code version}) and, with a holdout, the candidate model's figures on
     * the held-out sample ({@code n}, {@code loss}, {@code auc}, {@code meanPrediction},
     * {@code meanLabel}, {@code calibration}; window fields 0).
     */
    public static final String SNAPSHOT = "snapshot";

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
}
