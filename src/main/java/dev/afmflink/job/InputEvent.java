package dev.afmflink.job;

/**
 * One input record after decoding, as the Kafka source emits it (decoding happens in the source so
 * that event-time watermarks are generated per Kafka partition): a labelled example, an
 * impression, a click, or a record that could not be decoded ({@link #dead} says why). A Flink POJO.
 */
public class InputEvent {
    public static final byte EXAMPLE = 0;
    public static final byte IMPRESSION = 1;
    public static final byte CLICK = 2;
    public static final byte BAD = 3;

    public byte kind;
    public String model;
    /** The event id; for a click, the id of its impression. */
    public String id;
    /** Event time, epoch milliseconds. */
    public long ts;
    /** The label (examples); NaN otherwise. */
    public double label;
    /** Feature ids and values (examples and impressions; null otherwise). */
    public long[] ids;
    public double[] values;
    /** The field name of each feature (JSON events; null for libfm lines), for attention per field pair. */
    public String[] fields;
    /** Where the record came from, for dead letters raised after decoding (the join's). */
    public String topic;
    public int partition;
    public long offset;
    /** Why the record could not be used (kind {@link #BAD} only). */
    public DeadLetter dead;

    public InputEvent() {
    }

    /** Event time for watermarks: a record that could not be decoded does not move event time. */
    public long eventTime() {
        return kind == BAD ? Long.MIN_VALUE : ts;
    }

    TrainingExample toExample(byte trainingKind, double label) {
        TrainingExample t = new TrainingExample(trainingKind, model, id, ts, label, ids, values);
        t.fields = fields;
        return t;
    }
}
