package dev.afmflink.bench;

import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The job's CPU time split by the threads that spent it, between two marks of a bench row: Flink's
 * task threads (the chain from the source's emit to the sinks: the thread a model key's records
 * wait for), the Kafka sources' fetcher threads (polling, and decoding: {@code job.FetcherDecoding}),
 * the Kafka clients' own I/O threads (the producers' senders), Flink's other Java threads, the JIT
 * compiler threads, and the rest of the process (GC, the VM, RocksDB's native threads). The thread
 * that reads the bench's predictions is left out, as in the row's total. A Java thread that ends
 * between the marks takes its time to the rest.
 */
final class CpuSplit {
    static final String[] GROUPS = {"task threads", "source fetchers", "Kafka clients' I/O", "other Java threads", "JIT compilers",
        "GC, VM, native"};
    private static final int TASK = 0;
    private static final int FETCHER = 1;
    private static final int KAFKA_IO = 2;
    private static final int OTHER_JAVA = 3;
    private static final int JIT = 4;
    private static final int REST = 5;
    /** Flink's task threads: "NAME (subtask/parallelism)#attempt". */
    private static final Pattern TASK_THREAD = Pattern.compile(".* \\(\\d+/\\d+\\)#\\d+");

    private final Map<Long, long[]> javaThreads; // id -> {group, cpu ns}
    private final long processNs;
    private final long jitNs;

    private CpuSplit(Map<Long, long[]> javaThreads, long processNs, long jitNs) {
        this.javaThreads = javaThreads;
        this.processNs = processNs;
        this.jitNs = jitNs;
    }

    /** The group of a Java thread by its name. */
    static int groupOf(String name) {
        if (name.startsWith("Source Data Fetcher")) {
            return FETCHER;
        }
        if (name.startsWith("kafka-producer-network-thread") || name.startsWith("kafka-coordinator-heartbeat-thread")) {
            return KAFKA_IO;
        }
        return TASK_THREAD.matcher(name).matches() ? TASK : OTHER_JAVA;
    }

    /** Now: {@code processNs}, the process's CPU time less the calling thread's; {@code jitNs}, the compiler threads'. */
    static CpuSplit now(ThreadMXBean threads, long processNs, long jitNs) {
        Map<Long, long[]> byThread = new HashMap<>();
        long self = Thread.currentThread().getId();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null || info.getThreadId() == self) {
                continue; // ended meanwhile, or the bench's reader
            }
            long ns = threads.getThreadCpuTime(info.getThreadId());
            if (ns >= 0) {
                byThread.put(info.getThreadId(), new long[] {groupOf(info.getThreadName()), ns});
            }
        }
        return new CpuSplit(byThread, processNs, jitNs);
    }

    /** µs per example of each of {@link #GROUPS} since {@code start}, over {@code examples}. */
    double[] perExampleSince(CpuSplit start, double examples) {
        double[] ns = new double[GROUPS.length];
        double java = 0;
        for (Map.Entry<Long, long[]> e : javaThreads.entrySet()) {
            long[] before = start.javaThreads.get(e.getKey());
            long spent = e.getValue()[1] - (before == null ? 0 : before[1]);
            ns[(int) e.getValue()[0]] += spent;
            java += spent;
        }
        ns[JIT] = jitNs - start.jitNs;
        ns[REST] = Math.max(0, (processNs - start.processNs) - java - ns[JIT]);
        double[] us = new double[GROUPS.length];
        for (int g = 0; g < us.length; g++) {
            us[g] = ns[g] / 1e3 / examples;
        }
        return us;
    }

    /** "task threads 8.1, source fetchers 2.0, ..." ({@code us} as {@link #perExampleSince} gives). */
    static String format(double[] us) {
        StringBuilder b = new StringBuilder();
        for (int g = 0; g < GROUPS.length; g++) {
            b.append(g == 0 ? "" : ", ").append(GROUPS[g]).append(String.format(Locale.ROOT, " %.1f", us[g]));
        }
        return b.toString();
    }
}
