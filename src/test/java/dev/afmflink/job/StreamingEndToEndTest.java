package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.afmflink.data.Event;
import dev.afmflink.data.EventDecoder;
import dev.afmflink.embedded.ClickSimulator;
import dev.afmflink.embedded.KafkaBroker;
import dev.afmflink.feedback.FeedbackMode;
import dev.afmflink.feedback.FeedbackReplay;
import dev.afmflink.lifecycle.FeatureLifecycle;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.FeatureParams;
import dev.afmflink.model.Loss;
import dev.afmflink.optim.OptimizerSpec;
import dev.afmflink.snapshot.ModelHeader;
import dev.afmflink.snapshot.ModelReader;
import dev.afmflink.snapshot.SnapshotChain;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pipeline end to end: a real Kafka broker (child process on 127.0.0.1) and a Flink
 * MiniCluster on RocksDB. The model the job publishes must equal the offline trainer's on the
 * same examples in the same order; bad records land in the dead-letter topic with their reasons;
 * a stop with savepoint and a restore end with the uninterrupted model and growing versions.
 */
class StreamingEndToEndTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int EXAMPLES = 3000;
    static KafkaBroker broker;
    static Path root;

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

    static AfmConfig config() {
        return new AfmConfig(8, 8, Loss.LOGISTIC, 1e-4, 0, 0, 0.9, 0.01, 3,
                OptimizerSpec.ftrl(0.1, 1, 0.5, 0), OptimizerSpec.adagrad(0.05, 1e-8), OptimizerSpec.adagrad(0.05, 1e-8));
    }

    /** "rocksdb", "hashmap", "forst", or one with "-float32": the state backend and the model's precision. */
    static AfmConfig config(String backendAndPrecision) {
        return backendAndPrecision.endsWith("-float32") ? config().withPrecision(dev.afmflink.model.Precision.FLOAT32) : config();
    }

    static StreamSettings settings(String prefix, boolean bounded) {
        return settings(prefix, bounded, "rocksdb");
    }

    static StreamSettings settings(String prefix, boolean bounded, String backend) {
        return StreamSettings.builder(broker.bootstrapServers(), config(backend)).prefix(prefix)
                .stateBackend(backend.replace("-float32", "")).checkpoints(root.resolve(prefix + "-checkpoints").toString(), 500)
                .publish(0, 500, 3).snapshotDir(root.resolve(prefix + "-models").toString()).bounded(bounded).maxRecordBytes(4096)
                .build();
    }

    static List<String> simulated(int n) {
        ClickSimulator sim = new ClickSimulator(11);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(sim.nextExampleJson(1_700_000_000_000L + i * 1000L, "default"));
        }
        return out;
    }

    static void createTopics(StreamSettings s) throws Exception {
        broker.createTopics(List.of(s.inputTopic(), s.snapshotsTopic(), s.predictionsTopic(), s.deadLettersTopic()),
                s.snapshotsTopic());
    }

    /** The offline trainer's model on the same events (decoded by the same decoder), in order. */
    static AfmModel offline(List<String> events) throws Exception {
        return offline(events, config());
    }

    static AfmModel offline(List<String> events, AfmConfig config) throws Exception {
        EventDecoder dec = new EventDecoder(Loss.LOGISTIC, 4096);
        AfmModel m = new AfmModel(config);
        for (String e : events) {
            Event ev;
            try {
                ev = dec.decode(e.getBytes(StandardCharsets.UTF_8), "x", 0);
            } catch (EventDecoder.BadEventException bad) {
                continue;
            }
            ev.features().label = ev.label();
            m.train(ev.features(), ev.ts());
        }
        return m;
    }

    static SnapshotChain chain(List<ConsumerRecord<byte[], byte[]>> snapshots, List<Long> versions) throws Exception {
        SnapshotChain chain = new SnapshotChain();
        for (ConsumerRecord<byte[], byte[]> r : snapshots) {
            versions.add(KafkaRecords.Snapshots.Meta.of(r).version()); // the value may be a pointer: the header says it
            chain.applyRecord(r.value(), "snapshot@" + r.offset());
        }
        return chain;
    }

    static void assertSameModel(AfmModel expected, AfmModel actual) {
        assertEquals(expected.shared().examples, actual.shared().examples, "examples");
        assertEquals(expected.config().precision(), actual.config().precision(), "precision");
        assertEquals(expected.shared().isFloat32(), actual.shared().isFloat32(), "precision of the shared parameters");
        assertClose(expected.shared().bias, actual.shared().bias, "bias");
        assertClose(wide(expected.shared().attn, expected.shared().attn32), wide(actual.shared().attn, actual.shared().attn32),
                "attention");
        assertClose(wide(expected.shared().attnSlots, expected.shared().attnSlots32),
                wide(actual.shared().attnSlots, actual.shared().attnSlots32), "attention slots");
        assertEquals(expected.features().size(), actual.features().size(), "feature count");
        for (long id : expected.features().sortedIds()) {
            FeatureParams e = expected.features().get(id);
            FeatureParams a = actual.features().get(id);
            assertNotNull(a, "feature " + id);
            assertEquals(e.isFloat32(), a.isFloat32(), "precision of feature " + id);
            assertClose(wide(e.data, e.data32), wide(a.data, a.data32), "feature " + id);
        }
    }

    /** The float64 array, or the float32 one widened (exactly). */
    static double[] wide(double[] d, float[] f) {
        if (d != null) {
            return d;
        }
        double[] w = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            w[i] = f[i];
        }
        return w;
    }

    static void assertClose(double[] a, double[] b, String what) {
        assertEquals(a.length, b.length, what);
        for (int i = 0; i < a.length; i++) {
            assertTrue(Math.abs(a[i] - b[i]) <= 1e-6 * Math.max(1, Math.abs(a[i])), what + "[" + i + "]: " + a[i] + " vs " + b[i]);
            assertTrue(Double.isFinite(b[i]), what + " not finite");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"rocksdb", "hashmap", "rocksdb-float32", "forst"})
    void publishedModelEqualsOfflineModelAndBadInputIsDeadLettered(String backend) throws Exception {
        StreamSettings s = settings("e2e-" + backend, true, backend);
        createTopics(s);
        List<String> events = new ArrayList<>(simulated(EXAMPLES));
        // one of each bad kind, spread through the stream
        Map<String, String> bad = new HashMap<>();
        bad.put("{not json", EventDecoder.UNDECODABLE);
        bad.put("{\"type\":\"example\",\"ts\":1,\"label\":1,\"features\":{\"a\":\"b\"}}", EventDecoder.MISSING_FIELD);
        bad.put("{\"type\":\"example\",\"id\":\"w\",\"ts\":\"soon\",\"label\":1,\"features\":{\"a\":\"b\"}}", EventDecoder.WRONG_TYPE);
        bad.put("{\"type\":\"example\",\"id\":\"n\",\"ts\":1,\"label\":1,\"features\":{\"price\":NaN}}", EventDecoder.NON_FINITE);
        bad.put("{\"type\":\"example\",\"id\":\"i\",\"ts\":1,\"label\":1,\"features\":{\"price\":Infinity}}", EventDecoder.NON_FINITE);
        bad.put("{\"type\":\"example\",\"id\":\"l\",\"ts\":1,\"label\":3,\"features\":{\"a\":\"b\"}}", EventDecoder.LABEL_OUT_OF_RANGE);
        bad.put("{\"type\":\"example\",\"id\":\"e\",\"ts\":1,\"label\":1,\"features\":{}}", EventDecoder.EMPTY_FEATURES);
        bad.put("{\"type\":\"example\",\"id\":\"o\",\"ts\":1,\"label\":1,\"features\":{\"a\":\"" + "x".repeat(5000) + "\"}}",
                EventDecoder.OVERSIZE);
        int at = 100;
        for (String b : bad.keySet()) {
            events.add(at, b);
            at += 300;
        }
        KafkaTestSupport.produce(broker.bootstrapServers(), s.inputTopic(), KafkaTestSupport.utf8(events), 1_700_000_000_000L);

        Configuration conf = AfmStreamJob.configuration(s);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        AfmStreamJob.build(env, s);
        env.execute("afm-e2e");

        List<ConsumerRecord<byte[], byte[]>> snaps = KafkaTestSupport.readAll(broker.bootstrapServers(), s.snapshotsTopic(),
                EXAMPLES / 500, 120);
        List<Long> versions = new ArrayList<>();
        SnapshotChain chain = chain(snaps, versions);
        for (int i = 1; i < versions.size(); i++) {
            assertTrue(versions.get(i) > versions.get(i - 1), "versions grow: " + versions);
        }
        assertEquals(EXAMPLES / 500, versions.size(), "one publish per 500 examples: " + versions);
        AfmModel expected = offline(events, s.config());
        assertEquals(EXAMPLES, expected.shared().examples);
        assertSameModel(expected, chain.model());
        assertSameBits(expected, chain.model()); // the job and the offline trainer run the same steps in the same order

        // the folder sink holds the same model: latest full + its deltas, loaded without Flink
        AfmModel fromFolders = ModelReader.load(Path.of(s.snapshotDir()).resolve("default")).model();
        assertSameModel(expected, fromFolders);

        // published full + deltas reproduce the operator's progressive predictions
        List<ConsumerRecord<byte[], byte[]>> preds = KafkaTestSupport.readAll(broker.bootstrapServers(),
                s.predictionsTopic(), EXAMPLES, 120);
        assertEquals(EXAMPLES, preds.size());
        SnapshotChain replay = new SnapshotChain();
        EventDecoder dec = new EventDecoder(Loss.LOGISTIC, 4096);
        List<String> good = new ArrayList<>(events);
        good.removeAll(bad.keySet());
        int checked = 0;
        for (ConsumerRecord<byte[], byte[]> r : snaps) {
            replay.apply(r.value(), "s");
            long n = replay.model().shared().examples; // the next example (index n) was predicted by this model
            if (n < EXAMPLES) {
                Event ev = dec.decode(good.get((int) n).getBytes(StandardCharsets.UTF_8), "x", 0);
                double p = replay.model().predict(ev.features());
                JsonNode pj = JSON.readTree(preds.get((int) n).value());
                assertEquals(pj.get("prediction").asDouble(), p, 1e-12, "prediction of example " + n);
                checked++;
            }
        }
        assertEquals(versions.size() - 1, checked);

        // every bad kind is in the dead-letter topic with its reason
        List<ConsumerRecord<byte[], byte[]>> dead = KafkaTestSupport.readAll(broker.bootstrapServers(), s.deadLettersTopic(),
                bad.size(), 60);
        Map<String, Integer> reasons = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : dead) {
            JsonNode d = JSON.readTree(r.value());
            reasons.merge(d.get("reason").asText(), 1, Integer::sum);
            assertTrue(d.get("detail").asText().length() > 0);
        }
        Map<String, Integer> expectedReasons = new HashMap<>();
        for (String reason : bad.values()) {
            expectedReasons.merge(reason, 1, Integer::sum);
        }
        assertEquals(expectedReasons, reasons);
    }

    @Test
    void stopWithSavepointAndRestoreEndsWithTheUninterruptedModel() throws Exception {
        StreamSettings unbounded = settings("restore", false);
        createTopics(unbounded);
        List<String> events = simulated(EXAMPLES);
        int half = EXAMPLES / 2;
        KafkaTestSupport.produce(broker.bootstrapServers(), unbounded.inputTopic(),
                KafkaTestSupport.utf8(events.subList(0, half)), 1_700_000_000_000L);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(AfmStreamJob.configuration(unbounded));
        AfmStreamJob.build(env, unbounded);
        JobClient job = env.executeAsync("afm-first-half");
        // wait until the job has trained the first half but the examples event time has not reached yet (ordered mode:
        // the out-of-orderness bound), then stop it with a savepoint
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < deadline
                && KafkaTestSupport.readAll(broker.bootstrapServers(), unbounded.predictionsTopic(), 1, 2).size() < half - 10) {
            Thread.sleep(200);
        }
        Thread.sleep(1000);
        String savepoint = job.stopWithSavepoint(false, root.resolve("savepoints").toUri().toString(),
                SavepointFormatType.CANONICAL).get(180, TimeUnit.SECONDS);
        int firstRun = KafkaTestSupport.readAll(broker.bootstrapServers(), unbounded.predictionsTopic(), 1, 5).size();
        assertTrue(firstRun >= half - 10 && firstRun < half, "the first run trained the first half up to its event time: " + firstRun);
        // the rest of the stream arrives while the job is down, then an event of another key, later, moves event time past all
        List<String> rest = new ArrayList<>(events.subList(half, EXAMPLES));
        rest.add(lateMarker(1_700_000_000_000L + 3_600_000_000L));
        KafkaTestSupport.produce(broker.bootstrapServers(), unbounded.inputTopic(),
                KafkaTestSupport.utf8(rest), 1_700_000_000_000L + half);

        // restore (the splits in the savepoint are unbounded, so this run is too): wait for the
        // snapshot that covers every example, then cancel
        Configuration conf = AfmStreamJob.configuration(unbounded);
        conf.setString("execution.savepoint.path", savepoint);
        StreamExecutionEnvironment env2 = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        AfmStreamJob.build(env2, unbounded);
        JobClient job2 = env2.executeAsync("afm-second-half");
        StreamSettings bounded = unbounded;
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        boolean done = false;
        while (!done && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : KafkaTestSupport.readAll(broker.bootstrapServers(),
                    unbounded.snapshotsTopic(), 1, 2)) {
                done |= ModelReader.readHeader(r.value(), "s").examples() == EXAMPLES;
            }
            Thread.sleep(200);
        }
        job2.cancel().get(60, TimeUnit.SECONDS);
        assertTrue(done, "the restored job published the model of all " + EXAMPLES + " examples");

        List<ConsumerRecord<byte[], byte[]>> snaps = KafkaTestSupport.readAll(broker.bootstrapServers(),
                bounded.snapshotsTopic(), EXAMPLES / 500, 120);
        List<Long> versions = new ArrayList<>();
        SnapshotChain chain = chain(snaps, versions);
        for (int i = 1; i < versions.size(); i++) {
            assertTrue(versions.get(i) > versions.get(i - 1), "versions strictly grow across the restart: " + versions);
        }
        assertSameModel(offline(events), chain.model());
        int predictions = KafkaTestSupport.readAll(broker.bootstrapServers(), bounded.predictionsTopic(), EXAMPLES, 60).size();
        assertEquals(EXAMPLES, predictions, "every example trained once across the two runs");
    }

    @Test
    void taskManagerFailureRestoresFromTheLastCheckpointWithTheSameModel() throws Exception {
        int n = 6000;
        StreamSettings s = failoverSettings("failover");
        createTopics(s);
        List<String> events = simulated(n);
        // ordered mode: examples train when event time reaches them; a last event of another key, later, moves it past all
        List<String> rest = new ArrayList<>(events.subList(n / 2, n));
        rest.add(lateMarker(1_700_000_000_000L + 3_600_000_000L));
        runThroughTaskManagerFailure(s, events.subList(0, n / 2), rest, n / 2 - 10, n);
        // replays after the restore re-publish versions already seen; the chain keeps the first of each
        List<Long> versions = new ArrayList<>();
        SnapshotChain chain = chain(KafkaTestSupport.readAll(broker.bootstrapServers(), s.snapshotsTopic(), 1, 30), versions);
        assertEquals(n, chain.model().shared().examples);
        assertSameModel(offline(events), chain.model());
    }

    /**
     * The whole feedback loop against an offline replay of its semantics, in each feedback mode:
     * impressions and delayed clicks through the Kafka source (watermarks per step of event time),
     * the event-time join and the trainer give the same model as {@link FeedbackReplay} in plain
     * Java; each impression is judged once, by the score the model gave it when it arrived; in the
     * ordered mode the model is the offline trainer's on the impressions in event-time order with
     * their final labels, bit for bit. A last event an hour later moves event time past every
     * window, so every impression gets its final label.
     */
    @ParameterizedTest
    @EnumSource(FeedbackMode.class)
    void clickStreamModelEqualsAnOfflineReplayOfTheJoin(FeedbackMode mode) throws Exception {
        long window = 10_000;
        long bound = 200;
        String prefix = "clicks-e2e-" + mode.id();
        StreamSettings s = settings(prefix, true).withFeedback(
                new FeedbackSettings(window, bound, 0, 60_000, dev.afmflink.metrics.QualityGate.OPEN, prefix + "-metrics", mode));
        createTopics(s);
        broker.createTopics(List.of(s.feedback().metricsTopic()), null);
        List<String> events = new ArrayList<>();
        new ClickSimulator(17).clickStream(3000, 1_700_000_000_000L, 250, "default").forEachRemaining(events::add);
        events.add(lateMarker(1_700_000_000_000L + 3_600_000L));
        KafkaTestSupport.produce(broker.bootstrapServers(), s.inputTopic(), KafkaTestSupport.utf8(events), 1_700_000_000_000L);
        // an own MiniCluster, so its metrics can be read when the job has finished and before it stops
        org.apache.flink.runtime.testutils.InMemoryReporter reporter =
                org.apache.flink.runtime.testutils.InMemoryReporter.createWithRetainedMetrics();
        Configuration conf = reporter.addToConfiguration(AfmStreamJob.configuration(s));
        MiniCluster cluster = startCluster(conf, 1, 1);
        Map<String, org.apache.flink.metrics.Metric> flink = new HashMap<>();
        try {
            JobID jobId = submit(cluster, conf, s);
            assertTrue(cluster.requestJobResult(jobId).get(300, TimeUnit.SECONDS).isSuccess());
            reporter.getMetricsByGroup().forEach((group, byName) -> byName.forEach((name, metric) ->
                    flink.put(group.getMetricIdentifier(name) + "#" + System.identityHashCode(metric),
                            metric instanceof org.apache.flink.metrics.Gauge<?> g ? frozen(g.getValue()) : metric)));
        } finally {
            cluster.closeAsync().get(60, TimeUnit.SECONDS);
        }

        FeedbackReplay replay = replay(events, mode, window, bound);
        AfmModel expected = replay.model();
        List<ConsumerRecord<byte[], byte[]>> snaps = KafkaTestSupport.readAll(broker.bootstrapServers(), s.snapshotsTopic(), 6, 120);
        AfmModel streamed = modelOf(snaps, "default");
        assertSameModel(expected, streamed);
        assertEquals(3000, replay.judged().stream().filter(j -> j.id().startsWith("imp-")).count(), "every impression judged once");
        if (mode == FeedbackMode.ORDERED) {
            AfmModel ideal = offlineInEventOrder(events, window);
            assertEquals(3000, ideal.shared().examples);
            assertSameBits(ideal, streamed);
        } else if (mode == FeedbackMode.FAKE_NEGATIVE) {
            assertTrue(streamed.shared().examples > 3000, "every impression once as a negative, every click once more");
        }

        List<ConsumerRecord<byte[], byte[]>> preds = KafkaTestSupport.readAll(broker.bootstrapServers(), s.predictionsTopic(), 3001, 120);
        ObjectMapper json = new ObjectMapper();
        java.util.Set<String> judgedIds = new java.util.HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : preds) {
            var p = json.readTree(r.value());
            String id = p.get("id").asText();
            if (!id.startsWith("imp-")) {
                continue; // the marker
            }
            assertTrue(judgedIds.add(id), "judged once: " + id);
            Double atImpression = replay.scoredAt().get(id);
            assertNotNull(atImpression, p.toString());
            assertEquals(Loss.LOGISTIC.prediction(atImpression), p.get("prediction").asDouble(), 1e-12,
                    "judged by the score at impression" + (mode == FeedbackMode.ORDERED ? " (when event time reached it)" : "")
                            + ": " + p);
        }
        assertEquals(3000, judgedIds.size());
        // validation windows of one minute of impression time: 3000 impressions at 4/s fill 13 of them
        List<ConsumerRecord<byte[], byte[]>> metrics = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : KafkaTestSupport.readAll(broker.bootstrapServers(), s.feedback().metricsTopic(), 13, 60)) {
            if (json.readTree(r.value()).get("model").asText().equals("default")) {
                metrics.add(r);
            }
        }
        assertEquals(13, metrics.size());
        long judged = 0;
        long previousEnd = Long.MIN_VALUE;
        for (ConsumerRecord<byte[], byte[]> r : metrics) {
            var w = json.readTree(r.value());
            assertEquals("window", w.get("event").asText());
            assertEquals(60_000, w.get("windowEnd").asLong() - w.get("windowStart").asLong());
            assertTrue(w.get("windowStart").asLong() >= previousEnd, "windows close in event-time order");
            previousEnd = w.get("windowEnd").asLong();
            assertTrue(w.get("loss").asDouble() > 0 && w.get("calibration").asDouble() > 0, w.toString());
            judged += w.get("n").asLong();
        }
        assertEquals(3000, judged, "every judged impression in exactly one window");

        // the same figures as Flink metrics: per model key, of the last closed window; join and trainer counters
        var last = json.readTree(metrics.get(metrics.size() - 1).value());
        assertEquals(last.get("auc").asDouble(), ((Number) gauge(flink, ".afm.model.default.progressiveAuc")).doubleValue(), 1e-12);
        assertEquals(last.get("loss").asDouble(), ((Number) gauge(flink, ".afm.model.default.progressiveLoss")).doubleValue(), 1e-12);
        assertEquals(last.get("calibration").asDouble(), ((Number) gauge(flink, ".afm.model.default.calibration")).doubleValue(), 1e-12);
        assertEquals(3000, counter(flink, ".afm.impressionsScored"));
        assertEquals(3000, counter(flink, ".join.labelledClicked") + counter(flink, ".join.labelledNotClicked"));
        assertEquals(expected.shared().examples + 1, counter(flink, ".afm.examples"), "the model's steps and the marker's");
        assertEquals(0, counter(flink, ".afm.unlabelledAtEnd"));
    }

    /**
     * Feature lifecycle end to end: an open vocabulary (new users and ads keep arriving), admission
     * at the second example and a one-minute TTL, event-time publish ticks: the job's model is
     * {@link FeedbackReplay}'s with the same lifecycle, bit for bit, and the chain of published
     * deltas (with their deletions) ends at it; without the lifecycle the model would hold every id.
     */
    @Test
    void openVocabularyWithAdmissionAndExpiryEqualsTheReplay() throws Exception {
        long window = 10_000;
        long bound = 200;
        String prefix = "lifecycle-e2e";
        FeatureLifecycle lifecycle = FeatureLifecycle.of(2, 60_000);
        StreamSettings base = settings(prefix, true);
        // the snapshot folders through Flink's file systems on a scheme loaded as a remote one's plugin is, with an object
        // store's semantics (no rename: the marker commits a version), and every snapshot a pointer on the topic
        dev.afmflink.snapshot.SnapshotStorage.register(FlinkSnapshotStorage::forLocation);
        String snapshotUri = ObjectStoreFileSystem.SCHEME + "://" + java.nio.file.Path.of(base.snapshotDir()).toAbsolutePath();
        int renames = ObjectStoreFileSystem.RENAMES.get();
        StreamSettings s = StreamSettings.builder(base.bootstrapServers(), base.config())
                .topics(base.inputTopic(), base.snapshotsTopic(), base.predictionsTopic(), base.deadLettersTopic())
                .groupId(base.groupId()).stateBackend(base.stateBackend()).checkpoints(base.checkpointDir(), base.checkpointIntervalMs())
                .publish(5000, 0, 4).snapshotDir(snapshotUri).bounded(true).maxRecordBytes(4096).build()
                .withFeedback(new FeedbackSettings(window, bound, 0, 60_000, dev.afmflink.metrics.QualityGate.OPEN, null,
                        FeedbackMode.ORDERED))
                .withLifecycle(lifecycle)
                .withSnapshots(new StreamSettings.SnapshotOptions(false, 0));
        createTopics(s);
        List<String> events = new ArrayList<>();
        // clicks within seconds (the default delays reach past ten minutes and would move event time past every TTL)
        new ClickSimulator(23).openVocabulary().clickStream(3000, 1_700_000_000_000L, 250, "default",
                ClickSimulator.ClickDelay.parse("exp:2000"), true).forEachRemaining(events::add);
        // past every window (the impressions end at 750 s) but within the TTL of the last minute's features
        events.add(lateMarker(1_700_000_000_000L + 790_000L));
        KafkaTestSupport.produce(broker.bootstrapServers(), s.inputTopic(), KafkaTestSupport.utf8(events), 1_700_000_000_000L);
        MiniCluster cluster = startCluster(AfmStreamJob.configuration(s), 1, 1);
        try {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(AfmStreamJob.configuration(s));
            AfmStreamJob.build(env, s);
            JobID jobId = cluster.submitJob(env.getStreamGraph()).get(60, TimeUnit.SECONDS).getJobID();
            assertTrue(cluster.requestJobResult(jobId).get(300, TimeUnit.SECONDS).isSuccess());
        } finally {
            cluster.closeAsync().get(60, TimeUnit.SECONDS);
        }
        FeedbackReplay replay = replay(events, FeedbackMode.ORDERED, window, bound, lifecycle);
        FeedbackReplay unbounded = replay(events, FeedbackMode.ORDERED, window, bound, FeatureLifecycle.NONE);
        List<ConsumerRecord<byte[], byte[]>> snaps = KafkaTestSupport.readAll(broker.bootstrapServers(), s.snapshotsTopic(), 3, 120);
        AfmModel streamed = modelOf(snaps, "default");
        assertSameBits(replay.model(), streamed);
        assertEquals(3000, replay.model().shared().examples);
        int live = replay.model().features().size();
        int all = unbounded.model().features().size();
        assertTrue(live > 50 && live < all * 0.6, "the lifecycle keeps " + live + " of " + all + " features");
        assertTrue(replay.pendingCounts() > 0, "ids seen once wait with a count");
        for (ConsumerRecord<byte[], byte[]> r : snaps) {
            assertTrue(dev.afmflink.snapshot.SnapshotPointer.isPointer(r.value()), "inline limit 0: every record a pointer");
        }
        assertEquals(renames, ObjectStoreFileSystem.RENAMES.get(), "nothing renamed on the object store");
        // the folders hold the same chain: the latest full snapshot and its deltas load to the same model
        assertSameBits(streamed, dev.afmflink.snapshot.ModelReader.load(s.snapshotDir() + "/default", null).model());
    }

    /** A labelled example of another model key, far later: moves event time past every window (its own label never matters). */
    static String lateMarker(long ts) {
        return "{\"type\":\"example\",\"id\":\"late-marker\",\"ts\":" + ts
                + ",\"model\":\"marker\",\"label\":0,\"features\":{\"a\":\"b\"}}";
    }

    /** The job's semantics in plain Java on the events of the default model key. */
    static FeedbackReplay replay(List<String> events, FeedbackMode mode, long window, long bound) throws Exception {
        return replay(events, mode, window, bound, FeatureLifecycle.NONE);
    }

    static FeedbackReplay replay(List<String> events, FeedbackMode mode, long window, long bound, FeatureLifecycle lifecycle)
            throws Exception {
        return replay(events, "default", config(), mode, window, bound, lifecycle);
    }

    /** The job's semantics in plain Java on the events of model key {@code key} (the others only move event time). */
    static FeedbackReplay replay(List<String> events, String key, AfmConfig config, FeedbackMode mode, long window, long bound,
                                 FeatureLifecycle lifecycle) throws Exception {
        EventDecoder dec = new EventDecoder(config.loss(), 4096);
        FeedbackReplay r = new FeedbackReplay(config, mode, window, bound, AfmStreamJob.WATERMARK_STEP_MS).withLifecycle(lifecycle);
        for (String raw : events) {
            Event e = dec.decode(raw.getBytes(StandardCharsets.UTF_8), "x", 0);
            if (e.model().equals(key)) {
                r.accept(e);
            } else {
                r.advanceTo(e.ts()); // another key's event still moves event time
            }
        }
        r.end();
        return r;
    }

    /** The offline trainer on the impressions in event-time order (ties by id), each with its final label. */
    static AfmModel offlineInEventOrder(List<String> events, long window) throws Exception {
        EventDecoder dec = new EventDecoder(Loss.LOGISTIC, 4096);
        List<Event> decoded = new ArrayList<>();
        for (String raw : events) {
            Event e = dec.decode(raw.getBytes(StandardCharsets.UTF_8), "x", 0);
            if (e.model().equals("default")) {
                decoded.add(e);
            }
        }
        AfmModel m = new AfmModel(config());
        FeedbackReplay.inEventOrder(m, decoded, window);
        return m;
    }

    /** The model of {@code key} from its snapshots on the topic (full + deltas). */
    static AfmModel modelOf(List<ConsumerRecord<byte[], byte[]>> snapshots, String key) throws Exception {
        List<ConsumerRecord<byte[], byte[]>> mine = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : snapshots) {
            if (new String(r.key(), StandardCharsets.UTF_8).equals(key)) {
                mine.add(r);
            }
        }
        return chain(mine, new ArrayList<>()).model();
    }

    static void assertSameBits(AfmModel expected, AfmModel actual) {
        dev.afmflink.model.SameBits.assertSameBits(expected, actual);
    }

    private static org.apache.flink.metrics.Gauge<Object> frozen(Object value) {
        return () -> value;
    }

    private static Object gauge(Map<String, org.apache.flink.metrics.Metric> metrics, String suffix) {
        List<Object> found = new ArrayList<>();
        metrics.forEach((k, v) -> {
            if (k.substring(0, k.lastIndexOf('#')).endsWith(suffix)) {
                found.add(((org.apache.flink.metrics.Gauge<?>) v).getValue());
            }
        });
        assertEquals(1, found.size(), suffix + " in " + metrics.keySet());
        return found.get(0);
    }

    private static long counter(Map<String, org.apache.flink.metrics.Metric> metrics, String suffix) {
        long sum = 0;
        int n = 0;
        for (Map.Entry<String, org.apache.flink.metrics.Metric> e : metrics.entrySet()) {
            if (e.getKey().substring(0, e.getKey().lastIndexOf('#')).endsWith(suffix)
                    && e.getValue() instanceof org.apache.flink.metrics.Counter c) {
                sum += c.getCount();
                n++;
            }
        }
        assertTrue(n > 0, suffix + " in " + metrics.keySet());
        return sum;
    }

    /**
     * A quiet partition does not stall labels: the input topic has two partitions, all events go
     * to one, and the job runs unbounded. Without idleness the empty partition would hold event
     * time at its start and no impression would ever be labelled 0; with it, labels follow the
     * data while the job runs.
     */
    @Test
    void quietPartitionDoesNotStallLabels() throws Exception {
        StreamSettings s = settings("quiet", false).withFeedback(
                new FeedbackSettings(2_000, 200, 500, 60_000, dev.afmflink.metrics.QualityGate.OPEN, null));
        try (var admin = broker.admin()) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(s.inputTopic(), 2, (short) 1)))
                    .all().get(60, TimeUnit.SECONDS);
        }
        broker.createTopics(List.of(s.snapshotsTopic(), s.predictionsTopic(), s.deadLettersTopic()), s.snapshotsTopic());
        List<String> events = new ArrayList<>();
        new ClickSimulator(19).clickStream(1000, 1_700_000_000_000L, 250, "default").forEachRemaining(events::add);
        KafkaTestSupport.produce(broker.bootstrapServers(), s.inputTopic(), KafkaTestSupport.utf8(events), 1_700_000_000_000L);
        StreamExecutionEnvironment env = AfmStreamJob.environment(s);
        AfmStreamJob.build(env, s);
        JobClient job = env.executeAsync("afm-quiet-partition");
        try {
            // all but the impressions of the last window (about 2.2 s of event time: 9) get their label while it runs
            List<ConsumerRecord<byte[], byte[]>> preds = List.of();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (preds.size() < 980 && System.nanoTime() < deadline) {
                preds = KafkaTestSupport.readAll(broker.bootstrapServers(), s.predictionsTopic(), 980, 2);
            }
            assertTrue(preds.size() >= 980, "labelled while running: " + preds.size() + " of 1000 impressions");
            ObjectMapper json = new ObjectMapper();
            long zeros = 0;
            for (ConsumerRecord<byte[], byte[]> r : preds) {
                zeros += json.readTree(r.value()).get("label").asDouble() == 0.0 ? 1 : 0;
            }
            assertTrue(zeros > 500, "unclicked impressions labelled 0 as event time passed their windows: " + zeros);
        } finally {
            job.cancel().get(60, TimeUnit.SECONDS);
        }
    }

    /**
     * The click-stream through a failure: impressions and delayed clicks, joined in event time,
     * a task manager killed half way. Every impression is trained exactly once: the model's example
     * counter ends at the number of impressions sent, never above it.
     */
    @ParameterizedTest
    @EnumSource(FeedbackMode.class)
    void clickStreamThroughAFailureTrainsEveryImpressionExactlyOnce(FeedbackMode mode) throws Exception {
        int n = 4000;
        StreamSettings s = failoverSettings("clicks-failover-" + mode.id())
                .withFeedback(new FeedbackSettings(2_000, 200, 500, 10_000, dev.afmflink.metrics.QualityGate.OPEN, null, mode));
        createTopics(s);
        List<String> events = new ArrayList<>();
        new ClickSimulator(13).clickStream(n, 1_700_000_000_000L, 50, "default").forEachRemaining(events::add);
        int impressions = (int) events.stream().filter(e -> e.startsWith("{\"type\":\"impression\"")).count();
        assertEquals(n, impressions);
        // a last event an hour later moves event time past every window (its own label never comes)
        events.add(lateMarker(1_700_000_000_000L + 3_600_000L));
        // training steps: one per impression (fake negative: one more per click within the window)
        long steps = replay(events, mode, 2_000, 200).model().shared().examples;
        assertTrue(mode == FeedbackMode.FAKE_NEGATIVE ? steps > n : steps == n, mode + ": " + steps);
        int half = events.size() / 2;
        long labelledBeforeKill = 1000; // wait for this many judged predictions before the kill
        runThroughTaskManagerFailure(s, events.subList(0, half), events.subList(half, events.size()), labelledBeforeKill, steps);
        long max = 0;
        for (ConsumerRecord<byte[], byte[]> r : KafkaTestSupport.readAll(broker.bootstrapServers(), s.snapshotsTopic(), 1, 10)) {
            if (new String(r.key(), StandardCharsets.UTF_8).equals("default")) {
                max = Math.max(max, ModelReader.readHeader(r.value(), "s").examples());
            }
        }
        assertEquals(steps, max, "every impression (and click) trained exactly once: the model's step counter");
    }

    /**
     * A bounded run that fails over ends, with the model of its whole input. A broker that stalls
     * for longer than the checkpoint timeout makes a checkpoint expire, and a failed checkpoint
     * fails the job over globally: the Kafka source's split enumerator is restored from the
     * checkpoint, and the connector's restored bounded enumerator never tells its readers that no
     * more splits will come (FLINK-31006). With {@link BoundedKafkaSource} the job must end FINISHED,
     * its last snapshot the offline model of every example, bit for bit; with the connector's source
     * alone it reads to the end and then waits for ever (RUNNING at the deadline).
     */
    @Test
    void aBoundedRunThatFailsOverEndsWithTheModelOfItsWholeInput() throws Exception {
        int n = 40_000;
        StreamSettings s = failoverSettings("bounded-failover", true);
        createTopics(s);
        List<String> events = simulated(n);
        KafkaTestSupport.produce(broker.bootstrapServers(), s.inputTopic(), KafkaTestSupport.utf8(events), 1_700_000_000_000L);
        Configuration conf = AfmStreamJob.configuration(s);
        // a stall longer than this fails a checkpoint (tolerable failed checkpoints: 0, Flink's default)
        conf.setString("execution.checkpointing.timeout", "3 s");
        MiniCluster cluster = startCluster(conf, 1, 2);
        try {
            JobID id = submit(cluster, conf, s);
            // a completed checkpoint first: the failover restores the source's enumerator from it
            java.nio.file.Path checkpoints = java.nio.file.Path.of(s.checkpointDir(), id.toString());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (System.nanoTime() < deadline && !completedCheckpoint(checkpoints)) {
                Thread.sleep(20);
            }
            assertTrue(completedCheckpoint(checkpoints), "a checkpoint completed in " + checkpoints);
            // the broker stalls mid-stream: the sinks' flush at the next barrier waits past the checkpoint timeout
            boolean failedOver;
            signal("STOP", broker.pid());
            try {
                failedOver = failsOver(cluster, id, 30);
            } finally {
                signal("CONT", broker.pid());
            }
            assertTrue(failedOver, "the expired checkpoint failed the job over");
            JobStatus status = null;
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline && (status == null || !status.isGloballyTerminalState())) {
                status = cluster.getJobStatus(id).get(30, TimeUnit.SECONDS);
                Thread.sleep(100);
            }
            assertEquals(JobStatus.FINISHED, status, "the bounded run that failed over ended");
        } finally {
            cluster.closeAsync().get(60, TimeUnit.SECONDS);
        }
        SnapshotChain chain = chain(KafkaTestSupport.readAll(broker.bootstrapServers(), s.snapshotsTopic(), 1, 30), new ArrayList<>());
        assertEquals(n, chain.model().shared().examples);
        assertSameModel(offline(events), chain.model());
    }

    /** True once a checkpoint of the job whose checkpoints go to {@code dir} has completed (its metadata written). */
    private static boolean completedCheckpoint(java.nio.file.Path dir) throws Exception {
        if (!java.nio.file.Files.isDirectory(dir)) {
            return false;
        }
        try (var chk = java.nio.file.Files.list(dir)) {
            return chk.anyMatch(c -> c.getFileName().toString().startsWith("chk-") && java.nio.file.Files.exists(c.resolve("_metadata")));
        }
    }

    private static void signal(String signal, long pid) throws Exception {
        // bash's own kill: no procps needed
        Process p = new ProcessBuilder("bash", "-c", "kill -" + signal + " " + pid).inheritIO().start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "kill -" + signal + " " + pid);
    }

    /**
     * Unbounded, RocksDB, checkpoints every 300 ms, a publish every 500 examples and every second,
     * parallelism 2, no folder sink: for the failover tests.
     */
    static StreamSettings failoverSettings(String prefix) {
        return failoverSettings(prefix, false);
    }

    /** The same, bounded (the input's end at start) or not. */
    static StreamSettings failoverSettings(String prefix, boolean bounded) {
        StreamSettings base = settings(prefix, false);
        return StreamSettings.builder(base.bootstrapServers(), base.config())
                .topics(base.inputTopic(), base.snapshotsTopic(), base.predictionsTopic(), base.deadLettersTopic())
                .groupId(base.groupId()).checkpoints(base.checkpointDir(), 300).publish(1000, 500, 3).parallelism(2)
                .maxRecordBytes(4096).bounded(bounded).build();
    }

    /** Submits the job of {@code s} to {@code cluster}. */
    static JobID submit(MiniCluster cluster, Configuration conf, StreamSettings s) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        AfmStreamJob.build(env, s);
        return cluster.submitJob(env.getStreamGraph()).get(60, TimeUnit.SECONDS).getJobID();
    }

    /** True once the job is seen failing or restarting within {@code seconds}. */
    static boolean failsOver(MiniCluster cluster, JobID id, long seconds) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < until) {
            JobStatus st = cluster.getJobStatus(id).get(10, TimeUnit.SECONDS);
            if (st == JobStatus.RESTARTING || st == JobStatus.FAILING) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    /** A started MiniCluster of {@code taskManagers} × {@code slots} on random ports. */
    static MiniCluster startCluster(Configuration conf, int taskManagers, int slots) throws Exception {
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder().setConfiguration(conf)
                .setNumTaskManagers(taskManagers).setNumSlotsPerTaskManager(slots).withRandomPorts().build());
        cluster.start();
        return cluster;
    }

    /**
     * Runs {@code s} on a MiniCluster with two task managers: {@code first} is sent, the job
     * trains until {@code predictionsBeforeKill} predictions are out, task manager 0 is killed
     * (the job must fail over), {@code rest} is sent while it restores, and the run ends when a
     * snapshot of the default model with {@code expectedExamples} examples is published.
     */
    static void runThroughTaskManagerFailure(StreamSettings s, List<String> first, List<String> rest,
                                             long predictionsBeforeKill, long expectedExamples) throws Exception {
        runThroughTaskManagerFailure(broker, s, first, rest, predictionsBeforeKill, expectedExamples);
    }

    /** As above, on {@code broker}. */
    static void runThroughTaskManagerFailure(KafkaBroker broker, StreamSettings s, List<String> first, List<String> rest,
                                             long predictionsBeforeKill, long expectedExamples) throws Exception {
        KafkaTestSupport.produce(broker.bootstrapServers(), s.inputTopic(), KafkaTestSupport.utf8(first), 1_700_000_000_000L);
        Configuration conf = AfmStreamJob.configuration(s);
        // one slot on each task manager, so task manager 0 surely runs a task
        conf.setString("taskmanager.load-balance.mode", "SLOTS");
        conf.setString("heartbeat.interval", "500");
        conf.setString("heartbeat.timeout", "4000");
        MiniCluster cluster = startCluster(conf, 2, 2);
        try {
            JobID id = submit(cluster, conf, s);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (System.nanoTime() < deadline && KafkaTestSupport.readAll(broker.bootstrapServers(), s.predictionsTopic(), 1, 1)
                    .size() < predictionsBeforeKill) {
                Thread.sleep(100);
            }
            Thread.sleep(700); // at least one checkpoint (every 300 ms) with trained state in it
            cluster.terminateTaskManager(0).get(60, TimeUnit.SECONDS);
            assertTrue(failsOver(cluster, id, 30), "killing task manager 0 failed the job over");
            // the rest of the stream arrives while the job restores from its last checkpoint
            KafkaTestSupport.produce(broker.bootstrapServers(), s.inputTopic(), KafkaTestSupport.utf8(rest),
                    1_700_000_000_000L + first.size());
            boolean done = false;
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!done && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : KafkaTestSupport.readAll(broker.bootstrapServers(),
                        s.snapshotsTopic(), 1, 2)) {
                    done |= new String(r.key(), StandardCharsets.UTF_8).equals("default")
                            && ModelReader.readHeader(r.value(), "s").examples() == expectedExamples;
                }
            }
            if (!done) {
                List<String> seen = new ArrayList<>();
                for (ConsumerRecord<byte[], byte[]> r : KafkaTestSupport.readAll(broker.bootstrapServers(), s.snapshotsTopic(), 1, 2)) {
                    ModelHeader h = ModelReader.readHeader(r.value(), "s");
                    seen.add(new String(r.key(), StandardCharsets.UTF_8) + ":v" + h.modelVersion() + "/" + h.examples());
                }
                fail("the restored job published no model of all " + expectedExamples + " examples; snapshots: " + seen
                        + "; predictions: " + KafkaTestSupport.readAll(broker.bootstrapServers(), s.predictionsTopic(), 1, 2).size()
                        + "; dead letters: " + KafkaTestSupport.readAll(broker.bootstrapServers(), s.deadLettersTopic(), 1, 2).size());
            }
            Thread.sleep(1000); // anything published after it would show a second training of some impression
            cluster.cancelJob(id).get(60, TimeUnit.SECONDS);
        } finally {
            cluster.closeAsync().get(60, TimeUnit.SECONDS);
        }
    }

    /**
     * The loop a stack closes: labelled examples train the job (a snapshot after each, so the
     * job's judged prediction for example i was made by version i − 1 — and scoring example i's
     * JSON event with version i − 1 gives the same number); `bin/afm serve`'s service follows the
     * snapshots topic; a request scores an event and writes it back as an impression; its click
     * comes; the job joins and trains them; the server then answers with a newer version whose
     * model has trained that impression.
     */
    @Test
    void servedImpressionsAndTheirClicksTrainTheModelTheServerFollows() throws Exception {
        StreamSettings base = settings("loop", false);
        long w = 2_000;
        StreamSettings s = StreamSettings.builder(base.bootstrapServers(), base.config())
                .topics(base.inputTopic(), base.snapshotsTopic(), base.predictionsTopic(), base.deadLettersTopic())
                .groupId(base.groupId()).stateBackend("hashmap").checkpoints(base.checkpointDir(), 500).publish(300, 1, 1000)
                .maxRecordBytes(4096).build()
                // immediate: every labelled example trains (and publishes) as it arrives, whatever event time does
                .withFeedback(new FeedbackSettings(w, 100, 0, 60_000, dev.afmflink.metrics.QualityGate.OPEN, null, FeedbackMode.IMMEDIATE));
        createTopics(s);
        long t0 = System.currentTimeMillis();
        List<String> seed = new ArrayList<>();
        ClickSimulator sim = new ClickSimulator(23);
        for (int i = 0; i < 20; i++) {
            seed.add(sim.nextExampleJson(t0 + i, "default").replace("\"ex-" + i + "\"", "\"seed-" + i + "\""));
        }
        KafkaTestSupport.produce(broker.bootstrapServers(), s.inputTopic(), KafkaTestSupport.utf8(seed), t0);
        StreamExecutionEnvironment env = AfmStreamJob.environment(s);
        AfmStreamJob.build(env, s);
        JobClient job = env.executeAsync("afm-serving-loop");
        dev.afmflink.serving.LiveModel live = new dev.afmflink.serving.LiveModel();
        try (var follower = dev.afmflink.serving.KafkaSnapshots.follow(broker.bootstrapServers(), s.snapshotsTopic(), "default", live);
             var impressions = new dev.afmflink.serving.KafkaSnapshots.Impressions(broker.bootstrapServers(), s.inputTopic(), "default");
             var server = dev.afmflink.serving.HttpModelServer.start(new dev.afmflink.serving.ScoringService("default", live,
                     impressions, System::currentTimeMillis), "127.0.0.1", 0, 2, 1 << 20)) {
            // the job's judged predictions against JSON-event scoring at the version before each example
            List<ConsumerRecord<byte[], byte[]>> preds = KafkaTestSupport.readAll(broker.bootstrapServers(), s.predictionsTopic(), 20, 120);
            assertEquals(20, preds.size());
            List<ConsumerRecord<byte[], byte[]>> snaps = KafkaTestSupport.readAll(broker.bootstrapServers(), s.snapshotsTopic(), 20, 120);
            Map<String, Double> judged = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : preds) {
                JsonNode p = JSON.readTree(r.value());
                judged.put(p.get("id").asText(), p.get("prediction").asDouble());
            }
            SnapshotChain chain = new SnapshotChain();
            for (int i = 1; i < 20; i++) { // version i holds examples 0..i-1; example i was judged by it
                chain.apply(snaps.get(i - 1).value(), "v" + i);
                assertEquals(i, chain.version());
                double served = chain.model().predict(dev.afmflink.data.ScoringReader.event(JSON.readTree(seed.get(i))));
                assertEquals(judged.get("seed-" + i), served, 1e-12, "example " + i + " at version " + i);
            }

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (live.info().version() < 20 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(20, live.info().version(), "the server follows the topic to the latest version");
            int port = server.port();
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            String event = "{\"id\":\"served-1\",\"features\":{\"user\":\"u3\",\"ad\":\"a7\",\"site\":\"s1\"}}";
            var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/v1/score"))
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(event)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
            assertEquals(20, JSON.readTree(response.body()).get(0).get("version").asLong());
            impressions.flush();
            // the click, then a later event that moves event time past the window
            long now = System.currentTimeMillis();
            KafkaTestSupport.produce(broker.bootstrapServers(), s.inputTopic(), KafkaTestSupport.utf8(List.of(
                    "{\"type\":\"click\",\"id\":\"served-1\",\"ts\":" + (now + 50) + "}",
                    lateMarker(now + 10 * w))), now);
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            long version = 0;
            while (System.nanoTime() < deadline) {
                var again = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/v1/model"))
                        .GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                JsonNode m = JSON.readTree(again.body());
                if (m.get("examples").asLong() == 21) {
                    version = m.get("version").asLong();
                    break;
                }
                Thread.sleep(100);
            }
            assertTrue(version > 20, "a newer version with the served impression trained (21 examples) reached the server");
            boolean joined = false;
            for (ConsumerRecord<byte[], byte[]> r : KafkaTestSupport.readAll(broker.bootstrapServers(), s.predictionsTopic(), 21, 30)) {
                JsonNode p = JSON.readTree(r.value());
                joined |= p.get("id").asText().equals("served-1") && p.get("label").asDouble() == 1.0;
            }
            assertTrue(joined, "the served impression was joined with its click (label 1)");
        } finally {
            job.cancel().get(60, TimeUnit.SECONDS);
        }
    }
}
