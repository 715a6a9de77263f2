package dev.afmflink.job;

import dev.afmflink.embedded.KafkaClients;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/** Produce and read back whole topics, with bounded waits. */
final class KafkaTestSupport {
    private KafkaTestSupport() {
    }

    /**
     * Sends {@code values} to partition 0 and waits for every acknowledgement (a failed send
     * fails the test instead of silently losing input). Not idempotent: several producers write
     * to one partition in a test, and the broker's per-producer sequence state was seen to
     * reject a later producer's first batch as out of order; one request in flight keeps order.
     */
    static void produce(String servers, String topic, List<byte[]> values, long firstTs) throws Exception {
        produce(servers, topic, values, firstTs, new java.util.Properties());
    }

    /** The same with client properties ({@code security.protocol}, SASL, …). */
    static void produce(String servers, String topic, List<byte[]> values, long firstTs, java.util.Properties client)
            throws Exception {
        List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> acks = new ArrayList<>();
        Map<String, String> conf = new java.util.HashMap<>(Map.of("acks", "all", "linger.ms", "5",
                "max.request.size", Integer.toString(4 << 20), "enable.idempotence", "false",
                "max.in.flight.requests.per.connection", "1"));
        client.stringPropertyNames().forEach(k -> conf.put(k, client.getProperty(k)));
        try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(servers, conf)) {
            long ts = firstTs;
            for (byte[] v : values) {
                acks.add(p.send(new ProducerRecord<>(topic, 0, ts++, null, v)));
            }
            p.flush();
            for (var a : acks) {
                a.get(60, TimeUnit.SECONDS);
            }
        }
    }

    static List<byte[]> utf8(List<String> s) {
        List<byte[]> out = new ArrayList<>();
        for (String x : s) {
            out.add(x.getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    /** Every record of partition 0 of {@code topic}, waiting until at least {@code atLeast} arrived or the bound passed. */
    static List<ConsumerRecord<byte[], byte[]>> readAll(String servers, String topic, int atLeast, long timeoutSeconds) {
        return readAll(servers, topic, atLeast, timeoutSeconds, new java.util.Properties());
    }

    /** The same with client properties ({@code security.protocol}, SASL, …). */
    static List<ConsumerRecord<byte[], byte[]>> readAll(String servers, String topic, int atLeast, long timeoutSeconds,
                                                        java.util.Properties client) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = KafkaClients.consumer(servers, client)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            long end = -1;
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(300))) {
                    out.add(r);
                }
                if (out.size() >= atLeast) {
                    if (end < 0) {
                        end = c.endOffsets(List.of(tp)).get(tp);
                    }
                    if (c.position(tp) >= end) {
                        break;
                    }
                }
            }
        }
        return out;
    }
}
