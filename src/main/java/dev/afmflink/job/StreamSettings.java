package dev.afmflink.job;

import dev.afmflink.data.EventLimits;
import dev.afmflink.lifecycle.FeatureLifecycle;
import dev.afmflink.model.AfmConfig;
import java.io.Serializable;

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
 * @param stateBackend         rocksdb or hashmap
 * @param checkpointDir        checkpoint directory (a path or URI)
 * @param checkpointIntervalMs checkpoint interval
 * @param publishIntervalMs    publish a snapshot at each multiple of this much event time after a change (0: never by time)
 * @param publishEvery         publish a snapshot every this many examples of a model key (0: never by count)
 * @param fullEvery            a full snapshot after this many deltas
 * @param snapshotDir          folder sink for snapshots (null: Kafka only)
 * @param parallelism          job parallelism
 * @param bounded              stop at the end offsets seen at start
 * @param maxRecordBytes       larger input records are dead-lettered as oversize
 * @param noopTraining         benchmark baseline: the trainer replaced by a pass-through (decode only)
 * @param feedback             event time, label join, progressive validation, quality gate
 * @param lifecycle            feature admission and expiry by event time
 * @param kafka                client properties for the source and every sink, and the starting offsets
 * @param snapshots            what a published snapshot holds and how it travels ({@link SnapshotOptions})
 * @param limits               what one event may hold; over a limit it is dead-lettered with its reason ({@link EventLimits})
 */
public record StreamSettings(String bootstrapServers, String inputTopic, String snapshotsTopic,
                             String predictionsTopic, String deadLettersTopic, String groupId, AfmConfig config,
                             String stateBackend, String checkpointDir, long checkpointIntervalMs,
                             long publishIntervalMs, long publishEvery, int fullEvery, String snapshotDir,
                             int parallelism, boolean bounded, int maxRecordBytes, boolean noopTraining,
                             FeedbackSettings feedback, FeatureLifecycle lifecycle, KafkaConnection kafka,
                             SnapshotOptions snapshots, EventLimits limits)
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

    /** Settings with no feature lifecycle, the default Kafka connection and full-content snapshots. */
    public StreamSettings(String bootstrapServers, String inputTopic, String snapshotsTopic, String predictionsTopic,
                          String deadLettersTopic, String groupId, AfmConfig config, String stateBackend,
                          String checkpointDir, long checkpointIntervalMs, long publishIntervalMs, long publishEvery,
                          int fullEvery, String snapshotDir, int parallelism, boolean bounded, int maxRecordBytes,
                          boolean noopTraining, FeedbackSettings feedback) {
        this(bootstrapServers, inputTopic, snapshotsTopic, predictionsTopic, deadLettersTopic, groupId, config,
                stateBackend, checkpointDir, checkpointIntervalMs, publishIntervalMs, publishEvery, fullEvery, snapshotDir,
                parallelism, bounded, maxRecordBytes, noopTraining, feedback, FeatureLifecycle.NONE, KafkaConnection.DEFAULT,
                SnapshotOptions.DEFAULT, EventLimits.DEFAULT);
    }

    /** Settings with the default feedback loop and no metrics topic. */
    public StreamSettings(String bootstrapServers, String inputTopic, String snapshotsTopic, String predictionsTopic,
                          String deadLettersTopic, String groupId, AfmConfig config, String stateBackend,
                          String checkpointDir, long checkpointIntervalMs, long publishIntervalMs, long publishEvery,
                          int fullEvery, String snapshotDir, int parallelism, boolean bounded, int maxRecordBytes,
                          boolean noopTraining) {
        this(bootstrapServers, inputTopic, snapshotsTopic, predictionsTopic, deadLettersTopic, groupId, config,
                stateBackend, checkpointDir, checkpointIntervalMs, publishIntervalMs, publishEvery, fullEvery, snapshotDir,
                parallelism, bounded, maxRecordBytes, noopTraining, FeedbackSettings.DEFAULTS);
    }

    public StreamSettings withFeedback(FeedbackSettings f) {
        return new StreamSettings(bootstrapServers, inputTopic, snapshotsTopic, predictionsTopic, deadLettersTopic, groupId,
                config, stateBackend, checkpointDir, checkpointIntervalMs, publishIntervalMs, publishEvery, fullEvery,
                snapshotDir, parallelism, bounded, maxRecordBytes, noopTraining, f, lifecycle, kafka, snapshots, limits);
    }

    public StreamSettings withLifecycle(FeatureLifecycle l) {
        return new StreamSettings(bootstrapServers, inputTopic, snapshotsTopic, predictionsTopic, deadLettersTopic, groupId,
                config, stateBackend, checkpointDir, checkpointIntervalMs, publishIntervalMs, publishEvery, fullEvery,
                snapshotDir, parallelism, bounded, maxRecordBytes, noopTraining, feedback, l, kafka, snapshots, limits);
    }

    public StreamSettings withKafka(KafkaConnection k) {
        return new StreamSettings(bootstrapServers, inputTopic, snapshotsTopic, predictionsTopic, deadLettersTopic, groupId,
                config, stateBackend, checkpointDir, checkpointIntervalMs, publishIntervalMs, publishEvery, fullEvery,
                snapshotDir, parallelism, bounded, maxRecordBytes, noopTraining, feedback, lifecycle, k, snapshots, limits);
    }

    public StreamSettings withWeightsOnlySnapshots(boolean w) {
        return withSnapshots(new SnapshotOptions(w, snapshots.inlineBytes()));
    }

    public StreamSettings withSnapshots(SnapshotOptions o) {
        return new StreamSettings(bootstrapServers, inputTopic, snapshotsTopic, predictionsTopic, deadLettersTopic, groupId,
                config, stateBackend, checkpointDir, checkpointIntervalMs, publishIntervalMs, publishEvery, fullEvery,
                snapshotDir, parallelism, bounded, maxRecordBytes, noopTraining, feedback, lifecycle, kafka, o, limits);
    }

    public StreamSettings withLimits(EventLimits e) {
        return new StreamSettings(bootstrapServers, inputTopic, snapshotsTopic, predictionsTopic, deadLettersTopic, groupId,
                config, stateBackend, checkpointDir, checkpointIntervalMs, publishIntervalMs, publishEvery, fullEvery,
                snapshotDir, parallelism, bounded, maxRecordBytes, noopTraining, feedback, lifecycle, kafka, snapshots, e);
    }

    public StreamSettings {
        if (!stateBackend.equals("rocksdb") && !stateBackend.equals("hashmap")) {
            throw new IllegalArgumentException("state backend must be rocksdb or hashmap, got " + stateBackend);
        }
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be >= 1");
        }
        if (checkpointIntervalMs < 10) {
            throw new IllegalArgumentException("checkpoint interval must be >= 10 ms");
        }
    }
}
