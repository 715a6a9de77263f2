package dev.afmflink.cli;

import java.util.List;

/**
 * The benchmark commands, in the benchmarks' own source root (src/bench/java): {@link Main} finds
 * this class when it is on the class path (bin/afm runs the build's classes) and lists its
 * commands after the product's; the product jars hold neither.
 */
public final class BenchCommands {
    private BenchCommands() {
    }

    static List<Command> all() {
        return List.of(new BenchCommand(), new StreamBenchCommand(), new FeedbackBenchCommand(), new LifecycleBenchCommand(),
                new ServeBenchCommand(), new ScaleBenchCommand(), JmhBenchCommand.serializers(), JmhBenchCommand.decode(), JmhBenchCommand.due(), new StepBenchCommand(), new ShardBenchCommand());
    }
}
