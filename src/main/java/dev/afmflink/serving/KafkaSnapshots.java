package dev.afmflink.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The serving side's Kafka: a thread that feeds a {@link LiveModel} from the snapshots topic
 * (records keyed by model key, the model file as value, header {@code afm-published-at}), read
 * from the beginning so the latest full snapshot and its deltas are found; and an
 * {@link ScoringService.ImpressionSink} that writes scored events to an input topic as
 * impressions (docs/events.md), so the job can join them with their clicks.
 */
public final class KafkaSnapshots {
    private KafkaSnapshots() {
    }

    /** Follows {@code topic} for {@code modelKey} until {@link Follower#close()}. */
    public static Follower follow(String servers, String topic, String modelKey, LiveModel live) {
        Follower f = new Follower(servers, topic, modelKey, live);
        Thread t = new Thread(f, "afm-snapshot-follower");
        t.setDaemon(true);
        t.start();
        return f;
    }

    /** The consumer loop. */
    public static final class Follower implements Runnable, AutoCloseable {
        private final String servers;
        private final String topic;
        private final byte[] key;
        private final LiveModel live;
        private volatile boolean running = true;
        private volatile String lastError;

        Follower(String servers, String topic, String modelKey, LiveModel live) {
            this.servers = servers;
            this.topic = topic;
            this.key = modelKey.getBytes(StandardCharsets.UTF_8);
            this.live = live;
        }

        /** The last problem reading or applying a snapshot, or null. */
        public String lastError() {
            return lastError;
        }

        @Override
        public void run() {
            Map<String, Object> conf = new HashMap<>();
            conf.put("bootstrap.servers", servers);
            conf.put("key.deserializer", ByteArrayDeserializer.class.getName());
            conf.put("value.deserializer", ByteArrayDeserializer.class.getName());
            conf.put("enable.auto.commit", "false");
            conf.put("max.partition.fetch.bytes", Integer.toString(64 << 20));
            conf.put("fetch.max.bytes", Integer.toString(64 << 20));
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(conf)) {
                List<TopicPartition> parts = new ArrayList<>();
                while (running && parts.isEmpty()) {
                    List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(5));
                    if (infos != null) {
                        infos.forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
                    }
                }
                c.assign(parts);
                c.seekToBeginning(parts);
                while (running) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(50))) {
                        if (r.key() == null || !java.util.Arrays.equals(r.key(), key) || r.value() == null) {
                            continue;
                        }
                        Header h = r.headers().lastHeader("afm-published-at");
                        long at = h == null ? r.timestamp() : Long.parseLong(new String(h.value(), StandardCharsets.UTF_8));
                        try {
                            live.apply(r.value(), at, topic + "@" + r.partition() + ":" + r.offset());
                        } catch (Exception e) {
                            lastError = e.getMessage(); // a bad record: skipped, the next full snapshot repairs
                        }
                    }
                }
            } catch (Exception e) {
                lastError = e.toString();
            }
        }

        @Override
        public void close() {
            running = false;
        }
    }

    /** Scored events as impressions on {@code topic} (model key {@code modelKey}, time = the request's). */
    public static final class Impressions implements ScoringService.ImpressionSink, AutoCloseable {
        private static final ObjectMapper JSON = new ObjectMapper();
        private final KafkaProducer<byte[], byte[]> producer;
        private final String topic;
        private final String modelKey;

        public Impressions(String servers, String topic, String modelKey) {
            Map<String, Object> conf = new HashMap<>();
            conf.put("bootstrap.servers", servers);
            conf.put("key.serializer", ByteArraySerializer.class.getName());
            conf.put("value.serializer", ByteArraySerializer.class.getName());
            conf.put("linger.ms", "5");
            this.producer = new KafkaProducer<>(conf);
            this.topic = topic;
            this.modelKey = modelKey;
        }

        @Override
        public void impression(String id, long ts, JsonNode features) {
            ObjectNode n = JSON.createObjectNode();
            n.put("type", "impression");
            n.put("id", id);
            n.put("ts", ts);
            n.put("model", modelKey);
            n.set("features", features);
            try {
                producer.send(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8), JSON.writeValueAsBytes(n)));
            } catch (Exception e) {
                throw new IllegalStateException("cannot write impression " + id, e);
            }
        }

        public void flush() {
            producer.flush();
        }

        @Override
        public void close() {
            producer.close(Duration.ofSeconds(10));
        }
    }
}
