package dev.afmflink.job;

import dev.afmflink.data.EventKind;
import dev.afmflink.feedback.FeedbackSchedule;

/**
 * What reaches the trainer of a model key. A Flink POJO. Its kind ({@link EventKind}) is an
 * example, an impression (only scored until its label comes) or a labelled impression (trained,
 * judged by its score at arrival); what happens to each is {@link FeedbackSchedule}'s.
 */
public class TrainingExample implements FeedbackSchedule.Item {
    /** {@link EventKind#code}; read it through {@link #kind()}. */
    public byte kind;
    public String model;
    public String id;
    public long ts;
    public double label;
    public long[] ids;
    public double[] values;
    /** The field name of each feature, or null (libfm): names the attention pairs of the validation windows. */
    public String[] fields;
    /** Where the impression or click came from (Kafka topic, partition, offset), for the label join's dead letters. */
    public String topic;
    public int partition;
    public long offset;
    /**
     * A model's merger's word to one of its replica keys ({@link dev.afmflink.sync.SyncMessage}; its
     * replica key in {@link #model}), or null: an event. Only on the edge into the trainer with
     * {@code --trainers-per-model} above 1; never held in state (transient: not part of the POJO state holds).
     */
    public transient byte[] sync;
    /**
     * The feature of the route field that chose this event's replica ({@code --route-field},
     * {@link dev.afmflink.sync.ReplicaRoute#featureOf}), or {@link dev.afmflink.sync.ReplicaRoute#NONE}:
     * routed by impression id. Set by the route; crosses the edge into the trainer (whose key selector
     * reads it again there: a click's features are not kept); never held in state.
     */
    public transient long route;
    /**
     * The replica the route chose for this event ({@link dev.afmflink.sync.RouteEpochs}), or −1: the
     * key selector chooses by {@link #route} or the impression id. Set with {@code --trainers-per-model}
     * above 1; crosses the edge into the trainer; never held in state.
     */
    public transient int replica = -1;
    /**
     * A click sent to more than one replica, its impression being at one of them (the first window
     * after a restore at another number of trainers per model): where it finds no impression it is
     * dropped, not a dead letter. Crosses the edge; a held click keeps it in its join's state.
     */
    public transient boolean copy;

    public TrainingExample() {
    }

    @Override
    public boolean isCopy() {
        return copy;
    }

    public TrainingExample(String model, String id, long ts, double label, long[] ids, double[] values) {
        this(EventKind.EXAMPLE, model, id, ts, label, ids, values);
    }

    public TrainingExample(EventKind kind, String model, String id, long ts, double label, long[] ids, double[] values) {
        this.kind = kind.code;
        this.model = model;
        this.id = id;
        this.ts = ts;
        this.label = label;
        this.ids = ids;
        this.values = values;
    }

    /** This example as another kind with another label (features, coordinates shared). */
    TrainingExample as(EventKind other, double newLabel) {
        return new TrainingExample(other, model, id, ts, newLabel, ids, values).from(fields, topic, partition, offset);
    }

    /** Sets what the constructor leaves out: the features' field names and the record's Kafka coordinates; returns this. */
    TrainingExample from(String[] fieldNames, String kafkaTopic, int kafkaPartition, long kafkaOffset) {
        this.fields = fieldNames;
        this.topic = kafkaTopic;
        this.partition = kafkaPartition;
        this.offset = kafkaOffset;
        return this;
    }

    @Override
    public EventKind kind() {
        return EventKind.of(kind);
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
}
