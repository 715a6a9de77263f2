package dev.afmflink.bench;

import dev.afmflink.data.EventDecoder;
import dev.afmflink.embedded.ClickSimulator;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.Example;
import dev.afmflink.model.Loss;
import dev.afmflink.model.Precision;
import dev.afmflink.optim.OptimizerSpec;
import dev.afmflink.sync.MergeRule;
import dev.afmflink.sync.ReplicaGroup;
import dev.afmflink.sync.ReplicaRoute;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code bin/afm scale-bench --case sync}: the cost of one model on R trainers (issue 22,
 * docs/scaling.md, "A cost model"), measured in memory on one core and fitted. The merge's work is
 * per tick and per row: each replica encodes its change of n_r rows (ε per row), the merger decodes
 * and merges R changes and applies the merge of n_m rows to the merged model (μ per row of R·n_r +
 * n_m), and each replica takes the merge in (α per row of n_m). n_r and n_m are the vocabulary of
 * E/R and E examples, E the tick's examples — a property of the stream, counted without training.
 * The constants are fitted on R = 2 and 4 and the model's sync cost is checked against the
 * measurement at every other R; with the job's own CPU per example at R = 1 and 2 (from
 * {@code stream-bench}) it predicts the job's CPU per example and its rate at any R.
 */
public final class SyncCostBench {
    private SyncCostBench() {
    }

    /** One R measured: per tick, the rows and bytes, and the nanoseconds of each side. */
    record Row(int r, long ticks, double replicaRows, double mergeRows, double changeBytes, double mergeBytes, double trainNsPerExample,
               double emitNsPerReplicaTick, double applyNsPerReplicaTick, double mergerNsPerTick) {
    }

    public static void run(int examples, int k, int tickExamples, int[] replicas, double jobUs1, double jobUs2, double jobRate1,
                           PrintStream out) throws Exception {
        AfmConfig config = new AfmConfig(k, k, Loss.LOGISTIC, 0, 0, 0, 1.0, 0.1, 1, OptimizerSpec.ftrl(0.1, 1, 0.5, 0),
                OptimizerSpec.adagrad(0.05, 1e-8), OptimizerSpec.adagrad(0.05, 1e-8), Precision.FLOAT32);
        List<Example> stream = new ArrayList<>(examples);
        List<String> ids = new ArrayList<>(examples);
        ClickSimulator sim = new ClickSimulator(7).openVocabulary();
        EventDecoder dec = new EventDecoder(Loss.LOGISTIC, 1 << 20);
        for (int i = 0; i < examples; i++) {
            var e = dec.decode(sim.nextExampleJson(i, "default").getBytes(StandardCharsets.UTF_8), "x", 0);
            Example x = e.features();
            x.label = e.label();
            stream.add(x);
            ids.add(e.id());
        }
        out.printf(Locale.ROOT, "sync cost (in memory, one core): %,d examples of the simulator's open vocabulary, k = t = %d, float32, "
                + "a tick of %,d examples, lag 1, mean-steps%n", examples, k, tickExamples);
        for (int r : new int[] {2, 4, 2}) { // warm-up (JIT): the first R measured was slower than every other
            measure(config, stream, ids, tickExamples, r, examples);
        }
        List<Row> rows = new ArrayList<>();
        for (int r : replicas) {
            Row best = null; // the least time of three runs per part: this machine's noise is all upward
            for (int run = 0; run < 3; run++) {
                Row x = measure(config, stream, ids, tickExamples, r, examples);
                best = best == null ? x : new Row(r, x.ticks(), x.replicaRows(), x.mergeRows(), x.changeBytes(), x.mergeBytes(),
                        Math.min(best.trainNsPerExample(), x.trainNsPerExample()),
                        Math.min(best.emitNsPerReplicaTick(), x.emitNsPerReplicaTick()),
                        Math.min(best.applyNsPerReplicaTick(), x.applyNsPerReplicaTick()),
                        Math.min(best.mergerNsPerTick(), x.mergerNsPerTick()));
            }
            rows.add(best);
            out.printf(Locale.ROOT, "  R = %d: per replica and tick, emission %.0f µs for %.0f rows, apply %.0f µs of %.0f rows; "
                    + "merger %.0f µs%n", r, best.emitNsPerReplicaTick() / 1e3, best.replicaRows(), best.applyNsPerReplicaTick() / 1e3,
                    best.mergeRows(), best.mergerNsPerTick() / 1e3);
        }
        // the fit on R = 2 and 4: a replica's emission, a fixed part per tick and a part per row it changed; its apply, a fixed
        // part and a part per row of the merge it did not change alone (those it leaves as they are: about its own rows);
        // the merger, per row it takes in (R changes) or applies
        double[] emit = line(rows, Row::replicaRows, Row::emitNsPerReplicaTick);
        double[] apply = line(rows, x -> x.mergeRows() - x.replicaRows(), Row::applyNsPerReplicaTick);
        double mu = fit(rows, x -> x.r() * x.replicaRows() + x.mergeRows(), Row::mergerNsPerTick);
        double train = rows.stream().filter(x -> x.r() == 1).mapToDouble(Row::trainNsPerExample).findFirst().orElse(Double.NaN);
        out.printf(Locale.ROOT, "  fitted on R = 2, 4: a replica's emission %.0f µs per tick + %.0f ns per row it changed, its apply "
                + "%.0f µs + %.0f ns per row of the merge it did not change itself, the merger %.0f ns per row it takes in or applies; "
                + "a training step %.2f µs (R = 1)%n", emit[0] / 1e3, emit[1], apply[0] / 1e3, apply[1], mu, train / 1e3);
        java.util.function.ToDoubleFunction<Row> syncModelNs = x -> emit[0] + emit[1] * x.replicaRows() + apply[0]
                + apply[1] * Math.max(0, x.mergeRows() - x.replicaRows());
        out.printf(Locale.ROOT, "  %3s %9s %9s %12s %12s %12s %12s %14s %14s %9s%n", "R", "rows/chg", "rows/mrg", "KB in/tick",
                "KB out/tick", "sync µs/ex", "(model)", "merger ms/tick", "(model)", "max ex/s");
        for (Row x : rows) {
            double syncUs = x.r() == 1 ? 0 : (x.emitNsPerReplicaTick() + x.applyNsPerReplicaTick()) * x.r() / tickExamples / 1e3;
            double syncModel = x.r() == 1 ? 0 : syncModelNs.applyAsDouble(x) * x.r() / tickExamples / 1e3;
            double mergerMs = x.mergerNsPerTick() / 1e6;
            double mergerModel = x.r() == 1 ? 0 : mu * (x.r() * x.replicaRows() + x.mergeRows()) / 1e6;
            out.printf(Locale.ROOT, "  %3d %9.0f %9.0f %12.1f %12.1f %12.2f %12.2f %14.2f %14.2f %9s%n", x.r(), x.replicaRows(),
                    x.mergeRows(), x.r() * x.changeBytes() / 1e3, x.r() * x.mergeBytes() / 1e3, syncUs, syncModel, mergerMs,
                    mergerModel, x.r() == 1 ? "-" : String.format(Locale.ROOT, "%,.0f", tickExamples / (mergerModel / 1e3)));
        }
        if (!Double.isNaN(jobUs1) && !Double.isNaN(jobUs2)) {
            // the job: c(R) = c(1) + the edge's cost (a shuffle per event, the tick's held examples; fitted at R = 2) + sync(R)
            Row two = rows.stream().filter(x -> x.r() == 2).findFirst().orElseThrow();
            double sync2 = syncModelNs.applyAsDouble(two) * 2 / tickExamples / 1e3;
            double edge = jobUs2 - jobUs1 - sync2;
            double cores = Double.isNaN(jobRate1) ? Double.NaN : jobRate1 * jobUs1 / 1e6;
            out.printf(Locale.ROOT, "  the job (k = t = %d, its CPU per labelled example %.1f µs at R = 1, %.1f at R = 2: %.1f µs of "
                    + "the edge besides the merge's %.2f; %.2f cores busy at R = 1)%n", k, jobUs1, jobUs2, edge, sync2, cores);
            out.printf(Locale.ROOT, "  %3s %16s %22s %28s%n", "R", "job µs/example", "here (%.2f cores): ex/s".formatted(cores),
                    "a core per replica: ex/s");
            for (Row x : rows) {
                double sync = x.r() == 1 ? 0 : syncModelNs.applyAsDouble(x) * x.r() / tickExamples / 1e3;
                double c = jobUs1 + (x.r() == 1 ? 0 : edge) + sync;
                double merger = x.r() == 1 ? Double.POSITIVE_INFINITY : tickExamples / (mu * (x.r() * x.replicaRows() + x.mergeRows()) / 1e9);
                double cluster = Math.min(x.r() * 1e6 / c, merger);
                out.printf(Locale.ROOT, "  %3d %16.1f %22s %28s%n", x.r(), c, Double.isNaN(cores) ? "-"
                        : String.format(Locale.ROOT, "%,.0f", cores * 1e6 / c), String.format(Locale.ROOT, "%,.0f%s", cluster,
                        cluster == merger ? " (the merger)" : ""));
            }
        }
    }

    /** The line {intercept, slope} of {@code y} on {@code x} through the rows of R = 2 and 4. */
    private static double[] line(List<Row> rows, java.util.function.ToDoubleFunction<Row> x, java.util.function.ToDoubleFunction<Row> y) {
        Row a = rows.stream().filter(r -> r.r() == 2).findFirst().orElseThrow(() -> new IllegalArgumentException("the fit needs R = 2"));
        Row b = rows.stream().filter(r -> r.r() == 4).findFirst().orElseThrow(() -> new IllegalArgumentException("the fit needs R = 4"));
        double slope = (y.applyAsDouble(b) - y.applyAsDouble(a)) / (x.applyAsDouble(b) - x.applyAsDouble(a));
        return new double[] {y.applyAsDouble(a) - slope * x.applyAsDouble(a), slope};
    }

    /** Least squares through the origin of {@code y} on {@code x} over the rows of R = 2 and 4. */
    private static double fit(List<Row> rows, java.util.function.ToDoubleFunction<Row> x, java.util.function.ToDoubleFunction<Row> y) {
        double xy = 0;
        double xx = 0;
        for (Row row : rows) {
            if (row.r() == 2 || row.r() == 4) {
                xy += x.applyAsDouble(row) * y.applyAsDouble(row);
                xx += x.applyAsDouble(row) * x.applyAsDouble(row);
            }
        }
        if (xx == 0) {
            throw new IllegalArgumentException("the fit needs R = 2 and 4 among the replicas measured");
        }
        return xy / xx;
    }

    private static Row measure(AfmConfig config, List<Example> stream, List<String> ids, int tickExamples, int r, int n) {
        ReplicaGroup g = new ReplicaGroup(config, r, tickExamples, 1, MergeRule.MEAN_STEPS);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            g.train(ReplicaRoute.ofId(ids.get(i), r), stream.get(i), i);
        }
        g.finish();
        long total = System.nanoTime() - t0;
        ReplicaGroup.Costs c = g.costs();
        long ticks = Math.max(1, g.ticks());
        double train = (double) (total - c.emitNs - c.mergeNs - c.applyNs) / n;
        return new Row(r, g.ticks(), (double) g.changedRows() / ticks / r, (double) c.mergeRows / ticks,
                (double) g.changeBytes() / ticks / r, (double) c.mergeBytes / ticks, train, (double) c.emitNs / ticks / r,
                (double) c.applyNs / ticks / r, (double) c.mergeNs / ticks);
    }
}
