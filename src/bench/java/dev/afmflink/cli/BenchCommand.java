package dev.afmflink.cli;

import dev.afmflink.bench.KernelBench;
import dev.afmflink.model.Precision;
import java.util.List;

final class BenchCommand implements Command {
    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "warmed-up benchmark of one train step (forward + backward + optimizer) on one core, "
                + "each shape in fresh JVMs with the spread between them";
    }

    @Override
    public List<Args.Option> options() {
        return List.of(new Args.Option("warmup", "SECONDS", "3", "warm-up time per shape"),
                new Args.Option("iterations", "N", "5", "measured iterations per shape"),
                new Args.Option("iteration-seconds", "SECONDS", "1", "length of one iteration"),
                new Args.Option("shapes", "m:k:t,...", "10:64:64,10:16:16,3:256:8", "shapes to run"),
                new Args.Option("optimizer", "NAME", "adagrad", "optimizer of every group"),
                new Args.Option("precision", "LIST", "float32,float64", "precisions to run (float32, float64 or both), "
                        + "alternating fork by fork; with both, float32's mean over float64's per shape"),
                new Args.Option("forks", "N", "5", "run the measurement in N fresh JVMs one after another and report the spread "
                        + "between them (the JIT decides once per JVM); 0: in this JVM"));
    }

    @Override
    public int run(Args a) throws Exception {
        int forks = a.getInt("forks", 5);
        if (forks < 0) {
            throw new Args.UsageException("--forks must be >= 0");
        }
        KernelBench.Settings st = new KernelBench.Settings(a.get("shapes"), Precision.parseList(a.get("precision")), a.getDouble("warmup", 3),
                a.getInt("iterations", 5), a.getDouble("iteration-seconds", 1), a.get("optimizer"));
        if (forks == 0) {
            KernelBench.run(st, System.out);
        } else {
            KernelBench.runForks(st, forks, System.out);
        }
        return 0;
    }
}
