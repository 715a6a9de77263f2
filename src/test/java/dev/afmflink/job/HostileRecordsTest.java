package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.afmflink.data.EventDecoder;
import dev.afmflink.data.EventFuzzer;
import dev.afmflink.data.EventLimits;
import dev.afmflink.embedded.ClickSimulator;
import dev.afmflink.embedded.KafkaBroker;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Loss;
import dev.afmflink.snapshot.ModelReader;
import dev.afmflink.snapshot.SnapshotChain;
import dev.afmflink.snapshot.SnapshotFolders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No record can fail the job (issue 18, each row of its table, through Kafka and the job on
 * RocksDB, with no restart allowed: any task failure fails the run): model keys of 5,000
 * characters, an event of 10,000 features, keys {@code a/b} and {@code a_b}, times of −5 and of
 * the year 2286, and 2,000 fuzzed records. The job finishes; each is dead-lettered with its reason;
 * the other models are the ones a run without them publishes, bit for bit; the two colliding keys
 * are two models in two folders.
 */
class HostileRecordsTest {
    static KafkaBroker broker;
    static Path root;
    static final long T0 = 1_700_000_000_000L;

    @BeforeAll
    static void startBroker(@TempDir Path dir) throws Exception {
        root = dir;
        broker = KafkaBroker.start(dir.resolve("kafka"), 240);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    static final String LONG_KEY = "k".repeat(200); // valid (under 256 characters), longer than a folder name

    static List<String> clean() {
        List<String> out = new ArrayList<>();
        ClickSimulator sim = new ClickSimulator(11);
        String[] keys = {"default", "a/b", "a_b", LONG_KEY};
        for (int i = 0; i < 1600; i++) {
            out.add(sim.nextExampleJson(T0 + i * 1000L, keys[i % 4]));
        }
        return out;
    }

    static StreamSettings settings(String prefix) {
        return StreamSettings.builder(broker.bootstrapServers(), StreamingEndToEndTest.config()).prefix(prefix)
                .checkpoints(root.resolve(prefix + "-checkpoints").toString(), 500).publish(0, 400, 3)
                .snapshotDir(root.resolve(prefix + "-models").toString()).bounded(true).build();
    }

    /** Runs the job on {@code events}; no restart: a task failure fails this call. */
    static StreamSettings run(String prefix, List<String> events) throws Exception {
        StreamSettings s = settings(prefix);
        broker.createTopics(List.of(s.inputTopic(), s.snapshotsTopic(), s.predictionsTopic(), s.deadLettersTopic()),
                s.snapshotsTopic());
        List<byte[]> raw = new ArrayList<>();
        events.forEach(e -> raw.add(e.getBytes(StandardCharsets.UTF_8)));
        KafkaTestSupport.produce(broker.bootstrapServers(), s.inputTopic(), raw, T0);
        Configuration conf = AfmStreamJob.configuration(s);
        conf.setString("restart-strategy.type", "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        AfmStreamJob.build(env, s);
        env.execute(prefix); // throws if any task failed
        return s;
    }

    @Test
    void hostileRecordsAreDeadLetteredAndTheOtherModelsTrainAsWithoutThem() throws Exception {
        List<String> clean = clean();
        List<String> hostile = new ArrayList<>(clean);
        String longKey = "x".repeat(5000);
        for (int i = 0; i < 6; i++) {
            hostile.add(50 + 200 * i, "{\"type\":\"example\",\"id\":\"long-" + i + "\",\"ts\":" + (T0 + 1000L * (50 + 200 * i))
                    + ",\"model\":\"" + longKey + "\",\"label\":1,\"features\":{\"a\":\"b\",\"c\":\"d\"}}");
        }
        StringBuilder many = new StringBuilder("{\"type\":\"example\",\"id\":\"many\",\"ts\":" + (T0 + 300_000) + ",\"label\":0,\"features\":{");
        for (int i = 0; i < 10_000; i++) {
            many.append(i == 0 ? "" : ",").append("\"f").append(i).append("\":\"v").append(i).append('"');
        }
        hostile.add(300, many.append("}}").toString());
        hostile.add(400, "{\"type\":\"example\",\"id\":\"neg\",\"ts\":-5,\"label\":1,\"features\":{\"a\":\"b\"}}");
        hostile.add(500, "{\"type\":\"impression\",\"id\":\"future\",\"ts\":9999999999999,\"features\":{\"a\":\"b\"}}");
        // fuzzed records: those the job can use go to the model "fuzz" only (the others' models are compared below)
        EventDecoder judge = new EventDecoder(Loss.LOGISTIC, 1 << 20, EventLimits.DEFAULT, System::currentTimeMillis);
        EventFuzzer fuzz = new EventFuzzer(7, T0);
        int fuzzed = 0;
        while (fuzzed < 2000) {
            byte[] r = fuzz.next();
            String s = new String(r, StandardCharsets.UTF_8);
            if (!java.util.Arrays.equals(s.getBytes(StandardCharsets.UTF_8), r)) {
                continue; // not UTF-8: the broker's test producer here sends text
            }
            try {
                if (!judge.decode(r, "x", T0).model().equals("fuzz")) {
                    continue;
                }
            } catch (EventDecoder.BadEventException bad) {
                // dead-lettered: kept
            }
            hostile.add(600 + fuzzed % 900, s);
            fuzzed++;
        }
        StreamSettings a = run("clean", clean);
        long decodedBefore = FetcherDecoding.DECODED.get();
        StreamSettings b = run("hostile", hostile);
        // every record was decoded by the source's fetcher thread, ahead of the task thread (the job's path)
        assertTrue(FetcherDecoding.DECODED.get() - decodedBefore >= hostile.size(),
                (FetcherDecoding.DECODED.get() - decodedBefore) + " of " + hostile.size() + " records decoded by the fetcher");

        // dead letters with their reasons
        Map<String, Long> reasons = new TreeMap<>();
        ObjectMapper json = new ObjectMapper();
        for (ConsumerRecord<byte[], byte[]> r : KafkaTestSupport.readAll(broker.bootstrapServers(), b.deadLettersTopic(), 9, 60)) {
            reasons.merge(json.readTree(r.value()).get("reason").asText(), 1L, Long::sum);
        }
        long dead = reasons.values().stream().mapToLong(Long::longValue).sum();
        long trainedFuzz = StreamingEndToEndTest.modelOf(
                KafkaTestSupport.readAll(broker.bootstrapServers(), b.snapshotsTopic(), 5, 60), "fuzz").shared().examples;
        String report = "fuzz (job on RocksDB, no restart allowed): records " + hostile.size() + " (" + clean.size()
                + " clean, " + (hostile.size() - clean.size()) + " hostile of which " + fuzzed + " fuzzed), trained "
                + (4 * 400 + trainedFuzz) + " (fuzz model " + trainedFuzz + "), dead-lettered " + dead + " by reason " + reasons
                + ", restarts 0\n";
        System.out.print(report);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "fuzz-job-report.txt"), report);
        assertTrue(reasons.getOrDefault(EventDecoder.BAD_MODEL_KEY, 0L) >= 6, reasons.toString());
        assertTrue(reasons.getOrDefault(EventDecoder.TOO_MANY_FEATURES, 0L) >= 1, reasons.toString());
        assertTrue(reasons.getOrDefault(EventDecoder.TS_OUT_OF_RANGE, 0L) >= 2, reasons.toString());
        for (String reason : reasons.keySet()) {
            assertTrue(EventDecoder.REASONS.contains(reason), reason);
        }
        // the other models: as without the hostile records, bit for bit
        List<ConsumerRecord<byte[], byte[]>> snapsA = KafkaTestSupport.readAll(broker.bootstrapServers(), a.snapshotsTopic(), 4, 60);
        List<ConsumerRecord<byte[], byte[]>> snapsB = KafkaTestSupport.readAll(broker.bootstrapServers(), b.snapshotsTopic(), 4, 60);
        for (String key : List.of("default", "a/b", "a_b", LONG_KEY)) {
            AfmModel expected = StreamingEndToEndTest.modelOf(snapsA, key);
            assertEquals(400, expected.shared().examples, key);
            StreamingEndToEndTest.assertSameBits(expected, StreamingEndToEndTest.modelOf(snapsB, key));
        }
        // a/b and a_b: two models in two folders, each read back as its own
        Path models = root.resolve("hostile-models");
        for (String key : List.of("a/b", "a_b", LONG_KEY)) {
            Path dir = models.resolve(SnapshotFolders.safe(key));
            assertTrue(Files.isDirectory(dir), dir.toString());
            SnapshotChain chain = SnapshotChain.loadFolder(dir);
            StreamingEndToEndTest.assertSameBits(StreamingEndToEndTest.modelOf(snapsB, key), chain.model());
            for (SnapshotFolders.Version v : SnapshotFolders.list(dir)) {
                assertEquals(key, ModelReader.readHeader(Files.readAllBytes(Path.of(v.file())), v.file()).modelKey());
            }
        }
        assertTrue(Files.isDirectory(models.resolve("a~2Fb")) && Files.isDirectory(models.resolve("a_b")));
    }
}
