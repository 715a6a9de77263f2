package dev.afmflink.cli;

import dev.afmflink.data.DecodeBench;
import java.util.List;

final class DecodeBenchCommand implements Command {
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
    public List<Args.Option> options() {
        return List.of(new Args.Option("forks", "N", "2", "JMH forks (fresh JVMs) per benchmark"),
                new Args.Option("warmup-iterations", "N", "3", "JMH warm-up iterations"),
                new Args.Option("iterations", "N", "5", "JMH measured iterations"),
                new Args.Option("iteration-seconds", "SECONDS", "1", "length of one iteration"));
    }

    @Override
    public int run(Args a) throws Exception {
        DecodeBench.run(a.getInt("forks", 2), a.getInt("warmup-iterations", 3), a.getInt("iterations", 5),
                a.getDouble("iteration-seconds", 1), System.out);
        return 0;
    }
}
