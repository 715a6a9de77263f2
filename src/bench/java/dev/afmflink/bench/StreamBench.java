package dev.afmflink.bench;

import dev.afmflink.embedded.ClickSimulator;
import dev.afmflink.embedded.KafkaBroker;
import dev.afmflink.embedded.KafkaClients;
import dev.afmflink.job.AfmStreamJob;
import dev.afmflink.job.StreamSettings;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.Precision;
import dev.afmflink.model.Loss;
import dev.afmflink.optim.OptimizerSpec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * End-to-end benchmark of the streaming job on this machine: a real Kafka broker (child
 * process), the job in a MiniCluster, the Frappe file (m = 10) replayed as libfm lines, after one
 * unreported warm-up job. Reports
 * examples/s through Kafka → decode → train → Kafka for each state backend and k = t, beside the
 * same job with training replaced by a no-op and the core's single-thread kernel rate; then the
 * feedback loop on the simulator's click-stream (join, scoring at arrival, training); then the
 * freshness of published snapshots (event production → the publish that contains its update) at
 * a 1 s publish interval.
 */
public final class StreamBench {
    private StreamBench() {
    }

    static AfmConfig config(int k, Precision p) {
        OptimizerSpec a = OptimizerSpec.adagrad(0.05, 1e-8);
        return new AfmConfig(k, k, Loss.SQUARED, 1e-3, 0, 0, 1.0, 0.1, 1, a, a, a, p);
    }

    /**
     * Bytes of one feature's value in keyed state: a fresh row (parameters and Adagrad slots) through
     * Flink's POJO serializer, which is what the job's RocksDB column family holds per feature (its
     * key, the 8-byte id and the key group, comes on top).
     */
    public static int stateBytesPerFeature(AfmConfig c) throws java.io.IOException {
        var serializer = org.apache.flink.api.common.typeinfo.TypeInformation.of(dev.afmflink.model.FeatureParams.class)
                .createSerializer(new org.apache.flink.api.common.ExecutionConfig().getSerializerConfig());
        var out = new org.apache.flink.core.memory.DataOutputSerializer(1024);
        serializer.serialize(new dev.afmflink.model.AfmLearner(c).newFeature(1, 0), out);
        return out.length();
    }

    /** What a run measures: the libfm rows (k values, precisions, backends), the click-stream rows (modes), freshness. */
    public record Plan(Path frappe, Path work, int[] ks, List<Precision> precisions, List<String> backends,
                       List<dev.afmflink.feedback.FeedbackMode> modes, int impressions, int warmUpImpressions, int freshnessRate,
                       int freshnessSeconds,
                       Path profileDir, double predictionsSample, int[] trainers, dev.afmflink.job.ReplicaSettings sync,
                       int inputPartitions, boolean openVocabulary, String clickBackend, int floorRows, int parallelism,
                       int clickK) {
        public Plan {
            if (!(predictionsSample > 0 && predictionsSample <= 1)) {
                throw new IllegalArgumentException("the bench times the job by its predictions: a share in (0, 1], got "
                        + predictionsSample);
            }
        }
    }

    public static void run(Plan plan, PrintStream out) throws Exception {
        Path frappe = plan.frappe();
        Path work = plan.work();
        List<byte[]> lines = new ArrayList<>();
        if (frappe != null) {
            readLines(frappe, lines);
        }
        out.printf(Locale.ROOT, "stream bench: %d examples (%s), 2-core machine, java %s%n", lines.size(),
                frappe == null ? "no libfm rows" : frappe.getFileName(), System.getProperty("java.version"));
        try (KafkaBroker broker = KafkaBroker.start(work.resolve("kafka"), 240)) {
            int run = 0;
            if (frappe != null) {
                run = libfmRows(plan, broker, lines, out);
            }
            // an unreported click-stream job warms the JVM up (Flink's and Kafka's code paths, the JIT); by default only
            // when no libfm rows did
            int warmUp = plan.warmUpImpressions() >= 0 ? plan.warmUpImpressions() : frappe == null ? 20_000 : 0;
            if (warmUp > 0 && !plan.modes().isEmpty()) {
                clickStream(broker, work, run++, warmUp, plan.modes().get(0), null, plan.predictionsSample(), 1, 1, plan.sync(),
                        plan.inputPartitions(), false, plan.clickBackend(), plan.clickK(),
                        new PrintStream(java.io.OutputStream.nullOutputStream()));
            }
            for (int i = 0; i < plan.floorRows(); i++) {
                floor(broker, work, run++, plan.impressions(), plan.profileDir(), out);
            }
            for (dev.afmflink.feedback.FeedbackMode mode : plan.modes()) {
                for (int trainers : plan.trainers()) {
                    clickStream(broker, work, run++, plan.impressions(), mode, plan.profileDir(), plan.predictionsSample(), trainers,
                            plan.parallelism() > 0 ? Math.min(trainers, plan.parallelism()) : trainers, plan.sync(),
                            plan.inputPartitions(), plan.openVocabulary(), plan.clickBackend(), plan.clickK(), out);
                }
            }
            if (plan.freshnessSeconds() > 0) {
                freshness(broker, work, run, plan.freshnessRate(), plan.freshnessSeconds(), out);
            }
        }
    }

    private static void readLines(Path frappe, List<byte[]> lines) throws Exception {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(frappe)),
                StandardCharsets.UTF_8))) {
            for (String l; (l = r.readLine()) != null; ) {
                lines.add(l.getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    /** The libfm rows: a warm-up job, then per k the no-op job and the AFM job per precision and backend. Returns the runs used. */
    private static int libfmRows(Plan plan, KafkaBroker broker, List<byte[]> lines, PrintStream out) throws Exception {
        Path work = plan.work();
        int[] ks = plan.ks();
        List<Precision> precisions = plan.precisions();
        String servers = broker.bootstrapServers();
        broker.createTopics(List.of("bench-in"), ""); // one topic for every libfm row
        produce(servers, "bench-in", lines);
        out.printf(Locale.ROOT, "%-10s %4s %-8s %6s %14s %12s %14s %12s%n", "backend", "k=t", "prec", "train", "examples/s",
                "CPU µs/ex", "wall s", "vs baseline");
        int run = 0;
        // a first job warms up the JVM (Flink's and Kafka's code paths, the JIT): whichever row ran first paid for it
        throughput(broker, "bench-in", lines.size(), run++, work, "rocksdb", config(ks[0], precisions.get(0)), false);
        for (int k : ks) {
            int noopRun = run++;
            double[] noopRow = profiled(plan.profileDir(), "noop-k" + k + ".jfr",
                    () -> throughput(broker, "bench-in", lines.size(), noopRun, work, "rocksdb", config(k, Precision.FLOAT64), true));
            double noop = noopRow[0];
            out.printf(Locale.ROOT, "%-10s %4d %-8s %6s %14.0f %12.1f %14.1f %12s%n", "rocksdb", k, "-", "noop", noop, noopRow[2],
                    noopRow[1], "-");
            printSplit(noopRow, "example", out);
            printProfile(plan.profileDir(), "noop-k" + k + ".jfr", out);
            java.util.Map<Precision, Double> rocks = new java.util.EnumMap<>(Precision.class);
            for (Precision p : precisions) {
                double kernel = KernelBench.measure(10, k, k, p, 2, 3, 1, "adagrad").meanExamplesPerSecond();
                for (String backend : plan.backends()) {
                    int afmRun = run++;
                    String name = "afm-" + backend + "-k" + k + "-" + p.id() + ".jfr";
                    double[] r = profiled(plan.profileDir(), name,
                            () -> throughput(broker, "bench-in", lines.size(), afmRun, work, backend, config(k, p), false));
                    if (backend.equals("rocksdb")) {
                        rocks.put(p, r[0]);
                    }
                    out.printf(Locale.ROOT, "%-10s %4d %-8s %6s %14.0f %12.1f %14.1f %12s%n", backend, k, p.id(), "afm", r[0], r[2], r[1],
                            String.format(Locale.ROOT, "%.0f %%", 100 * r[0] / Math.min(noop, kernel)));
                    printSplit(r, "example", out);
                    printProfile(plan.profileDir(), name, out);
                }
                out.printf(Locale.ROOT, "kernel (one thread, bin/afm bench, m=10 k=t=%d, %s): %.0f examples/s (%.1f µs/ex); state "
                        + "bytes per feature %d%n", k, p.id(), kernel, 1e6 / kernel, stateBytesPerFeature(config(k, p)));
            }
            if (rocks.size() == 2) {
                out.printf(Locale.ROOT, "k=t=%d on RocksDB: float32/float64 = %.2f (baseline = min(no-op job, kernel))%n", k,
                        rocks.get(Precision.FLOAT32) / rocks.get(Precision.FLOAT64));
            }
        }
        return run;
    }

    /** Runs {@code row}, recorded into {@code dir/name} when {@code dir} is given (--profile). */
    private static double[] profiled(Path dir, String name, java.util.concurrent.Callable<double[]> row) throws Exception {
        if (dir == null) {
            return row.call();
        }
        Files.createDirectories(dir);
        try (PathProfile p = new PathProfile(dir.resolve(name))) {
            return row.call();
        }
    }

    /** The split of a row's job CPU by thread ({@link #timed}'s figures from index 5 on), per {@code unit}. */
    private static void printSplit(double[] row, String unit, PrintStream out) {
        out.println("  job CPU by thread, µs per " + unit + ": " + CpuSplit.format(Arrays.copyOfRange(row, 5, row.length)));
    }

    private static void printProfile(Path dir, String name, PrintStream out) throws Exception {
        if (dir != null) {
            PathProfile.print(dir.resolve(name), out);
        }
    }

    static StreamSettings settings(String servers, String in, int run, Path work, String backend, AfmConfig config,
                                   boolean bounded, long publishMs) {
        return StreamSettings.builder(servers, config)
                .topics(in, "bench-" + run + "-snap", "bench-" + run + "-pred", "bench-" + run + "-dead").groupId("bench-" + run)
                .stateBackend(backend).checkpoints(work.resolve("cp-" + run).toString(), 10_000).publish(publishMs, 0, 10)
                .bounded(bounded).build();
    }

    /** Returns {examples/s between 5 % and 100 % of the predictions, wall seconds of the whole job}. */
    static double[] throughput(KafkaBroker broker, String in, int n, int run, Path work, String backend, AfmConfig config,
                               boolean noop) throws Exception {
        return throughput(broker, settings(broker.bootstrapServers(), in, run, work, backend, config, true, 5000), n, run, noop);
    }

    /** The same for any settings whose job writes {@code n} predictions. */
    static double[] throughput(KafkaBroker broker, StreamSettings s, int n, int run) throws Exception {
        return throughput(broker, s, n, run, false);
    }

    /**
     * {@code noop}: the baseline training stage (no model) instead of the trainer. Returns
     * {examples/s, wall seconds, the job's CPU µs per example}, the rate and the CPU time between
     * 5 % and 100 % of the predictions. The job's CPU time is this JVM's (the MiniCluster's task,
     * network, GC and JIT threads) less the thread reading the predictions; the broker is a process
     * of its own and the input is produced before the job starts, so neither counts.
     */
    static double[] throughput(KafkaBroker broker, StreamSettings s, int n, int run, boolean noop) throws Exception {
        return throughput(broker, s, n, run, noop, 1.0);
    }

    /**
     * As above for a job that sends a sample of its predictions: {@code n} of them, each standing
     * for {@code perPrediction} examples (the rate and the CPU per example are the examples', not the
     * predictions').
     */
    static double[] throughput(KafkaBroker broker, StreamSettings s, int n, int run, boolean noop, double perPrediction)
            throws Exception {
        broker.createTopics(List.of(s.snapshotsTopic(), s.predictionsTopic(), s.deadLettersTopic()), s.snapshotsTopic());
        StreamExecutionEnvironment env = AfmStreamJob.environment(s);
        if (noop) {
            AfmStreamJob.build(env, s, dev.afmflink.job.NoopTrainer::stage);
        } else {
            AfmStreamJob.build(env, s);
        }
        return timed(env, "bench-" + run, broker, s.predictionsTopic(), n, s.bounded(), perPrediction);
    }

    /**
     * Runs the job of {@code env} and times it by the records it writes to partition 0 of
     * {@code topic}: {@code n} of them, each standing for {@code perRecord} examples. Returns
     * {examples/s, wall seconds, the job's CPU µs per example, of which the JIT compiler's, bytes allocated
     * per example, then that CPU by {@link CpuSplit#GROUPS}}, between 5 % and 100 % of the records (see
     * above); an unbounded job is cancelled once they are in.
     */
    static double[] timed(StreamExecutionEnvironment env, String name, KafkaBroker broker, String topic, int n, boolean bounded,
                          double perPrediction) throws Exception {
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long t0 = System.nanoTime();
        JobClient job = env.executeAsync(name);
        long[] marks = new long[2];
        java.util.Map<Long, Long> allocatedAtStart = java.util.Map.of(); // per thread, this one apart
        CpuSplit[] cpu = new CpuSplit[2]; // the job's CPU at the marks: in all, the JIT's, by thread
        long allocated = 0;
        try (KafkaConsumer<byte[], byte[]> c = KafkaClients.consumer(broker.bootstrapServers())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long seen = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10) + TimeUnit.MILLISECONDS.toNanos(n); // 1,000/s at least
            while (seen < n && System.nanoTime() < deadline) {
                seen += c.poll(Duration.ofMillis(20)).count();
                if (marks[0] == 0 && seen >= n / 20) {
                    marks[0] = System.nanoTime();
                    cpu[0] = CpuSplit.now(threads);
                    allocatedAtStart = allocatedBytes(threads);
                }
            }
            marks[1] = System.nanoTime();
            cpu[1] = CpuSplit.now(threads);
            allocated = allocatedSince(allocatedAtStart, allocatedBytes(threads));
            if (seen < n) {
                throw new IllegalStateException("only " + seen + " of " + n + " predictions arrived");
            }
        }
        if (bounded) {
            job.getJobExecutionResult().get(10, TimeUnit.MINUTES);
        } else { // an unbounded job (one model on several trainers reads its synchronization topic without end)
            job.cancel().get(2, TimeUnit.MINUTES);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        double measured = (n - n / 20) * perPrediction;
        double[] r = new double[5 + CpuSplit.GROUPS.length];
        System.arraycopy(new double[] {measured / ((marks[1] - marks[0]) / 1e9), wall, cpu[1].processNsSince(cpu[0]) / 1e3 / measured,
            cpu[1].jitNsSince(cpu[0]) / 1e3 / measured, allocated / measured}, 0, r, 0, 5);
        System.arraycopy(cpu[1].perExampleSince(cpu[0], measured), 0, r, 5, CpuSplit.GROUPS.length);
        return r;
    }

    /**
     * Bytes allocated so far by each of this JVM's threads but the calling one (the bench's consumer):
     * the job's garbage per example is a figure the machine's slow phases do not move, unlike its CPU
     * time. Empty where the JVM does not count.
     */
    static java.util.Map<Long, Long> allocatedBytes(java.lang.management.ThreadMXBean threads) {
        java.util.Map<Long, Long> byThread = new java.util.HashMap<>();
        if (!(threads instanceof com.sun.management.ThreadMXBean t) || !t.isThreadAllocatedMemorySupported()) {
            return byThread;
        }
        long self = Thread.currentThread().getId();
        long[] ids = t.getAllThreadIds();
        long[] bytes = t.getThreadAllocatedBytes(ids);
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] != self && bytes[i] >= 0) { // -1: the thread ended meanwhile
                byThread.put(ids[i], bytes[i]);
            }
        }
        return byThread;
    }

    /**
     * What the threads of {@code now} allocated since {@code start}: a thread's whole count if it started
     * since. A thread that ended between the two takes its count with it (the job's threads do not end).
     */
    static long allocatedSince(java.util.Map<Long, Long> start, java.util.Map<Long, Long> now) {
        long sum = 0;
        for (java.util.Map.Entry<Long, Long> e : now.entrySet()) {
            sum += e.getValue() - start.getOrDefault(e.getKey(), 0L);
        }
        return sum;
    }

    /**
     * The feedback loop: the simulator's click-stream (impressions at 4/s of event time, delayed
     * clicks) through the join, impression scoring and training, RocksDB, logistic, k = t = {@code k} (16 by default).
     * Rate = labelled examples/s (each impression is also scored once on arrival).
     */
    static void clickStream(KafkaBroker broker, Path work, int run, int impressions, dev.afmflink.feedback.FeedbackMode mode,
                            Path profileDir, double predictionsSample, int trainers, int parallelism,
                            dev.afmflink.job.ReplicaSettings sync, int partitions, boolean openVocabulary, String backend,
                            int k, PrintStream out) throws Exception {
        String in = "clicks-in-" + run + "-" + mode.id();
        broker.createTopics(List.of(in), "", partitions);
        boolean routed = trainers > 1 && sync.routeField() != null;
        ClickSimulator sim = new ClickSimulator(7);
        if (openVocabulary) {
            sim.openVocabulary();
        }
        if (routed) {
            if (!sync.routeField().equals("user")) {
                throw new IllegalArgumentException("the simulator's clicks carry their user only: --route-field user");
            }
            sim.clicksCarryUser();
        }
        List<byte[]> events = clickEvents(sim, impressions);
        produce(broker.bootstrapServers(), in, events, partitions);
        OptimizerSpec a = OptimizerSpec.adagrad(0.05, 1e-8);
        AfmConfig logistic = new AfmConfig(k, k, Loss.LOGISTIC, 0, 0, 0, 1.0, 0.1, 1,
                OptimizerSpec.ftrl(0.1, 1, 0.5, 0), a, a, Precision.DEFAULT);
        // publish ticks every 10 min of event time: the simulated 7 h are replayed in seconds (ticks follow event time)
        StreamSettings base = settings(broker.bootstrapServers(), in, run, work, backend, config(16, Precision.DEFAULT), true, 600_000);
        StreamSettings s = StreamSettings.builder(base.bootstrapServers(), logistic)
                .topics(in, base.snapshotsTopic(), base.predictionsTopic(), base.deadLettersTopic()).groupId(base.groupId())
                .stateBackend(backend).checkpoints(base.checkpointDir(), base.checkpointIntervalMs())
                .publish(base.publishIntervalMs(), base.publishEvery(), base.fullEvery()).bounded(trainers == 1)
                .parallelism(parallelism)
                .feedback(dev.afmflink.job.FeedbackSettings.DEFAULTS.withMode(mode)
                        .withPredictions(new dev.afmflink.feedback.PredictionSample(predictionsSample))
                        .withMetricsTopic(trainers > 1 ? "metrics-" + run : null))
                .replicas(new dev.afmflink.job.ReplicaSettings(trainers, sync.tickMs(), sync.lag(), sync.rule(), "sync-" + run,
                        routed ? sync.routeField() : null, routed ? sync.localFields() : List.of(), sync.readAheadTicks()))
                .build();
        if (trainers > 1) {
            broker.createTopics(List.of(s.replicas().topic(), s.feedback().metricsTopic()), "");
        }
        // the honest end leaves the last attribution window's impressions unlabelled (and an unbounded run the last
        // out-of-orderness bound's too): count what is judged (the first impressions by time), and of them the
        // predictions the sample sends
        int judged = (int) (impressions - dev.afmflink.job.FeedbackSettings.DEFAULT_WINDOW_MS / 250 - 400);
        int sent = 0;
        for (int i = 0; i < judged; i++) {
            sent += s.feedback().predictions().keeps("imp-" + i) ? 1 : 0;
        }
        int sampled = sent;
        String profile = "click-stream-" + mode.id() + ".jfr";
        double[] r = profiled(profileDir, profile, () -> throughput(broker, s, sampled, run, false, (double) judged / sampled));
        // the kernel in the same run, at the stream's shape: one training step (each example is also scored once)
        double kernel = clickKernel(k);
        String replicas = trainers == 1 ? "" : String.format(Locale.ROOT, ", --trainers-per-model %d at parallelism %d, tick %d s, "
                + "lag %d, %s", trainers, parallelism, sync.tickMs() / 1000, sync.lag(), sync.rule().label());
        out.printf(Locale.ROOT, "click-stream (%s, logistic, k=t=%d, --feedback %s%s): %d impressions + %d clicks, %.0f labelled"
                + " examples/s (each also scored once), wall %.1f s; job CPU %.1f µs per labelled example (JIT compiling %.1f of them)"
                + " = %.1f x the kernel's %.1f µs (m=%d, %s, %.0f examples/s); the job allocated %.0f bytes per labelled example%n",
                backend, k, mode.id(), replicas, impressions, events.size() - impressions,
                r[0], r[1], r[2], r[3],
                r[2] / (1e6 / kernel), 1e6 / kernel, ClickSimulator.FIELD_COUNT, Precision.DEFAULT.id(), kernel, r[4]);
        printSplit(r, "labelled example", out);
        if (trainers > 1) {
            rowsPerReplica(broker, s, events, out);
        }
        printProfile(profileDir, profile, out);
    }

    /** The click-stream rows' events: {@code impressions} of the simulator {@code sim} from 2026-01-01, 250 ms apart, with their clicks. */
    static List<byte[]> clickEvents(ClickSimulator sim, int impressions) {
        List<byte[]> events = new ArrayList<>();
        sim.clickStream(impressions, 1_767_225_600_000L, 250, "default")
                .forEachRemaining(e -> events.add(e.getBytes(StandardCharsets.UTF_8)));
        return events;
    }

    /** The kernel at the click-stream's shape (m fields, k = t = 16, float32), one training step: examples/s. */
    static double clickKernel(int k) {
        return KernelBench.measure(ClickSimulator.FIELD_COUNT, k, k, Precision.DEFAULT, 2, 3, 1, "adagrad").meanExamplesPerSecond();
    }

    /**
     * The floor under any job on this path: the click-stream's events (the same simulator, seed and
     * count as a click-stream row) read by Flink's Kafka source as bytes and written back by a Kafka
     * sink with the job's producer settings, one record per event, at parallelism 1 with the job's
     * checkpoints; no decode, no state, no model. Its CPU per event times the events per impression
     * is what reading the input and writing a prediction costs before the job does anything.
     */
    static void floor(KafkaBroker broker, Path work, int run, int impressions, Path profileDir, PrintStream out) throws Exception {
        String in = "floor-in-" + run;
        String outTopic = "floor-out-" + run;
        broker.createTopics(List.of(in, outTopic), "");
        List<byte[]> events = clickEvents(new ClickSimulator(7), impressions);
        produce(broker.bootstrapServers(), in, events);
        StreamSettings s = settings(broker.bootstrapServers(), in, run, work, "rocksdb", config(16, Precision.DEFAULT), true, 600_000);
        StreamExecutionEnvironment env = AfmStreamJob.environment(s);
        org.apache.flink.connector.kafka.source.KafkaSource<byte[]> source = org.apache.flink.connector.kafka.source.KafkaSource
                .<byte[]>builder().setBootstrapServers(s.bootstrapServers()).setTopics(in).setGroupId(s.groupId())
                .setStartingOffsets(org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer.earliest())
                .setBounded(org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer.latest())
                .setDeserializer(org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema
                        .valueOnly(org.apache.kafka.common.serialization.ByteArrayDeserializer.class))
                .build();
        org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema<byte[]> bytesOut =
                (value, ctx, ts) -> new ProducerRecord<>(outTopic, 0, null, null, value);
        env.fromSource(source, org.apache.flink.api.common.eventtime.WatermarkStrategy.noWatermarks(), "kafka: " + in)
                .sinkTo(AfmStreamJob.sink(s, bytesOut)).name("kafka: " + outTopic);
        String profile = "floor.jfr";
        double[] r = profiled(profileDir, profile, () -> timed(env, "floor-" + run, broker, outTopic, events.size(), true, 1.0));
        double kernel = clickKernel(16);
        double perImpression = (double) events.size() / impressions;
        out.printf(Locale.ROOT, "floor (Kafka -> Flink -> Kafka, bytes, no decode, no model): %d events (%d impressions), %.0f events/s, wall %.1f s;"
                        + " job CPU %.2f µs per event (JIT compiling %.2f of them); x %.3f events per impression = %.1f µs"
                        + " = %.1f x the kernel's %.1f µs (m=%d, %s, %.0f examples/s)%n", events.size(), impressions, r[0], r[1], r[2], r[3],
                perImpression, r[2] * perImpression, r[2] * perImpression / (1e6 / kernel), 1e6 / kernel,
                ClickSimulator.FIELD_COUNT, Precision.DEFAULT.id(), kernel);
        printSplit(r, "event", out);
        printProfile(profileDir, profile, out);
    }

    /**
     * The rows each replica key holds in its keyed state (the features its last closed validation
     * window reports), against the stream's users routed to it and the other fields' values (which
     * every replica holds: a shared row is taken in by all).
     */
    static void rowsPerReplica(KafkaBroker broker, StreamSettings s, List<byte[]> events, PrintStream out) throws Exception {
        int replicas = s.replicas().replicas();
        long[] held = new long[replicas];
        long[] lastWindow = new long[replicas];
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        try (KafkaConsumer<byte[], byte[]> c = KafkaClients.consumer(broker.bootstrapServers())) {
            TopicPartition tp = new TopicPartition(s.feedback().metricsTopic(), 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (c.position(tp) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    var x = json.readTree(r.value());
                    if (x.path("event").asText().equals("replica_window")) {
                        int q = Integer.parseInt(x.get("detail").asText().split("/")[0]);
                        long w = x.get("windowEnd").asLong();
                        if (w >= lastWindow[q]) {
                            lastWindow[q] = w;
                            held[q] = x.get("features").asLong();
                        }
                    }
                }
            }
        }
        if (s.replicas().localFields().isEmpty()) {
            out.printf(Locale.ROOT, "  rows held per replica key in its state (its last closed validation window's features): %s%n",
                    Arrays.toString(held));
            return;
        }
        // the stream's own count, up to the latest window every replica has closed
        long upTo = Arrays.stream(lastWindow).min().orElse(0);
        dev.afmflink.data.EventDecoder dec = new dev.afmflink.data.EventDecoder(Loss.LOGISTIC, 1 << 20);
        String field = s.replicas().routeField();
        java.util.Set<Long> others = new java.util.HashSet<>();
        List<java.util.Set<Long>> users = new ArrayList<>();
        for (int q = 0; q < replicas; q++) {
            users.add(new java.util.HashSet<>());
        }
        for (byte[] raw : events) {
            var e = dec.decode(raw, "x", 0);
            var x = e.features();
            if (e.type() != dev.afmflink.data.EventKind.IMPRESSION || e.ts() >= upTo) {
                continue;
            }
            for (int i = 0; i < x.size; i++) {
                if (field != null && field.equals(x.fields[i]) && s.replicas().localFields().contains(field)) {
                    users.get(dev.afmflink.sync.ReplicaRoute.ofFeature(x.ids[i], replicas)).add(x.ids[i]);
                } else {
                    others.add(x.ids[i]);
                }
            }
        }
        long allUsers = users.stream().mapToLong(java.util.Set::size).sum();
        StringBuilder sb = new StringBuilder();
        for (int q = 0; q < replicas; q++) {
            sb.append(String.format(Locale.ROOT, "%s%d: %,d (%,d local rows = %.1f %% of %,d)", q == 0 ? "" : "; ", q, held[q],
                    held[q] - others.size(), 100.0 * (held[q] - others.size()) / Math.max(1, allUsers), allUsers));
        }
        out.printf(Locale.ROOT, "  rows held per replica key in its state (its last closed validation window's features; the "
                + "stream's impressions up to then: %,d local-field values routed as %s, %,d other features every replica "
                + "holds): %s%n", allUsers, users.stream().map(u -> String.format(Locale.ROOT, "%,d", u.size())).toList(),
                others.size(), sb);
    }

    static final long FRESHNESS_BOUND_MS = 200;

    static void freshness(KafkaBroker broker, Path work, int run, int rate, int seconds, PrintStream out) throws Exception {
        String in = "fresh-in";
        broker.createTopics(List.of(in), "");
        // ordered mode (the default): an example trains when event time reaches it and the publish tick after it goes out
        // when the watermark passes the tick; the paced stream is in order, so a 200 ms out-of-orderness bound
        StreamSettings s = settings(broker.bootstrapServers(), in, run, work, "rocksdb", config(16, Precision.DEFAULT), false, 1000)
                .withFeedback(new dev.afmflink.job.FeedbackSettings(dev.afmflink.job.FeedbackSettings.DEFAULT_WINDOW_MS,
                        FRESHNESS_BOUND_MS, 30_000, dev.afmflink.job.FeedbackSettings.DEFAULT_VALIDATION_WINDOW_MS,
                        dev.afmflink.metrics.QualityGate.OPEN, null));
        broker.createTopics(List.of(s.snapshotsTopic(), s.predictionsTopic(), s.deadLettersTopic()), s.snapshotsTopic());
        StreamExecutionEnvironment env = AfmStreamJob.environment(s);
        AfmStreamJob.build(env, s);
        JobClient job = env.executeAsync("bench-freshness");
        Thread.sleep(5000); // let the job start before the clock matters
        int total = rate * seconds;
        long[] produced = producePaced(broker.bootstrapServers(), in, total, rate, (i, wallMs) -> ((i % 2 == 0 ? "1" : "-1")
                + " " + (i % 957) + ":1 " + (957 + i % 4082) + ":1 " + (5039 + i % 7) + ":1 " + (5046 + i % 7) + ":1 "
                + (5053 + i % 2) + ":1 " + (5055 + i % 3) + ":1 " + (5058 + i % 2) + ":1 " + (5060 + i % 9) + ":1 "
                + (5069 + i % 80) + ":1 " + (5149 + i % 233) + ":1").getBytes(StandardCharsets.UTF_8));
        produceLater(broker.bootstrapServers(), in, "1 0:1".getBytes(StandardCharsets.UTF_8));
        // publishes: (examples covered, publish time)
        List<long[]> publishes = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = KafkaClients.consumer(broker.bootstrapServers())) {
            TopicPartition tp = new TopicPartition(s.snapshotsTopic(), 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            long covered = 0;
            while (covered < total && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
                    var meta = dev.afmflink.job.KafkaRecords.Snapshots.Meta.of(r);
                    long ex = meta.examples();
                    publishes.add(new long[] {ex, meta.publishedAt()});
                    covered = Math.max(covered, ex);
                }
            }
        }
        job.cancel().get(60, TimeUnit.SECONDS);
        long[] lat = freshness(produced, publishes, "published");
        out.printf(Locale.ROOT, "freshness (rocksdb, k=t=16, ordered mode, publish ticks every 1 s of event time, out-of-orderness "
                        + "%d ms, %d events/s for %d s, %d publishes): p50 %d ms, p99 %d ms, max %d ms%n", FRESHNESS_BOUND_MS, rate,
                seconds, publishes.size(), lat[total / 2],
                lat[(int) (total * 0.99)], lat[total - 1]);
    }

    /**
     * One last event an hour later in event time (record timestamp; JSON events carry their own): in
     * the ordered mode, examples train when event time reaches them, and this moves the watermark past
     * every event sent before it (it waits itself).
     */
    static void produceLater(String servers, String topic, byte[] value) {
        try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(servers, Map.of("acks", "1"))) {
            p.send(new ProducerRecord<>(topic, 0, System.currentTimeMillis() + 3_600_000L, null, value));
        }
    }

    /**
     * Sends {@code total} events to partition 0 of {@code topic} at {@code rate} per second (spin-paced
     * on the monotonic clock); {@code event} makes event i from its wall-clock send time. Returns each
     * event's send time (wall ms), also its record timestamp.
     */
    static long[] producePaced(String servers, String topic, int total, int rate,
                               java.util.function.BiFunction<Integer, Long, byte[]> event) {
        long[] produced = new long[total];
        try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(servers, Map.of("acks", "1", "linger.ms", "0"))) {
            long start = System.nanoTime();
            for (int i = 0; i < total; i++) {
                long due = start + (long) (i * 1e9 / rate);
                while (System.nanoTime() < due) {
                    Thread.onSpinWait();
                }
                produced[i] = System.currentTimeMillis();
                p.send(new ProducerRecord<>(topic, 0, produced[i], null, event.apply(i, produced[i])));
            }
            p.flush();
        }
        return produced;
    }

    /**
     * Sorted freshness latencies: for event i produced at {@code produced[i]} (wall ms), the time of
     * the first of {@code covers} (in order: examples covered, wall ms) that covers i + 1 examples.
     */
    static long[] freshness(long[] produced, List<long[]> covers, String what) {
        long[] lat = new long[produced.length];
        int q = 0;
        for (int i = 0; i < produced.length; i++) {
            while (q < covers.size() && covers.get(q)[0] < i + 1) {
                q++;
            }
            if (q == covers.size()) {
                throw new IllegalStateException("event " + i + " was never " + what);
            }
            lat[i] = covers.get(q)[1] - produced[i];
        }
        Arrays.sort(lat);
        return lat;
    }

    static void produce(String servers, String topic, List<byte[]> values) {
        produce(servers, topic, values, 1);
    }

    /** Sends {@code values} in turn to the {@code partitions} partitions of {@code topic} (record i to partition i mod N). */
    static void produce(String servers, String topic, List<byte[]> values, int partitions) {
        try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(servers,
                Map.of("acks", "all", "linger.ms", "20", "batch.size", Integer.toString(1 << 18)))) {
            int i = 0;
            for (byte[] v : values) {
                p.send(new ProducerRecord<>(topic, i++ % partitions, null, null, v));
            }
            p.flush();
        }
    }
}
