package dev.afmflink.job;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.source.reader.RecordEmitter;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.synchronization.FutureCompletingBlockingQueue;
import org.apache.flink.connector.kafka.source.metrics.KafkaSourceReaderMetrics;
import org.apache.flink.connector.kafka.source.reader.KafkaSourceReader;
import org.apache.flink.connector.kafka.source.reader.fetcher.KafkaSourceFetcherManager;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplitState;
import org.apache.flink.core.io.InputStatus;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A source reader that the read-ahead bound (docs/scaling.md, "Reading ahead") pauses as a whole,
 * never split by split: every call goes to {@code reader} but {@link #pauseOrResumeSplits}, which
 * does nothing.
 *
 * <p>Why: Flink 2.2's {@code SourceOperator} pauses a split whose watermark passes the group's
 * allowed watermark, and resumes it only while the split is not idle. A split that its idleness
 * timeout marks idle while it is paused (the timeout nearly ran out when the pause came) emits
 * nothing, so it never becomes active again, and so it is never resumed: the job stops reading it
 * for good ({@code PausedAsAWholeTest} replays that order on Flink's own operator). Without split
 * pauses, the operator's own wait is the bound: it stops polling the reader while its watermark is
 * past the allowed one and polls again once it is not, idle or not (an idle source reports no
 * watermark to the group, so it holds nothing back). The reader's fetchers fill their bounded queue
 * and wait meanwhile, so what is read ahead stays bounded; with many splits in one reader the bound
 * holds for the reader's slowest split, not for each.
 *
 * <p>The job's event reader, which the job builds itself ({@link BoundedKafkaSource}), is a
 * {@link KafkaReader} instead: the same rule without a frame between the operator and the reader on
 * the path every event takes (warm `ordered` rows with this wrapper there were in the slower of their
 * two groups in 6 of 7 runs, without it in 1 of 6; docs/benchmarks.md, which also says why that may be
 * the machine rather than the frame). This wrapper is for readers the connector builds (the
 * synchronization topic's).
 */
final class PausedAsAWhole<T, S extends SourceSplit> implements SourceReader<T, S> {
    private final SourceReader<T, S> reader;

    PausedAsAWhole(SourceReader<T, S> reader) {
        this.reader = reader;
    }

    /** Does nothing: the reader's splits are never paused one by one (above). */
    @Override
    public void pauseOrResumeSplits(Collection<String> splitsToPause, Collection<String> splitsToResume) {
    }

    @Override
    public void start() {
        reader.start();
    }

    @Override
    public InputStatus pollNext(ReaderOutput<T> output) throws Exception {
        return reader.pollNext(output);
    }

    @Override
    public List<S> snapshotState(long checkpointId) {
        return reader.snapshotState(checkpointId);
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        return reader.isAvailable();
    }

    @Override
    public void addSplits(List<S> splits) {
        reader.addSplits(splits);
    }

    @Override
    public void notifyNoMoreSplits() {
        reader.notifyNoMoreSplits();
    }

    @Override
    public void handleSourceEvents(SourceEvent event) {
        reader.handleSourceEvents(event);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        reader.notifyCheckpointComplete(checkpointId);
    }

    @Override
    public void notifyCheckpointAborted(long checkpointId) throws Exception {
        reader.notifyCheckpointAborted(checkpointId);
    }

    @Override
    public void close() throws Exception {
        reader.close();
    }

    /** The connector's Kafka reader, whose splits are never paused one by one (above). */
    static final class KafkaReader<T> extends KafkaSourceReader<T> {
        KafkaReader(FutureCompletingBlockingQueue<RecordsWithSplitIds<ConsumerRecord<byte[], byte[]>>> queue,
                    KafkaSourceFetcherManager fetchers, RecordEmitter<ConsumerRecord<byte[], byte[]>, T, KafkaPartitionSplitState> emitter,
                    Configuration config, SourceReaderContext context, KafkaSourceReaderMetrics metrics) {
            super(queue, fetchers, emitter, config, context, metrics);
        }

        /** Does nothing: the reader's splits are never paused one by one (above). */
        @Override
        public void pauseOrResumeSplits(Collection<String> splitsToPause, Collection<String> splitsToResume) {
        }
    }
}
