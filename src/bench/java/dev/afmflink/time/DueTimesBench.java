package dev.afmflink.time;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.results.RunResult;

/**
 * {@code bin/afm due-bench}: a model key's due times ({@link DueTimes}) on the ordered mode's
 * pattern, the click-stream row's shape: an impression every 250 ms of event time brings its own
 * time and its window's end (10 minutes on); the watermark, 3 s behind, fires what is due, and
 * every other window's end brings a tombstone's end one window later. In steady state about 7,200
 * times are held. ns per impression, in runs (the trainer's) and in a binary heap alone (before).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DueTimesBench {
    public static final List<String> KINDS = List.of("runs", "heap");
    private static final long SPACING_MS = 250;
    private static final long WINDOW_MS = 600_000;
    private static final long BOUND_MS = 3_000;

    @Param({"runs", "heap"})
    public String kind;

    private DueTimes due;
    private long ts;

    @Setup
    public void setup() {
        due = new DueTimes(kind.equals("runs") ? DueTimes.MAX_RUNS : 0);
        ts = 0;
        for (int i = 0; i < 2 * WINDOW_MS / SPACING_MS; i++) { // two windows: the tombstones' ends are held too
            impression();
        }
    }

    /** One impression's due times: added, and what the watermark it moves fires taken out; returns what was taken. */
    @Benchmark
    public int impression() {
        ts += SPACING_MS;
        due.add(ts);
        due.add(ts + WINDOW_MS);
        long watermark = ts - BOUND_MS;
        int removed = 0;
        for (long e = due.earliest(); e <= watermark; e = due.earliest()) {
            removed += due.removeEarliest(e);
            if (e % (2 * SPACING_MS) == 0 && e >= WINDOW_MS) { // every other window's end: its tombstone's end
                due.add(e + WINDOW_MS);
            }
        }
        return removed;
    }

    /** Runs the benchmarks and prints ns per impression by kind. */
    public static void run(int forks, int warmupIterations, int iterations, double iterationSeconds, PrintStream out) throws Exception {
        java.util.Map<String, double[]> ns = new java.util.HashMap<>();
        for (RunResult r : dev.afmflink.bench.Jmh.run(DueTimesBench.class, forks, warmupIterations, iterations, iterationSeconds)) {
            ns.put(r.getParams().getParam("kind"), new double[] {r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()});
        }
        out.printf(Locale.ROOT, "%n%-6s %28s%n", "due", "ns per impression (± 99.9%)");
        for (String k : KINDS) {
            double[] t = ns.get(k);
            out.printf(Locale.ROOT, "%-6s %28s%n", k, t == null ? "-" : String.format(Locale.ROOT, "%,.1f ± %,.1f", t[0], t[1]));
        }
    }
}
