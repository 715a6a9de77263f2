package dev.afmflink.bench;

import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.model.Loss;
import dev.afmflink.model.MatOps;
import dev.afmflink.model.Precision;
import dev.afmflink.model.SplitMix64;
import dev.afmflink.optim.OptimizerSpec;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * A warmed-up harness for one training step (feature lookup, forward, backward, optimizer update
 * of every touched parameter) on one thread, at given shapes (m features per example, k, t).
 * Reports mean, standard deviation and best of the iterations' examples/s (the host is shared:
 * the best iteration is the least disturbed one), and GFLOP/s of the mean, counting 6·P·t·k flops per example (P = m(m−1)/2: the three
 * t×k products per pair), the dominant cost. The examples cycle through a pool drawn from a
 * 50,000-feature vocabulary, so lookups hit a realistic table.
 */
public final class KernelBench {
    private static final int POOL = 8192;
    private static final int VOCAB = 50_000;

    private KernelBench() {
    }

    /** One shape's figures. */
    public record Figures(int m, int k, int t, Precision precision, double meanExamplesPerSecond, double sdExamplesPerSecond,
                          double bestExamplesPerSecond, double gflops, String cpus) {
    }

    /**
     * The CPU this thread last ran on (Linux: field 39 of /proc/thread-self/stat), "?" elsewhere. On
     * a shared host the vCPUs need not be equally fast (docs/benchmarks.md, "Throughput"): a fork's
     * CPUs next to its figure tell a slow vCPU from a slow JIT.
     */
    static String cpu() {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/thread-self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return f[36];
        } catch (java.io.IOException | RuntimeException e) {
            return "?";
        }
    }

    /** What to measure: shapes (m:k:t, comma-separated), precisions, timing and the optimizer of every group. */
    public record Settings(String shapes, List<Precision> precisions, double warmupSeconds, int iterations,
                           double iterationSeconds, String optimizer) {
        List<String> args(String shape, Precision p) {
            return List.of("bench", "--forks", "0", "--shapes", shape, "--precision", p.id(), "--warmup",
                    Double.toString(warmupSeconds), "--iterations", Integer.toString(iterations), "--iteration-seconds",
                    Double.toString(iterationSeconds), "--optimizer", optimizer);
        }
    }

    private static int[] shape(String s) {
        String[] p = s.trim().split(":");
        if (p.length != 3) {
            throw new IllegalArgumentException("shape '" + s + "' is not m:k:t");
        }
        return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
    }

    public static void run(Settings st, PrintStream out) {
        out.printf(Locale.ROOT, "AFM train step, 1 thread, %s, warm-up %.1f s, %d x %.1f s iterations (java %s, %s)%n",
                st.optimizer(), st.warmupSeconds(), st.iterations(), st.iterationSeconds(), System.getProperty("java.version"),
                MatOps.best().name());
        out.printf(Locale.ROOT, "%4s %5s %5s %-8s %16s %12s %12s %10s %12s %6s%n", "m", "k", "t", "prec", "examples/s", "+-sd",
                "best", "GFLOP/s", "us/example", "cpus");
        for (String s : st.shapes().split(",")) {
            int[] mkt = shape(s);
            for (Precision p : st.precisions()) {
                Figures f = measure(mkt[0], mkt[1], mkt[2], p, st.warmupSeconds(), st.iterations(), st.iterationSeconds(),
                        st.optimizer());
                out.printf(Locale.ROOT, "%4d %5d %5d %-8s %16.0f %12.0f %12.0f %10.2f %12.2f %6s%n", f.m(), f.k(), f.t(), p.id(),
                        f.meanExamplesPerSecond(), f.sdExamplesPerSecond(), f.bestExamplesPerSecond(), f.gflops(),
                        1e6 / f.meanExamplesPerSecond(), f.cpus());
            }
        }
    }

    /**
     * The same measurement in {@code forks} fresh JVMs per shape and precision: a JIT's decisions
     * (what it inlines and compiles when) are made once per JVM, so the spread between JVMs is the
     * figure a user meets, and one JVM's iterations hide it. The precisions alternate fork by fork
     * (a slow minute of the host hits both). Prints each fork's mean, the spread (max/min) and, with
     * both precisions, float32's mean over float64's.
     */
    public static void runForks(Settings st, int forks, PrintStream out) throws Exception {
        java.util.Map<String, List<Double>> means = new java.util.LinkedHashMap<>();
        java.util.Map<String, List<String>> cpus = new java.util.HashMap<>();
        // one shape per JVM: a JIT profiles a method once, so a shape run after another could meet code compiled for the
        // other's sizes; each figure is then one shape's alone
        for (String shape : st.shapes().split(",")) {
            for (int f = 0; f < forks; f++) {
                for (Precision p : st.precisions()) {
                    List<String> cmd = ChildJvm.command(List.of(), st.args(shape.trim(), p));
                    Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                    String text = new String(proc.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                    if (proc.waitFor() != 0) {
                        throw new IllegalStateException("fork " + (f + 1) + " of " + shape + " " + p.id() + " failed:\n" + text);
                    }
                    for (String line : text.split("\n")) {
                        String[] w = line.trim().split("\\s+");
                        if (w.length >= 10 && w[0].matches("\\d+") && w[1].matches("\\d+") && w[2].matches("\\d+")) {
                            String key = w[0] + ":" + w[1] + ":" + w[2] + " " + w[3];
                            means.computeIfAbsent(key, x -> new java.util.ArrayList<>()).add(Double.parseDouble(w[4]));
                            cpus.computeIfAbsent(key, x -> new java.util.ArrayList<>()).add(w[9]);
                        }
                    }
                }
            }
        }
        out.printf(Locale.ROOT, "AFM train step, 1 thread, %s, %d fresh JVMs per shape and precision, each warm-up %.1f s and "
                + "%d x %.1f s (java %s)%n", st.optimizer(), forks, st.warmupSeconds(), st.iterations(), st.iterationSeconds(),
                System.getProperty("java.version"));
        out.printf(Locale.ROOT, "%-18s %12s %12s %12s %9s   %s%n", "m:k:t precision", "mean", "min", "max", "max/min",
                "each JVM's mean examples/s @ the CPUs its thread ran on");
        java.util.Map<String, Double> meanOf = new java.util.HashMap<>();
        for (var e : means.entrySet()) {
            List<Double> v = e.getValue();
            double min = v.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
            double max = v.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
            double mean = v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
            meanOf.put(e.getKey(), mean);
            List<String> at = cpus.get(e.getKey());
            List<String> each = new java.util.ArrayList<>();
            for (int i = 0; i < v.size(); i++) {
                each.add(String.format(Locale.ROOT, "%.0f@%s", v.get(i), at.get(i)));
            }
            out.printf(Locale.ROOT, "%-18s %12.0f %12.0f %12.0f %9.3f   %s%n", e.getKey(), mean, min, max, max / min, each);
        }
        for (String shape : st.shapes().split(",")) {
            int[] mkt = shape(shape);
            String key = mkt[0] + ":" + mkt[1] + ":" + mkt[2] + " ";
            Double f32 = meanOf.get(key + Precision.FLOAT32.id());
            Double f64 = meanOf.get(key + Precision.FLOAT64.id());
            if (f32 != null && f64 != null) {
                out.printf(Locale.ROOT, "%-18s float32/float64 = %.2f%n", key.trim(), f32 / f64);
            }
        }
    }

    public static Figures measure(int m, int k, int t, Precision precision, double warmupSeconds, int iterations,
                                  double iterationSeconds, String optimizer) {
        OptimizerSpec.Kind kind = OptimizerSpec.Kind.parse(optimizer);
        OptimizerSpec spec = switch (kind) {
            case SGD -> OptimizerSpec.sgd(0.01);
            case ADAGRAD -> OptimizerSpec.adagrad(0.05, 1e-8);
            case FTRL -> OptimizerSpec.ftrl(0.05, 1.0, 0.0, 0.0);
        };
        AfmConfig cfg = new AfmConfig(k, t, Loss.SQUARED, 0.0, 0.0, 0.0, 1.0, 0.01, 1, spec, spec, spec, precision);
        AfmModel model = new AfmModel(cfg);
        SplitMix64 rng = new SplitMix64(99);
        Example[] pool = new Example[POOL];
        for (int i = 0; i < POOL; i++) {
            long[] ids = new long[m];
            double[] xs = new double[m];
            for (int j = 0; j < m; j++) {
                ids[j] = (long) j * VOCAB + (long) (rng.nextDouble() * VOCAB); // one id per field
                xs[j] = 1.0;
            }
            pool[i] = Example.of(rng.nextDouble() < 0.5 ? -1.0 : 1.0, ids, xs);
        }
        long[] cursor = {0};
        runFor(model, pool, cursor, warmupSeconds);
        double[] rates = new double[iterations];
        java.util.Set<String> seen = new java.util.TreeSet<>();
        for (int it = 0; it < iterations; it++) {
            rates[it] = runFor(model, pool, cursor, iterationSeconds);
            seen.add(cpu());
        }
        double mean = 0;
        double best = 0;
        for (double r : rates) {
            mean += r;
            best = Math.max(best, r);
        }
        mean /= iterations;
        double var = 0;
        for (double r : rates) {
            var += (r - mean) * (r - mean);
        }
        double sd = iterations > 1 ? Math.sqrt(var / (iterations - 1)) : 0;
        double pairs = m * (m - 1) / 2.0;
        return new Figures(m, k, t, precision, mean, sd, best, mean * 6 * pairs * t * k / 1e9, String.join(",", seen));
    }

    /** Trains for about {@code seconds}; returns examples/s. */
    private static double runFor(AfmModel model, Example[] pool, long[] cursor, double seconds) {
        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        long n = 0;
        long now;
        double sink = 0;
        do {
            for (int q = 0; q < 64; q++) {
                Example ex = pool[(int) (cursor[0]++ % POOL)];
                sink += model.train(ex, cursor[0]);
            }
            n += 64;
            now = System.nanoTime();
        } while (now < deadline);
        if (Double.isNaN(sink)) {
            throw new IllegalStateException("model diverged during the benchmark");
        }
        return n / ((now - start) / 1e9);
    }
}
