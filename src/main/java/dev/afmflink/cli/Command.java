package dev.afmflink.cli;

import java.util.List;

/** A {@code bin/afm} sub-command. */
interface Command {
    String name();

    String summary();

    List<Args.Option> options();

    /** What the arguments after the options are called (e.g. "FILE..."), or null if the command takes none. */
    default String positional() {
        return null;
    }

    /** Runs with parsed options; returns the process exit code. */
    int run(Args args) throws Exception;
}
