package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.data.EventLimits;
import dev.afmflink.model.Loss;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class FetcherDecodingTest {
    private static final long T0 = 1_767_225_600_000L;

    /** A batch as the connector's split reader gives it: splits in order, each its records, then the finished splits. */
    private static final class Batch implements RecordsWithSplitIds<ConsumerRecord<byte[], byte[]>> {
        private final Iterator<Map.Entry<String, List<ConsumerRecord<byte[], byte[]>>>> splits;
        private Iterator<ConsumerRecord<byte[], byte[]>> records;
        private final Set<String> finished;
        boolean recycled;

        Batch(Map<String, List<ConsumerRecord<byte[], byte[]>>> splits, Set<String> finished) {
            this.splits = splits.entrySet().iterator();
            this.finished = finished;
        }

        @Override
        public String nextSplit() {
            if (!splits.hasNext()) {
                return null;
            }
            var e = splits.next();
            records = e.getValue().iterator();
            return e.getKey();
        }

        @Override
        public ConsumerRecord<byte[], byte[]> nextRecordFromSplit() {
            return records.hasNext() ? records.next() : null;
        }

        @Override
        public Set<String> finishedSplits() {
            return finished;
        }

        @Override
        public void recycle() {
            recycled = true;
        }
    }

    private static ConsumerRecord<byte[], byte[]> record(String topic, int partition, long offset, String value) {
        return new ConsumerRecord<>(topic, partition, offset, T0 + offset, org.apache.kafka.common.record.TimestampType.CREATE_TIME,
                0, value.length(), null, value.getBytes(StandardCharsets.UTF_8), new org.apache.kafka.common.header.internals.RecordHeaders(),
                java.util.Optional.empty());
    }

    private static InputEvent onTaskThread(KafkaRecords.Input input, ConsumerRecord<byte[], byte[]> r) {
        List<InputEvent> out = new ArrayList<>();
        input.deserialize(r, new Collector<>() {
            @Override
            public void collect(InputEvent e) {
                out.add(e);
            }

            @Override
            public void close() {
            }
        });
        assertEquals(1, out.size());
        return out.get(0);
    }

    /**
     * The fetcher's batch holds, split by split and in order, each record's coordinates and the event
     * the task thread's deserializer would have made of its bytes (a dead letter for a bad one); the
     * deserializer hands a decoded record's event on as it is.
     */
    @Test
    void aBatchIsDecodedInItsOrderAsTheTaskThreadWouldDecodeIt() {
        KafkaRecords.Input fetcher = new KafkaRecords.Input(Loss.LOGISTIC, 1 << 20, EventLimits.DEFAULT);
        KafkaRecords.Input task = fetcher.copy();
        Map<String, List<ConsumerRecord<byte[], byte[]>>> splits = new LinkedHashMap<>();
        List<ConsumerRecord<byte[], byte[]>> p0 = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            p0.add(record("in", 0, 10 + i, "{\"type\":\"impression\",\"id\":\"imp-" + i + "\",\"ts\":" + (T0 + i * 250L)
                    + ",\"features\":{\"user\":\"u" + i + "\",\"ad\":\"a7\"}}"));
        }
        p0.add(record("in", 0, 15, "{\"type\":\"click\",\"id\":\"imp-1\",\"ts\":" + (T0 + 900) + "}"));
        p0.add(record("in", 0, 16, "{not json"));
        splits.put("in-0", p0);
        splits.put("in-1", List.of(record("in", 1, 3, "1 3:1 7:1")));
        Batch batch = new Batch(splits, Set.of("in-1"));
        long before = FetcherDecoding.DECODED.get();

        RecordsWithSplitIds<ConsumerRecord<byte[], byte[]>> decoded = FetcherDecoding.decoded(batch, fetcher);

        assertTrue(batch.recycled);
        assertTrue(FetcherDecoding.DECODED.get() - before >= 8);
        int bad = 0;
        for (var split : splits.entrySet()) {
            assertEquals(split.getKey(), decoded.nextSplit());
            for (ConsumerRecord<byte[], byte[]> raw : split.getValue()) {
                ConsumerRecord<byte[], byte[]> r = decoded.nextRecordFromSplit();
                assertNotNull(r);
                assertTrue(r instanceof FetcherDecoding.DecodedRecord);
                assertEquals(raw.topic(), r.topic());
                assertEquals(raw.partition(), r.partition());
                assertEquals(raw.offset(), r.offset());
                assertEquals(raw.timestamp(), r.timestamp());
                InputEvent expected = onTaskThread(task, raw);
                InputEvent got = ((FetcherDecoding.DecodedRecord) r).event;
                assertSame(got, onTaskThread(task, r), "a decoded record's event is handed on as it is");
                assertEquals(expected.kind, got.kind);
                assertEquals(expected.model, got.model);
                assertEquals(expected.id, got.id);
                assertEquals(expected.ts, got.ts);
                assertEquals(Double.doubleToRawLongBits(expected.label), Double.doubleToRawLongBits(got.label));
                assertTrue(java.util.Arrays.equals(expected.ids, got.ids));
                assertTrue(java.util.Arrays.equals(expected.values, got.values));
                assertTrue(java.util.Arrays.equals(expected.fields, got.fields));
                assertEquals(expected.dead == null, got.dead == null);
                bad += got.dead == null ? 0 : 1;
                if (expected.dead != null) {
                    assertEquals(expected.dead.reason, got.dead.reason);
                    assertEquals(expected.dead.offset, got.dead.offset);
                }
            }
            assertNull(decoded.nextRecordFromSplit());
        }
        assertNull(decoded.nextSplit());
        assertEquals(Set.of("in-1"), decoded.finishedSplits());
        assertEquals(1, bad, "the record that is not JSON is a dead letter, on either thread");
    }
}
