package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.data.Event;
import dev.afmflink.data.EventDecoder;
import dev.afmflink.embedded.ClickSimulator;
import dev.afmflink.embedded.KafkaBroker;
import dev.afmflink.feedback.ReplicaReplay;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Loss;
import dev.afmflink.model.Precision;
import dev.afmflink.optim.OptimizerSpec;
import dev.afmflink.snapshot.ModelReader;
import dev.afmflink.sync.MergeRule;
import dev.afmflink.sync.ReplicaGroup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One model on two trainer subtasks, end to end: a real Kafka broker, a Flink MiniCluster on
 * RocksDB at parallelism 2, the replica keys' changes through the synchronization topic and back to
 * the model's merger. The published merged model is, bit for bit, the in-memory
 * {@link ReplicaGroup}'s on the same examples, routing, ticks, lag and rule: the loop in the job is a
 * function of the data.
 */
class ReplicaJobTest {
    static final int EXAMPLES = 1500;
    static final long START = 1_700_000_000_000L;
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
        return new AfmConfig(4, 4, Loss.LOGISTIC, 0, 0, 0, 1, 0.1, 3, OptimizerSpec.ftrl(0.1, 1, 0.5, 0),
                OptimizerSpec.adagrad(0.2, 0.1), OptimizerSpec.adagrad(0.05, 1e-8).withDecay(0.998), Precision.FLOAT32);
    }

    static final ReplicaSettings REPLICAS = new ReplicaSettings(2, 10_000, 1, MergeRule.MEAN_SHARED, "unused");

    static StreamSettings settings(String prefix, long checkpointMs) throws Exception {
        return settings(prefix, checkpointMs, null, List.of());
    }

    /** Routed by {@code routeField} (null: by impression id) with {@code local} rows kept by their owner alone. */
    static StreamSettings settings(String prefix, long checkpointMs, String routeField, List<String> local) throws Exception {
        ReplicaSettings replicas = new ReplicaSettings(REPLICAS.replicas(), REPLICAS.tickMs(), REPLICAS.lag(), REPLICAS.rule(),
                prefix + "-sync", routeField, local);
        StreamSettings s = StreamSettings.builder(broker.bootstrapServers(), config()).prefix(prefix)
                .checkpoints(root.resolve(prefix + "-checkpoints").toString(), checkpointMs).publish(50_000, 0, 3)
                .snapshotDir(root.resolve(prefix + "-models").toString()).parallelism(2).replicas(replicas).build();
        broker.createTopics(List.of(s.inputTopic(), s.snapshotsTopic(), s.predictionsTopic(), s.deadLettersTopic(),
                replicas.topic()), s.snapshotsTopic());
        return s;
    }

    /** The labelled examples of the default model, a second apart, and a later event of another model key. */
    static List<String> events() {
        ClickSimulator sim = new ClickSimulator(11);
        List<String> events = new ArrayList<>();
        for (int i = 0; i < EXAMPLES; i++) {
            events.add(sim.nextExampleJson(START + i * 1000L, "default"));
        }
        // an event of another model key, later: moves event time past the last tick and the next publish tick
        events.add(StreamingEndToEndTest.lateMarker(START + EXAMPLES * 1000L + 200_000));
        return events;
    }

    /** The in-memory group on the default model's examples, routed as the job routes them. */
    static AfmModel reference(List<String> events, ReplicaSettings replicas) throws Exception {
        ReplicaGroup group = new ReplicaGroup(config(), replicas.replicas(), replicas.tickMs(), replicas.lag(), replicas.rule());
        EventDecoder dec = new EventDecoder(Loss.LOGISTIC, 4096);
        for (String raw : events.subList(0, EXAMPLES)) {
            Event e = dec.decode(raw.getBytes(StandardCharsets.UTF_8), "x", 0);
            e.features().label = e.label();
            group.train(replicas.replicaOfId(e.id()), e.features(), e.ts());
        }
        group.finish();
        assertTrue(group.ticks() > 100, "merges: " + group.ticks());
        return group.model();
    }

    /**
     * A click-stream (impressions, clicks after exp(2 s), a 10 s window, the ordered mode) over two
     * replicas: the published merged model is the offline replay's ({@link ReplicaReplay}) bit for
     * bit, and every impression is judged once, by the score the replay gives it.
     */
    static final long WINDOW = 10_000;
    static final long BOUND = 200;

    /** The click-stream's settings: the ordered mode, W = 10 s, validation windows of a minute. */
    static StreamSettings clickSettings(String prefix, long checkpointMs, String metricsTopic) throws Exception {
        return withClickFeedback(settings(prefix, checkpointMs), metricsTopic);
    }

    static StreamSettings withClickFeedback(StreamSettings settings, String metricsTopic) {
        return settings.withFeedback(new FeedbackSettings(WINDOW, BOUND, FeedbackSettings.DEFAULTS.idlenessMs(),
                60_000, dev.afmflink.metrics.QualityGate.OPEN, metricsTopic, dev.afmflink.feedback.FeedbackMode.ORDERED));
    }

    /**
     * 3,000 impressions 250 ms apart, clicks after exp(2 s), then a later event of another model key
     * past every window. (No event behind the watermark: which events are is decided by the
     * watermark the trainer sees, which Flink's idleness detection and the interleaving of input
     * partitions set by the wall clock, in the job as in a job without replicas; docs/scaling.md.)
     */
    static List<String> clickStream() {
        return clickStream(3000);
    }

    /** As above, {@code n} impressions. */
    static List<String> clickStream(int n) {
        List<String> events = new ArrayList<>();
        new ClickSimulator(17).clickStream(n, START, 250, "default", ClickSimulator.ClickDelay.parse("exp:2000"), false)
                .forEachRemaining(events::add);
        events.add(StreamingEndToEndTest.lateMarker(START + n * 250L + 200_000));
        return events;
    }

    /** The offline replay of the job's run on {@code events} (the default model's; the marker moves event time). */
    static ReplicaReplay replay(List<String> events, ReplicaSettings r) throws Exception {
        ReplicaReplay replay = new ReplicaReplay(config(), WINDOW, BOUND, AfmStreamJob.watermarkStepMs(r), r.replicas(), r.tickMs(),
                r.lag(), r.rule()).routedBy(r.routeField()).localFields(r.localFields());
        EventDecoder dec = new EventDecoder(Loss.LOGISTIC, 4096);
        for (String raw : events) {
            var e = dec.decode(raw.getBytes(StandardCharsets.UTF_8), "x", 0);
            if (e.model().equals("default")) {
                replay.accept(e);
            } else {
                replay.advanceTo(e.ts());
            }
        }
        replay.end();
        return replay;
    }

    @Test
    void aClickStreamRunIsItsOfflineReplayBitForBit() throws Exception {
        StreamSettings s = clickSettings("replicas-clicks", 500, "replicas-clicks-metrics");
        broker.createTopics(List.of(s.feedback().metricsTopic()), null);
        List<String> events = clickStream();
        ReplicaSettings r = s.replicas();
        ReplicaReplay replay = replay(events, r);
        long examples = replay.model().shared().examples;
        assertEquals(3000, examples, "every impression labelled and trained before the marker");
        assertTrue(replay.group().ticks() > 50, "merges: " + replay.group().ticks());

        KafkaTestSupport.produce(broker.bootstrapServers(), s.inputTopic(), KafkaTestSupport.utf8(events), START);
        List<ConsumerRecord<byte[], byte[]>> snapshots = runUntilPublished(s, examples);
        StreamingEndToEndTest.assertSameBits(replay.model(), StreamingEndToEndTest.modelOf(snapshots, "default"));

        Map<String, Double> judged = new HashMap<>();
        replay.judged().forEach(j -> judged.put(j.id(), j.prediction()));
        ObjectMapper json = new ObjectMapper();
        int seen = 0;
        for (ConsumerRecord<byte[], byte[]> p : KafkaTestSupport.readAll(broker.bootstrapServers(), s.predictionsTopic(),
                (int) examples, 60)) {
            var x = json.readTree(p.value());
            Double expected = judged.remove(x.get("id").asText());
            assertNotNull(expected, "judged once, and by the replay: " + x);
            assertEquals(expected, x.get("prediction").asDouble(), 1e-12, x.toString());
            seen++;
        }
        assertEquals(examples, seen);

        // the model's validation windows (a minute of impression time each) from its replicas' windows: every
        // impression in one, each window's loss the mean over its impressions as the replay judged them
        TreeMap<Long, double[]> expected = new TreeMap<>();
        java.util.Set<String> lines = new java.util.HashSet<>();
        for (var j : replay.judged()) {
            double[] w = expected.computeIfAbsent(Math.floorDiv(j.ts(), 60_000L) * 60_000L, t -> new double[2]);
            w[0]++;
            w[1] += j.loss();
            lines.add(Math.floorDiv(j.ts(), 60_000L) + "/" + dev.afmflink.sync.ReplicaRoute.ofId(j.id(), r.replicas()));
        }
        dev.afmflink.report.MetricsSeries series = new dev.afmflink.report.MetricsSeries("default");
        int replicaLines = 0;
        for (ConsumerRecord<byte[], byte[]> m : KafkaTestSupport.readAll(broker.bootstrapServers(), s.feedback().metricsTopic(),
                lines.size(), 60)) {
            var x = json.readTree(m.value());
            if (x.get("model").asText().equals("default")) {
                assertEquals("replica_window", x.get("event").asText(), "a replica's window, under its model: " + x);
                replicaLines++;
            }
            series.add(m.value());
        }
        assertEquals(lines.size(), replicaLines, "one line per window and replica that judged in it");
        assertEquals(expected.size(), series.windows().size());
        for (var w : series.windows()) {
            double[] e = expected.get(w.start());
            assertEquals((long) e[0], w.n(), "window " + w.start());
            assertEquals(e[1] / e[0], w.loss(), 1e-9, "window " + w.start());
        }
    }

    /**
     * A backlog at R = 2 (a tick of 10 s): the job starts on the stream's first 300 impressions, and
     * once the first change is on the synchronization topic the other 11,700 come into the broker at
     * once, as after a producer's outage. With the read-ahead bound of 3 ticks the input pauses while
     * the trainers wait for their merges, so a trainer subtask holds at most what arrives within the
     * window, the bound, the ticks a trainer may run ahead, and the out-of-orderness (gauge
     * {@code afm.heldPeak}; at most 4 holds per impression, conservatively at the whole stream's rate of
     * 4 a second); without it (0) the source reads the backlog at once and the trainers hold it. Both
     * runs publish the offline replay's model bit for bit: the bound changes how fast the input is
     * read, never what is trained. (The bound holds from the first change read: a job that starts on a
     * backlog reads freely until then, docs/scaling.md.)
     */
    @Test
    void aBacklogWaitsInKafkaNotInTheTrainersState() throws Exception {
        int n = 12_000;
        List<String> events = clickStream(n);
        int first = 0;
        while (!events.get(first).contains("imp-300\"")) {
            first++;
        }
        Map<Integer, Long> peaks = new TreeMap<>();
        ReplicaReplay replay = null;
        for (int readAhead : new int[] {3, 0}) {
            String prefix = "replicas-backlog-" + readAhead;
            StreamSettings base = clickSettings(prefix, 500, null);
            ReplicaSettings r = new ReplicaSettings(2, 10_000, 1, REPLICAS.rule(), base.replicas().topic()).withReadAhead(readAhead);
            StreamSettings s = base.withReplicas(r);
            if (replay == null) {
                replay = replay(events, r);
                assertEquals(n, replay.model().shared().examples);
            }
            List<byte[]> bytes = KafkaTestSupport.utf8(events);
            KafkaTestSupport.produce(broker.bootstrapServers(), s.inputTopic(), bytes.subList(0, first), START);
            org.apache.flink.runtime.testutils.InMemoryReporter reporter =
                    org.apache.flink.runtime.testutils.InMemoryReporter.createWithRetainedMetrics();
            int head = first;
            List<ConsumerRecord<byte[], byte[]>> snapshots = runUntilPublished(s, n,
                    reporter.addToConfiguration(AfmStreamJob.configuration(s)), () -> {
                        assertTrue(KafkaTestSupport.readAll(broker.bootstrapServers(), r.topic(), 1, 60).size() >= 1,
                                "the trainers' first change");
                        KafkaTestSupport.produce(broker.bootstrapServers(), s.inputTopic(), bytes.subList(head, bytes.size()), START);
                    });
            StreamingEndToEndTest.assertSameBits(replay.model(), StreamingEndToEndTest.modelOf(snapshots, "default"));
            long[] peak = new long[1];
            reporter.getMetricsByGroup().forEach((group, byName) -> byName.forEach((name, metric) -> {
                if (name.equals("heldPeak") && metric instanceof org.apache.flink.metrics.Gauge<?> g) { // retained past the cancel
                    peak[0] = Math.max(peak[0], ((Number) g.getValue()).longValue());
                }
            }));
            peaks.put(readAhead, peak[0]);
        }
        long spanMs = WINDOW + 3 * 10_000L + (1 + 2) * 10_000L + BOUND;
        long bound = 4 * 4 * spanMs / 1000;
        System.out.println("backlog at R = 2: held at most " + peaks + " items per trainer subtask (by read-ahead in ticks; 0: "
                + "none); bound " + bound);
        assertTrue(peaks.get(3) > 0 && peaks.get(3) <= bound, "held with the bound: " + peaks);
        assertTrue(peaks.get(0) > 2 * bound, "without the bound the trainers hold the backlog: " + peaks);
    }

    /**
     * Routed by user, the user rows local ({@code --route-field user --local-fields user}; clicks carry
     * their user): an open vocabulary of about 750 users in 3,000 impressions. The published merged
     * model is the offline replay's, routed the same way, bit for bit; an impression without a user
     * is a dead letter ({@code missing_field}) and trains nothing; and each replica key holds its own
     * users' rows only (the features its replica windows report), about half of the model at R = 2.
     */
    @Test
    void aClickStreamRoutedByUserKeepsEachUsersRowWithItsReplica() throws Exception {
        StreamSettings s = withClickFeedback(settings("replicas-users", 500, "user", List.of("user")), "replicas-users-metrics");
        broker.createTopics(List.of(s.feedback().metricsTopic()), null);
        List<String> events = new ArrayList<>();
        new ClickSimulator(23).openVocabulary().clicksCarryUser()
                .clickStream(3000, START, 250, "default", ClickSimulator.ClickDelay.parse("exp:2000"), false)
                .forEachRemaining(events::add);
        events.add(100, "{\"type\":\"impression\",\"id\":\"no-user\",\"ts\":" + (START + 99 * 250L)
                + ",\"features\":{\"ad\":\"a1\"}}");
        events.add(StreamingEndToEndTest.lateMarker(START + 3000 * 250L + 200_000));
        ReplicaSettings r = s.replicas();
        ReplicaReplay replay = replay(events, r);
        assertEquals(1, replay.unrouted());
        long examples = replay.model().shared().examples;
        assertEquals(3000, examples, "every impression with a user labelled and trained before the marker");

        KafkaTestSupport.produce(broker.bootstrapServers(), s.inputTopic(), KafkaTestSupport.utf8(events), START);
        List<ConsumerRecord<byte[], byte[]>> snapshots = runUntilPublished(s, examples);
        AfmModel published = StreamingEndToEndTest.modelOf(snapshots, "default");
        StreamingEndToEndTest.assertSameBits(replay.model(), published);
        List<String> letters = new ArrayList<>();
        for (var d : KafkaTestSupport.readAll(broker.bootstrapServers(), s.deadLettersTopic(), 2, 30)) {
            var x = new ObjectMapper().readTree(d.value());
            if (x.get("reason").asText().equals("missing_field")) {
                letters.add(new ObjectMapper().readTree(x.get("raw").asText()).get("id").asText());
            }
        }
        // the impression without a user, and the marker (another model key: every key is routed by the field)
        assertEquals(List.of("no-user", "late-marker"), letters);

        // the users: the replay's replicas hold their own only, and the job's replicas no more rows than those
        java.util.Set<Long> users = new java.util.HashSet<>();
        EventDecoder dec = new EventDecoder(Loss.LOGISTIC, 4096);
        for (String raw : events) {
            var x = dec.decode(raw.getBytes(StandardCharsets.UTF_8), "x", 0).features();
            long user = x == null ? 0 : dev.afmflink.sync.ReplicaRoute.featureOf("user", x.ids, x.fields, x.size);
            if (user != 0) {
                users.add(user);
            }
        }
        assertTrue(users.size() > 500, users.size() + " users");
        for (int q = 0; q < r.replicas(); q++) {
            for (long id : replay.group().replica(q).model().features().sortedIds()) {
                if (users.contains(id)) {
                    assertEquals(q, dev.afmflink.sync.ReplicaRoute.ofFeature(id, r.replicas()), "replica " + q + " holds user " + id);
                }
            }
        }
        int[] own = new int[r.replicas()];
        for (long id : published.features().sortedIds()) {
            for (int q = 0; q < r.replicas(); q++) {
                if (replay.group().replica(q).model().features().get(id) != null) {
                    own[q]++;
                }
            }
        }
        int total = published.features().size();
        ObjectMapper json = new ObjectMapper();
        long[] reported = new long[r.replicas()];
        for (ConsumerRecord<byte[], byte[]> m : KafkaTestSupport.readAll(broker.bootstrapServers(), s.feedback().metricsTopic(), 1,
                30)) {
            var x = json.readTree(m.value());
            if (x.get("event").asText().equals("replica_window")) {
                int q = Integer.parseInt(x.get("detail").asText().split("/")[0]);
                reported[q] = Math.max(reported[q], x.get("features").asLong());
            }
        }
        for (int q = 0; q < r.replicas(); q++) {
            assertTrue(own[q] < 0.75 * total, "replica " + q + " holds " + own[q] + " of " + total + " rows");
            assertTrue(reported[q] > 0 && reported[q] <= own[q], "replica " + q + " reported " + reported[q] + ", holds " + own[q]);
        }
        assertTrue(own[0] + own[1] > total, "the shared rows are in both: " + java.util.Arrays.toString(own) + " of " + total);
    }

    /**
     * A TaskManager killed half way through a click-stream (impressions held for their window,
     * clicks joined, scores kept, ledgers and merges in flight): the published merged model is still
     * the offline replay's of the whole stream bit for bit, every impression trained once.
     */
    @Test
    void aTaskManagerKillInAClickStreamLeavesTheReplaysModel() throws Exception {
        StreamSettings s = clickSettings("replicas-clicks-failover", 300, null);
        List<String> events = clickStream();
        ReplicaReplay replay = replay(events, s.replicas());
        int half = events.size() / 2;
        StreamingEndToEndTest.runThroughTaskManagerFailure(broker, s, events.subList(0, half), events.subList(half, events.size()),
                600, 3000);
        AfmModel published = StreamingEndToEndTest.modelOf(
                KafkaTestSupport.readAll(broker.bootstrapServers(), s.snapshotsTopic(), 1, 10), "default");
        StreamingEndToEndTest.assertSameBits(replay.model(), published);
    }

    /**
     * A TaskManager killed half way (the job fails over to its last checkpoint; the replica keys
     * emit their changes again, the merger drops what it has seen): the published model is the
     * failure-free run's — the in-memory group's — bit for bit, every example trained once.
     */
    @Test
    void aTaskManagerKillLeavesTheModelOfTheRunWithoutFailure() throws Exception {
        StreamSettings s = settings("replicas-failover", 300);
        List<String> events = events();
        StreamingEndToEndTest.runThroughTaskManagerFailure(broker, s, events.subList(0, EXAMPLES / 2),
                events.subList(EXAMPLES / 2, events.size()), EXAMPLES / 4, EXAMPLES);
        AfmModel published = StreamingEndToEndTest.modelOf(
                KafkaTestSupport.readAll(broker.bootstrapServers(), s.snapshotsTopic(), 1, 10), "default");
        StreamingEndToEndTest.assertSameBits(reference(events, s.replicas()), published);
    }

    @Test
    void thePublishedModelOfTwoReplicasIsTheReplicaGroupsBitForBit() throws Exception {
        StreamSettings s = settings("replicas", 500);
        ReplicaSettings replicas = s.replicas();
        List<String> events = events();
        KafkaTestSupport.produce(broker.bootstrapServers(), s.inputTopic(), KafkaTestSupport.utf8(events), START);

        List<ConsumerRecord<byte[], byte[]>> snapshots = runUntilPublished(s, EXAMPLES);
        AfmModel published = StreamingEndToEndTest.modelOf(snapshots, "default");
        StreamingEndToEndTest.assertSameBits(reference(events, replicas), published);
        int predictions = KafkaTestSupport.readAll(broker.bootstrapServers(), s.predictionsTopic(), EXAMPLES, 60).size();
        assertEquals(EXAMPLES, predictions, "every example judged once");
    }

    /**
     * A stop-with-savepoint at two trainers per model and a restart from it at four (same parallelism):
     * the restored trainers find replica keys of two (or the merger a queue of two, whichever task
     * comes first) and the job fails, saying so, before it publishes anything; without both checks the
     * merger failed on an IndexOutOfBoundsException (a queue of two asked for replica 2's change).
     */
    /**
     * A click-stream at R = 2 (parallelism 2) stopped with a savepoint half way, restarted at R = 4 on
     * parallelism 4 (docs/scaling.md,
     * "Twice the trainers from a savepoint"): the first two replicas go on with their state, the new
     * two take the merged model as their base, clicks in the first window after the change reach the
     * impression wherever it is. Every impression is judged once over the two runs and trained once
     * (the published model's example counter), the dead letters are the uninterrupted run's, the new
     * replicas judge and train, and the quality is within noise of an uninterrupted R = 4 run (its
     * offline replay: progressive logloss of the judged impressions, held-out logloss of the model).
     */
    @Test
    void aSavepointOfTwoTrainersPerModelRestoresAtFour() throws Exception {
        StreamSettings s = clickSettings("rescale", 300, "rescale-metrics");
        broker.createTopics(List.of(s.feedback().metricsTopic()), null);
        // 40 impressions a second and clicks after exp(4 s): many clicks of the first half's impressions come in the second
        List<String> events = new ArrayList<>();
        new ClickSimulator(17).clickStream(3000, START, 25, "default", ClickSimulator.ClickDelay.parse("exp:4000"), false)
                .forEachRemaining(events::add);
        events.add(StreamingEndToEndTest.lateMarker(START + 3000 * 25L + 200_000));
        int half = events.size() / 2;
        // the clicks in the first window after the change whose impression came before it, at a replica the change moved
        long change = 0;
        Map<String, Long> impressions = new HashMap<>();
        for (String e : events.subList(0, half)) {
            var x = new ObjectMapper().readTree(e);
            change = Math.max(change, x.get("ts").asLong() + 1);
            if (x.get("type").asText().equals("impression")) {
                impressions.put(x.get("id").asText(), x.get("ts").asLong());
            }
        }
        int moved = 0;
        for (String e : events.subList(half, events.size() - 1)) {
            var x = new ObjectMapper().readTree(e);
            String id = x.get("id").asText();
            if (x.get("type").asText().equals("click") && impressions.containsKey(id) && x.get("ts").asLong() < change + WINDOW
                    && dev.afmflink.sync.ReplicaRoute.ofId(id, 2) != dev.afmflink.sync.ReplicaRoute.ofId(id, 4)) {
                moved++;
            }
        }
        assertTrue(moved >= 10, moved + " clicks whose impression the change left at another replica");
        KafkaTestSupport.produce(broker.bootstrapServers(), s.inputTopic(), KafkaTestSupport.utf8(events.subList(0, half)), START);
        String savepoint = runUntilJudgedThenStop(s, 1000, "rescale-savepoints");

        ReplicaSettings r = s.replicas();
        ReplicaSettings r4 = new ReplicaSettings(4, r.tickMs(), r.lag(), r.rule(), r.topic());
        StreamSettings four = s.withReplicas(r4);
        ReplicaReplay uninterrupted = replay(events, r4);
        long examples = uninterrupted.model().shared().examples;
        assertEquals(3000, examples);
        org.apache.flink.configuration.Configuration conf = AfmStreamJob.configuration(four);
        conf.setString("execution.savepoint.path", savepoint);
        conf.setString("parallelism.default", "4"); // a subtask per trainer: the subtasks' schedules split by key group
        StreamExecutionEnvironment env2 = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        AfmStreamJob.build(env2, four);
        JobClient job2 = env2.executeAsync("afm-replicas-4");
        KafkaTestSupport.produce(broker.bootstrapServers(), s.inputTopic(), KafkaTestSupport.utf8(events.subList(half, events.size())),
                START);
        AfmModel published = null;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            long last = -1;
            while (last < examples && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> p : KafkaTestSupport.readAll(broker.bootstrapServers(), s.snapshotsTopic(), 1, 2)) {
                    if (new String(p.key(), StandardCharsets.UTF_8).equals("default")) {
                        last = Math.max(last, ModelReader.readHeader(p.value(), "s").examples());
                    }
                }
                Thread.sleep(200);
            }
            Thread.sleep(2000); // anything published after would show a count past the stream's
            published = StreamingEndToEndTest.modelOf(KafkaTestSupport.readAll(broker.bootstrapServers(), s.snapshotsTopic(), 1, 5),
                    "default");
        } finally {
            job2.cancel().get(60, TimeUnit.SECONDS);
        }
        assertNotNull(published, "a merged model published after the restore");
        assertEquals(examples, published.shared().examples, "every impression trained once, over the two runs");

        // judged once each, over the two runs
        ObjectMapper json = new ObjectMapper();
        Map<String, Integer> judgedTimes = new HashMap<>();
        double loss = 0;
        for (ConsumerRecord<byte[], byte[]> p : KafkaTestSupport.readAll(broker.bootstrapServers(), s.predictionsTopic(),
                (int) examples, 30)) {
            var x = json.readTree(p.value());
            judgedTimes.merge(x.get("id").asText(), 1, Integer::sum);
            double y = x.get("label").asDouble();
            double q = Math.min(Math.max(x.get("prediction").asDouble(), 1e-15), 1 - 1e-15);
            loss -= y * Math.log(q) + (1 - y) * Math.log(1 - q);
        }
        assertEquals((int) examples, judgedTimes.size(), "every impression judged");
        assertTrue(judgedTimes.values().stream().allMatch(n -> n == 1), "judged once each");
        loss /= examples;
        double expectedLoss = uninterrupted.judged().stream().mapToDouble(dev.afmflink.feedback.FeedbackReplay.Judged::loss).sum() / examples;

        // the dead letters: the late clicks the uninterrupted run has too, no click lost between replicas
        Map<String, Integer> reasons = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> d : KafkaTestSupport.readAll(broker.bootstrapServers(), s.deadLettersTopic(), 0, 5)) {
            reasons.merge(json.readTree(d.value()).get("reason").asText(), 1, Integer::sum);
        }
        // a click more than a window after its impression is expired_click, or unknown_click once the impression's
        // tombstone is gone too (two windows after it): no other click is a dead letter
        int[] late = lateClicks(events);
        assertEquals(late[0] + late[1], reasons.getOrDefault("expired_click", 0) + reasons.getOrDefault("unknown_click", 0),
                "the late clicks, and only those: " + reasons);
        assertTrue(reasons.getOrDefault("unknown_click", 0) <= late[1], "no click missed its impression: " + reasons);

        // the new replicas judged impressions (their validation windows)
        java.util.Set<String> replicasJudging = new java.util.TreeSet<>();
        for (ConsumerRecord<byte[], byte[]> m : KafkaTestSupport.readAll(broker.bootstrapServers(), s.feedback().metricsTopic(), 1,
                10)) {
            var x = json.readTree(m.value());
            if (x.get("event").asText().equals("replica_window")) {
                replicasJudging.add(x.get("detail").asText().split("/")[0]);
            }
        }
        assertEquals(java.util.Set.of("0", "1", "2", "3"), replicasJudging);

        // quality: within noise of the uninterrupted R = 4 run
        double heldOut = heldOutLoss(published);
        double expectedHeldOut = heldOutLoss(uninterrupted.model());
        System.out.printf("rescale 2 -> 4: %d clicks crossing to a moved replica; progressive logloss %.5f (uninterrupted R = 4: %.5f), "
                + "held-out %.5f (%.5f), dead letters %s%n", moved, loss, expectedLoss, heldOut, expectedHeldOut, reasons);
        // (the first half trained at R = 2, whose merges are fresher: the progressive loss may come out better than R = 4's)
        assertTrue(loss <= 1.01 * expectedLoss, "progressive logloss no more than 1 % above the uninterrupted run's");
        assertEquals(expectedHeldOut, heldOut, 0.01 * expectedHeldOut, "held-out logloss within 1 %");
    }

    /** The clicks of {@code events} later than one window after their impression and at most two; later than two. */
    static int[] lateClicks(List<String> events) throws Exception {
        Map<String, Long> at = new HashMap<>();
        int[] late = new int[2];
        for (String e : events) {
            var x = new ObjectMapper().readTree(e);
            if (x.get("type") == null) {
                continue;
            }
            if (x.get("type").asText().equals("impression")) {
                at.put(x.get("id").asText(), x.get("ts").asLong());
            } else if (x.get("type").asText().equals("click")) {
                long delay = x.get("ts").asLong() - at.get(x.get("id").asText());
                if (delay > 2 * WINDOW) {
                    late[1]++;
                } else if (delay > WINDOW) {
                    late[0]++;
                }
            }
        }
        return late;
    }

    /** The logloss of {@code model} on 5,000 held-out examples of the click-stream's world. */
    static double heldOutLoss(AfmModel model) throws Exception {
        EventDecoder dec = new EventDecoder(Loss.LOGISTIC, 4096);
        double loss = 0;
        List<String> held = new ClickSimulator(17).heldOut(5000, false, 1, "default");
        for (String raw : held) {
            Event e = dec.decode(raw.getBytes(StandardCharsets.UTF_8), "x", 0);
            double q = Math.min(Math.max(model.predict(e.features()), 1e-15), 1 - 1e-15);
            double y = e.label();
            loss -= y * Math.log(q) + (1 - y) * Math.log(1 - q);
        }
        return loss / held.size();
    }

    /** A savepoint of R = 2 restored at R = 3 (not a power of two) is refused at restore, naming the savepoint's R. */
    @Test
    void aRestoreAtAnotherNumberOfTrainersPerModelIsRefused() throws Exception {
        StreamSettings s = settings("rescale-refused", 500);
        List<String> events = events();
        KafkaTestSupport.produce(broker.bootstrapServers(), s.inputTopic(), KafkaTestSupport.utf8(events.subList(0, EXAMPLES / 2)),
                START);
        String savepoint = runUntilJudgedThenStop(s, 100, "rescale-refused-savepoints");
        int published = KafkaTestSupport.readAll(broker.bootstrapServers(), s.snapshotsTopic(), 0, 2).size();

        ReplicaSettings r = s.replicas();
        StreamSettings three = s.withReplicas(new ReplicaSettings(3, r.tickMs(), r.lag(), r.rule(), r.topic()));
        org.apache.flink.configuration.Configuration conf = AfmStreamJob.configuration(three);
        conf.setString("execution.savepoint.path", savepoint);
        conf.setString("restart-strategy.type", "none");
        StreamExecutionEnvironment env2 = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        AfmStreamJob.build(env2, three);
        JobClient job2 = env2.executeAsync("afm-replicas-3");
        java.util.concurrent.ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.ExecutionException.class, () -> job2.getJobExecutionResult().get(180, TimeUnit.SECONDS));
        // the trainers refuse at restore; the merger, at its first record, refuses a queue of another R: whichever
        // task gets there first fails the job, with the savepoint's R in the message
        String causes = org.apache.flink.util.ExceptionUtils.stringifyException(failed);
        assertTrue(causes.contains("--trainers-per-model 2") && causes.contains("powers of two"), causes);
        assertEquals(published, KafkaTestSupport.readAll(broker.bootstrapServers(), s.snapshotsTopic(), 0, 2).size(),
                "nothing published after the refused restore");
    }

    /** Runs the job until {@code judged} predictions are out, then stops it with a savepoint under {@code dir}; returns its path. */
    static String runUntilJudgedThenStop(StreamSettings s, int judged, String dir) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(AfmStreamJob.configuration(s));
        AfmStreamJob.build(env, s);
        JobClient job = env.executeAsync("afm-replicas-" + s.replicas().replicas());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline
                && KafkaTestSupport.readAll(broker.bootstrapServers(), s.predictionsTopic(), judged, 2).size() < judged) {
            Thread.sleep(200);
        }
        return job.stopWithSavepoint(false, root.resolve(dir).toUri().toString(),
                org.apache.flink.core.execution.SavepointFormatType.CANONICAL).get(180, TimeUnit.SECONDS);
    }

    /** Runs the job until it has published the merged model of {@code examples} examples; returns the snapshots topic. */
    static List<ConsumerRecord<byte[], byte[]>> runUntilPublished(StreamSettings s, long examples) throws Exception {
        return runUntilPublished(s, examples, AfmStreamJob.configuration(s), () -> { });
    }

    /** A step of a test while its job runs. */
    interface Step {
        void run() throws Exception;
    }

    /** As above, the job's Flink configuration {@code conf} (e.g. with a metrics reporter), {@code started} run once it is submitted. */
    static List<ConsumerRecord<byte[], byte[]>> runUntilPublished(StreamSettings s, long examples,
                                                                  org.apache.flink.configuration.Configuration conf, Step started)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        AfmStreamJob.build(env, s);
        JobClient job = env.executeAsync("afm-replicas");
        List<ConsumerRecord<byte[], byte[]>> snapshots = List.of();
        try {
            started.run();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            boolean done = false;
            while (!done && System.nanoTime() < deadline) {
                snapshots = KafkaTestSupport.readAll(broker.bootstrapServers(), s.snapshotsTopic(), 1, 2);
                for (ConsumerRecord<byte[], byte[]> r : snapshots) {
                    done |= new String(r.key(), StandardCharsets.UTF_8).equals("default")
                            && ModelReader.readHeader(r.value(), "s").examples() == examples;
                }
                Thread.sleep(200);
            }
            if (!done) {
                List<Long> published = new ArrayList<>();
                for (ConsumerRecord<byte[], byte[]> r : snapshots) {
                    published.add(ModelReader.readHeader(r.value(), "s").examples());
                }
                int predictions = KafkaTestSupport.readAll(broker.bootstrapServers(), s.predictionsTopic(), 0, 2).size();
                int dead = KafkaTestSupport.readAll(broker.bootstrapServers(), s.deadLettersTopic(), 0, 2).size();
                throw new AssertionError("the merged model of all " + examples + " examples was not published: published "
                        + published + ", predictions " + predictions + ", dead letters " + dead);
            }
        } finally {
            job.cancel().get(60, TimeUnit.SECONDS);
        }
        return snapshots;
    }
}
