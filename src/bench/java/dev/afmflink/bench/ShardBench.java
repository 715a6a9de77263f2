package dev.afmflink.bench;

import dev.afmflink.metrics.Evaluation;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.Example;
import dev.afmflink.model.Loss;
import dev.afmflink.model.SplitMix64;
import dev.afmflink.sync.MergeRule;
import dev.afmflink.sync.ReplicaGroup;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Locale;

/**
 * One model trained by R replicas merged at ticks ({@link ReplicaGroup}), one pass over each
 * data set in its order, against one trainer: the delayed-merge rule's quality as a function of
 * R, the tick (in examples of the whole stream: the stream's rate × the tick's length in event
 * time), the lag and the merge rule, and what the merges carry. Each example goes to the replica
 * its number hashes to (as the job routes by impression id); each is scored by its replica before
 * its step (progressive validation); the merged model is tested on the held-out set.
 */
public final class ShardBench {
    private ShardBench() {
    }

    /** One configuration of the group. */
    public record Setup(int replicas, long tickExamples, int lag, MergeRule rule) {
        String label() {
            return replicas == 1 ? "R=1 (one trainer)"
                    : String.format(Locale.ROOT, "R=%d tick %,d lag %d %s", replicas, tickExamples, lag, rule.label());
        }
    }

    /** Progressive and held-out figures of one run, what its merges carried, the rows each replica and the merged model hold. */
    public record Result(double progressive, double heldOut, double auc, long ticks, long changedRows, long bytes,
                         double replicaRows, long modelRows) {
    }

    /** How examples go to replicas: by the feature of {@code field} (null: by a hash of the example's number). */
    public record Routing(String field, Set<String> localFields) {
    }

    /** The replica example {@code i} of a stream goes to: a hash of its number (a stand-in for the impression id's). */
    public static int route(long i, int replicas) {
        return replicas == 1 ? 0 : (int) Long.remainderUnsigned(SplitMix64.forStream(0x5EA7L, i).nextLong(), replicas);
    }

    /** The replica of example {@code i}: by its {@code field}'s feature as the job routes it, if it has one, else by its number. */
    static int route(Example ex, long i, int replicas, String field) {
        long feature = field == null ? dev.afmflink.sync.ReplicaRoute.NONE
                : dev.afmflink.sync.ReplicaRoute.featureOf(field, ex.ids, ex.fields, ex.size);
        return feature != dev.afmflink.sync.ReplicaRoute.NONE ? dev.afmflink.sync.ReplicaRoute.ofFeature(feature, replicas)
                : route(i, replicas);
    }

    public static Result run(StepBench.Case c, AfmConfig config, Setup s, Routing routing) {
        // the local rows marked by the replicas that step them, as the job's replica trainers mark them (--local-fields)
        ReplicaGroup g = new ReplicaGroup(config, s.replicas(), s.tickExamples(), s.lag(), s.rule()).localFields(routing.localFields());
        Evaluation progressive = new Evaluation(config.loss());
        long i = 0;
        for (Example ex : c.train()) {
            progressive.add(g.train(route(ex, i, s.replicas(), routing.field()), ex, i), ex.label);
            i++;
        }
        g.finish();
        Evaluation held = new Evaluation(config.loss());
        for (Example x : c.test()) {
            held.add(g.model().predictRaw(x), x.label);
        }
        boolean squared = config.loss() == Loss.SQUARED;
        long rows = 0;
        for (int r = 0; r < s.replicas(); r++) {
            rows += g.replica(r).model().features().size();
        }
        return new Result(squared ? progressive.rmseClipped() : progressive.logloss(), squared ? held.rmseClipped() : held.logloss(),
                squared ? Double.NaN : held.auc(), g.ticks(), g.changedRows(), g.changeBytes(),
                (double) rows / s.replicas(), g.model().features().size());
    }

    /** The table: per case, one trainer and then every setup, each ÷ one trainer. */
    public static void table(List<StepBench.Case> cases, AfmConfig logistic, AfmConfig squared, List<Setup> setups, Routing routing,
                             PrintStream out) {
        for (StepBench.Case c : cases) {
            AfmConfig config = c.loss() == Loss.SQUARED ? squared : logistic;
            List<Setup> all = new ArrayList<>();
            all.add(new Setup(1, 1, 0, MergeRule.SUM));
            all.addAll(setups.stream().filter(s -> s.replicas() > 1).toList());
            List<Result> results = all.parallelStream().map(s -> run(c, config, s, routing)).toList();
            Result one = results.get(0);
            String what = c.loss() == Loss.SQUARED ? "RMSE (clipped)" : "logloss";
            out.printf(Locale.ROOT, "%n%s: %,d train (one pass, in order) / %,d held out; progressive and held-out %s%n", c.name(),
                    c.train().size(), c.test().size(), what);
            if (routing.field() != null) {
                out.printf(Locale.ROOT, "  routed by %s%s%n", routing.field(),
                        routing.localFields().isEmpty() ? "" : ", local " + String.join(",", routing.localFields()));
            }
            out.printf(Locale.ROOT, "  %-34s %11s %7s %9s %7s %8s %12s %14s %18s%n", "", "progressive", "÷ R=1", "held-out", "÷ R=1",
                    "AUC", "merges", "per replica and merge: rows, KB", "rows held: replica, model");
            for (int k = 0; k < all.size(); k++) {
                Result r = results.get(k);
                Setup s = all.get(k);
                String carried = s.replicas() == 1 || r.ticks() == 0 ? String.format(Locale.ROOT, "%38s", "")
                        : String.format(Locale.ROOT, "%,12d %10.1f %7.1f", r.ticks(), (double) r.changedRows() / r.ticks() / s.replicas(),
                        r.bytes() / 1024.0 / r.ticks() / s.replicas());
                carried += String.format(Locale.ROOT, " %,12.0f %,10d", r.replicaRows(), r.modelRows());
                out.printf(Locale.ROOT, "  %-34s %11.5f %7.4f %9.5f %7.4f %8s%s%n", s.label(), r.progressive(),
                        r.progressive() / one.progressive(), r.heldOut(), r.heldOut() / one.heldOut(),
                        Double.isNaN(r.auc()) ? "" : String.format(Locale.ROOT, "%.4f", r.auc()), carried);
            }
        }
    }
}
