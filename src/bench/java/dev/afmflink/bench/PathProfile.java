package dev.afmflink.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the job's CPU goes, from a JDK Flight Recorder recording of this JVM taken around one
 * bench row (a sampling profile: Java samples every 5 ms, threads in native code every 5 ms too,
 * those working there — RocksDB, compression, writes — counted, those waiting left out). Each
 * sample is given to the part of the path it serves ({@link #PARTS}, {@link #partOf}): a RocksDB
 * read while gathering rows counts as "rows from buffer/state", one under the label join as the
 * join's, a JSON write of a prediction as "outputs". GC is the total of its pauses. The JIT's work in
 * the row is summed from its compilations and deoptimizations ({@link #jitLines}). The recording file
 * stays for anyone to open (JDK Mission Control, {@code jfr print}).
 */
public final class PathProfile implements AutoCloseable {
    /** The parts of the path, each with the frames (class name prefix, or class#method) that belong to it, in priority order. */
    static final Map<String, List<String>> PARTS = new LinkedHashMap<>();
    static final String SHUFFLES = "shuffles, chain hops (key context)";

    static {
        // the kernel's and optimizers' frames decide nothing: their caller does (a step trains, predictRaw scores)
        PARTS.put("training (kernel, optimizers)", List.of("dev.afmflink.model.AfmLearner#step"));
        PARTS.put("scoring (kernel)", List.of("dev.afmflink.model.AfmLearner#predictRaw"));
        PARTS.put("rows from buffer/state", List.of("dev.afmflink.job.KeyedModel", "dev.afmflink.model.AfmLearner#train",
                "dev.afmflink.model.AfmLearner#predict"));
        PARTS.put("label join", List.of("dev.afmflink.job.LabelJoin#", "dev.afmflink.job.LabelJoin$", "dev.afmflink.feedback.ClickJoin", "dev.afmflink.job.AfmTrainer$Joins",
                "dev.afmflink.job.WriteBackStore#joined", "dev.afmflink.job.WriteBackStore#join", "dev.afmflink.job.WriteBackStore#mayHaveJoinInState",
                "dev.afmflink.job.WriteBackBuffer#joinIdInState"));
        PARTS.put("hold (ordered buckets)", List.of("dev.afmflink.job.WriteBackStore#hold", "dev.afmflink.job.WriteBackStore#take"));
        PARTS.put("buffer flush (barriers, publishes)", List.of("dev.afmflink.job.WriteBackStore", "dev.afmflink.job.LifecycleState"));
        PARTS.put("publish (snapshots)", List.of("dev.afmflink.job.SnapshotPublisher", "dev.afmflink.snapshot."));
        PARTS.put("judging, windows, metrics", List.of("dev.afmflink.job.Validation", "dev.afmflink.metrics.",
                "dev.afmflink.job.TrainerMetrics", "dev.afmflink.job.AfmTrainer$Steps#judged"));
        PARTS.put("scores kept (state)", List.of("dev.afmflink.job.AfmTrainer$Steps#remember", "dev.afmflink.job.AfmTrainer$Steps#takeScore"));
        PARTS.put("trainer (schedule, timers)", List.of("dev.afmflink.feedback.", "dev.afmflink.job.AfmTrainer"));
        PARTS.put("decode (JSON, hashing)", List.of("dev.afmflink.job.KafkaRecords$Input", "dev.afmflink.data."));
        PARTS.put("outputs (records to Kafka)", List.of("dev.afmflink.job.KafkaRecords", "org.apache.flink.connector.kafka.sink.",
                "org.apache.kafka.clients.producer."));
        PARTS.put("Kafka source (fetch)", List.of("org.apache.flink.connector.kafka.source.", "org.apache.flink.connector.base.source.",
                "org.apache.kafka.clients.consumer.", "org.apache.kafka."));
        PARTS.put(SHUFFLES, List.of("org.apache.flink.runtime.io.network.",
                "org.apache.flink.streaming.runtime.io.", "org.apache.flink.api.common.typeutils.", "org.apache.flink.api.java.typeutils.",
                "org.apache.flink.runtime.plugable.", "org.apache.flink.streaming.runtime.streamrecord.",
                "org.apache.flink.shaded.netty4."));
        PARTS.put("timers, watermarks", List.of("org.apache.flink.streaming.api.operators.InternalTimerServiceImpl",
                "org.apache.flink.streaming.api.operators.InternalTimeServiceManager", "org.apache.flink.runtime.state.heap.HeapPriorityQueue",
                "org.apache.flink.contrib.streaming.state.RocksDBCachingPriorityQueueSet",
                "org.apache.flink.streaming.runtime.watermarkstatus.", "org.apache.flink.api.common.eventtime."));
        PARTS.put("state backend (other)", List.of("org.rocksdb.", "org.apache.flink.contrib.streaming.state.",
                "org.apache.flink.state.", "org.apache.flink.runtime.state."));
        PARTS.put("checkpoints", List.of("org.apache.flink.runtime.checkpoint.", "org.apache.flink.streaming.runtime.tasks.SubtaskCheckpoint"));
    }

    /**
     * Top frames of threads that work in native code (RocksDB, compression, file and socket writes);
     * the other native samples are threads waiting (for the network, a process, a lock).
     */
    private static final List<String> WORKING_NATIVE = List.of("org.rocksdb.", "java.util.zip.", "sun.nio.ch.FileDispatcherImpl",
            "sun.nio.ch.SocketDispatcher#write", "sun.nio.ch.IOUtil", "java.io.RandomAccessFile", "java.io.FileOutputStream");

    private final Recording recording;
    private final Path file;

    /** Starts recording this JVM; {@link #close} stops and writes {@code file}. */
    public PathProfile(Path file) throws Exception {
        this.file = file;
        recording = new Recording(Configuration.getConfiguration("default"));
        recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(5));
        recording.enable("jdk.NativeMethodSample").withPeriod(Duration.ofMillis(5));
        recording.enable("jdk.GarbageCollection");
        recording.enable("jdk.Compilation").withThreshold(Duration.ZERO);
        recording.enable("jdk.Deoptimization").withoutStackTrace();
        recording.start();
    }

    @Override
    public void close() throws Exception {
        recording.stop();
        recording.dump(file);
        recording.close();
    }

    /** The shares of the parts of the path in {@code jfr}'s samples (the bench's own threads, the broker's process, apart). */
    public static void print(Path jfr, PrintStream out) throws Exception {
        Map<String, Long> byPart = new LinkedHashMap<>();
        PARTS.keySet().forEach(p -> byPart.put(p, 0L));
        Map<String, Long> otherTop = new TreeMap<>();
        long samples = 0;
        double gcMs = 0;
        long gcs = 0;
        List<Compile> compiles = new java.util.ArrayList<>();
        List<Deopt> deopts = new java.util.ArrayList<>();
        try (RecordingFile f = new RecordingFile(jfr)) {
            while (f.hasMoreEvents()) {
                RecordedEvent e = f.readEvent();
                String type = e.getEventType().getName();
                if (type.equals("jdk.Compilation")) {
                    compiles.add(new Compile(methodName(e.getValue("method")), e.getInt("compileLevel"),
                            e.getDuration().toNanos() / 1e6));
                    continue;
                }
                if (type.equals("jdk.Deoptimization")) {
                    deopts.add(new Deopt(e.getString("reason"), methodName(e.getValue("method"))));
                    continue;
                }
                if (type.equals("jdk.GarbageCollection")) {
                    gcMs += e.getDuration("sumOfPauses").toNanos() / 1e6;
                    gcs++;
                    continue;
                }
                if (!type.equals("jdk.ExecutionSample") && !type.equals("jdk.NativeMethodSample")) {
                    continue;
                }
                String thread = e.getThread("sampledThread") == null ? "" : e.getThread("sampledThread").getJavaName();
                if (thread == null || thread.startsWith("main") || thread.startsWith("bench-")) {
                    continue; // the bench's own thread (producing, reading predictions, the kernel measure)
                }
                RecordedStackTrace st = e.getStackTrace();
                if (st == null || st.getFrames().isEmpty()) {
                    continue;
                }
                List<RecordedFrame> frames = st.getFrames();
                if (type.equals("jdk.NativeMethodSample") && !matches(frames.get(0), WORKING_NATIVE)) {
                    continue;
                }
                samples++;
                String part = partOf(frames);
                if (part == null) {
                    part = "other";
                    String top = name(frames.get(0));
                    otherTop.merge(top, 1L, Long::sum);
                }
                byPart.merge(part, 1L, Long::sum);
            }
        }
        out.printf(Locale.ROOT, "  profile (%s): %,d samples of the job's threads (5 ms), GC %,d pauses %.0f ms%n", jfr.getFileName(),
                samples, gcs, gcMs);
        final long total = Math.max(samples, 1);
        byPart.entrySet().stream().filter(en -> en.getValue() > 0).sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                .forEach(en -> out.printf(Locale.ROOT, "    %-40s %5.1f %%%n", en.getKey(), 100.0 * en.getValue() / total));
        otherTop.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(5)
                .forEach(en -> out.printf(Locale.ROOT, "      other, top frame %-60s %5.1f %%%n", en.getKey(),
                        100.0 * en.getValue() / total));
        jitLines(compiles, deopts).forEach(l -> out.println("  " + l));
    }

    /** One compilation: the method compiled (its root), the tier (1–3 C1, 4 C2), the compiler thread's time. */
    record Compile(String method, int level, double ms) {
    }

    /** One deoptimization: why (class_check, unstable_if, ...) and the method whose code hit the trap (the root or one inlined in it). */
    record Deopt(String reason, String method) {
    }

    /**
     * The JIT's work in a row: compiles and the compiler threads' time, by tier; the largest
     * compilations by root method and tier (a method at tier 4 more than once was compiled again,
     * mostly after a deoptimization); the deoptimizations by reason and by method.
     */
    static List<String> jitLines(List<Compile> compiles, List<Deopt> deopts) {
        List<String> lines = new java.util.ArrayList<>();
        double total = 0;
        double c2 = 0;
        long c2n = 0;
        Map<String, double[]> byRoot = new java.util.HashMap<>(); // "method (tier n)" -> {ms, count}
        for (Compile c : compiles) {
            total += c.ms();
            if (c.level() == 4) {
                c2 += c.ms();
                c2n++;
            }
            double[] v = byRoot.computeIfAbsent(c.method() + " (tier " + c.level() + ")", k -> new double[2]);
            v[0] += c.ms();
            v[1]++;
        }
        lines.add(String.format(Locale.ROOT, "JIT: %,d compiles, %,.0f ms of the compiler threads (tier 4, C2: %,d, %,.0f ms); %,d deoptimizations",
                compiles.size(), total, c2n, c2, deopts.size()));
        byRoot.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue()[0], a.getValue()[0])).limit(8)
                .forEach(en -> lines.add(String.format(Locale.ROOT, "  compiled %-70s x%d %,7.0f ms", en.getKey(),
                        (long) en.getValue()[1], en.getValue()[0])));
        Map<String, Long> reasons = new TreeMap<>();
        Map<String, Long> methods = new TreeMap<>();
        for (Deopt d : deopts) {
            reasons.merge(d.reason(), 1L, Long::sum);
            methods.merge(d.method() + " (" + d.reason() + ")", 1L, Long::sum);
        }
        if (!deopts.isEmpty()) {
            StringBuilder b = new StringBuilder("  deoptimized by reason:");
            reasons.entrySet().stream().sorted((a, c) -> Long.compare(c.getValue(), a.getValue()))
                    .forEach(en -> b.append(' ').append(en.getKey()).append(' ').append(en.getValue()));
            lines.add(b.toString());
            methods.entrySet().stream().sorted((a, c) -> Long.compare(c.getValue(), a.getValue())).limit(6)
                    .forEach(en -> lines.add(String.format(Locale.ROOT, "  deoptimized %-70s x%d", en.getKey(), en.getValue())));
        }
        return lines;
    }

    /** {@code class#method} ("?" if the recording has none). */
    private static String methodName(jdk.jfr.consumer.RecordedMethod m) {
        return m == null ? "?" : m.getType().getName() + "#" + m.getName();
    }

    /** Prints the shares of a recording made before: {@code PathProfile FILE.jfr}. */
    public static void main(String[] args) throws Exception {
        print(Path.of(args[0]), System.out);
    }

    /** Frames of records crossing operators (serialized into the network, copied between chained operators). */
    static final List<String> RECORD_TRANSFER = List.of("org.apache.flink.runtime.io.network.", "org.apache.flink.streaming.runtime.io.",
            "org.apache.flink.streaming.runtime.streamrecord.", "org.apache.flink.runtime.plugable.", "org.apache.flink.shaded.netty4.",
            "org.apache.flink.streaming.runtime.tasks.CopyingChainingOutput", "org.apache.flink.streaming.runtime.tasks.CopyingBroadcastingOutputCollector",
            // a chain hop: the record (or watermark) handed to the next operator in the thread, its key context set
            "org.apache.flink.streaming.runtime.tasks.ChainingOutput", "org.apache.flink.streaming.runtime.tasks.BroadcastingOutputCollector");

    /** Parts whose own frames decide a sample wherever they are called from (the timer queue, Kafka's clients). */
    static final List<String> LIBRARY_PARTS = List.of("timers, watermarks", "outputs (records to Kafka)", "Kafka source (fetch)");

    /**
     * The part a stack serves. Above the project's frame nearest the top: the timer queue and
     * Kafka's clients are theirs wherever they are called from (a watermark passed down the chain
     * fires the trainer's timers under the in-line join's frames), then records crossing operators
     * (serialization, the network, copies, chain hops) are "shuffles". Otherwise the frame nearest
     * the top in the project's code decides (a RocksDB read under the label join is the join's);
     * a stack with none goes by its frame nearest the top in a library.
     */
    private static String partOf(List<RecordedFrame> frames) {
        for (RecordedFrame fr : frames) {
            String n = name(fr);
            if (n.startsWith("dev.afmflink.")) {
                break;
            }
            for (String part : LIBRARY_PARTS) {
                if (matches(n, PARTS.get(part))) {
                    return part;
                }
            }
            if (matches(n, RECORD_TRANSFER)) {
                return SHUFFLES;
            }
        }
        for (boolean own : new boolean[] {true, false}) {
            for (RecordedFrame fr : frames) {
                String n = name(fr);
                if (n.startsWith("dev.afmflink.") != own) {
                    continue;
                }
                for (Map.Entry<String, List<String>> p : PARTS.entrySet()) {
                    if (matches(n, p.getValue())) {
                        return p.getKey();
                    }
                }
            }
        }
        return null;
    }

    private static boolean matches(RecordedFrame fr, List<String> rules) {
        return matches(name(fr), rules);
    }

    private static boolean matches(String n, List<String> rules) {
        for (String r : rules) {
            if (n.startsWith(r)) {
                return true;
            }
        }
        return false;
    }

    /** {@code class#method}. */
    private static String name(RecordedFrame fr) {
        return methodName(fr.getMethod());
    }
}
