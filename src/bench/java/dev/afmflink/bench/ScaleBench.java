package dev.afmflink.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.afmflink.data.Event;
import dev.afmflink.data.EventDecoder;
import dev.afmflink.embedded.KafkaBroker;
import dev.afmflink.embedded.KafkaClients;
import dev.afmflink.feedback.FeedbackMode;
import dev.afmflink.feedback.FeedbackReplay;
import dev.afmflink.job.AfmStreamJob;
import dev.afmflink.job.KafkaRecords;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.FeatureParams;
import dev.afmflink.model.SplitMix64;
import dev.afmflink.serving.Scorer;
import dev.afmflink.snapshot.ModelReader;
import dev.afmflink.snapshot.SnapshotChain;
import dev.afmflink.snapshot.SnapshotPointer;
import dev.afmflink.snapshot.SnapshotStorage;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code bin/afm scale-bench}: the job at scale, run as an operator runs it — {@code bin/afm
 * stream} in a JVM of its own with a small heap (default 1 GiB, MiniCluster and all), fed by a
 * real broker, on RocksDB with checkpoints.
 *
 * <ul>
 * <li><b>features</b>: a model of N distinct features (default 10 million; each example brings 8
 *     features never seen again and 2 from hot sets of 1,000), trained and published as full
 *     snapshots and deltas (pointers to files in the snapshot folder). Reported: throughput,
 *     every snapshot's size and write time, checkpoint size on disk, the job's heap after GC.
 *     Checked: the published chain equals the plain-Java replay of the job's semantics bit for
 *     bit (shared parameters, feature count, and every feature of a 1/64 sample of ids), and
 *     {@code score} of the folder equals the replay's predictions.</li>
 * <li><b>keys</b>: N model keys (default 100,000) at k = t = 64, each trained twice, then a quiet
 *     period, then 100 keys trained again. Reported from Flink's REST API: each checkpoint's
 *     size (what it added) and duration against the whole state, the buffers written at the
 *     barrier, and the job's heap after GC.</li>
 * </ul>
 */
public final class ScaleBench {
    static final long T0 = 1_767_225_600_000L;
    static final int HOT = 1000;
    static final int OWN_FEATURES = 8;
    private static final Pattern GC_AFTER = Pattern.compile("->(\\d+)M\\((\\d+)M\\)");

    private ScaleBench() {
    }

    /** The features case's example {@code i}: 8 features of its own, 2 hot ones; the label follows the hot pair (with noise). */
    static String featureEvent(long i) {
        long h = SplitMix64.mix(i + 0x51ED27L);
        int a = (int) Long.remainderUnsigned(h, HOT);
        int b = (int) Long.remainderUnsigned(h >>> 20, HOT);
        boolean click = ((a * 7 + b * 3) % 10 < 3) != (Long.remainderUnsigned(h >>> 40, 10) == 0);
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"type\":\"example\",\"id\":\"x").append(i).append("\",\"ts\":").append(T0 + i)
                .append(",\"model\":\"default\",\"label\":").append(click ? 1 : 0).append(",\"features\":{\"hot_a\":\"a")
                .append(a).append("\",\"hot_b\":\"b").append(b).append('"');
        for (int f = 0; f < OWN_FEATURES; f++) {
            sb.append(",\"f").append(f).append("\":\"").append(i).append('"');
        }
        return sb.append("}}").toString();
    }

    /** The keys case's example {@code i} for model key {@code key}: 10 fields of 50 values each. */
    static String keyEvent(long i, long key) {
        long h = SplitMix64.mix(i * 31 + key);
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"type\":\"example\",\"id\":\"y").append(i).append("\",\"ts\":").append(T0 + i)
                .append(",\"model\":\"k").append(key).append("\",\"label\":").append((h & 3) == 0 ? 1 : 0).append(",\"features\":{");
        for (int f = 0; f < 10; f++) {
            sb.append(f == 0 ? "" : ",").append("\"g").append(f).append("\":\"").append(Long.remainderUnsigned(h >>> (f * 6), 50))
                    .append('"');
        }
        return sb.append("}}").toString();
    }

    /** Sends events {@code from} to {@code to} − 1 of {@code event} to {@code topic}, one partition, in order. */
    static void produce(String servers, String topic, long from, long to, LongFunction<String> event) {
        try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(servers,
                Map.of("acks", "all", "linger.ms", "20", "batch.size", Integer.toString(1 << 18)))) {
            for (long i = from; i < to; i++) {
                p.send(new ProducerRecord<>(topic, 0, null, null, event.apply(i).getBytes(StandardCharsets.UTF_8)));
            }
            p.flush();
        }
    }

    /** {@code bin/afm stream} in a JVM of its own with {@code heap}, GC logged; the classpath and module flags are this JVM's. */
    static Process startJob(Path work, String heap, List<String> args) throws IOException {
        List<String> streamArgs = new ArrayList<>(List.of("stream"));
        streamArgs.addAll(args);
        List<String> cmd = ChildJvm.command(List.of("-Xmx" + heap, "-Xlog:gc:file=" + work.resolve("gc.log"),
                "-Dafm.log.file=" + work.resolve("job.log")), streamArgs);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(work.resolve("job.out").toFile()).start();
    }

    /**
     * {max heap after any GC (MiB), heap size (MiB), GCs, max heap after a full GC (MiB): the live
     * heap, full GCs}, from the job's GC log. A young collection leaves the old generation's garbage
     * in place, so the first figure is an upper bound; the full GCs of {@link #heapSampler} give the second.
     */
    static long[] heapAfterGc(Path gcLog) throws IOException {
        long max = 0;
        long size = 0;
        long n = 0;
        long live = 0;
        long full = 0;
        if (Files.exists(gcLog)) {
            for (String line : Files.readAllLines(gcLog)) {
                Matcher m = GC_AFTER.matcher(line);
                if (m.find()) {
                    long after = Long.parseLong(m.group(1));
                    max = Math.max(max, after);
                    size = Math.max(size, Long.parseLong(m.group(2)));
                    n++;
                    if (line.contains("Pause Full")) {
                        live = Math.max(live, after);
                        full++;
                    }
                }
            }
        }
        return new long[] {max, size, n, live, full};
    }

    static String heapLine(Path gcLog) throws IOException {
        long[] gc = heapAfterGc(gcLog);
        return String.format(Locale.ROOT, "job heap (-Xmx of the job's JVM): live at most %,d MiB (after %d full GCs, one a "
                + "minute); at most %,d MiB after any GC (%,d GCs; young ones leave old garbage), heap grown to %,d MiB",
                gc[3], gc[4], gc[0], gc[2], gc[1]);
    }

    /** An action repeated on a daemon thread every {@code periodMs} until stopped; a failing round is skipped. */
    static final class Periodic implements Runnable {
        /** One round. */
        interface Action {
            void run() throws Exception;
        }

        private final long periodMs;
        private final Action action;
        private volatile boolean running = true;
        private final Thread thread;

        Periodic(String name, long periodMs, Action action) {
            this.periodMs = periodMs;
            this.action = action;
            this.thread = new Thread(this, name);
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void run() {
            while (running) {
                try {
                    Thread.sleep(periodMs);
                    action.run();
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // a file went away while walking (a checkpoint subsumed), the job ended meanwhile: next round
                }
            }
        }

        void stop() throws InterruptedException {
            running = false;
            thread.interrupt();
            thread.join();
        }
    }

    /** Asks the job's JVM for a full GC once a minute ({@code jcmd PID GC.run}): the GC log then shows the live heap. */
    static Periodic heapSampler(Process job) {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        return new Periodic("afm-heap-sampler", 60_000, () -> new ProcessBuilder(jcmd, Long.toString(job.pid()), "GC.run")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(30, TimeUnit.SECONDS));
    }

    static long du(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    public static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** The options every case gives the job. */
    static List<String> jobArgs(KafkaBroker broker, Path work, String in, int k, int t, String backend) {
        return new ArrayList<>(List.of("--bootstrap-servers", broker.bootstrapServers(), "--input-topic", in,
                "--snapshots-topic", in + "-snap", "--predictions-topic", in + "-pred", "--dead-letters-topic", in + "-dead",
                "--metrics-topic", in + "-metrics", "--group-id", in, "--k", Integer.toString(k), "--t", Integer.toString(t),
                "--feedback", "immediate", "--min-count", "1", "--feature-ttl", "0", "--publish-interval-ms", "0",
                "--checkpoint-dir", work.resolve("checkpoints").toString(), "--work-dir", work.resolve("job").toString(),
                "--progress-seconds", "30", "--state-backend", backend));
    }

    static void topics(KafkaBroker broker, String in) throws Exception {
        broker.createTopics(List.of(in, in + "-snap", in + "-pred", in + "-dead", in + "-metrics"), in + "-snap");
    }

    /** Waits until {@code n} predictions are on the topic (or the job ends); returns {@code [t(5 %), t(n)]} in nanos. */
    static long[] awaitPredictions(String servers, String topic, long n, Process job, long timeoutMinutes) {
        long[] marks = new long[2];
        try (KafkaConsumer<byte[], byte[]> c = KafkaClients.consumer(servers)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long seen = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(timeoutMinutes);
            while (seen < n && System.nanoTime() < deadline && (job.isAlive() || c.poll(Duration.ZERO).count() > 0)) {
                seen += c.poll(Duration.ofMillis(100)).count();
                if (marks[0] == 0 && seen >= n / 20) {
                    marks[0] = System.nanoTime();
                }
            }
            marks[1] = System.nanoTime();
            if (seen < n) {
                throw new IllegalStateException("only " + seen + " of " + n + " predictions arrived (job alive: " + job.isAlive() + ")");
            }
        }
        return marks;
    }

    /** The features case; returns true if every check held. */
    public static boolean features(long features, int k, int t, String heap, long publishEvery, String backend, Path work,
                                   PrintStream out)
            throws Exception {
        long n = (features - 2L * HOT + OWN_FEATURES - 1) / OWN_FEATURES;
        String in = "scale-features";
        Path models = work.resolve("models");
        out.printf(Locale.ROOT, "features: %,d examples (8 new features each + 2 of 2 x %,d hot) -> %,d features, k = %d, t = %d; "
                + "the job in its own JVM with -Xmx%s, state backend %s%n", n, HOT, n * OWN_FEATURES + 2 * HOT, k, t, heap, backend);
        boolean ok = true;
        try (KafkaBroker broker = KafkaBroker.start(work.resolve("kafka"), 240)) {
            topics(broker, in);
            long t0 = System.nanoTime();
            produce(broker.bootstrapServers(), in, 0, n, ScaleBench::featureEvent);
            out.printf(Locale.ROOT, "  produced in %.0f s%n", (System.nanoTime() - t0) / 1e9);
            List<String> args = jobArgs(broker, work, in, k, t, backend);
            args.addAll(List.of("--bounded", "--publish-every", Long.toString(publishEvery), "--full-every", "2",
                    "--snapshot-dir", models.toString(), "--checkpoint-interval-ms", "30000"));
            long start = System.nanoTime();
            Process job = startJob(work, heap, args);
            long[] checkpointMax = {0}; // the checkpoint folder's largest size, every 2 s
            Periodic disk = new Periodic("afm-disk-sampler", 2000,
                    () -> checkpointMax[0] = Math.max(checkpointMax[0], du(work.resolve("checkpoints"))));
            Periodic heapSampler = heapSampler(job);
            long[] marks = awaitPredictions(broker.bootstrapServers(), in + "-pred", n, job, 120);
            if (!job.waitFor(60, TimeUnit.MINUTES) || job.exitValue() != 0) {
                throw new IllegalStateException("the job failed (exit " + (job.isAlive() ? "none" : job.exitValue()) + "); see "
                        + work.resolve("job.out") + " and " + work.resolve("job.log"));
            }
            double wall = (System.nanoTime() - start) / 1e9;
            disk.stop();
            long checkpointBytes = checkpointMax[0];
            heapSampler.stop();
            out.printf(Locale.ROOT, "  trained %,d examples: %,.0f examples/s (5 %% to 100 %% of the predictions), job wall %.0f s%n",
                    n, (n - n / 20) / ((marks[1] - marks[0]) / 1e9), wall);
            out.println("  published (snapshot topic: the record holds a pointer when the file is larger than the inline limit):");
            out.println("    version  kind    feature records            bytes    write ms  on the topic");
            List<ConsumerRecord<byte[], byte[]>> snaps = KafkaClients.records(broker.bootstrapServers(), in + "-snap");
            SnapshotChain topicChain = new SnapshotChain(id -> false); // every file read and checked; no row kept
            for (ConsumerRecord<byte[], byte[]> r : snaps) {
                KafkaRecords.Snapshots.Meta m = KafkaRecords.Snapshots.Meta.of(r);
                out.printf(Locale.ROOT, "    %7d  %-5s  %,15d  %,15d  %,8d ms  %s%n", m.version(), m.kind(), m.records(), m.bytes(),
                        m.writeMillis(),
                        SnapshotPointer.isPointer(r.value()) ? "pointer (" + r.value().length + " bytes)" : "inline");
                if (!topicChain.applyRecord(r.value(), "v" + m.version())) {
                    out.println("    FAILED: version " + m.version() + " does not follow the chain");
                    ok = false;
                }
            }
            out.println("  " + heapLine(work.resolve("gc.log")));
            out.printf(Locale.ROOT, "  state on disk (the checkpoint folder, largest while running) %,d MB; snapshot folder %,d MB%n",
                    checkpointBytes >> 20, du(models) >> 20);

            // the replay: the job's semantics in plain Java on the same events (immediate mode, every feature admitted)
            String modelDir = models.resolve("default").toString();
            SnapshotChain ids = SnapshotChain.loadFolder(SnapshotStorage.LOCAL, modelDir, ModelReader.IDS_ONLY);
            AfmConfig config = ids.model().config();
            long replayStart = System.nanoTime();
            FeedbackReplay replay = new FeedbackReplay(config, FeedbackMode.IMMEDIATE, 600_000, 5000, AfmStreamJob.WATERMARK_STEP_MS);
            EventDecoder dec = new EventDecoder(config.loss(), 1 << 20);
            for (long i = 0; i < n; i++) {
                replay.accept(dec.decode(featureEvent(i).getBytes(StandardCharsets.UTF_8), "x", 0));
            }
            replay.end();
            AfmModel offline = replay.model();
            out.printf(Locale.ROOT, "  offline replay: %.0f s, %,d features%n", (System.nanoTime() - replayStart) / 1e9,
                    offline.features().size());
            ok &= publishedIsReplay(modelDir, ids, offline, out);

            // score: the folder (the latest full snapshot and its deltas) on 1,000 of the examples, only their rows loaded
            Path input = work.resolve("score-input.jsonl");
            try (var w = Files.newBufferedWriter(input)) {
                for (long i = 0; i < 1000; i++) {
                    w.write(featureEvent(i * (n / 1000)));
                    w.write('\n');
                }
            }
            long scoreStart = System.nanoTime();
            ModelReader.Loaded loaded = ModelReader.load(modelDir, Scorer.inputIds(input, false));
            StringWriter scored = new StringWriter();
            Scorer.score(loaded.model(), input, scored, false);
            double scoreSeconds = (System.nanoTime() - scoreStart) / 1e9;
            StringBuilder expected = new StringBuilder();
            for (long i = 0; i < 1000; i++) {
                Event e = dec.decode(featureEvent(i * (n / 1000)).getBytes(StandardCharsets.UTF_8), "x", 0);
                expected.append(Double.toString(offline.predict(e.features()))).append('\n');
            }
            boolean scoresSame = expected.toString().equals(scored.toString());
            out.printf(Locale.ROOT, "  score (bin/afm score --model %s --input %s): 1,000 predictions in %.1f s "
                    + "(%,d rows loaded), = the replay's: %s%n", modelDir, input, scoreSeconds, loaded.model().features().size(),
                    scoresSame ? "yes" : "NO");
            ok &= scoresSame;
        }
        return ok;
    }

    /**
     * The published chain in {@code modelDir} (its ids: {@code ids}) against the replay's model: feature
     * count, shared parameters and every value of a 1/64 sample of ids, bit for bit; printed, true if equal.
     */
    static boolean publishedIsReplay(String modelDir, SnapshotChain ids, AfmModel offline, PrintStream out) throws IOException {
        SnapshotChain sample = SnapshotChain.loadFolder(SnapshotStorage.LOCAL, modelDir, id -> (SplitMix64.mix(id) & 63) == 0);
        AfmModel pub = sample.model();
        long compared = 0;
        long differ = 0;
        for (long id : pub.features().sortedIds()) {
            FeatureParams a = pub.features().get(id);
            FeatureParams b = offline.features().get(id);
            compared++;
            if (b == null || !a.sameValues(b)) { // same precision, same bits (either precision)
                differ++;
            }
        }
        boolean sharedSame = pub.shared().sameAs(offline.shared()) && pub.shared().examples == offline.shared().examples;
        boolean countSame = ids.model().features().size() == offline.features().size();
        boolean same = differ == 0 && sharedSame && countSame && compared > 0;
        out.printf(Locale.ROOT, "  published version %d = the replay: %s (features %,d vs %,d; shared parameters %s; "
                + "%,d sampled features compared bit for bit, %,d differ)%n", sample.version(), same ? "yes" : "NO",
                ids.model().features().size(), offline.features().size(), sharedSame ? "identical" : "DIFFER", compared, differ);
        return same;
    }

    /** The keys case; returns true if every check held. */
    public static boolean keys(int keys, int rounds, int k, int t, String heap, Path work, PrintStream out, long checkpointMs, int quietCheckpoints) throws Exception {
        String in = "scale-keys";
        int active = Math.min(100, keys);
        long first = (long) keys * rounds;
        out.printf(Locale.ROOT, "keys: %,d model keys x %d examples, k = %d, t = %d, then a quiet period, then %d keys x 10 "
                + "examples; the job in its own JVM with -Xmx%s%n", keys, rounds, k, t, active, heap);
        int rest = KafkaBroker.freePort();
        boolean ok = true;
        HttpClient http = HttpClient.newHttpClient();
        try (KafkaBroker broker = KafkaBroker.start(work.resolve("kafka"), 240)) {
            topics(broker, in);
            List<String> args = jobArgs(broker, work, in, k, t, "rocksdb");
            args.addAll(List.of("--publish-every", "0", "--checkpoint-interval-ms", Long.toString(checkpointMs), "--rest-port",
                    Integer.toString(rest)));
            Process job = startJob(work, heap, args);
            Periodic heapSampler = heapSampler(job);
            try {
                long t0 = System.nanoTime();
                produce(broker.bootstrapServers(), in, 0, first, i -> keyEvent(i, i % keys));
                long[] marks = awaitPredictions(broker.bootstrapServers(), in + "-pred", first, job, 120);
                out.printf(Locale.ROOT, "  %,d examples over %,d keys: %,.0f examples/s (5 %% to 100 %% of the predictions; %.0f s "
                        + "from the first record)%n", first, keys, (first - first / 20) / ((marks[1] - marks[0]) / 1e9),
                        (marks[1] - t0) / 1e9);
                Checkpoints cps = new Checkpoints(http, rest, jobId(http, rest));
                long busy = cps.last();
                long tail = cps.await(busy, 1); // writes the buffers touched since the barrier before
                long quiet = cps.awaitSettled(tail, quietCheckpoints); // no input: what RocksDB's compactions of earlier writes add, until settled
                produce(broker.bootstrapServers(), in, first, first + active * 10L, i -> keyEvent(i, (i - first) % active));
                awaitPredictions(broker.bootstrapServers(), in + "-pred", first + active * 10L, job, 30);
                long changed = cps.await(cps.last(), 1);
                cps.awaitSettled(changed, quietCheckpoints);
                out.println("  checkpoints (Flink's REST API; added = the new files of an incremental RocksDB checkpoint: what the "
                        + "trainer wrote since the last one, and what RocksDB's compactions rewrote):");
                out.println("    id  phase                           added                full state    duration");
                for (JsonNode c : cps.seen.values()) {
                    long id = c.get("id").asLong();
                    String phase = id <= busy ? "training all keys" : id <= tail ? "the training's last writes"
                            : id <= quiet ? "quiet (compactions)" : id <= changed ? active + " keys trained" : "quiet again";
                    out.printf(Locale.ROOT, "    %3d  %-28s %,14d B  %,14d B  %,8d ms%n", id, phase, c.path("checkpointed_size").asLong(),
                            c.path("state_size").asLong(), c.path("end_to_end_duration").asLong());
                }
                heapSampler.stop();
                out.println("  " + heapLine(work.resolve("gc.log")));
                out.printf(Locale.ROOT, "  checkpoints on disk %,d MB%n", du(work.resolve("checkpoints")) >> 20);
                ok &= job.isAlive();
            } finally {
                heapSampler.stop();
                job.destroy();
                if (!job.waitFor(60, TimeUnit.SECONDS)) {
                    job.destroyForcibly();
                }
            }
        }
        return ok;
    }

    static String jobId(HttpClient http, int port) throws Exception {
        for (JsonNode j : LifecycleBench.get(http, port, "/jobs").get("jobs")) {
            if (j.get("status").asText().equals("RUNNING")) {
                return j.get("id").asText();
            }
        }
        throw new IllegalStateException("no running job on the REST port");
    }

    /** The job's completed checkpoints, kept as they are seen on the REST API (which keeps only the latest few). */
    static final class Checkpoints {
        private final HttpClient http;
        private final int port;
        private final String job;
        final java.util.TreeMap<Long, JsonNode> seen = new java.util.TreeMap<>();

        Checkpoints(HttpClient http, int port, String job) {
            this.http = http;
            this.port = port;
            this.job = job;
        }

        long last() throws Exception {
            for (JsonNode c : LifecycleBench.get(http, port, "/jobs/" + job + "/checkpoints").path("history")) {
                if (c.path("status").asText().equals("COMPLETED")) {
                    seen.put(c.get("id").asLong(), c);
                }
            }
            return seen.isEmpty() ? 0 : seen.lastKey();
        }

        /** Waits until {@code more} checkpoints after {@code after} completed; returns the last one's id. */
        long await(long after, int more) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (System.nanoTime() < deadline) {
                long last = last();
                if (last >= after + more) {
                    return last;
                }
                Thread.sleep(500);
            }
            throw new IllegalStateException("no checkpoint completed in 10 minutes");
        }

        /**
         * Waits, after {@code after}, for two checkpoints in a row that each add less than 1 % of the
         * state (RocksDB's compactions of earlier writes have settled), at most {@code max}; returns the last id.
         */
        long awaitSettled(long after, int max) throws Exception {
            int small = 0;
            long id = after;
            for (int i = 0; i < max && small < 2; i++) {
                id = await(id, 1);
                JsonNode c = seen.get(id);
                small = c != null && c.path("checkpointed_size").asLong() < c.path("state_size").asLong() / 100 ? small + 1 : 0;
            }
            return id;
        }
    }
}
