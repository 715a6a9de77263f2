package dev.afmflink.bench;

import java.util.Collection;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** The JMH benchmark commands' one way to run a benchmark class: their common options (forks, iterations, their length) in, results out. */
public final class Jmh {
    private Jmh() {
    }

    /** Runs every benchmark of {@code bench} in JVMs of 1 GiB heap. */
    public static Collection<RunResult> run(Class<?> bench, int forks, int warmupIterations, int iterations, double iterationSeconds)
            throws Exception {
        TimeValue length = TimeValue.milliseconds((long) (iterationSeconds * 1000));
        var opts = new OptionsBuilder().include(bench.getName() + ".*").forks(forks)
                .warmupIterations(warmupIterations).measurementIterations(iterations)
                .warmupTime(length).measurementTime(length)
                .jvmArgs("-Xmx1g").build();
        return new Runner(opts).run();
    }

    /**
     * Runs {@code bench} (one benchmark over the values of its {@code @Param("kind")}) and prints a
     * table of its score by kind, in {@code kinds}' order: {@code label} heads the first column, its
     * unit the second.
     */
    public static void printByKind(Class<?> bench, java.util.List<String> kinds, String label, String unit, int forks, int warmupIterations,
                                   int iterations, double iterationSeconds, java.io.PrintStream out) throws Exception {
        java.util.Map<String, double[]> score = new java.util.HashMap<>();
        for (RunResult r : run(bench, forks, warmupIterations, iterations, iterationSeconds)) {
            score.put(r.getParams().getParam("kind"), new double[] {r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()});
        }
        out.printf(java.util.Locale.ROOT, "%n%-6s %28s%n", label, unit + " (± 99.9%)");
        for (String k : kinds) {
            double[] t = score.get(k);
            out.printf(java.util.Locale.ROOT, "%-6s %28s%n", k, t == null ? "-" : String.format(java.util.Locale.ROOT, "%,.1f ± %,.1f", t[0], t[1]));
        }
    }
}
