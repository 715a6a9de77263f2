package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.embedded.KafkaBroker;
import dev.afmflink.embedded.KafkaClients;
import dev.afmflink.snapshot.ModelReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka as it runs in production: a broker whose listener wants SASL/PLAIN credentials; the job
 * reaches it with {@code --kafka-property} client properties on its source and every sink, a
 * client without credentials (or with a wrong password) is refused, the settings never show the
 * secret, and {@code --starting-offsets timestamp:MS} starts a job without a checkpoint there.
 */
class SecuredKafkaTest {
    static KafkaBroker broker;
    @TempDir
    static Path root;
    static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\" "
            + "password=\"alice-secret\";";
    static final List<String> CLIENT = List.of("security.protocol=SASL_PLAINTEXT", "sasl.mechanism=PLAIN", "sasl.jaas.config=" + JAAS);

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.start(root.resolve("kafka"), 240, Map.of("alice", "alice-secret"));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    static StreamSettings settings(String prefix, KafkaConnection kafka) {
        return StreamSettings.builder(broker.saslBootstrapServers(), StreamingEndToEndTest.config()).prefix(prefix)
                .checkpoints(root.resolve(prefix + "-checkpoints").toString(), 500).publish(0, 0, 3).bounded(true)
                .maxRecordBytes(4096).kafka(kafka).build();
    }

    /** The most examples any published snapshot on {@code topic} holds, read over the SASL listener. */
    static long examplesPublished(String topic, Properties client) throws Exception {
        long most = 0;
        for (var r : KafkaTestSupport.readAll(broker.saslBootstrapServers(), topic, 1, 30, client)) {
            most = Math.max(most, ModelReader.readHeader(r.value(), "s").examples());
        }
        return most;
    }

    static void produce(String topic, List<String> lines, long t0, Properties client) throws Exception {
        KafkaTestSupport.produce(broker.saslBootstrapServers(), topic, KafkaTestSupport.utf8(lines), t0, client);
    }

    @Test
    void theJobRunsThroughASaslListenerAndOthersAreRefused() throws Exception {
        int n = 400;
        long t0 = 1_700_000_000_000L;
        KafkaConnection kafka = KafkaConnection.of(null, CLIENT, "earliest");
        StreamSettings s = settings("sasl", kafka);
        broker.createTopics(List.of(s.inputTopic(), s.snapshotsTopic(), s.predictionsTopic(), s.deadLettersTopic()),
                s.snapshotsTopic());
        produce(s.inputTopic(), StreamingEndToEndTest.simulated(n), t0, kafka.asProperties());
        assertFalse(s.toString().contains("alice-secret"), "the settings never show a secret: " + s);

        StreamExecutionEnvironment env = AfmStreamJob.environment(s);
        AfmStreamJob.build(env, s);
        env.execute("afm-sasl");
        assertEquals(n, examplesPublished(s.snapshotsTopic(), kafka.asProperties()), "trained and published through SASL");

        // without credentials: the SASL listener does not answer a plaintext client
        try (KafkaConsumer<byte[], byte[]> c = KafkaClients.consumer(broker.saslBootstrapServers())) {
            assertThrows(org.apache.kafka.common.errors.TimeoutException.class,
                    () -> c.partitionsFor(s.snapshotsTopic(), Duration.ofSeconds(5)));
        }
        // a wrong password: refused by the broker
        Properties wrong = KafkaConnection.of(null, List.of("security.protocol=SASL_PLAINTEXT", "sasl.mechanism=PLAIN",
                "sasl.jaas.config=" + JAAS.replace("alice-secret", "guess")), "earliest").asProperties();
        try (KafkaConsumer<byte[], byte[]> c = KafkaClients.consumer(broker.saslBootstrapServers(), wrong)) {
            assertThrows(SaslAuthenticationException.class, () -> c.partitionsFor(s.snapshotsTopic(), Duration.ofSeconds(20)));
        }
    }

    @Test
    void startingOffsetsByTimestampSkipTheEarlierRecords() throws Exception {
        int n = 400;
        long t0 = 1_700_000_000_000L;
        Properties client = KafkaConnection.of(null, CLIENT, "earliest").asProperties();
        StreamSettings s = settings("from-ts", KafkaConnection.of(null, CLIENT, "timestamp:" + (t0 + n / 4)));
        broker.createTopics(List.of(s.inputTopic(), s.snapshotsTopic(), s.predictionsTopic(), s.deadLettersTopic()),
                s.snapshotsTopic());
        produce(s.inputTopic(), StreamingEndToEndTest.simulated(n), t0, client);
        StreamExecutionEnvironment env = AfmStreamJob.environment(s);
        AfmStreamJob.build(env, s);
        env.execute("afm-from-timestamp");
        assertEquals(n - n / 4, examplesPublished(s.snapshotsTopic(), client), "the records from the timestamp on, each once");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> KafkaConnection.of(null, List.of(), "yesterday"))
                .getMessage().contains("earliest, latest, committed or timestamp:MS"));
    }
}
