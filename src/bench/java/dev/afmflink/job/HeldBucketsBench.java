package dev.afmflink.job;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@code bin/afm due-bench}, second part: a model key's held buckets ({@link TimeBuckets}) on the
 * ordered mode's pattern, the click-stream row's shape: an impression every 250 ms of event time is
 * held to be scored at its time and for the label join until its window's end (10 minutes on),
 * where it leaves a tombstone for one more window; one in five is clicked some time in its window,
 * its label held by its impression's time until the window has passed. The watermark, 3 s behind,
 * takes each kind's bucket of every time it passes, as the trainer's timer does. Between two
 * touches of a bucket the trainer allocates megabytes (a few KB per labelled example), so each
 * impression here allocates 4 KB of garbage too. ns per impression, in the ring (the trainer's)
 * and in the hash map alone (before).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HeldBucketsBench {
    public static final List<String> KINDS = List.of("ring", "map");
    private static final long SPACING_MS = 250;
    private static final long WINDOW_MS = 600_000;
    private static final long BOUND_MS = 3_000;

    /** The buckets of one kind. */
    private interface Buckets {
        void add(long t, Object item);

        List<Object> remove(long t);
    }

    @Param({"ring", "map"})
    public String kind;

    private Buckets unscored;
    private Buckets join;
    private Buckets pending;
    private long ts;
    private long fired;
    private Random random;
    /** The allocation the trainer does between two touches of a bucket. */
    public byte[] garbage;

    @Setup
    public void setup() {
        unscored = buckets();
        join = buckets();
        pending = buckets();
        ts = 0;
        fired = 0;
        random = new Random(42);
        for (int i = 0; i < 3 * WINDOW_MS / SPACING_MS; i++) { // past the tombstones' window: the steady state
            impression();
        }
    }

    private Buckets buckets() {
        if (kind.equals("ring")) {
            TimeBuckets<Object> b = new TimeBuckets<>();
            return new Buckets() {
                @Override
                public void add(long t, Object item) {
                    b.add(t, item);
                }

                @Override
                public List<Object> remove(long t) {
                    return b.remove(t);
                }
            };
        }
        LongMap<List<Object>> m = new LongMap<>();
        return new Buckets() {
            @Override
            public void add(long t, Object item) { // as WriteBackBuffer.hold did
                List<Object> list = m.get(t);
                if (list == null) {
                    list = new ArrayList<>(2);
                    m.put(t, list);
                }
                list.add(item);
            }

            @Override
            public List<Object> remove(long t) {
                return m.remove(t);
            }
        };
    }

    /** One impression: its holds, a click now and then, and what the watermark it moves takes; returns the items taken. */
    @Benchmark
    public int impression() {
        ts += SPACING_MS;
        Long impression = ts;
        unscored.add(ts, impression);
        join.add(ts + WINDOW_MS, impression);
        if (random.nextInt(5) == 0 && ts > WINDOW_MS) { // a click on an impression of the last window: its label by that time
            pending.add(ts - SPACING_MS * (1 + random.nextInt((int) (WINDOW_MS / SPACING_MS) - 1)), impression);
        }
        garbage = new byte[4096];
        int taken = 0;
        for (long t = fired + SPACING_MS; t <= ts - BOUND_MS; t += SPACING_MS) {
            taken += size(unscored.remove(t));
            List<Object> ends = join.remove(t);
            if (ends != null) {
                for (Object e : ends) {
                    if (e instanceof Long) { // a window's end: its tombstone, one window on
                        join.add(t + WINDOW_MS, Boolean.TRUE);
                    }
                }
                taken += ends.size();
            }
            taken += size(pending.remove(t - WINDOW_MS));
            fired = t;
        }
        return taken;
    }

    private static int size(List<Object> l) {
        return l == null ? 0 : l.size();
    }

    /** Runs the benchmarks and prints ns per impression by kind. */
    public static void run(int forks, int warmupIterations, int iterations, double iterationSeconds, PrintStream out) throws Exception {
        dev.afmflink.bench.Jmh.printByKind(HeldBucketsBench.class, KINDS, "held", "ns per impression", forks, warmupIterations, iterations,
                iterationSeconds, out);
    }
}
