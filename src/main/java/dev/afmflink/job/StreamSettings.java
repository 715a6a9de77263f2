package dev.afmflink.job;

import dev.afmflink.data.EventLimits;
import dev.afmflink.lifecycle.FeatureLifecycle;
import dev.afmflink.model.AfmConfig;
import java.io.Serializable;
import java.util.List;

/**
 * Everything the streaming job needs to know.
 *
 * @param bootstrapServers     Kafka bootstrap servers
 * @param inputTopic           JSON events or libfm lines
 * @param snapshotsTopic       published snapshots (key = model key)
 * @param predictionsTopic     progressive predictions
 * @param deadLettersTopic     records the job could not use, with reasons
 * @param groupId              consumer group
 * @param config               model hyper-parameters (one model per model key, all alike)
 * @param stateBackend         rocksdb, hashmap or forst
 * @param checkpointDir        checkpoint directory (a path or URI)
 * @param checkpointIntervalMs checkpoint interval
 * @param publishIntervalMs    publish a snapshot at each multiple of this much event time after a change (0: never by time)
 * @param publishEvery         publish a snapshot every this many examples of a model key (0: never by count)
 * @param fullEvery            a full snapshot after this many deltas
 * @param snapshotDir          folder sink for snapshots (null: Kafka only)
 * @param parallelism          job parallelism
 * @param bounded              stop at the end offsets seen at start
 * @param maxRecordBytes       larger input records are dead-lettered as oversize
 * @param feedback             event time, label join, progressive validation, quality gate
 * @param lifecycle            feature admission and expiry by event time
 * @param kafka                client properties for the source and every sink, and the starting offsets
 * @param snapshots            what a published snapshot holds and how it travels ({@link SnapshotOptions})
 * @param limits               what one event may hold; over a limit it is dead-lettered with its reason ({@link EventLimits})
 * @param replicas             trainers per model and their synchronization ({@link ReplicaSettings}; {@link ReplicaSettings#ONE}: one)
 */
public record StreamSettings(String bootstrapServers, String inputTopic, String snapshotsTopic,
                             String predictionsTopic, String deadLettersTopic, String groupId, AfmConfig config,
                             String stateBackend, String checkpointDir, long checkpointIntervalMs,
                             long publishIntervalMs, long publishEvery, int fullEvery, String snapshotDir,
                             int parallelism, boolean bounded, int maxRecordBytes,
                             FeedbackSettings feedback, FeatureLifecycle lifecycle, KafkaConnection kafka,
                             SnapshotOptions snapshots, EventLimits limits, ReplicaSettings replicas)
        implements Serializable {

    /**
     * What a published snapshot holds and how it travels.
     *
     * @param weightsOnly published snapshots hold the weights only, no optimizer state (checkpoints always hold everything)
     * @param inlineBytes with a snapshot folder, a snapshot up to this size travels inside its Kafka record; a larger
     *                    one as a pointer to its file in the folder ({@code snapshot.SnapshotPointer}). Without a
     *                    folder every snapshot travels inline, up to {@link AfmStreamJob#MAX_SNAPSHOT_BYTES}.
     */
    public record SnapshotOptions(boolean weightsOnly, long inlineBytes) implements Serializable {
        /** Full content; inline up to just under the 1 MB a Kafka broker accepts by default. */
        public static final SnapshotOptions DEFAULT = new SnapshotOptions(false, 1_000_000);

        public SnapshotOptions {
            if (inlineBytes < 0) {
                throw new IllegalArgumentException("the inline snapshot size must be >= 0");
            }
        }
    }

    /** Published snapshots hold the weights only, no optimizer state. */
    public boolean weightsOnlySnapshots() {
        return snapshots.weightsOnly();
    }

    public StreamSettings withFeedback(FeedbackSettings f) {
        return new StreamSettings(bootstrapServers, inputTopic, snapshotsTopic, predictionsTopic, deadLettersTopic, groupId,
                config, stateBackend, checkpointDir, checkpointIntervalMs, publishIntervalMs, publishEvery, fullEvery,
                snapshotDir, parallelism, bounded, maxRecordBytes, f, lifecycle, kafka, snapshots, limits, replicas);
    }

    public StreamSettings withLifecycle(FeatureLifecycle l) {
        return new StreamSettings(bootstrapServers, inputTopic, snapshotsTopic, predictionsTopic, deadLettersTopic, groupId,
                config, stateBackend, checkpointDir, checkpointIntervalMs, publishIntervalMs, publishEvery, fullEvery,
                snapshotDir, parallelism, bounded, maxRecordBytes, feedback, l, kafka, snapshots, limits, replicas);
    }

    public StreamSettings withKafka(KafkaConnection k) {
        return new StreamSettings(bootstrapServers, inputTopic, snapshotsTopic, predictionsTopic, deadLettersTopic, groupId,
                config, stateBackend, checkpointDir, checkpointIntervalMs, publishIntervalMs, publishEvery, fullEvery,
                snapshotDir, parallelism, bounded, maxRecordBytes, feedback, lifecycle, k, snapshots, limits, replicas);
    }

    public StreamSettings withWeightsOnlySnapshots(boolean w) {
        return withSnapshots(new SnapshotOptions(w, snapshots.inlineBytes()));
    }

    public StreamSettings withSnapshots(SnapshotOptions o) {
        return new StreamSettings(bootstrapServers, inputTopic, snapshotsTopic, predictionsTopic, deadLettersTopic, groupId,
                config, stateBackend, checkpointDir, checkpointIntervalMs, publishIntervalMs, publishEvery, fullEvery,
                snapshotDir, parallelism, bounded, maxRecordBytes, feedback, lifecycle, kafka, o, limits, replicas);
    }

    public StreamSettings withLimits(EventLimits e) {
        return new StreamSettings(bootstrapServers, inputTopic, snapshotsTopic, predictionsTopic, deadLettersTopic, groupId,
                config, stateBackend, checkpointDir, checkpointIntervalMs, publishIntervalMs, publishEvery, fullEvery,
                snapshotDir, parallelism, bounded, maxRecordBytes, feedback, lifecycle, kafka, snapshots, e, replicas);
    }

    public StreamSettings withReplicas(ReplicaSettings r) {
        return new StreamSettings(bootstrapServers, inputTopic, snapshotsTopic, predictionsTopic, deadLettersTopic, groupId,
                config, stateBackend, checkpointDir, checkpointIntervalMs, publishIntervalMs, publishEvery, fullEvery,
                snapshotDir, parallelism, bounded, maxRecordBytes, feedback, lifecycle, kafka, snapshots, limits, r);
    }

    /** Settings by name, from the Kafka address and the model's hyper-parameters; the rest has defaults. */
    public static Builder builder(String bootstrapServers, AfmConfig config) {
        return new Builder(bootstrapServers, config);
    }

    /** Settings by name: every component has a default but the Kafka address, the model and the checkpoint folder. */
    public static final class Builder {
        private final String bootstrapServers;
        private final AfmConfig config;
        private String inputTopic = "afm-input";
        private String snapshotsTopic = "afm-snapshots";
        private String predictionsTopic = "afm-predictions";
        private String deadLettersTopic = "afm-dead-letters";
        private String groupId = "afm-flink";
        private String stateBackend = "rocksdb";
        private String checkpointDir;
        private long checkpointIntervalMs = 5000;
        private long publishIntervalMs = 2000;
        private long publishEvery = 20000;
        private int fullEvery = 10;
        private String snapshotDir;
        private int parallelism = 1;
        private boolean bounded;
        private int maxRecordBytes = 1 << 20;
        private FeedbackSettings feedback = FeedbackSettings.DEFAULTS;
        private FeatureLifecycle lifecycle = FeatureLifecycle.NONE;
        private KafkaConnection kafka = KafkaConnection.DEFAULT;
        private SnapshotOptions snapshots = SnapshotOptions.DEFAULT;
        private EventLimits limits = EventLimits.DEFAULT;
        private ReplicaSettings replicas = ReplicaSettings.ONE;

        private Builder(String bootstrapServers, AfmConfig config) {
            this.bootstrapServers = bootstrapServers;
            this.config = config;
        }

        /** The four topics: input, snapshots, predictions, dead letters. */
        public Builder topics(String input, String snapshots, String predictions, String deadLetters) {
            this.inputTopic = input;
            this.snapshotsTopic = snapshots;
            this.predictionsTopic = predictions;
            this.deadLettersTopic = deadLetters;
            return this;
        }

        /** Topics {@code P-in}, {@code P-snapshots}, {@code P-predictions}, {@code P-dead} and consumer group {@code P-group}. */
        public Builder prefix(String p) {
            return topics(p + "-in", p + "-snapshots", p + "-predictions", p + "-dead").groupId(p + "-group");
        }

        public Builder groupId(String g) {
            this.groupId = g;
            return this;
        }

        /** rocksdb, hashmap or forst. */
        public Builder stateBackend(String b) {
            this.stateBackend = b;
            return this;
        }

        public Builder checkpoints(String dir, long intervalMs) {
            this.checkpointDir = dir;
            this.checkpointIntervalMs = intervalMs;
            return this;
        }

        /** A snapshot at each multiple of {@code intervalMs} of event time after a change, every {@code every} examples, full every {@code fullEvery} deltas. */
        public Builder publish(long intervalMs, long every, int fullEvery) {
            this.publishIntervalMs = intervalMs;
            this.publishEvery = every;
            this.fullEvery = fullEvery;
            return this;
        }

        public Builder snapshotDir(String dir) {
            this.snapshotDir = dir;
            return this;
        }

        public Builder parallelism(int p) {
            this.parallelism = p;
            return this;
        }

        public Builder bounded(boolean b) {
            this.bounded = b;
            return this;
        }

        public Builder maxRecordBytes(int n) {
            this.maxRecordBytes = n;
            return this;
        }

        public Builder feedback(FeedbackSettings f) {
            this.feedback = f;
            return this;
        }

        public Builder lifecycle(FeatureLifecycle l) {
            this.lifecycle = l;
            return this;
        }

        public Builder kafka(KafkaConnection k) {
            this.kafka = k;
            return this;
        }

        public Builder snapshots(SnapshotOptions o) {
            this.snapshots = o;
            return this;
        }

        public Builder limits(EventLimits e) {
            this.limits = e;
            return this;
        }

        public Builder replicas(ReplicaSettings r) {
            this.replicas = r;
            return this;
        }

        /** The settings, checked (the record's constructor holds the checks). */
        public StreamSettings build() {
            if (checkpointDir == null) {
                throw new IllegalArgumentException("a checkpoint folder is needed");
            }
            return new StreamSettings(bootstrapServers, inputTopic, snapshotsTopic, predictionsTopic, deadLettersTopic, groupId,
                    config, stateBackend, checkpointDir, checkpointIntervalMs, publishIntervalMs, publishEvery, fullEvery,
                    snapshotDir, parallelism, bounded, maxRecordBytes, feedback, lifecycle, kafka, snapshots, limits, replicas);
        }
    }

    public StreamSettings {
        if (!List.of("rocksdb", "hashmap", "forst").contains(stateBackend)) {
            throw new IllegalArgumentException("state backend must be rocksdb, hashmap or forst, got " + stateBackend);
        }
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be >= 1");
        }
        if (checkpointIntervalMs < 10) {
            throw new IllegalArgumentException("checkpoint interval must be >= 10 ms");
        }
        if (replicas == null) {
            replicas = ReplicaSettings.ONE;
        }
        if (replicas.synced()) {
            if (bounded) {
                throw new IllegalArgumentException("--trainers-per-model > 1 reads its synchronization topic back without end: "
                        + "it needs an unbounded input (no --bounded)");
            }
            if (!feedback.mode().waitsForWindow()) {
                throw new IllegalArgumentException("--trainers-per-model > 1 needs the ordered feedback mode (every step at an "
                        + "event-time timer), not " + feedback.mode());
            }
            if (!feedback.choice().candidates().isEmpty()) {
                throw new IllegalArgumentException("--trainers-per-model > 1 does not take --candidate yet");
            }
            if (lifecycle != null && lifecycle.enabled()) {
                // each replica would count and expire its own share of the sightings, and the merged model none of them
                throw new IllegalArgumentException("--trainers-per-model > 1 does not take feature admission or expiry yet: "
                        + "give --min-count 1 --feature-ttl 0");
            }
            if (feedback.holdout().enabled()) {
                throw new IllegalArgumentException("--trainers-per-model > 1 does not take --holdout-every yet");
            }
            if (!feedback.gate().isOpen()) { // the merger sees no window: it would publish every version regardless
                throw new IllegalArgumentException("--trainers-per-model > 1 does not take a quality gate (--gate-...) yet");
            }
        }
    }
}
