package dev.afmflink.cli;

import dev.afmflink.data.DecodeBench;

final class DecodeBenchCommand extends JmhCommand {
    @Override
    public String name() {
        return "decode-bench";
    }

    @Override
    public String summary() {
        return "the input records (the simulator's click-stream and labelled examples) through the event decoder, JSON read "
                + "from the bytes against Jackson's parser: bytes and ns per record (JMH; docs/benchmarks.md)";
    }

    @Override
    void run(int forks, int warmupIterations, int iterations, double iterationSeconds, java.io.PrintStream out) throws Exception {
        DecodeBench.run(forks, warmupIterations, iterations, iterationSeconds, out);
    }
}
