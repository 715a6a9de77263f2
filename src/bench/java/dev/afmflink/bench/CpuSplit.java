package dev.afmflink.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * that reads the bench's predictions is left out, as in the row's total. A thread that ends
 * between the marks (a Java thread, or a compiler thread the JVM stops when its queue is short)
 * takes its time to the rest: only threads alive at the second mark are counted by group.
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
    /** Each JIT compiler thread's CPU time so far (ns), by its id in /proc. */
    private final Map<Long, Long> compilers;

    private CpuSplit(Map<Long, long[]> javaThreads, long processNs, Map<Long, Long> compilers) {
        this.javaThreads = javaThreads;
        this.processNs = processNs;
        this.compilers = compilers;
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

    /** Now: this process's CPU time less the calling thread's (the bench's reader), split by thread. */
    static CpuSplit now(ThreadMXBean threads) {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return now(threads, os.getProcessCpuTime() - threads.getCurrentThreadCpuTime(), compilerCpuNanos());
    }

    /**
     * As above with the totals given: {@code processNs}, the process's CPU time less the calling
     * thread's; {@code compilers}, each compiler thread's CPU time (ns) by its id.
     */
    static CpuSplit now(ThreadMXBean threads, long processNs, Map<Long, Long> compilers) {
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
        return new CpuSplit(byThread, processNs, Map.copyOf(compilers));
    }

    /** The process's CPU time (ns) since {@code start}, the calling thread's apart. */
    long processNsSince(CpuSplit start) {
        return processNs - start.processNs;
    }

    /**
     * The CPU time (ns) since {@code start} of the JIT compiler threads alive now (one that started
     * since counts from zero); one that ended meanwhile is left to the rest, so this is never negative.
     */
    long jitNsSince(CpuSplit start) {
        long ns = 0;
        for (Map.Entry<Long, Long> c : compilers.entrySet()) {
            ns += c.getValue() - start.compilers.getOrDefault(c.getKey(), 0L);
        }
        return ns;
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
        ns[JIT] = jitNsSince(start);
        ns[REST] = Math.max(0, processNsSince(start) - java - ns[JIT]);
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

    /**
     * CPU time (ns) of each of this JVM's JIT compiler threads so far, by thread id, from /proc (none
     * where there is no /proc): part of the job's CPU while code warms up.
     */
    static Map<Long, Long> compilerCpuNanos() {
        Map<Long, Long> byThread = new HashMap<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String comm = Files.readString(t.resolve("comm")).trim();
                    if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
                        String stat = Files.readString(t.resolve("stat"));
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
                        byThread.put(Long.parseLong(t.getFileName().toString()), ticks * 10_000_000L); // USER_HZ = 100
                    }
                } catch (java.io.IOException | RuntimeException gone) {
                    // a thread that ended meanwhile
                }
            }
        } catch (java.io.IOException none) {
            return Map.of();
        }
        return byThread;
    }
}
