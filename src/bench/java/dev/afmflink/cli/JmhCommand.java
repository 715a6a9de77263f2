package dev.afmflink.cli;

import java.io.PrintStream;
import java.util.List;

/** A command that runs JMH benchmarks: the options every such command takes (forks, iterations, their length). */
abstract class JmhCommand implements Command {
    /** Runs the benchmarks with JMH's settings and prints their table. */
    abstract void run(int forks, int warmupIterations, int iterations, double iterationSeconds, PrintStream out) throws Exception;

    @Override
    public List<Args.Option> options() {
        return List.of(new Args.Option("forks", "N", "2", "JMH forks (fresh JVMs) per benchmark"),
                new Args.Option("warmup-iterations", "N", "3", "JMH warm-up iterations"),
                new Args.Option("iterations", "N", "5", "JMH measured iterations"),
                new Args.Option("iteration-seconds", "SECONDS", "1", "length of one iteration"));
    }

    @Override
    public int run(Args a) throws Exception {
        run(a.getInt("forks", 2), a.getInt("warmup-iterations", 3), a.getInt("iterations", 5), a.getDouble("iteration-seconds", 1),
                System.out);
        return 0;
    }
}
