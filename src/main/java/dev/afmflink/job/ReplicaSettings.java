package dev.afmflink.job;

import dev.afmflink.sync.MergeRule;
import java.io.Serializable;

/**
 * One model on several trainer subtasks (issue 22, docs/scaling.md): each model key's examples are
 * routed by impression id to {@code replicas} replica keys, each trained by whichever subtask owns
 * its key; their changes meet at event-time ticks of {@code tickMs} through {@code topic}, merged by
 * {@code rule}, and each replica takes the merge of tick n in before its first step of tick
 * n + 1 + {@code lag}. One replica ({@link #ONE}) is the job as it was.
 *
 * @param replicas trainers per model ({@code --trainers-per-model})
 * @param tickMs   event time between merges ({@code --sync-tick-ms})
 * @param lag      ticks a replica may run ahead of the others' changes ({@code --sync-lag})
 * @param rule     how changes merge ({@code --merge-rule})
 * @param topic    the synchronization topic the job writes its changes to and reads back ({@code --sync-topic})
 * @param routeField the field whose feature picks an event's replica ({@code --route-field}), or null: the impression id
 * @param localFields fields whose rows only the replica that owns their value holds ({@code --local-fields}): the
 *                    route field's, or fields whose every value comes with one value of it
 * @param readAheadTicks how far, in ticks of event time, the input may be read ahead of the trainers' last change on
 *                       the synchronization topic ({@code --sync-read-ahead}; 0: no bound): the trainers hold what
 *                       comes before its tick, so a backlog read at once would wait in their state instead of in Kafka
 *                       (docs/scaling.md, "Reading ahead")
 */
public record ReplicaSettings(int replicas, long tickMs, int lag, MergeRule rule, String topic, String routeField,
                              java.util.List<String> localFields, int readAheadTicks) implements Serializable {
    /** The default {@link #readAheadTicks}. */
    public static final int DEFAULT_READ_AHEAD_TICKS = 8;

    /** One trainer per model: no synchronization. */
    public static final ReplicaSettings ONE = new ReplicaSettings(1, 1000, 1, MergeRule.MEAN_STEPS, "afm-sync");
    /** The most trainers per model. */
    public static final int MAX_REPLICAS = 1024;

    /**
     * Whether a savepoint of {@code saved} trainers per model restores into a job of {@code now}: the
     * same number, or more where both are powers of two (docs/scaling.md, "Twice the trainers from a
     * savepoint": the keys of the first ones keep their names, ReplicaKeys).
     */
    public static boolean restoresAt(int saved, int now) {
        return saved == now || now > saved && Integer.bitCount(saved) == 1 && Integer.bitCount(now) == 1;
    }

    public ReplicaSettings {
        if (replicas < 1 || replicas > MAX_REPLICAS) {
            throw new IllegalArgumentException("trainers per model must be 1 to " + MAX_REPLICAS + ", got " + replicas);
        }
        if (tickMs < 1) {
            throw new IllegalArgumentException("the synchronization tick must be >= 1 ms, got " + tickMs);
        }
        if (lag < 0) {
            throw new IllegalArgumentException("the synchronization lag must be >= 0 ticks, got " + lag);
        }
        if (readAheadTicks != 0 && readAheadTicks < lag + 2) {
            // the trainers end a tick once the input's watermark passes it, and may be lag ticks past the last merge:
            // a bound below lag + 2 ticks could pause the input before the change it waits for is written
            throw new IllegalArgumentException("--sync-read-ahead must be 0 (no bound) or at least --sync-lag + 2 = "
                    + (lag + 2) + " ticks, got " + readAheadTicks);
        }
        if (routeField != null && routeField.isBlank()) {
            throw new IllegalArgumentException("--route-field must name a field");
        }
        if (routeField != null && replicas == 1) {
            throw new IllegalArgumentException("--route-field " + routeField + " needs --trainers-per-model above 1");
        }
        localFields = localFields == null ? java.util.List.of() : java.util.List.copyOf(localFields);
        if (!localFields.isEmpty() && routeField == null) {
            throw new IllegalArgumentException("--local-fields " + String.join(",", localFields) + " needs --route-field: "
                    + "routed by impression id, every replica sees every field's values");
        }
    }

    /** Routed by impression id, no local field. */
    public ReplicaSettings(int replicas, long tickMs, int lag, MergeRule rule, String topic) {
        this(replicas, tickMs, lag, rule, topic, null, java.util.List.of());
    }

    /** With the default read-ahead bound. */
    public ReplicaSettings(int replicas, long tickMs, int lag, MergeRule rule, String topic, String routeField,
                           java.util.List<String> localFields) {
        this(replicas, tickMs, lag, rule, topic, routeField, localFields, Math.max(DEFAULT_READ_AHEAD_TICKS, lag + 2));
    }

    /** These settings with another read-ahead bound (0: none). */
    public ReplicaSettings withReadAhead(int ticks) {
        return new ReplicaSettings(replicas, tickMs, lag, rule, topic, routeField, localFields, ticks);
    }

    /** The bound on reading ahead as event time (0: none). */
    public long readAheadMs() {
        return readAheadTicks * tickMs;
    }

    public boolean synced() {
        return replicas > 1;
    }

    /** The replica an impression (or its click) goes to: a hash of its id, the same for every event of it. */
    int replicaOfId(String id) {
        return dev.afmflink.sync.ReplicaRoute.ofId(id, replicas);
    }

    /** The replica of an event the route has seen ({@link TrainingExample#route}: its route feature, or none: by id). */
    int replicaOf(TrainingExample e) {
        return dev.afmflink.sync.ReplicaRoute.of(e.id, e.route, replicas);
    }
}
