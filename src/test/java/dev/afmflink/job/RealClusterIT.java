package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.bench.ProcessCluster;
import dev.afmflink.embedded.ClickSimulator;
import dev.afmflink.embedded.KafkaBroker;
import dev.afmflink.feedback.FeedbackMode;
import dev.afmflink.lifecycle.FeatureLifecycle;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.snapshot.ModelReader;
import dev.afmflink.snapshot.SnapshotChain;
import dev.afmflink.snapshot.SnapshotFolders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on a real cluster, as an operator runs it: a JobManager and TaskManagers as separate
 * processes on 127.0.0.1 ({@link ProcessCluster}), a Kafka broker process, the shaded {@code -job}
 * jar submitted with {@code flink run}, 100 model keys of labelled JSON events in the default
 * (ordered) feedback mode with the default event-time publish ticks. One stream goes through
 * three failures in turn — {@code kill -9} of the TaskManager running the trainer, {@code kill -9}
 * of the Kafka broker and a restart on the same port and data, stop-with-savepoint at parallelism
 * 1 and a resubmission from the savepoint at parallelism 2 — and then every key's model equals
 * the uninterrupted run's ({@link dev.afmflink.feedback.FeedbackReplay}, the job's semantics in plain Java) bit for bit,
 * its example counter equals the examples sent, and no version was ever published twice with
 * different bytes, on the topic or in the folders. Recovery times go to
 * {@code target/real-cluster.txt}.
 */
class RealClusterIT {
    static final int KEYS = 100;
    static final int PER_BATCH = 6000;
    static final int BATCHES = 4;
    static final long T0 = 1_700_000_000_000L;
    static final long SPACING_MS = 20;
    static final long BOUND_MS = 5000;

    @Test
    void theModelSurvivesATaskManagerKillABrokerKillAndARescaleFromASavepoint(@TempDir Path dir) throws Exception {
        Path project = Path.of(System.getProperty("afm.project.dir", "."));
        Path jobJar = Path.of(System.getProperty("afm.job.jar"));
        assertTrue(Files.isRegularFile(jobJar), "the job jar is built by mvn package: " + jobJar);
        List<String> report = new ArrayList<>();
        ClickSimulator sim = new ClickSimulator(31);
        List<String> events = new ArrayList<>();
        for (int i = 0; i < PER_BATCH * BATCHES; i++) {
            events.add(sim.nextExampleJson(T0 + i * SPACING_MS, "k" + (i % KEYS)));
        }
        // a last event far later moves event time past every example of every key
        String marker = "{\"type\":\"example\",\"id\":\"marker\",\"ts\":" + (T0 + 3_600_000L)
                + ",\"model\":\"marker\",\"label\":0,\"features\":{\"a\":\"b\"}}";

        try (KafkaBroker broker = KafkaBroker.start(dir.resolve("kafka"), 240);
             ProcessCluster cluster = ProcessCluster.start(dir.resolve("flink"), project.resolve("flink-conf"),
                     ProcessCluster.clusterClasspath(project.resolve("target/classpath.txt")), 1)) {
            broker.createTopics(List.of("afm-input", "afm-snapshots", "afm-predictions", "afm-dead-letters"), "afm-snapshots");
            cluster.startTaskManager("tm-1", 1);
            cluster.startTaskManager("tm-2", 2);
            Path models = dir.resolve("models");
            List<String> args = new ArrayList<>(List.of("stream", "--bootstrap-servers", broker.bootstrapServers(),
                    "--snapshot-dir", models.toString(), "--checkpoint-dir", dir.resolve("flink/checkpoints").toUri().toString(),
                    "--checkpoint-interval-ms", "5000", "--idleness-ms", "2000", "--out-of-orderness-ms", Long.toString(BOUND_MS),
                    // the publish timer on, ticking every 30 s of event time (the 8 min of the stream: 16 per key, and
                    // versions published between a checkpoint and the kill that the restore publishes again)
                    "--publish-interval-ms", "30000", "--progress-seconds", "0", "--detach"));
            List<String> p1 = new ArrayList<>(args);
            p1.addAll(List.of("--parallelism", "1"));
            String job = cluster.submit(jobJar, null, p1);
            cluster.await("job running", 180, () -> cluster.running(job));
            assertTrue(Files.readString(cluster.logOf("jobmanager")).contains("FailureRateRestartBackoffTimeStrategy"),
                    "the job runs with flink-conf/config.yaml's restart strategy (failure rate: bounded)");

            // 1. kill -9 of the TaskManager running the trainer, mid-stream
            produce(broker, events.subList(0, PER_BATCH));
            cluster.await("a checkpoint", 180, () -> completedCheckpoints(cluster, job) >= 1);
            long checkpointId = cluster.latestCheckpointId(job, "completed");
            int published = KafkaTestSupport.readAll(broker.bootstrapServers(), "afm-snapshots", 1, 3).size();
            produce(broker, events.subList(PER_BATCH, 2 * PER_BATCH));
            // kill once versions newer than the last completed checkpoint are out: the restore publishes them again
            cluster.await("versions after the checkpoint", 120,
                    () -> KafkaTestSupport.readAll(broker.bootstrapServers(), "afm-snapshots", published + 1, 1).size() > published);
            List<String> trainerTms = cluster.taskManagersRunning(job, "train AFM");
            assertEquals(1, trainerTms.size());
            int failuresBefore = cluster.failures(job);
            long killed = System.nanoTime();
            cluster.killTaskManager(trainerTms.get(0));
            // a failover can be over within the REST cache's few seconds (RUNNING before and after in every poll):
            // the exception history, which only grows, says it happened
            cluster.await("job failing over", 120, () -> cluster.failures(job) > failuresBefore || !cluster.running(job));
            cluster.await("job running again", 300, () -> cluster.running(job));
            // restored from the checkpoint seen before those versions (not a later one that completed between the look
            // and the kill, or that REST's cache had not shown yet): then they must be published again
            cluster.await("the restored checkpoint", 60, () -> cluster.latestCheckpointId(job, "restored") >= 0);
            boolean noCheckpointSince = cluster.latestCheckpointId(job, "restored") == checkpointId;
            report.add(String.format("TaskManager kill -9 (%s, the trainer's): job RUNNING again after %.1f s (%d failures so far)",
                    trainerTms.get(0), (System.nanoTime() - killed) / 1e9, cluster.failures(job)));
            cluster.startTaskManager("tm-3", 2); // the replacement, for the rescale below

            // 2. kill -9 of the Kafka broker, restart on the same port and data
            produce(broker, events.subList(2 * PER_BATCH, 3 * PER_BATCH));
            long before = completedCheckpoints(cluster, job);
            long brokerKilled = System.nanoTime();
            broker.kill();
            Thread.sleep(3000);
            broker.restart(240);
            cluster.await("a checkpoint after the broker came back", 300,
                    () -> cluster.running(job) && completedCheckpoints(cluster, job) > before);
            report.add(String.format("Kafka broker kill -9, restart after 3 s: job RUNNING with a new checkpoint %.1f s after the kill"
                    + " (%d failures so far)", (System.nanoTime() - brokerKilled) / 1e9, cluster.failures(job)));

            // 3. stop with a savepoint at parallelism 1, resubmit from it at parallelism 2
            produce(broker, events.subList(3 * PER_BATCH, 4 * PER_BATCH));
            long stopping = System.nanoTime();
            String savepoint = cluster.stopWithSavepoint(job);
            List<String> p2 = new ArrayList<>(args);
            p2.addAll(List.of("--parallelism", "2"));
            String job2 = cluster.submit(jobJar, savepoint, p2);
            cluster.await("rescaled job running", 180, () -> cluster.running(job2));
            report.add(String.format("stop-with-savepoint at parallelism 1 → resubmitted at parallelism 2, RUNNING after %.1f s",
                    (System.nanoTime() - stopping) / 1e9));
            produce(broker, List.of(marker));

            // every key's model: the chain of its snapshots on the topic reaches all its examples
            Map<String, List<ConsumerRecord<byte[], byte[]>>> byKey = new HashMap<>();
            cluster.await("every key's final model published", 600, () -> {
                byKey.clear();
                for (ConsumerRecord<byte[], byte[]> r : KafkaTestSupport.readAll(broker.bootstrapServers(), "afm-snapshots", 1, 20)) {
                    byKey.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>()).add(r);
                }
                int done = 0;
                for (int k = 0; k < KEYS; k++) {
                    List<ConsumerRecord<byte[], byte[]>> mine = byKey.get("k" + k);
                    try {
                        if (mine != null && chainOf(mine).model().shared().examples == (long) PER_BATCH * BATCHES / KEYS) {
                            done++;
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
                return done == KEYS;
            });
            cluster.cancel(job2);

            // a version number always means the same bytes: on the topic, and in the folders
            int versions = 0;
            int replays = 0;
            for (Map.Entry<String, List<ConsumerRecord<byte[], byte[]>>> e : byKey.entrySet()) {
                Map<Long, byte[]> first = new LinkedHashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : e.getValue()) {
                    long v = ModelReader.readHeader(r.value(), "topic").modelVersion();
                    byte[] seen = first.putIfAbsent(v, r.value());
                    if (seen != null) {
                        replays++;
                        assertArrayEquals(seen, r.value(), "model " + e.getKey() + " version " + v + " published twice with other bytes");
                    }
                }
                for (SnapshotFolders.Version v : SnapshotFolders.list(models.resolve(SnapshotFolders.safe(e.getKey())))) {
                    byte[] topic = first.get(v.version());
                    if (topic != null) {
                        assertArrayEquals(topic, Files.readAllBytes(SnapshotFolders.local(v.file())), "folder " + v.dir() + " differs from the topic");
                    }
                }
                versions += first.size();
            }
            if (noCheckpointSince) {
                assertTrue(replays > 0, "versions published after the restored checkpoint were published again");
            }
            report.add("versions published (100 keys): " + versions + ", " + replays + " of them published again after a restore"
                    + " (the same bytes); each version one content on the topic and in the folders"
                    + (noCheckpointSince ? "" : " (a checkpoint completed between the look and the kill: none had to be)"));

            // every key's model equals the uninterrupted run's, bit for bit
            AfmConfig config = chainOf(byKey.get("k0")).model().config();
            for (int k = 0; k < KEYS; k++) {
                AfmModel streamed = chainOf(byKey.get("k" + k)).model();
                assertEquals((long) PER_BATCH * BATCHES / KEYS, streamed.shared().examples, "k" + k + ": examples trained once each");
                StreamingEndToEndTest.assertSameBits(replay(events, "k" + k, config), streamed);
            }
            report.add("every key's model = the uninterrupted run (replay), bit for bit; examples = events sent");
        } finally {
            Files.write(Path.of("target", "real-cluster.txt"), report);
            report.forEach(System.out::println);
        }
    }

    /**
     * One model on two trainer subtasks (--trainers-per-model 2 at parallelism 2, one slot per
     * TaskManager, so each replica on its own process): kill -9 of a TaskManager running one of them
     * mid-stream; the published merged model is the in-memory ReplicaGroup's — the run without a
     * failure — bit for bit, every example trained once, each version one content. Then
     * stop-with-savepoint and a resubmission at --trainers-per-model 4 on parallelism 4 (four
     * TaskManagers): more examples, each trained once over the two jobs, each version one content.
     */
    @Test
    void oneModelOnTwoSubtasksSurvivesATaskManagerKill(@TempDir Path dir) throws Exception {
        Path project = Path.of(System.getProperty("afm.project.dir", "."));
        Path jobJar = Path.of(System.getProperty("afm.job.jar"));
        int n = 6000;
        ClickSimulator sim = new ClickSimulator(37);
        List<String> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            events.add(sim.nextExampleJson(T0 + i * SPACING_MS, "default"));
        }
        String marker = "{\"type\":\"example\",\"id\":\"marker\",\"ts\":" + (T0 + 3_600_000L)
                + ",\"model\":\"marker\",\"label\":0,\"features\":{\"a\":\"b\"}}";
        List<String> report = new ArrayList<>();
        try (KafkaBroker broker = KafkaBroker.start(dir.resolve("kafka"), 240);
             ProcessCluster cluster = ProcessCluster.start(dir.resolve("flink"), project.resolve("flink-conf"),
                     ProcessCluster.clusterClasspath(project.resolve("target/classpath.txt")), 1)) {
            broker.createTopics(List.of("afm-input", "afm-snapshots", "afm-predictions", "afm-dead-letters", "afm-sync", "afm-metrics"),
                    "afm-snapshots");
            cluster.startTaskManager("tm-1", 1);
            cluster.startTaskManager("tm-2", 2);
            List<String> args = new ArrayList<>(List.of("stream", "--bootstrap-servers", broker.bootstrapServers(),
                    "--snapshot-dir", dir.resolve("models").toString(), "--checkpoint-dir", dir.resolve("flink/checkpoints").toUri().toString(),
                    "--checkpoint-interval-ms", "3000", "--idleness-ms", "2000", "--out-of-orderness-ms", Long.toString(BOUND_MS),
                    "--publish-interval-ms", "30000", "--progress-seconds", "0", "--min-count", "1", "--feature-ttl", "0",
                    "--parallelism", "2", "--trainers-per-model", "2", "--sync-tick-ms", "1000", "--sync-lag", "1",
                    "--merge-rule", "mean-shared", "--sync-topic", "afm-sync", "--detach"));
            String job = cluster.submit(jobJar, null, args);
            cluster.await("job running", 180, () -> cluster.running(job));
            produce(broker, events.subList(0, n / 2));
            cluster.await("a checkpoint", 180, () -> completedCheckpoints(cluster, job) >= 1);
            produce(broker, events.subList(n / 2, n));
            cluster.await("predictions after the checkpoint", 120,
                    () -> KafkaTestSupport.readAll(broker.bootstrapServers(), "afm-predictions", n / 2 + 100, 1).size() > n / 2);
            List<String> trainerTms = cluster.taskManagersRunning(job, "train AFM");
            assertEquals(2, trainerTms.size(), "the two replica keys' subtasks on two TaskManagers");
            int failuresBefore = cluster.failures(job);
            long killed = System.nanoTime();
            cluster.killTaskManager(trainerTms.get(0));
            cluster.startTaskManager("tm-3", 2); // the replacement slot
            cluster.await("job failing over", 120, () -> cluster.failures(job) > failuresBefore || !cluster.running(job));
            cluster.await("job running again", 300, () -> cluster.running(job));
            report.add(String.format("R = 2: TaskManager kill -9 (%s, a replica's): job RUNNING again after %.1f s",
                    trainerTms.get(0), (System.nanoTime() - killed) / 1e9));
            produce(broker, List.of(marker));
            List<ConsumerRecord<byte[], byte[]>> mine = new ArrayList<>();
            cluster.await("the merged model of every example published", 600, () -> publishedExamples(broker, mine) == n);
            // stop with a savepoint at R = 2 on 2 subtasks, resubmit from it at R = 4 on 4 (each on a TaskManager of its own),
            // then more of the model's examples: every one trained once over the two jobs
            String savepoint = cluster.stopWithSavepoint(job);
            cluster.startTaskManager("tm-4", 3);
            cluster.startTaskManager("tm-5", 4);
            List<String> four = new ArrayList<>(args);
            four.set(four.indexOf("--parallelism") + 1, "4");
            four.set(four.indexOf("--trainers-per-model") + 1, "4");
            long stopped = System.nanoTime();
            String job2 = cluster.submit(jobJar, savepoint, four);
            cluster.await("job running at R = 4", 180, () -> cluster.running(job2));
            report.add(String.format("stop-with-savepoint at R = 2 (parallelism 2) → resubmitted at R = 4 (parallelism 4), RUNNING "
                    + "after %.1f s", (System.nanoTime() - stopped) / 1e9));
            int m = 2000;
            List<String> more = new ArrayList<>();
            for (int i = 0; i < m; i++) {
                more.add(sim.nextExampleJson(T0 + 3_600_000L + 1000 + i * SPACING_MS, "default"));
            }
            more.add(marker.replace("\"ts\":" + (T0 + 3_600_000L), "\"ts\":" + (T0 + 7_200_000L)).replace("\"marker\"", "\"marker-2\""));
            produce(broker, more);
            List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
            cluster.await("the merged model of every example of both jobs published", 600, () -> publishedExamples(broker, all) >= n + m);
            Thread.sleep(5000); // a version published after would show a count past the examples sent
            publishedExamples(broker, all);
            var trainersAtFour = cluster.taskManagersRunning(job2, "train AFM");
            cluster.cancel(job2);
            assertEquals(n + m, chainOf(all).model().shared().examples, "every example trained once over the two jobs");
            assertEquals(4, trainersAtFour.size(), "the four replica keys' subtasks on four TaskManagers");
            Map<Long, byte[]> contents = new LinkedHashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : all) {
                byte[] seen = contents.putIfAbsent(ModelReader.readHeader(r.value(), "topic").modelVersion(), r.value());
                if (seen != null) {
                    assertArrayEquals(seen, r.value(), "a version published twice with other bytes, across the rescale");
                }
            }
            report.add("R = 2 → 4: examples = " + (n + m) + " over the two jobs; " + contents.size() + " versions, each one content");
            Map<Long, byte[]> first = new LinkedHashMap<>();
            int again = 0;
            for (ConsumerRecord<byte[], byte[]> r : mine) {
                byte[] seen = first.putIfAbsent(ModelReader.readHeader(r.value(), "topic").modelVersion(), r.value());
                if (seen != null) {
                    again++;
                    assertArrayEquals(seen, r.value(), "a version published twice with other bytes");
                }
            }
            AfmModel streamed = chainOf(mine).model();
            ReplicaSettings replicas = new ReplicaSettings(2, 1000, 1, dev.afmflink.sync.MergeRule.MEAN_SHARED, "afm-sync");
            dev.afmflink.sync.ReplicaGroup group = new dev.afmflink.sync.ReplicaGroup(streamed.config(), 2, 1000, 1,
                    dev.afmflink.sync.MergeRule.MEAN_SHARED);
            dev.afmflink.data.EventDecoder dec = new dev.afmflink.data.EventDecoder(streamed.config().loss(), 1 << 20);
            for (String raw : events) {
                dev.afmflink.data.Event e = dec.decode(raw.getBytes(StandardCharsets.UTF_8), "x", 0);
                e.features().label = e.label();
                group.train(replicas.replicaOfId(e.id()), e.features(), e.ts());
            }
            group.finish();
            StreamingEndToEndTest.assertSameBits(group.model(), streamed);
            report.add("R = 2: the merged model = the in-memory ReplicaGroup (the run without a failure), bit for bit; examples = "
                    + n + "; " + first.size() + " versions, " + again + " published again after the restore (the same bytes)");
        } finally {
            Files.write(Path.of("target", "real-cluster-replicas.txt"), report);
            keepLogs(dir.resolve("flink"), Path.of("target", "real-cluster-replicas-logs"));
            report.forEach(System.out::println);
        }
    }

    /** The default model's records on the snapshots topic, into {@code into} (cleared first); the example count of their chain (−1: none). */
    static long publishedExamples(KafkaBroker broker, List<ConsumerRecord<byte[], byte[]>> into) {
        into.clear();
        try {
            for (ConsumerRecord<byte[], byte[]> r : KafkaTestSupport.readAll(broker.bootstrapServers(), "afm-snapshots", 1, 10)) {
                if (new String(r.key(), StandardCharsets.UTF_8).equals("default")) {
                    into.add(r);
                }
            }
            return into.isEmpty() ? -1 : chainOf(into).model().shared().examples;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The cluster's process logs, kept past the temporary directory (what a failed run leaves to read). */
    static void keepLogs(Path from, Path to) {
        try (var files = Files.list(from)) {
            Files.createDirectories(to);
            for (Path f : files.filter(f -> f.toString().endsWith(".out") || f.toString().endsWith(".log")).toList()) {
                Files.copy(f, to.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (java.io.IOException e) {
            System.err.println("logs not kept: " + e);
        }
    }

    static SnapshotChain chainOf(List<ConsumerRecord<byte[], byte[]>> records) throws Exception {
        SnapshotChain c = new SnapshotChain();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            c.apply(r.value(), "topic");
        }
        assertNotNull(c.model());
        return c;
    }

    static long completedCheckpoints(ProcessCluster cluster, String job) {
        var c = cluster.getOrNull("/jobs/" + job + "/checkpoints");
        return c == null ? 0 : c.get("counts").get("completed").asLong();
    }

    static void produce(KafkaBroker broker, List<String> values) throws Exception {
        KafkaTestSupport.produce(broker.bootstrapServers(), "afm-input", KafkaTestSupport.utf8(values), T0);
    }

    /** The job's semantics on one key's events (the others only move event time). */
    static AfmModel replay(List<String> events, String key, AfmConfig config) throws Exception {
        return StreamingEndToEndTest.replay(events, key, config, FeedbackMode.ORDERED, FeedbackSettings.DEFAULT_WINDOW_MS, BOUND_MS,
                FeatureLifecycle.of(FeatureLifecycle.DEFAULT_MIN_COUNT, FeatureLifecycle.DEFAULT_TTL_MS)).model(); // the CLI's defaults
    }
}
