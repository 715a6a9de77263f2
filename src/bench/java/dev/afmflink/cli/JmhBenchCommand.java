package dev.afmflink.cli;

import dev.afmflink.bench.SerializerBench;
import dev.afmflink.data.DecodeBench;
import java.io.PrintStream;
import java.util.List;

/** A command that runs JMH benchmarks and prints their table: the options every such command takes (forks, iterations, their length). */
final class JmhBenchCommand implements Command {
    /** A benchmark class's runner: JMH's settings in, its table out. */
    interface Bench {
        void run(int forks, int warmupIterations, int iterations, double iterationSeconds, PrintStream out) throws Exception;
    }

    private final String name;
    private final String summary;
    private final Bench bench;

    JmhBenchCommand(String name, String summary, Bench bench) {
        this.name = name;
        this.summary = summary;
        this.bench = bench;
    }

    /** {@code bin/afm serializer-bench}. */
    static JmhBenchCommand serializers() {
        return new JmhBenchCommand("serializer-bench", "the state types (feature row, shared block, join state) through Flink's POJO "
                + "serializer, Kryo with registered classes and the hand-written serializers: bytes per record, serialize/deserialize "
                + "time (JMH; docs/benchmarks.md)", SerializerBench::run);
    }

    /** {@code bin/afm decode-bench}. */
    static JmhBenchCommand decode() {
        return new JmhBenchCommand("decode-bench", "the input records (the simulator's click-stream and labelled examples) through the "
                + "event decoder, JSON read from the bytes against Jackson's parser: bytes and ns per record (JMH; docs/benchmarks.md)",
                DecodeBench::run);
    }

    /** {@code bin/afm due-bench}. */
    static JmhBenchCommand due() {
        return new JmhBenchCommand("due-bench", "a model key's due times on the ordered mode's pattern (an impression every 250 ms, "
                + "its window's end, tombstones' ends): in runs, as the trainer keeps them, against a binary heap alone: ns per "
                + "impression (JMH; docs/benchmarks.md)", dev.afmflink.time.DueTimesBench::run);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String summary() {
        return summary;
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
        bench.run(a.getInt("forks", 2), a.getInt("warmup-iterations", 3), a.getInt("iterations", 5), a.getDouble("iteration-seconds", 1),
                System.out);
        return 0;
    }
}
