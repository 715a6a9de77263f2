package dev.afmflink.cli;

import dev.afmflink.bench.SerializerBench;
import java.util.List;

final class SerializerBenchCommand implements Command {
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
    public List<Args.Option> options() {
        return List.of(new Args.Option("forks", "N", "2", "JMH forks (fresh JVMs) per benchmark"),
                new Args.Option("warmup-iterations", "N", "3", "JMH warm-up iterations"),
                new Args.Option("iterations", "N", "5", "JMH measured iterations"),
                new Args.Option("iteration-seconds", "SECONDS", "1", "length of one iteration"));
    }

    @Override
    public int run(Args a) throws Exception {
        SerializerBench.run(a.getInt("forks", 2), a.getInt("warmup-iterations", 3), a.getInt("iterations", 5),
                a.getDouble("iteration-seconds", 1), System.out);
        return 0;
    }
}
