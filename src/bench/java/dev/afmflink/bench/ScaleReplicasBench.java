package dev.afmflink.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.afmflink.data.EventDecoder;
import dev.afmflink.embedded.KafkaBroker;
import dev.afmflink.embedded.KafkaClients;
import dev.afmflink.feedback.ReplicaReplay;
import dev.afmflink.job.AfmStreamJob;
import dev.afmflink.job.FeedbackSettings;
import dev.afmflink.job.KafkaRecords;
import dev.afmflink.job.ReplicaSettings;
import dev.afmflink.model.AfmModel;
import dev.afmflink.snapshot.ModelReader;
import dev.afmflink.snapshot.SnapshotChain;
import dev.afmflink.snapshot.SnapshotStorage;
import dev.afmflink.time.EventTime;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * {@code bin/afm scale-bench --case features --trainers-per-model R}: the features case's model
 * (each example 8 features never seen again and 2 hot ones) trained by R replica keys on a real
 * cluster of processes — a JobManager and R TaskManagers of one slot and a JVM heap of
 * {@code --tm-heap} each, the job submitted with {@code flink run} at parallelism R — routed by the
 * example's own feature of field {@code f0} with the 8 own fields local ({@code --route-field f0
 * --local-fields f0,…,f7}): each replica holds its share of those rows, the merger all of them.
 * Reported: throughput, each TaskManager's JVM heap (-Xmx), its GC log's largest heap after a GC,
 * the trainer's state per subtask in the last checkpoint, the versions published. Checked: the
 * published model equals {@link ReplicaReplay} (the job's schedule in plain Java) on the same events
 * — feature count, shared parameters and every value of a 1/64 sample of ids, bit for bit — and no
 * TaskManager failed.
 */
public final class ScaleReplicasBench {
    static final String ROUTE = "f0";

    private ScaleReplicasBench() {
    }

    /** The local fields: the example's own 8. */
    static List<String> localFields() {
        List<String> f = new ArrayList<>();
        for (int i = 0; i < ScaleBench.OWN_FEATURES; i++) {
            f.add("f" + i);
        }
        return f;
    }

    /** Returns true if every check held. */
    public static boolean run(long features, int k, int replicas, String tmHeapMb, long publishIntervalMs, long tickMs,
                              String backend, Path work, PrintStream out) throws Exception {
        long n = (features - 2L * ScaleBench.HOT + ScaleBench.OWN_FEATURES - 1) / ScaleBench.OWN_FEATURES;
        String in = "scale-replicas";
        Path models = work.resolve("models");
        Path project = projectDir();
        Path jobJar = jobJar(project);
        int heapMb = Integer.parseInt(tmHeapMb);
        // a TaskManager's JVM heap is its framework heap (128m) + task heap: sized by those, not by a process size
        Map<String, String> memory = new LinkedHashMap<>();
        memory.put("taskmanager.memory.process.size", "");
        memory.put("taskmanager.memory.framework.heap.size", "128m");
        memory.put("taskmanager.memory.task.heap.size", (heapMb - 128) + "m");
        memory.put("taskmanager.memory.managed.size", "512m");
        memory.put("taskmanager.memory.managed.fraction", "");
        out.printf(Locale.ROOT, "features on %d trainers: %,d examples (8 new features each + 2 of 2 x %,d hot) -> %,d features, "
                + "k = t = %d; a JobManager and %d TaskManagers (1 slot, JVM heap %d MiB each), routed by %s, local %s, "
                + "state backend %s%n", replicas, n, ScaleBench.HOT, n * ScaleBench.OWN_FEATURES + 2 * ScaleBench.HOT, k, replicas,
                heapMb, ROUTE, String.join(",", localFields()), backend);
        boolean ok = true;
        try (KafkaBroker broker = KafkaBroker.start(work.resolve("kafka"), 240);
             ProcessCluster cluster = ProcessCluster.start(work.resolve("flink"), project.resolve("flink-conf"),
                     ProcessCluster.clusterClasspath(project.resolve("target/classpath.txt")), 1, memory)) {
            ScaleBench.topics(broker, in);
            broker.createTopics(List.of(in + "-sync"), "");
            List<String> tms = new ArrayList<>();
            for (int r = 0; r < replicas; r++) {
                tms.add("tm-" + (r + 1));
                cluster.startTaskManager(tms.get(r), r + 1, List.of("-Xlog:gc:file=" + work.resolve("flink/" + tms.get(r) + "-gc.log")));
            }
            long t0 = System.nanoTime();
            ScaleBench.produce(broker.bootstrapServers(), in, 0, n, ScaleBench::featureEvent);
            out.printf(Locale.ROOT, "  produced in %.0f s%n", (System.nanoTime() - t0) / 1e9);
            List<String> args = new ArrayList<>(List.of("stream"));
            args.addAll(ScaleBench.jobArgs(broker, work, in, k, k, backend));
            args.removeAll(List.of("--feedback", "immediate")); // the ordered mode: every step at an event-time timer
            args.addAll(List.of("--full-every", "2",
                    "--snapshot-dir", models.toString(), "--checkpoint-interval-ms", "30000", "--idleness-ms", "2000",
                    "--parallelism", Integer.toString(replicas), "--trainers-per-model", Integer.toString(replicas),
                    "--sync-topic", in + "-sync", "--sync-tick-ms", Long.toString(tickMs), "--route-field", ROUTE,
                    "--local-fields", String.join(",", localFields()), "--detach"));
            args.set(args.indexOf("--checkpoint-dir") + 1, work.resolve("checkpoints").toUri().toString());
            args.set(args.indexOf("--publish-interval-ms") + 1, Long.toString(publishIntervalMs));
            long start = System.nanoTime();
            String job = cluster.submit(jobJar, null, args);
            cluster.await("job running", 300, () -> cluster.running(job));
            // a later event moves event time past every example (its own model key)
            ScaleBench.produce(broker.bootstrapServers(), in, 0, 1, i -> marker(n));
            long[] marks = {0, 0};
            long fivePct = n / 20;
            cluster.await("every example's merged model published", 3 * 3600, () -> {
                long seen = predictions(broker, in + "-pred");
                if (marks[0] == 0 && seen >= fivePct) {
                    marks[0] = System.nanoTime();
                }
                if (marks[1] == 0 && seen >= n) {
                    marks[1] = System.nanoTime();
                }
                if (!cluster.running(job) && !"RESTARTING".equals(cluster.state(job))) {
                    throw new IllegalStateException("the job is " + cluster.state(job) + "; logs in " + work.resolve("flink"));
                }
                return marks[1] != 0 && lastExamples(broker, in + "-snap") == n;
            });
            double wall = (System.nanoTime() - start) / 1e9;
            // a checkpoint taken after the last example: the state as trained
            long before = cluster.latestCheckpointId(job, "completed");
            cluster.await("a checkpoint after the training", 600, () -> cluster.latestCheckpointId(job, "completed") > before);
            long checkpoint = cluster.latestCheckpointId(job, "completed");
            int failures = cluster.failures(job);
            out.printf(Locale.ROOT, "  trained %,d examples: %,.0f labelled examples/s (5 %% to 100 %% of the predictions), job wall "
                    + "%.0f s, %d task failures%n", n, (n - fivePct) / ((marks[1] - marks[0]) / 1e9), wall, failures);
            ok &= failures == 0;
            trainerState(cluster, job, checkpoint, out);
            out.printf(Locale.ROOT, "  rows held per replica key in its state (its last validation window's features): %s "
                    + "of the model's %,d%n", rowsPerReplica(broker, in + "-metrics", replicas), n * ScaleBench.OWN_FEATURES
                    + 2 * ScaleBench.HOT);
            cluster.cancel(job);
            for (String tm : tms) {
                long[] gc = ScaleBench.heapAfterGc(work.resolve("flink/" + tm + "-gc.log"));
                out.printf(Locale.ROOT, "  %s: JVM %s; at most %,d MiB after any GC (%,d GCs), heap grown to %,d MiB%n", tm,
                        cluster.jvmHeapOf(tm), gc[0], gc[2], gc[1]);
            }
            out.println("  published: version, kind, feature records, bytes, write ms");
            for (ConsumerRecord<byte[], byte[]> r : KafkaClients.records(broker.bootstrapServers(), in + "-snap")) {
                if (new String(r.key(), StandardCharsets.UTF_8).equals("default")) {
                    KafkaRecords.Snapshots.Meta m = KafkaRecords.Snapshots.Meta.of(r);
                    out.printf(Locale.ROOT, "    %4d  %-5s  %,12d  %,15d  %,8d%n", m.version(), m.kind(), m.records(), m.bytes(),
                            m.writeMillis());
                }
            }
            ok &= sameAsReplay(models.resolve("default").toString(), n, replicas, tickMs, out);
        }
        return ok;
    }

    /**
     * Each replica key's rows, from the latest {@code replica_window} record of each on the metrics topic
     * (the last windows close after the last example and reach the topic at a checkpoint: read again for
     * up to two minutes until every replica has one).
     */
    static String rowsPerReplica(KafkaBroker broker, String metricsTopic, int replicas) throws Exception {
        long[] held = new long[replicas];
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120);
        while (java.util.Arrays.stream(held).anyMatch(h -> h == 0) && System.nanoTime() < deadline) {
            held = lastWindowRows(broker, metricsTopic, replicas);
            Thread.sleep(2000);
        }
        StringBuilder sb = new StringBuilder();
        for (int q = 0; q < replicas; q++) {
            sb.append(q == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%d: %,d", q, held[q]));
        }
        return sb.toString();
    }

    private static long[] lastWindowRows(KafkaBroker broker, String metricsTopic, int replicas) throws Exception {
        long[] held = new long[replicas];
        long[] last = new long[replicas];
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (ConsumerRecord<byte[], byte[]> r : KafkaClients.records(broker.bootstrapServers(), metricsTopic)) {
            JsonNode x = json.readTree(r.value());
            if (x.path("event").asText().equals("replica_window")) {
                int q = Integer.parseInt(x.get("detail").asText().split("/")[0]);
                if (x.get("windowEnd").asLong() >= last[q]) {
                    last[q] = x.get("windowEnd").asLong();
                    held[q] = x.get("features").asLong();
                }
            }
        }
        return held;
    }

    /** The replica trainers' and the merger's state per subtask in checkpoint {@code id} of the job (Flink's REST API). */
    static void trainerState(ProcessCluster cluster, String job, long id, PrintStream out) throws Exception {
        for (JsonNode v : cluster.get("/jobs/" + job).get("vertices")) {
            String name = v.get("name").asText();
            if (name.contains("train AFM") || name.contains("merge replicas")) {
                JsonNode d = cluster.get("/jobs/" + job + "/checkpoints/details/" + id + "/subtasks/" + v.get("id").asText());
                List<String> sizes = new ArrayList<>();
                for (JsonNode s : d.get("subtasks")) {
                    sizes.add(String.format(Locale.ROOT, "subtask %d %,d MB", s.get("index").asInt(), s.path("state_size").asLong() >> 20));
                }
                out.printf(Locale.ROOT, "  state of %s in checkpoint %d (full, not incremental): %s%n",
                        name.contains("merge") ? "the merger" : "the replica trainers", id, String.join(", ", sizes));
            }
        }
    }

    /** The published chain against the replay of the job's schedule on the same events. */
    static boolean sameAsReplay(String modelDir, long n, int replicas, long tickMs, PrintStream out) throws Exception {
        SnapshotChain ids = SnapshotChain.loadFolder(SnapshotStorage.LOCAL, modelDir, ModelReader.IDS_ONLY);
        var config = ids.model().config();
        ReplicaSettings r = new ReplicaSettings(replicas, tickMs, ReplicaSettings.ONE.lag(), ReplicaSettings.ONE.rule(), "sync",
                ROUTE, localFields());
        long replayStart = System.nanoTime();
        ReplicaReplay replay = new ReplicaReplay(config, FeedbackSettings.DEFAULT_WINDOW_MS, EventTime.DEFAULT_OUT_OF_ORDERNESS_MS,
                AfmStreamJob.watermarkStepMs(r), replicas, tickMs, r.lag(), r.rule()).routedBy(ROUTE).localFields(localFields());
        EventDecoder dec = new EventDecoder(config.loss(), 1 << 20);
        for (long i = 0; i < n; i++) {
            replay.accept(dec.decode(ScaleBench.featureEvent(i).getBytes(StandardCharsets.UTF_8), "x", 0));
        }
        replay.advanceTo(dec.decode(marker(n).getBytes(StandardCharsets.UTF_8), "x", 0).ts());
        replay.end();
        AfmModel offline = replay.model();
        out.printf(Locale.ROOT, "  offline replay (ReplicaReplay, R = %d): %.0f s, %,d features%n", replicas,
                (System.nanoTime() - replayStart) / 1e9, offline.features().size());
        return ScaleBench.publishedIsReplay(modelDir, ids, offline, out);
    }

    /** An event an hour after the last example, of its own model key: event time moves past every example. */
    static String marker(long n) {
        return "{\"type\":\"example\",\"id\":\"marker\",\"ts\":" + (ScaleBench.T0 + n + 3_600_000L)
                + ",\"model\":\"marker\",\"label\":0,\"features\":{\"" + ROUTE + "\":\"m\"}}";
    }

    /** Records on partition 0 of {@code topic}: its end offset. */
    static long predictions(KafkaBroker broker, String topic) {
        try (var c = KafkaClients.consumer(broker.bootstrapServers())) {
            var tp = new org.apache.kafka.common.TopicPartition(topic, 0);
            return c.endOffsets(List.of(tp)).get(tp);
        }
    }

    /** The examples of the latest snapshot of model {@code default} on the topic (its headers), −1 when none. */
    static long lastExamples(KafkaBroker broker, String topic) {
        long last = -1;
        for (ConsumerRecord<byte[], byte[]> r : KafkaClients.records(broker.bootstrapServers(), topic)) {
            if (new String(r.key(), StandardCharsets.UTF_8).equals("default")) {
                last = KafkaRecords.Snapshots.Meta.of(r).examples();
            }
        }
        return last;
    }

    static Path projectDir() throws Exception {
        // target/classes of this project: its parent's parent
        return Path.of(ScaleReplicasBench.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent().getParent();
    }

    static Path jobJar(Path project) throws Exception {
        try (Stream<Path> s = Files.list(project.resolve("target"))) {
            return s.filter(p -> p.getFileName().toString().endsWith("-job.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no job jar in " + project.resolve("target") + ": mvn package"));
        }
    }
}
