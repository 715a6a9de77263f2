package dev.afmflink.cli;

import dev.afmflink.bench.ShardBench;
import dev.afmflink.bench.StepBench;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.Loss;
import dev.afmflink.sync.MergeRule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

final class ShardBenchCommand implements Command {
    @Override
    public String name() {
        return "shard-bench";
    }

    @Override
    public String summary() {
        return "one model trained by R replicas merged at event-time ticks (the rule of issue 22, in memory), against one "
                + "trainer: progressive and held-out loss by R, tick, lag and merge rule, and what the merges carry "
                + "(docs/scaling.md)";
    }

    @Override
    public List<Args.Option> options() {
        List<Args.Option> o = new ArrayList<>(List.of(
                new Args.Option("cases", "LIST", "hard,criteo,avazu", "data sets, as step-bench names them (criteo, avazu, frappe, "
                        + "hard, drift, heavy, movielens), and open: the simulator's open vocabulary (a new user with a quarter of "
                        + "the examples), the last tenth held out"),
                new Args.Option("trainers", "LIST", "2,4", "replicas R (one trainer is always the first row)"),
                new Args.Option("tick-examples", "LIST", "1000", "examples of the whole stream per tick: its rate × the tick's "
                        + "length in event time (every example is one unit of event time)"),
                new Args.Option("lag", "LIST", "1", "ticks a replica runs ahead of the others' changes: the merge of tick n is "
                        + "taken in at the start of tick n + 1 + lag"),
                new Args.Option("rule", "LIST", "sum", "merge rules: sum (the parameters' changes added), mean (averaged over "
                        + "the replicas that changed a value), mean-shared (the shared block averaged, the feature rows added), mean-steps (the shared block averaged, each row's "
                        + "changes averaged with weights by each replica's steps on it); "
                        + "optimizer slots are added by every rule (docs/scaling.md)"),
                new Args.Option("route-field", "FIELD", null, "examples go to replicas by the value of this field (JSON events' "
                        + "field names: the hard, drift and open cases have user, ad, site, hour, device); default: by a hash of the "
                        + "example's number, as by impression id"),
                new Args.Option("local-fields", "LIST", "", "fields whose rows only the replica owning their value holds (and the "
                        + "merged model): the route field's")));
        o.addAll(StepBenchCommand.DATA_OPTIONS);
        o.addAll(ModelOptions.OPTIONS.stream().filter(m -> !m.name().equals("loss")).toList());
        return o;
    }

    @Override
    public int run(Args a) throws Exception {
        List<StepBench.Case> cases = StepBenchCommand.cases(a);
        List<ShardBench.Setup> setups = new ArrayList<>();
        for (String r : list(a.get("trainers"))) {
            for (String t : list(a.get("tick-examples"))) {
                for (String l : list(a.get("lag"))) {
                    for (String rule : list(a.get("rule"))) {
                        setups.add(new ShardBench.Setup(Integer.parseInt(r), Long.parseLong(t), Integer.parseInt(l), MergeRule.parse(rule)));
                    }
                }
            }
        }
        java.util.Set<String> local = new java.util.TreeSet<>(list(a.get("local-fields")));
        ShardBench.table(cases, config(a, Loss.LOGISTIC), config(a, Loss.SQUARED), setups,
                new ShardBench.Routing(a.has("route-field") ? a.get("route-field") : null, local), System.out);
        return 0;
    }

    /** The model options given, under the case's {@code loss}. */
    private static AfmConfig config(Args a, Loss loss) {
        List<String> argv = new ArrayList<>(List.of("--loss", loss.id()));
        for (Args.Option m : ModelOptions.OPTIONS) {
            if (!m.name().equals("loss") && a.has(m.name())) {
                argv.add("--" + m.name());
                if (m.value() != null) {
                    argv.add(a.get(m.name()));
                }
            }
        }
        return ModelOptions.config(new Args("shard-bench", ModelOptions.OPTIONS).parse(argv.toArray(new String[0])));
    }

    private static List<String> list(String s) {
        return Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
    }
}
