package dev.afmflink.job;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.kafka.source.metrics.KafkaSourceReaderMetrics;
import org.apache.flink.connector.kafka.source.reader.KafkaPartitionSplitReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.record.TimestampType;

/**
 * The job's input events decoded by the Kafka source's fetcher thread, ahead of the task thread
 * that trains (docs/benchmarks.md, "Events decoded by the fetcher"). One model key is one task
 * thread: what it does not do per record, another core can. The split reader is the connector's,
 * whose {@link #fetch} also decodes each record of the batch it polled ({@link KafkaRecords#decode},
 * the same decoder and rules as on the task thread, with its own scratch) into a
 * {@link DecodedRecord}; the task thread's deserializer then only hands the event on. Offsets,
 * checkpoints and the stopping offsets of a bounded input are the connector's, unchanged (the
 * records are read from its batch in its order, and the emitter advances each split's offset per
 * record as before), so a restore reads from the same place; a record the decoder refuses is a dead
 * letter as before. The batches the fetcher holds ahead are the source's element queue's (two).
 */
final class FetcherDecoding {
    /** Records decoded on fetcher threads in this JVM so far (tests and benchmarks check the path is the one running). */
    static final AtomicLong DECODED = new AtomicLong();

    private FetcherDecoding() {
    }

    /** A consumer record carrying its event, decoded by the fetcher; its bytes are dropped. */
    static final class DecodedRecord extends ConsumerRecord<byte[], byte[]> {
        final InputEvent event;

        DecodedRecord(ConsumerRecord<byte[], byte[]> r, InputEvent event) {
            super(r.topic(), r.partition(), r.offset(), r.timestamp(), r.timestampType() == null ? TimestampType.NO_TIMESTAMP_TYPE
                    : r.timestampType(), r.serializedKeySize(), r.serializedValueSize(), null, null, r.headers(), r.leaderEpoch());
            this.event = event;
        }
    }

    /** The connector's split reader, whose batches come decoded. */
    static final class SplitReader extends KafkaPartitionSplitReader {
        private final KafkaRecords.Input input;

        SplitReader(Properties props, SourceReaderContext context, KafkaSourceReaderMetrics metrics, KafkaRecords.Input input) {
            super(props, context, metrics);
            this.input = input;
        }

        @Override
        public RecordsWithSplitIds<ConsumerRecord<byte[], byte[]>> fetch() throws java.io.IOException {
            return decoded(super.fetch(), input);
        }
    }

    /** {@code batch} read through, each record decoded by {@code input} on this thread, in the batch's order. */
    static RecordsWithSplitIds<ConsumerRecord<byte[], byte[]>> decoded(RecordsWithSplitIds<ConsumerRecord<byte[], byte[]>> batch,
                                                                      KafkaRecords.Input input) {
        List<String> splits = new ArrayList<>(1);
        List<List<ConsumerRecord<byte[], byte[]>>> records = new ArrayList<>(1);
        long n = 0;
        for (String split; (split = batch.nextSplit()) != null; ) {
            List<ConsumerRecord<byte[], byte[]>> list = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r; (r = batch.nextRecordFromSplit()) != null; ) {
                list.add(new DecodedRecord(r, input.decode(r)));
            }
            splits.add(split);
            records.add(list);
            n += list.size();
        }
        Set<String> finished = batch.finishedSplits();
        batch.recycle();
        DECODED.addAndGet(n);
        return new Decoded(splits, records, finished);
    }

    /** A batch of decoded records, split by split. */
    private static final class Decoded implements RecordsWithSplitIds<ConsumerRecord<byte[], byte[]>> {
        private final List<String> splits;
        private final List<List<ConsumerRecord<byte[], byte[]>>> records;
        private final Set<String> finished;
        private int split = -1;
        private int next;

        Decoded(List<String> splits, List<List<ConsumerRecord<byte[], byte[]>>> records, Set<String> finished) {
            this.splits = splits;
            this.records = records;
            this.finished = finished == null ? Collections.emptySet() : finished;
        }

        @Override
        public String nextSplit() {
            if (++split >= splits.size()) {
                return null;
            }
            next = 0;
            return splits.get(split);
        }

        @Override
        public ConsumerRecord<byte[], byte[]> nextRecordFromSplit() {
            if (split < 0 || split >= records.size()) {
                return null;
            }
            List<ConsumerRecord<byte[], byte[]>> list = records.get(split);
            return next < list.size() ? list.get(next++) : null;
        }

        @Override
        public Set<String> finishedSplits() {
            return finished;
        }
    }
}
