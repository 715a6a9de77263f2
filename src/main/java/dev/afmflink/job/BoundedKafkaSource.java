package dev.afmflink.job;

import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.KafkaSourceEnumState;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * The job's Kafka source, which also ends when it is bounded and was restored. A bounded
 * {@link KafkaSource} whose split enumerator is restored from a checkpoint (a global failover — a
 * failed checkpoint is one — or a restore from a savepoint or retained checkpoint) never tells its
 * readers that no more splits will come: its first partition discovery finds every partition already
 * assigned and returns before the one place that would (the connector's open bug FLINK-31006,
 * flink-connector-kafka pull request 318). The readers then read to their stopping offsets and wait
 * for ever, and a bounded run (`bin/afm stream` on the embedded default or `--input FILE`, or
 * `--bounded`) never reaches its input's end: no last windows, no last snapshot, no end.
 *
 * <p>This source is the Kafka source, same readers, splits, state and serializers (a savepoint
 * of either restores into the other), except for that case: when the restored enumerator's state
 * says its first discovery had finished and every split is assigned, a bounded source's readers get
 * no new split whatever happens, so each is told so as it registers. Unbounded sources, and every
 * enumerator created rather than restored, are the connector's own.
 *
 * <p>Its readers pause as a whole for the read-ahead bound, never split by split ({@link PausedAsAWhole}:
 * Flink never resumes a split paused and then marked idle).
 *
 * <p>The job's source also decodes on the reader's fetcher thread ({@link FetcherDecoding}): the
 * connector's reader and split reader, the latter decoding each batch it polled. Splits, their
 * state and the serializers stay the connector's, so savepoints restore across both as before.
 */
public final class BoundedKafkaSource<T> implements Source<T, KafkaPartitionSplit, KafkaSourceEnumState>, ResultTypeQueryable<T> {
    private final KafkaSource<T> kafka;
    /** The job's deserializer when the fetcher decodes ahead ({@link FetcherDecoding}); null: the connector's reader as it is. */
    private final KafkaRecords.Input decodeAhead;

    public BoundedKafkaSource(KafkaSource<T> kafka) {
        this(kafka, null);
    }

    /** {@code decodeAhead}: the source's own deserializer, whose events the fetcher thread decodes ({@link FetcherDecoding}). */
    BoundedKafkaSource(KafkaSource<T> kafka, KafkaRecords.Input decodeAhead) {
        this.kafka = kafka;
        this.decodeAhead = decodeAhead;
    }

    /** True when a restored bounded enumerator with this state will never assign a split again. */
    static boolean noMoreSplits(Boundedness boundedness, KafkaSourceEnumState restored) {
        return boundedness == Boundedness.BOUNDED && restored.initialDiscoveryFinished() && restored.unassignedSplits().isEmpty();
    }

    @Override
    public Boundedness getBoundedness() {
        return kafka.getBoundedness();
    }

    @Override
    public SourceReader<T, KafkaPartitionSplit> createReader(SourceReaderContext context) throws Exception {
        return decodeAhead == null ? new PausedAsAWhole<>(kafka.createReader(context)) : decodingReader(context);
    }

    /**
     * The connector's reader as {@link KafkaSource#createReader} makes it (its queue, fetcher manager,
     * emitter, metrics and configuration from the source's properties), paused as a whole
     * ({@link PausedAsAWhole.KafkaReader}), with a split reader that
     * decodes each batch on the fetcher thread. The properties are the source's own, as its builder
     * completed them (read from its field: the connector has no accessor; pinned to the connector
     * version in the pom, and every job test runs this reader).
     */
    @SuppressWarnings("unchecked")
    private SourceReader<T, KafkaPartitionSplit> decodingReader(SourceReaderContext context) throws Exception {
        java.lang.reflect.Field f = KafkaSource.class.getDeclaredField("props");
        f.setAccessible(true);
        java.util.Properties props = (java.util.Properties) f.get(kafka);
        decodeAhead.open(new org.apache.flink.api.common.serialization.DeserializationSchema.InitializationContext() {
            @Override
            public org.apache.flink.metrics.MetricGroup getMetricGroup() {
                return context.metricGroup().addGroup("deserializer");
            }

            @Override
            public org.apache.flink.util.UserCodeClassLoader getUserCodeClassLoader() {
                return context.getUserCodeClassLoader();
            }
        });
        var queue = new org.apache.flink.connector.base.source.reader.synchronization.FutureCompletingBlockingQueue<
                org.apache.flink.connector.base.source.reader.RecordsWithSplitIds<
                        org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>>>();
        var metrics = new org.apache.flink.connector.kafka.source.metrics.KafkaSourceReaderMetrics(context.metricGroup());
        var fetchers = new org.apache.flink.connector.kafka.source.reader.fetcher.KafkaSourceFetcherManager(queue,
                () -> new FetcherDecoding.SplitReader(props, context, metrics, decodeAhead.copy()), finished -> { });
        java.util.Map<String, String> conf = new java.util.HashMap<>();
        for (String k : props.stringPropertyNames()) {
            conf.put(k, props.getProperty(k));
        }
        return (SourceReader<T, KafkaPartitionSplit>) (SourceReader<?, KafkaPartitionSplit>)
                new PausedAsAWhole.KafkaReader<>(queue, fetchers,
                        new org.apache.flink.connector.kafka.source.reader.KafkaRecordEmitter<>(decodeAhead),
                        org.apache.flink.configuration.Configuration.fromMap(conf), context, metrics);
    }

    @Override
    public SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> createEnumerator(
            SplitEnumeratorContext<KafkaPartitionSplit> context) {
        return kafka.createEnumerator(context);
    }

    @Override
    public SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> restoreEnumerator(
            SplitEnumeratorContext<KafkaPartitionSplit> context, KafkaSourceEnumState state) throws Exception {
        SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> restored = kafka.restoreEnumerator(context, state);
        return noMoreSplits(getBoundedness(), state) ? new EndSignalling(restored, context) : restored;
    }

    @Override
    public SimpleVersionedSerializer<KafkaPartitionSplit> getSplitSerializer() {
        return kafka.getSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<KafkaSourceEnumState> getEnumeratorCheckpointSerializer() {
        return kafka.getEnumeratorCheckpointSerializer();
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return kafka.getProducedType();
    }

    /** The restored enumerator, which tells every reader that registers that no more splits will come. */
    private static final class EndSignalling implements SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> {
        private final SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> restored;
        private final SplitEnumeratorContext<KafkaPartitionSplit> context;

        EndSignalling(SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> restored,
                      SplitEnumeratorContext<KafkaPartitionSplit> context) {
            this.restored = restored;
            this.context = context;
        }

        @Override
        public void start() {
            restored.start();
        }

        @Override
        public void handleSplitRequest(int subtask, String host) {
            restored.handleSplitRequest(subtask, host);
        }

        @Override
        public void addSplitsBack(List<KafkaPartitionSplit> splits, int subtask) {
            // a reader that failed gives its splits back; they go to it again when it registers (addReader, below)
            restored.addSplitsBack(splits, subtask);
        }

        @Override
        public void addReader(int subtask) {
            restored.addReader(subtask); // assigns the reader the splits given back for it, if any
            context.signalNoMoreSplits(subtask);
        }

        @Override
        public KafkaSourceEnumState snapshotState(long checkpointId) throws Exception {
            return restored.snapshotState(checkpointId);
        }

        @Override
        public void close() throws java.io.IOException {
            restored.close();
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) throws Exception {
            restored.notifyCheckpointComplete(checkpointId);
        }

        @Override
        public void handleSourceEvent(int subtask, SourceEvent event) {
            restored.handleSourceEvent(subtask, event);
        }
    }
}
