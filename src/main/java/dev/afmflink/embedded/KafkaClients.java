package dev.afmflink.embedded;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** The byte-array Kafka clients of the embedded default, the benchmarks and the tests. */
public final class KafkaClients {
    private KafkaClients() {
    }

    /** A consumer for manual assignment: no group commits, fetches big enough for 64 MiB snapshots. */
    public static KafkaConsumer<byte[], byte[]> consumer(String servers) {
        return consumer(servers, new java.util.Properties());
    }

    /** The same with client properties on top ({@code security.protocol}, SASL, TLS, …). */
    public static KafkaConsumer<byte[], byte[]> consumer(String servers, java.util.Properties client) {
        Map<String, Object> conf = new HashMap<>();
        client.stringPropertyNames().forEach(k -> conf.put(k, client.getProperty(k)));
        conf.putAll(Map.of("bootstrap.servers", servers,
                "key.deserializer", ByteArrayDeserializer.class.getName(),
                "value.deserializer", ByteArrayDeserializer.class.getName(),
                "enable.auto.commit", "false",
                "max.partition.fetch.bytes", Integer.toString(64 << 20),
                "fetch.max.bytes", Integer.toString(64 << 20)));
        return new KafkaConsumer<>(conf);
    }

    /** Assigns {@code c} every partition of {@code topics} (waiting up to 30 s for their metadata) and returns them. */
    public static List<TopicPartition> assignAll(KafkaConsumer<byte[], byte[]> c, List<String> topics) {
        List<TopicPartition> parts = new ArrayList<>();
        for (String t : topics) {
            for (PartitionInfo p : c.partitionsFor(t, Duration.ofSeconds(30))) {
                parts.add(new TopicPartition(t, p.partition()));
            }
        }
        c.assign(parts);
        return parts;
    }

    /** Every record's value now in {@code topic} (all partitions, from the beginning to the end offsets seen at the start). */
    public static List<byte[]> readAll(String servers, String topic) {
        List<byte[]> out = new ArrayList<>();
        records(servers, topic).forEach(r -> out.add(r.value()));
        return out;
    }

    /** Every record now in {@code topic}, headers and all (as {@link #readAll}: at most 60 s of reading). */
    public static List<ConsumerRecord<byte[], byte[]>> records(String servers, String topic) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = consumer(servers)) {
            List<TopicPartition> parts = assignAll(c, List.of(topic));
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (parts.stream().anyMatch(p -> c.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(100)).forEach(out::add);
            }
        }
        return out;
    }

    /** A producer with the given settings (acks, batching) on top of the byte-array serializers. */
    public static KafkaProducer<byte[], byte[]> producer(String servers, Map<String, String> settings) {
        Map<String, Object> conf = new HashMap<>(settings);
        conf.put("bootstrap.servers", servers);
        conf.put("key.serializer", ByteArraySerializer.class.getName());
        conf.put("value.serializer", ByteArraySerializer.class.getName());
        return new KafkaProducer<>(conf);
    }
}
