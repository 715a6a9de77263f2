package dev.afmflink.cli;

import dev.afmflink.bench.SerializerBench;

final class SerializerBenchCommand extends JmhCommand {
    @Override
    public String name() {
        return "serializer-bench";
    }

    @Override
    public String summary() {
        return "the state types (feature row, shared block, join state) through Flink's POJO serializer, Kryo with registered "
                + "classes and the hand-written serializers: bytes per record, serialize/deserialize time (JMH; docs/benchmarks.md)";
    }

    @Override
    void run(int forks, int warmupIterations, int iterations, double iterationSeconds, java.io.PrintStream out) throws Exception {
        SerializerBench.run(forks, warmupIterations, iterations, iterationSeconds, out);
    }
}
