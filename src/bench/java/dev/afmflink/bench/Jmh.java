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
}
