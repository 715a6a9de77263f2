package dev.afmflink.cli;

import dev.afmflink.bench.StepBench;
import dev.afmflink.model.Loss;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

final class StepBenchCommand implements Command {
    @Override
    public String name() {
        return "step-bench";
    }

    @Override
    public String summary() {
        return "step sizes across data sets: each --variant of the model options, one pass, on Criteo, Avazu, Frappe, the "
                + "simulator's hard and drift streams and an interaction-heavy world with a known Bayes loss, beside a grid of "
                + "fixed step sizes (docs/benchmarks.md)";
    }

    @Override
    public List<Args.Option> options() {
        List<Args.Option> o = new ArrayList<>(List.of(
                new Args.Option("cases", "LIST", "criteo,avazu,frappe,hard,drift,heavy", "data sets (criteo, avazu, frappe: "
                        + "from --data; hard, drift: the feedback bench's worlds, labels final, event-time order; heavy: eight fields, "
                        + "ten interacting pairs; movielens: MovieLens 100K, a rating of 4 or 5 a click, user, item, gender, age, "
                        + "occupation and genres, 80 % / 20 % in time order; not in the default list)"),
                new Args.Option("variant", "'NAME: OPTIONS'", null, "a row: model options on top of each case's loss's defaults "
                        + "(repeatable; default: one row, 'defaults', with none)"),
                new Args.Option("grid", "LIST", "0.025,0.05,0.1,0.2", "fixed learning rates of the embeddings and the attention group "
                        + "(Adagrad, the defaults otherwise) each variant is compared with"),
                new Args.Option("grid-options", "'OPTIONS'", "", "model options under every rate of the grid (e.g. '--init-acc-embedding "
                        + "1e-8': the textbook Adagrad)"),
                new Args.Option("seeds", "LIST", "1", "model seeds (initialisation): each figure is the mean over them")));
        o.addAll(DATA_OPTIONS);
        o.add(new Args.Option("precision", "float32|float64", "float32", "number type of every model"));
        return o;
    }

    /** Where the data sets come from and how large the simulated ones are (step-bench and shard-bench). */
    static final List<Args.Option> DATA_OPTIONS = List.of(
            new Args.Option("data", "DIR", "../shared/data", "the research data sets"),
            new Args.Option("sim-examples", "N", "200000", "examples of the simulated cases (their test sets: a tenth)"),
            new Args.Option("sim-seed", "N", "7", "the simulated worlds' seed"));

    /** The data sets {@code --cases} names, as {@link #DATA_OPTIONS} say. */
    static List<StepBench.Case> cases(Args a) throws java.io.IOException {
        List<StepBench.Case> cases = new ArrayList<>();
        for (String c : a.get("cases").split(",")) {
            if (!c.isBlank()) {
                cases.add(StepBench.load(c.trim(), Path.of(a.get("data")), a.getLong("sim-seed", 7), a.getInt("sim-examples", 200000)));
            }
        }
        return cases;
    }

    @Override
    public int run(Args a) throws Exception {
        List<StepBench.Variant> variants = new ArrayList<>();
        for (Candidates.Named n : Candidates.parse(a.all("variant"), "variant")) {
            variants.add(new StepBench.Variant(n.name(), n.options()));
        }
        if (variants.isEmpty()) {
            variants.add(new StepBench.Variant("defaults", List.of()));
        }
        List<Double> grid = Arrays.stream(a.get("grid").split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .map(Double::parseDouble).toList();
        String precision = a.get("precision");
        List<StepBench.Case> cases = cases(a);
        List<Long> seeds = Arrays.stream(a.get("seeds").split(",")).map(String::trim).map(Long::parseLong).toList();
        String gridOptions = a.get("grid-options").trim();
        StepBench.run(cases, variants, grid, gridOptions.isEmpty() ? List.of() : Arrays.asList(gridOptions.split("\\s+")), seeds, (Loss loss, List<String> extra) -> {
            List<String> argv = new ArrayList<>(List.of("--loss", loss.id(), "--precision", precision));
            argv.addAll(extra);
            Args m = new Args("step-bench", ModelOptions.OPTIONS).parse(argv.toArray(new String[0]));
            return ModelOptions.config(m);
        }, System.out);
        return 0;
    }
}
