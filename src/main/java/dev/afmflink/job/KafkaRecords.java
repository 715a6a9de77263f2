package dev.afmflink.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;

/** How the job's records cross Kafka: raw input records in, JSON and model-format bytes out. */
public final class KafkaRecords {
    private static final ObjectMapper JSON = new ObjectMapper();

    private KafkaRecords() {
    }

    /** Input: keep the value bytes and the record's coordinates (decoding happens in the job, so bad bytes can be dead-lettered). */
    public static final class Input implements KafkaRecordDeserializationSchema<RawRecord> {
        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> r, Collector<RawRecord> out) {
            out.collect(new RawRecord(r.topic(), r.partition(), r.offset(), r.timestamp(), r.value()));
        }

        @Override
        public TypeInformation<RawRecord> getProducedType() {
            return TypeInformation.of(RawRecord.class);
        }
    }

    /** Snapshots: key = model key, value = the model file's bytes, headers version and kind. */
    public static final class Snapshots implements KafkaRecordSerializationSchema<SnapshotRecord> {
        private final String topic;

        public Snapshots(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(SnapshotRecord s, KafkaSinkContext ctx, Long timestamp) {
            // the record time is the publish time (the end-of-input publish carries timestamp +inf)
            ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, null, s.publishedAt,
                    s.model.getBytes(StandardCharsets.UTF_8), s.bytes);
            r.headers().add(new RecordHeader("afm-version", Long.toString(s.version).getBytes(StandardCharsets.UTF_8)));
            r.headers().add(new RecordHeader("afm-kind", s.kind.getBytes(StandardCharsets.UTF_8)));
            r.headers().add(new RecordHeader("afm-published-at", Long.toString(s.publishedAt).getBytes(StandardCharsets.UTF_8)));
            return r;
        }
    }

    /** Progressive predictions as JSON, key = model key. */
    public static final class Predictions implements KafkaRecordSerializationSchema<Prediction> {
        private final String topic;

        public Predictions(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(Prediction p, KafkaSinkContext ctx, Long timestamp) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", p.model);
            m.put("id", p.id);
            m.put("ts", p.ts);
            m.put("label", p.label);
            m.put("prediction", p.prediction);
            m.put("loss", p.loss);
            m.put("examples", p.examples);
            return jsonRecord(topic, timestamp, p.model, m);
        }
    }

    /** Dead letters as JSON: reason code, detail, the raw record (cut at 4 KiB) and where it came from. */
    public static final class DeadLetters implements KafkaRecordSerializationSchema<DeadLetter> {
        private final String topic;

        public DeadLetters(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(DeadLetter d, KafkaSinkContext ctx, Long timestamp) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("reason", d.reason);
            m.put("detail", d.detail);
            m.put("raw", d.raw);
            m.put("topic", d.topic);
            m.put("partition", d.partition);
            m.put("offset", d.offset);
            return jsonRecord(topic, timestamp, d.reason, m);
        }
    }

    /** A record with a UTF-8 key and the JSON of {@code m} as value. */
    static ProducerRecord<byte[], byte[]> jsonRecord(String topic, Long timestamp, String key, Map<String, Object> m) {
        try {
            return new ProducerRecord<>(topic, null, timestamp, key.getBytes(StandardCharsets.UTF_8), JSON.writeValueAsBytes(m));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
