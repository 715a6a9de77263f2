package dev.afmflink.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class CpuSplitTest {
    @Test
    void threadsGoToTheirGroupsByFlinksAndKafkasNames() {
        assertEquals("task threads", group("Source: kafka: clicks -> route -> (label join -> train AFM) (1/1)#0"));
        assertEquals("task threads", group("train AFM (2/4)#3"));
        // the fetcher's name ends as its task's does: it is a fetcher, not a task thread
        assertEquals("source fetchers", group("Source Data Fetcher for Source: kafka: clicks -> route (1/1)#0"));
        assertEquals("Kafka clients' I/O", group("kafka-producer-network-thread | producer-7"));
        assertEquals("other Java threads", group("flink-pekko.actor.default-dispatcher-5"));
        assertEquals("other Java threads", group("Checkpoint Timer"));
    }

    private static String group(String threadName) {
        return CpuSplit.GROUPS[CpuSplit.groupOf(threadName)];
    }

    /** Two threads burn CPU between the marks; each group gets what its thread measured of itself, the process's rest the remainder. */
    @Test
    void aThreadsCpuBetweenTheMarksGoesToItsGroup() throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(2);
        CountDownLatch end = new CountDownLatch(1);
        long[] burnt = new long[2];
        Thread task = burner("train AFM (1/1)#0", 60_000_000L, go, done, end, burnt, 0);
        Thread fetcher = burner("Source Data Fetcher for train AFM (1/1)#0", 20_000_000L, go, done, end, burnt, 1);
        task.start();
        fetcher.start();
        CpuSplit start = CpuSplit.now(threads, os.getProcessCpuTime() - threads.getCurrentThreadCpuTime(), Map.of(7L, 1_000L));
        go.countDown();
        done.await();
        long process = os.getProcessCpuTime() - threads.getCurrentThreadCpuTime();
        CpuSplit stop = CpuSplit.now(threads, process, Map.of(7L, 3_000_000L)); // 3 ms of "JIT" since start's 1 µs
        end.countDown();
        task.join();
        fetcher.join();
        double[] ms = stop.perExampleSince(start, 1_000); // µs per example over 1,000 examples: ms
        // each burner's own count, between its release and its end, is inside the marks
        assertTrue(ms[0] >= burnt[0] / 1e6 * 0.99 && ms[0] < burnt[0] / 1e6 + 50, ms[0] + " ms for " + burnt[0] / 1e6);
        assertTrue(ms[1] >= burnt[1] / 1e6 * 0.99 && ms[1] < burnt[1] / 1e6 + 50, ms[1] + " ms for " + burnt[1] / 1e6);
        assertEquals(2.999, ms[4], 1e-9);
        double sum = 0;
        for (double g : ms) {
            assertTrue(g >= 0);
            sum += g;
        }
        assertTrue(sum >= ms[0] + ms[1] + ms[4]);
    }

    /**
     * The JVM stops a compiler thread when its queue is short and starts one when it grows: one that
     * ended between the marks is left to the rest (it once made the JIT's share negative), one that
     * started counts from zero, one alive at both counts its difference.
     */
    @Test
    void aCompilerThreadThatEndsOrStartsBetweenTheMarks() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        CpuSplit start = CpuSplit.now(threads, 1_000_000_000L, Map.of(11L, 400_000_000L, 12L, 50_000_000L));
        CpuSplit stop = CpuSplit.now(threads, 1_100_000_000L, Map.of(12L, 60_000_000L, 13L, 20_000_000L));
        assertEquals(30_000_000L, stop.jitNsSince(start)); // 12: 10 ms more, 13: 20 ms new, 11: ended
        double[] ms = stop.perExampleSince(start, 1_000);
        for (double g : ms) {
            assertTrue(g >= 0, java.util.Arrays.toString(ms));
        }
        assertEquals(30.0, ms[4], 1e-9);
    }

    /** This JVM's compiler threads are found by their names in /proc, each with the time it spent. */
    @Test
    void compilerThreadsAreReadFromProc() {
        Map<Long, Long> compilers = CpuSplit.compilerCpuNanos();
        assertTrue(!compilers.isEmpty(), "no C1/C2 compiler thread found in /proc/self/task");
        assertTrue(compilers.values().stream().allMatch(ns -> ns >= 0));
        assertTrue(compilers.values().stream().mapToLong(Long::longValue).sum() > 0, "the compilers have compiled this test's code");
    }

    private static Thread burner(String name, long rounds, CountDownLatch go, CountDownLatch done, CountDownLatch end, long[] burnt,
                                 int slot) {
        Thread t = new Thread(() -> {
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            try {
                go.await();
                long before = threads.getCurrentThreadCpuTime();
                long x = 1;
                for (long i = 0; i < rounds; i++) {
                    x = x * 6364136223846793005L + 1442695040888963407L;
                }
                burnt[slot] = threads.getCurrentThreadCpuTime() - before + (x == 42 ? 1 : 0);
                done.countDown();
                end.await(); // alive at the second mark
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name);
        t.setDaemon(true);
        return t;
    }
}
