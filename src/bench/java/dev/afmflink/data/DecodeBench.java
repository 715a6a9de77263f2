package dev.afmflink.data;

import dev.afmflink.embedded.ClickSimulator;
import dev.afmflink.model.Loss;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
 * {@code bin/afm decode-bench}: the job's input records through {@link EventDecoder} — the
 * simulator's click-stream (impressions and clicks, as {@code stream-bench} sends them) and its
 * labelled examples — with the JSON read from the bytes ({@link EventBytes#read}, what the
 * job does) and by Jackson's parser (every JSON record before it): ns per record, JMH.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DecodeBench {
    public static final List<String> RECORDS = List.of("click-stream", "examples");
    public static final List<String> READERS = List.of("simple", "jackson");
    private static final int COUNT = 4_096;

    @Param({"click-stream", "examples"})
    public String records;
    @Param({"simple", "jackson"})
    public String reader;

    private byte[][] raw;
    private EventDecoder decoder;
    private int next;

    /** The records measured: {@code COUNT} of the simulator's (seed 7), from 2026-01-01, 250 ms apart. */
    static byte[][] records(String which) {
        ClickSimulator sim = new ClickSimulator(7);
        List<String> out = new ArrayList<>();
        long t0 = 1_767_225_600_000L;
        if (which.equals("click-stream")) {
            sim.clickStream(COUNT, t0, 250, "default").forEachRemaining(out::add);
        } else {
            out.addAll(sim.heldOut(COUNT, false, 3, "default"));
        }
        byte[][] raw = new byte[Math.min(COUNT, out.size())][];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = out.get(i).getBytes(StandardCharsets.UTF_8);
        }
        return raw;
    }

    @Setup
    public void setup() {
        raw = records(records);
        decoder = new EventDecoder(Loss.LOGISTIC, 1 << 20, EventLimits.DEFAULT, () -> 1_767_225_600_000L);
        if (reader.equals("jackson")) {
            decoder.jacksonOnly();
        }
    }

    @Benchmark
    public Object decode() throws EventDecoder.BadEventException {
        byte[] r = raw[next];
        next = next + 1 == raw.length ? 0 : next + 1;
        return decoder.decode(r, "unused", 0L);
    }

    /** Runs the benchmarks and prints ns per record by records and reader. */
    public static void run(int forks, int warmupIterations, int iterations, double iterationSeconds, PrintStream out) throws Exception {
        java.util.Map<String, double[]> ns = new java.util.HashMap<>();
        for (RunResult r : dev.afmflink.bench.Jmh.run(DecodeBench.class, forks, warmupIterations, iterations, iterationSeconds)) {
            ns.put(r.getParams().getParam("records") + "/" + r.getParams().getParam("reader"),
                    new double[] {r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()});
        }
        out.printf(Locale.ROOT, "%n%-14s %-8s %10s %24s%n", "records", "reader", "bytes", "ns per record (± 99.9%)");
        for (String rec : RECORDS) {
            byte[][] raw = records(rec);
            long bytes = 0;
            for (byte[] r : raw) {
                bytes += r.length;
            }
            for (String rd : READERS) {
                double[] t = ns.get(rec + "/" + rd);
                out.printf(Locale.ROOT, "%-14s %-8s %10.1f %16s%n", rec, rd, (double) bytes / raw.length,
                        t == null ? "-" : String.format(Locale.ROOT, "%,.0f ± %,.0f", t[0], t[1]));
            }
        }
    }
}
