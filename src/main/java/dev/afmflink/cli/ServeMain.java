package dev.afmflink.cli;

import java.util.Arrays;

/**
 * The serving jar's entry point ({@code java -jar afm-flink-<version>-serving.jar serve ...}): the
 * commands that need no Flink — serve, score, explain, inspect.
 */
public final class ServeMain {
    private ServeMain() {
    }

    public static void main(String[] argv) {
        java.util.List<Command> commands = java.util.List.of(new ServeCommand(), new ScoreCommand(), new ExplainCommand(),
                new InspectCommand());
        if (argv.length == 0 || commands.stream().noneMatch(c -> c.name().equals(argv[0]))) {
            System.err.println("usage: java -jar afm-flink-serving.jar serve|score|explain|inspect [OPTIONS] (--help for options)");
            System.exit(2);
        }
        Command cmd = commands.stream().filter(c -> c.name().equals(argv[0])).findFirst().orElseThrow();
        Args args = new Args(cmd.name(), cmd.options(), cmd.positional());
        try {
            args.parse(Arrays.copyOfRange(argv, 1, argv.length));
            if (args.help()) {
                System.out.println(args.usage(cmd.summary()));
                System.exit(0);
            }
            System.exit(cmd.run(args));
        } catch (Args.UsageException | IllegalArgumentException e) {
            System.err.println(args.usageError(e.getMessage()));
            System.exit(2);
        } catch (Exception e) {
            System.err.println("afm " + cmd.name() + ": " + Args.describe(e));
            System.exit(1);
        }
    }
}
