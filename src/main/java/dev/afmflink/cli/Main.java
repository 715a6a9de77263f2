package dev.afmflink.cli;

import dev.afmflink.data.DataFormatException;
import java.io.IOException;
import java.util.List;

/** Entry point of {@code bin/afm COMMAND [OPTIONS]}. */
public final class Main {
    static final List<Command> COMMANDS = commands();

    /**
     * The product's commands, then the benchmarks' when their classes are on the class path
     * (src/bench/java: bin/afm runs the build's classes; the jars hold the product only).
     */
    @SuppressWarnings("unchecked")
    static List<Command> commands() {
        List<Command> all = new java.util.ArrayList<>(List.of(new TrainCommand(), new ScoreCommand(), new ExplainCommand(),
                new InspectCommand(), new ConvertCommand(), new StreamCommand(), new ReplayCommand(), new ProduceCommand(), new ReportCommand(),
                new ServeCommand()));
        try {
            var benches = Class.forName("dev.afmflink.cli.BenchCommands").getDeclaredMethod("all");
            benches.setAccessible(true);
            all.addAll((List<Command>) benches.invoke(null));
        } catch (ClassNotFoundException e) {
            // a product jar: no benchmarks in it
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the benchmark commands cannot be listed", e);
        }
        return List.copyOf(all);
    }

    private Main() {
    }

    public static void main(String[] argv) {
        int code;
        try {
            code = run(argv);
        } catch (Throwable t) { // an Error (out of memory, ...): say it and its cause, and end (Flink's threads would keep the JVM up)
            System.err.println("afm: fatal: " + t + (t.getCause() != null ? "\n  caused by: " + t.getCause() : ""));
            code = 1;
        }
        System.exit(code);
    }

    static {
        // snapshot folders on any scheme the job writes to (hdfs://, s3://, ...) for score, explain, inspect, serve
        dev.afmflink.snapshot.SnapshotStorage.register(dev.afmflink.job.FlinkSnapshotStorage::forLocation);
    }

    static int run(String[] argv) {
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h") || argv[0].equals("help")) {
            System.out.println(usage());
            return argv.length == 0 ? 2 : 0;
        }
        Command cmd = COMMANDS.stream().filter(c -> c.name().equals(argv[0])).findFirst().orElse(null);
        if (cmd == null) {
            System.err.println("afm: unknown command '" + argv[0] + "'\n\n" + usage());
            return 2;
        }
        Args args = new Args(cmd.name(), cmd.options(), cmd.positional());
        try {
            args.parse(java.util.Arrays.copyOfRange(argv, 1, argv.length));
            if (args.help()) {
                System.out.println(args.usage(cmd.summary()));
                return 0;
            }
            return cmd.run(args);
        } catch (Args.UsageException | IllegalArgumentException e) {
            System.err.println(args.usageError(e.getMessage()));
            return 2;
        } catch (DataFormatException | IOException | java.io.UncheckedIOException e) {
            System.err.println("afm " + cmd.name() + ": " + Args.describe(e));
            return 1;
        } catch (Exception e) {
            System.err.println("afm " + cmd.name() + ": " + e);
            e.printStackTrace();
            return 1;
        }
    }

    static String usage() {
        StringBuilder sb = new StringBuilder("usage: bin/afm COMMAND [OPTIONS]   (bin/afm COMMAND --help for its options)\n\ncommands:\n");
        for (Command c : COMMANDS) {
            sb.append(String.format(java.util.Locale.ROOT, "  %-15s %s%n", c.name(), c.summary()));
        }
        return sb.toString();
    }
}
