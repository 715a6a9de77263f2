package dev.afmflink.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.afmflink.data.Event;
import dev.afmflink.data.EventDecoder;
import dev.afmflink.model.Loss;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;

/** How the job's records cross Kafka: decoded input events in, JSON and model-format bytes out. */
public final class KafkaRecords {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * The predictions' generator writes doubles with Jackson's Schubfach writer (the shortest digits that
     * read back as the same double) instead of the JDK 17's {@code Double.toString}, a tenth of the
     * ordered row's output time (docs/benchmarks.md).
     */
    private static final com.fasterxml.jackson.core.JsonFactory FAST_DOUBLES = com.fasterxml.jackson.core.JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();

    private KafkaRecords() {
    }

    /**
     * Input: decodes each record in the source ({@link EventDecoder}), so watermarks can be made per
     * Kafka partition from the events' own time. A record that cannot be decoded becomes an
     * {@link InputEvent#BAD} event carrying its dead letter; nothing here throws on bad bytes.
     */
    public static final class Input implements KafkaRecordDeserializationSchema<InputEvent> {
        private final Loss loss;
        private final int maxRecordBytes;
        private final dev.afmflink.data.EventLimits limits;
        private transient EventDecoder decoder;

        public Input(Loss loss, int maxRecordBytes, dev.afmflink.data.EventLimits limits) {
            this.loss = loss;
            this.maxRecordBytes = maxRecordBytes;
            this.limits = limits;
        }

        @Override
        public void open(DeserializationSchema.InitializationContext context) {
            decoder = new EventDecoder(loss, maxRecordBytes, limits, System::currentTimeMillis);
        }

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> r, Collector<InputEvent> out) {
            out.collect(r instanceof FetcherDecoding.DecodedRecord d ? d.event : decode(r));
        }

        /** {@code r}'s event (on whichever thread calls it: each thread its own copy of this, {@link #copy}). */
        InputEvent decode(ConsumerRecord<byte[], byte[]> r) {
            if (decoder == null) {
                open(null);
            }
            return KafkaRecords.decode(decoder, r.value(), r.topic(), r.partition(), r.offset(), r.timestamp());
        }

        /** The same rules with a decoder of its own (a fetcher thread's). */
        Input copy() {
            return new Input(loss, maxRecordBytes, limits);
        }

        @Override
        public TypeInformation<InputEvent> getProducedType() {
            return TypeInformation.of(InputEvent.class);
        }
    }

    /** One record's bytes and coordinates → an event (a libfm line's id is its coordinates, its time the record's). */
    static InputEvent decode(EventDecoder decoder, byte[] value, String topic, int partition, long offset, long timestamp) {
        InputEvent e = new InputEvent();
        e.topic = topic;
        e.partition = partition;
        e.offset = offset;
        Event ev;
        try {
            ev = decoder.decode(value, () -> topic + "-" + partition + "-" + offset, timestamp);
        } catch (EventDecoder.BadEventException bad) {
            e.ts = timestamp;
            e.label = Double.NaN;
            String text = value == null ? "" : new String(value, 0, Math.min(value.length, 4 * DeadLetter.RAW_LIMIT),
                    StandardCharsets.UTF_8);
            e.dead = new DeadLetter(bad.reason(), bad.getMessage(), text, topic, partition, offset);
            return e;
        }
        e.kind(ev.type());
        e.model = ev.model();
        e.id = ev.id();
        if (e.id != null) {
            // hashed here (the fetcher's thread, with the id's bytes in its cache): String keeps its hash, so the
            // trainer's maps by id (the label join's, the scores') do not hash it again on the task thread
            e.id.hashCode();
        }
        e.ts = ev.ts();
        e.label = ev.label();
        if (ev.features() != null) {
            int m = ev.features().size;
            e.ids = Arrays.copyOf(ev.features().ids, m);
            e.values = Arrays.copyOf(ev.features().values, m);
            e.fields = ev.features().fields;
        }
        return e;
    }

    /** A serializer of records of one kind to one topic. */
    abstract static class ToTopic<T> implements KafkaRecordSerializationSchema<T> {
        final String topic;

        ToTopic(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(T value, KafkaSinkContext ctx, Long timestamp) {
            return record(value);
        }

        abstract ProducerRecord<byte[], byte[]> record(T value);
    }

    /**
     * Snapshots: key = model key, value = the model file's bytes or, for one larger than the inline
     * limit, a pointer to it ({@link SnapshotRecord#value()}); headers version, kind, SHA-256.
     */
    public static final class Snapshots extends ToTopic<SnapshotRecord> {
        public Snapshots(String topic) {
            super(topic);
        }

        @Override
        ProducerRecord<byte[], byte[]> record(SnapshotRecord s) {
            // the record time is the publish time (the end-of-input publish carries timestamp +inf)
            ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, null, s.publishedAt,
                    s.model.getBytes(StandardCharsets.UTF_8), s.value());
            r.headers().add(new RecordHeader("afm-version", Long.toString(s.version).getBytes(StandardCharsets.UTF_8)));
            r.headers().add(new RecordHeader("afm-kind", s.kind.id().getBytes(StandardCharsets.UTF_8)));
            r.headers().add(new RecordHeader("afm-published-at", Long.toString(s.publishedAt).getBytes(StandardCharsets.UTF_8)));
            r.headers().add(new RecordHeader("afm-examples", Long.toString(s.examples).getBytes(StandardCharsets.UTF_8)));
            r.headers().add(new RecordHeader("afm-records", Long.toString(s.records).getBytes(StandardCharsets.UTF_8)));
            r.headers().add(new RecordHeader("afm-bytes", Long.toString(s.size).getBytes(StandardCharsets.UTF_8)));
            r.headers().add(new RecordHeader("afm-write-ms", Long.toString(s.writeMillis).getBytes(StandardCharsets.UTF_8)));
            if (s.sha256 != null) {
                r.headers().add(new RecordHeader("afm-sha256", s.sha256.getBytes(StandardCharsets.UTF_8)));
            }
            return r;
        }

        /** What a snapshot record's headers say, without reading its value (which may be a pointer). */
        public record Meta(long version, String kind, long examples, long publishedAt, long records, long bytes, long writeMillis) {
            public static Meta of(org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> r) {
                return new Meta(num(r, "afm-version"), text(r, "afm-kind"), num(r, "afm-examples"), num(r, "afm-published-at"),
                        num(r, "afm-records"), num(r, "afm-bytes"), num(r, "afm-write-ms"));
            }

            private static String text(org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> r, String name) {
                var h = r.headers().lastHeader(name);
                return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
            }

            private static long num(org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> r, String name) {
                String t = text(r, name);
                return t == null ? -1 : Long.parseLong(t);
            }
        }
    }

    /** Progressive predictions as JSON, key = model key. */
    public static final class Predictions extends ToTopic<Prediction> {
        public Predictions(String topic) {
            super(topic);
        }

        /** Scratch of this sink's writer (one thread): the JSON written straight by one generator, no map per record. */
        private transient java.io.ByteArrayOutputStream buffer;
        private transient com.fasterxml.jackson.core.JsonGenerator g;
        private transient String lastModel;
        private transient byte[] lastKey;

        @Override
        ProducerRecord<byte[], byte[]> record(Prediction p) {
            if (!p.model.equals(lastModel)) {
                lastModel = p.model;
                lastKey = p.model.getBytes(StandardCharsets.UTF_8);
            }
            byte[] direct = direct(p);
            return new ProducerRecord<>(topic, null, null, lastKey, direct != null ? direct : generated(p));
        }

        /** {@code p}'s JSON by the generator (any strings and doubles). */
        byte[] generated(Prediction p) {
            if (g == null) {
                buffer = new java.io.ByteArrayOutputStream(256);
                try {
                    g = FAST_DOUBLES.createGenerator(buffer);
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
                g.setRootValueSeparator(null); // one object per record, nothing between them
            }
            buffer.reset();
            try {
                g.writeStartObject();
                g.writeStringField("model", p.model);
                g.writeStringField("id", p.id);
                g.writeNumberField("ts", p.ts);
                g.writeNumberField("label", p.label);
                g.writeNumberField("prediction", p.prediction);
                g.writeNumberField("loss", p.loss);
                g.writeNumberField("examples", p.examples);
                g.writeEndObject();
                g.flush();
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            return buffer.toByteArray();
        }

        /** Scratch of {@link #direct}. */
        private transient byte[] out;
        private transient int n;

        /**
         * The bytes the generator above writes for {@code p}, written straight (no generator state,
         * checks or escaping per field) when its strings are printable ASCII with nothing to escape and
         * its doubles finite — the job's predictions; null otherwise (the generator writes it). The
         * numbers are Jackson's own text for them ({@code NumberOutput}: the generator's fast double
         * writer), so the two paths give the same bytes (KafkaRecordsTest).
         */
        byte[] direct(Prediction p) {
            if (!plain(p.model) || !plain(p.id) || !Double.isFinite(p.label) || !Double.isFinite(p.prediction)
                    || !Double.isFinite(p.loss)) {
                return null;
            }
            if (out == null) {
                out = new byte[256];
            }
            n = 0;
            ascii("{\"model\":\"");
            ascii(p.model);
            ascii("\",\"id\":\"");
            ascii(p.id);
            ascii("\",\"ts\":");
            digits(p.ts);
            ascii(",\"label\":");
            label(p.label);
            ascii(",\"prediction\":");
            ascii(com.fasterxml.jackson.core.io.NumberOutput.toString(p.prediction, true));
            ascii(",\"loss\":");
            ascii(com.fasterxml.jackson.core.io.NumberOutput.toString(p.loss, true));
            ascii(",\"examples\":");
            digits(p.examples);
            ascii("}");
            return Arrays.copyOf(out, n);
        }

        /** Printable ASCII without a quote or a backslash: what the generator writes as it is. */
        private static boolean plain(String s) {
            if (s == null || s.length() > 4096) {
                return false;
            }
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                    return false;
                }
            }
            return true;
        }

        private void ascii(String s) {
            int len = s.length();
            room(len);
            s.getBytes(0, len, out, n); // ASCII only (checked above, or digits): the low byte is the character
            n += len;
        }

        private void room(int len) {
            if (n + len > out.length) {
                out = Arrays.copyOf(out, Math.max(2 * out.length, n + len));
            }
        }

        /** A label as the generator writes it; the usual ones (0, 1, −1) without a text made for them. */
        private void label(double y) {
            if (y == 1.0) {
                ascii("1.0");
            } else if (y == -1.0) {
                ascii("-1.0");
            } else if (Double.doubleToRawLongBits(y) == 0L) { // +0.0 (−0.0 is written "-0.0")
                ascii("0.0");
            } else {
                ascii(com.fasterxml.jackson.core.io.NumberOutput.toString(y, true));
            }
        }

        /** {@code v}'s decimal digits, as {@code Long.toString} gives them, written in place. */
        private void digits(long v) {
            if (v == Long.MIN_VALUE) {
                ascii(Long.toString(v));
                return;
            }
            room(20);
            if (v < 0) {
                out[n++] = '-';
                v = -v;
            }
            int start = n;
            do {
                out[n++] = (byte) ('0' + v % 10);
                v /= 10;
            } while (v != 0);
            for (int i = start, j = n - 1; i < j; i++, j--) {
                byte b = out[i];
                out[i] = out[j];
                out[j] = b;
            }
        }
    }

    /** Validation windows and held-back snapshots as JSON (one object per line of a metrics file), key = model key. */
    public static final class Metrics extends ToTopic<MetricsRecord> {
        public Metrics(String topic) {
            super(topic);
        }

        @Override
        ProducerRecord<byte[], byte[]> record(MetricsRecord r) {
            return jsonRecord(topic, r.wallMs, r.model, metricsJson(r));
        }
    }

    /** The JSON fields of a metrics record ({@link dev.afmflink.metrics.MetricsLine#toJson}). */
    public static Map<String, Object> metricsJson(MetricsRecord r) {
        return r.line().toJson();
    }

    /** Dead letters as JSON: reason code, detail, the raw record (cut at 4 KiB) and where it came from. */
    public static final class DeadLetters extends ToTopic<DeadLetter> {
        public DeadLetters(String topic) {
            super(topic);
        }

        @Override
        ProducerRecord<byte[], byte[]> record(DeadLetter d) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("reason", d.reason);
            m.put("detail", d.detail);
            m.put("raw", d.raw);
            m.put("topic", d.topic);
            m.put("partition", d.partition);
            m.put("offset", d.offset);
            return jsonRecord(topic, null, d.reason, m);
        }
    }

    /** {@code s} as a JSON string literal. */
    static String jsonString(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A record with a UTF-8 key and the JSON of {@code m} as value. Output records are stamped
     * with the time they are written ({@code timestamp} null: the producer's clock), not with the
     * event time of what they describe (that is in the JSON): replaying old events must not give
     * the output topics records that time-based retention deletes at once.
     */
    static ProducerRecord<byte[], byte[]> jsonRecord(String topic, Long timestamp, String key, Map<String, Object> m) {
        try {
            return new ProducerRecord<>(topic, null, timestamp, key.getBytes(StandardCharsets.UTF_8), JSON.writeValueAsBytes(m));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Replica keys' changes to the synchronization topic: key = the model key, value = the change ({@code sync.ChangeCodec}). */
    public static final class SyncChanges extends ToTopic<SyncRecord> {
        public SyncChanges(String topic) {
            super(topic);
        }

        @Override
        ProducerRecord<byte[], byte[]> record(SyncRecord c) {
            return new ProducerRecord<>(topic, c.model.getBytes(StandardCharsets.UTF_8), c.change);
        }
    }

    /** The synchronization topic read back: each record a model's replica key's change (its merger checks the bytes). */
    public static final class SyncChangesIn implements KafkaRecordDeserializationSchema<SyncRecord> {
        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> r, Collector<SyncRecord> out) {
            if (r.key() != null && r.value() != null) {
                out.collect(new SyncRecord(new String(r.key(), StandardCharsets.UTF_8), r.value()));
            }
        }

        @Override
        public TypeInformation<SyncRecord> getProducedType() {
            return TypeInformation.of(SyncRecord.class);
        }
    }
}
