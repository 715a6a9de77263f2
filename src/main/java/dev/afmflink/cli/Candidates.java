package dev.afmflink.cli;

import dev.afmflink.feedback.LeaderChoice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Named sets of model options ({@code 'NAME: --opt v ...'}, as {@code --candidate} and
 * {@code step-bench --variant} take them) and the options of the online choice's rule, for every
 * command that takes them.
 */
final class Candidates {
    private Candidates() {
    }

    /** A name and the model options it adds. */
    record Named(String name, List<String> options) {
    }

    /** Each value of repeatable option {@code option}, {@code NAME: OPTIONS}. */
    static List<Named> parse(List<String> values, String option) {
        List<Named> out = new ArrayList<>();
        for (String v : values) {
            int colon = v.indexOf(':');
            if (colon <= 0) {
                throw new Args.UsageException("--" + option + " '" + v + "': NAME: OPTIONS");
            }
            String opts = v.substring(colon + 1).trim();
            out.add(new Named(v.substring(0, colon).trim(), opts.isEmpty() ? List.of() : Arrays.asList(opts.split("\\s+"))));
        }
        return out;
    }

    /** {@code --candidate}, two or more. */
    static List<Named> candidates(Args a) {
        List<Named> c = parse(a.all("candidate"), "candidate");
        if (c.size() < 2) {
            throw new Args.UsageException("--candidate: give two or more");
        }
        return c;
    }

    /** {@code --candidate}, two or more, each its options on top of the command's. */
    static List<dev.afmflink.feedback.Candidate> configs(Args a) {
        return configs(a, candidates(a));
    }

    /** The named options, each on top of the command's. */
    static List<dev.afmflink.feedback.Candidate> configs(Args a, List<Named> named) {
        List<dev.afmflink.feedback.Candidate> out = new ArrayList<>();
        for (Named n : named) {
            out.add(new dev.afmflink.feedback.Candidate(n.name(), ModelOptions.config(a.overlay(n.options()))));
        }
        return out;
    }

    /** The rule's options. */
    static final List<Args.Option> RULE_OPTIONS = List.of(
            new Args.Option("candidate-windows", "N", Integer.toString(LeaderChoice.Rule.DEFAULT.windows()),
                    "the choice's rule: complete validation windows a lead is judged over (and between two switches)"),
            new Args.Option("candidate-margin", "X", Double.toString(LeaderChoice.Rule.DEFAULT.margin()),
                    "the choice's rule: how much lower (a share of the leader's) a challenger's loss must be"));

    static LeaderChoice.Rule rule(Args a) {
        return new LeaderChoice.Rule(a.getInt("candidate-windows", LeaderChoice.Rule.DEFAULT.windows()),
                a.getDouble("candidate-margin", LeaderChoice.Rule.DEFAULT.margin()));
    }
}
