package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.embedded.ClickSimulator;
import dev.afmflink.embedded.KafkaBroker;
import dev.afmflink.feedback.FeedbackMode;
import dev.afmflink.lifecycle.FeatureLifecycle;
import dev.afmflink.metrics.QualityGate;
import dev.afmflink.model.AfmModel;
import dev.afmflink.snapshot.ModelReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A savepoint taken by the job as it was at 194ebe7 (before the trainer became wiring over plain
 * policies; issue 20) restores into today's job, which continues to the same model, bit for bit, as
 * an uninterrupted run of the whole stream. The savepoint (a click-stream half way: the join's
 * state, labels and impressions held by the ordered mode, validation windows, admission counts,
 * the model) is a test resource made by {@link #main} with that commit's code; state names and
 * operator uids must keep it readable.
 */
class SavepointCompatibilityTest {
    static final Path RESOURCE = Path.of("src/test/resources/savepoints/194ebe7-clickstream");
    static final long T0 = 1_767_225_600_000L;
    static final int IMPRESSIONS = 1500;

    static StreamSettings settings(String servers, Path root, String topic, boolean bounded) {
        return StreamSettings.builder(servers, StreamingEndToEndTest.config())
                .topics(topic, topic + "-snapshots", topic + "-predictions", topic + "-dead").groupId("sp-group")
                .checkpoints(root.resolve(topic + "-checkpoints").toString(), 500).publish(60_000, 0, 3).bounded(bounded).build()
                .withFeedback(new FeedbackSettings(60_000, 1000, 0, 300_000, QualityGate.OPEN, null, FeedbackMode.ORDERED))
                .withLifecycle(FeatureLifecycle.of(2, 7L * 86_400_000L));
    }

    /** The click-stream, and a last event of another key far later that moves event time past every window. */
    static List<String> events() {
        List<String> out = new ArrayList<>();
        new ClickSimulator(31).clickStream(IMPRESSIONS, T0, 250, "default").forEachRemaining(out::add);
        out.add(StreamingEndToEndTest.lateMarker(T0 + 30L * 86_400_000L));
        return out;
    }

    static void createTopics(KafkaBroker broker, StreamSettings s) throws Exception {
        broker.createTopics(List.of(s.inputTopic(), s.snapshotsTopic(), s.predictionsTopic(), s.deadLettersTopic()),
                s.snapshotsTopic());
    }

    /** The model of the default key as its last snapshot on the topic has it. */
    static AfmModel published(KafkaBroker broker, StreamSettings s) throws Exception {
        return StreamingEndToEndTest.modelOf(KafkaTestSupport.readAll(broker.bootstrapServers(), s.snapshotsTopic(), 1, 30), "default");
    }

    @Test
    void aSavepointOfTheEarlierJobRestoresToTheUninterruptedModel(@TempDir Path root) throws Exception {
        assertTrue(Files.exists(RESOURCE.resolve("_metadata")), "the savepoint resource is in the repository");
        List<String> events = events();
        int half = events.size() / 2;
        try (KafkaBroker broker = KafkaBroker.start(root.resolve("kafka"), 120)) {
            // the uninterrupted run
            StreamSettings whole = settings(broker.bootstrapServers(), root, "whole", true);
            createTopics(broker, whole);
            KafkaTestSupport.produce(broker.bootstrapServers(), whole.inputTopic(), KafkaTestSupport.utf8(events), T0);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(AfmStreamJob.configuration(whole));
            AfmStreamJob.build(env, whole);
            env.execute("whole");
            AfmModel expected = published(broker, whole);
            assertTrue(expected.shared().examples > IMPRESSIONS / 2, "trained " + expected.shared().examples);

            // the same records at the same offsets of the topic the savepoint read, then today's job from the savepoint
            StreamSettings restored = settings(broker.bootstrapServers(), root, "sp-in", false);
            createTopics(broker, restored);
            KafkaTestSupport.produce(broker.bootstrapServers(), restored.inputTopic(), KafkaTestSupport.utf8(events), T0);
            Configuration conf = AfmStreamJob.configuration(restored);
            conf.setString("execution.savepoint.path", RESOURCE.toAbsolutePath().toUri().toString());
            StreamExecutionEnvironment env2 = StreamExecutionEnvironment.getExecutionEnvironment(conf);
            AfmStreamJob.build(env2, restored);
            JobClient job = env2.executeAsync("restored");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            boolean done = false;
            while (!done && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : KafkaTestSupport.readAll(broker.bootstrapServers(), restored.snapshotsTopic(), 1, 2)) {
                    done |= new String(r.key()).equals("default")
                            && ModelReader.readHeader(r.value(), "s").examples() == expected.shared().examples;
                }
                Thread.sleep(200);
            }
            job.cancel().get(60, TimeUnit.SECONDS);
            assertTrue(done, "the restored job published the model of all " + expected.shared().examples + " examples");
            assertTrue(half > 0);
            StreamingEndToEndTest.assertSameBits(expected, published(broker, restored));
        }
    }

    /** Makes the savepoint resource: the first half of the stream through the job, stopped with a savepoint. */
    public static void main(String[] args) throws Exception {
        Path root = Files.createTempDirectory("afm-savepoint");
        List<String> events = events();
        int half = events.size() / 2;
        try (KafkaBroker broker = KafkaBroker.start(root.resolve("kafka"), 120)) {
            StreamSettings s = settings(broker.bootstrapServers(), root, "sp-in", false);
            createTopics(broker, s);
            KafkaTestSupport.produce(broker.bootstrapServers(), s.inputTopic(), KafkaTestSupport.utf8(events.subList(0, half)), T0);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(AfmStreamJob.configuration(s));
            AfmStreamJob.build(env, s);
            JobClient job = env.executeAsync("first-half");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline
                    && KafkaTestSupport.readAll(broker.bootstrapServers(), s.predictionsTopic(), 1, 2).size() < IMPRESSIONS / 4) {
                Thread.sleep(200);
            }
            Thread.sleep(2000);
            String savepoint = job.stopWithSavepoint(false, root.resolve("savepoints").toUri().toString(),
                    SavepointFormatType.CANONICAL).get(120, TimeUnit.SECONDS);
            Path from = Path.of(java.net.URI.create(savepoint));
            if (Files.exists(RESOURCE)) {
                try (Stream<Path> old = Files.walk(RESOURCE)) {
                    for (Path p : old.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
            Files.createDirectories(RESOURCE);
            try (Stream<Path> files = Files.list(from)) {
                for (Path f : files.toList()) {
                    Files.copy(f, RESOURCE.resolve(f.getFileName()));
                }
            }
            System.out.println("savepoint of the first " + half + " records written to " + RESOURCE);
        }
        System.exit(0);
    }
}
