package dev.afmflink.cli;

import java.util.List;

/** A {@code bin/afm} sub-command. */
interface Command {
    String name();

    String summary();

    List<Args.Option> options();

    /** Runs with parsed options; returns the process exit code. */
    int run(Args args) throws Exception;
}
