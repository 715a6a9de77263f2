package dev.afmflink.job;

import dev.afmflink.data.EventKind;

/**
 * One input record after decoding, as the Kafka source emits it (decoding happens in the source so
 * that event-time watermarks are generated per Kafka partition): a labelled example, an
 * impression, a click, or a record that could not be decoded ({@link #dead} says why). A Flink POJO.
 */
public class InputEvent implements dev.afmflink.feedback.FeedbackSchedule.Item {
    /** {@link EventKind#code} (example, impression or click); read it through {@link #kind()}. */
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
    /** Why the record could not be used; null for a decoded event. */
    public DeadLetter dead;

    public InputEvent() {
    }

    /**
     * The event's kind. Code 2 read from an input event is a click: the join's state of a job from
     * before {@link EventKind} (savepoint 194ebe7-clickstream) held clicks as 2, and an input event
     * is never {@link EventKind#LABELLED}.
     */
    public EventKind kind() {
        return kind == EventKind.LABELLED.code ? EventKind.CLICK : EventKind.of(kind);
    }

    public InputEvent kind(EventKind k) {
        this.kind = k.code;
        return this;
    }

    /** A record that could not be decoded ({@link #dead} says why). */
    public boolean isBad() {
        return dead != null;
    }

    /** Event time for watermarks: a record that could not be decoded does not move event time. */
    public long eventTime() {
        return isBad() ? Long.MIN_VALUE : ts;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public long ts() {
        return ts;
    }

    @Override
    public double label() {
        return label;
    }

    /** The input event of {@code t}'s fields (its kind, id, time, label, features and Kafka coordinates). */
    static InputEvent of(TrainingExample t) {
        InputEvent e = new InputEvent();
        e.kind = t.kind;
        e.model = t.model;
        e.id = t.id;
        e.ts = t.ts;
        e.label = t.label;
        e.ids = t.ids;
        e.values = t.values;
        e.fields = t.fields;
        e.topic = t.topic;
        e.partition = t.partition;
        e.offset = t.offset;
        return e;
    }

    TrainingExample toExample(EventKind trainingKind, double label) {
        return new TrainingExample(trainingKind, model, id, ts, label, ids, values).from(fields, topic, partition, offset);
    }
}
