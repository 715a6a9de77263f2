package dev.afmflink.job;

/**
 * What reaches the trainer of a model key. A Flink POJO. Three kinds:
 * <ul>
 *   <li>{@link #EXAMPLE}: a labelled example; trained on, judged by the prediction made just before;</li>
 *   <li>{@link #IMPRESSION}: an impression whose label is not known yet; only scored, and that score
 *       is kept until the label arrives (delayed progressive validation);</li>
 *   <li>{@link #LABELLED}: the same impression with its label from the join; trained on, judged by
 *       the score it got when it arrived.</li>
 * </ul>
 */
public class TrainingExample {
    public static final byte EXAMPLE = 0;
    public static final byte IMPRESSION = 1;
    public static final byte LABELLED = 2;

    public byte kind;
    public String model;
    public String id;
    public long ts;
    public double label;
    public long[] ids;
    public double[] values;
    /** The field name of each feature, or null (libfm): names the attention pairs of the validation windows. */
    public String[] fields;

    public TrainingExample() {
    }

    public TrainingExample(String model, String id, long ts, double label, long[] ids, double[] values) {
        this(EXAMPLE, model, id, ts, label, ids, values);
    }

    public TrainingExample(byte kind, String model, String id, long ts, double label, long[] ids, double[] values) {
        this.kind = kind;
        this.model = model;
        this.id = id;
        this.ts = ts;
        this.label = label;
        this.ids = ids;
        this.values = values;
    }
}
