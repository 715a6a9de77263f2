package dev.afmflink.sync;

import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmLearner;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.model.ExampleWeight;
import dev.afmflink.model.FeatureParams;
import dev.afmflink.model.ParameterStore;
import dev.afmflink.model.SharedParams;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One replica of a model that several trainers train together: its own copy of the parameters,
 * trained on the examples routed to it, which tells at each tick what it changed since the last
 * one ({@link #emit}) and takes in what the others changed ({@link #apply}). A row's value before
 * its first step in a tick is kept until the tick closes, so the replica's own change is told
 * apart from the others' merged in meanwhile. Plain Java: the in-memory {@link ReplicaGroup}
 * drives it, as the job's trainer subtasks are to.
 */
public final class Replica implements ParameterStore {
    private final int index;
    private final AfmModel model;
    private final AfmLearner learner;
    private final Vectors vectors;
    /** The shared block as it was at the last emission, with the merges taken in since. */
    private double[] sharedBefore;
    private long examplesBefore;
    /** Each row stepped since the last emission: its value before, with the merges taken in since, and its steps. */
    private final Map<Long, Touched> touched = new HashMap<>();
    /** Blocks a merge would have made non-finite, left as they were. */
    private long refused;

    private static final class Touched {
        final double[] before;
        long steps;

        Touched(double[] before) {
            this.before = before;
        }
    }

    /** Replica {@code index} of a model of {@code config} ({@link Change#MERGED}: the model the merges make, which trains nothing). */
    public Replica(int index, AfmConfig config) {
        this.index = index;
        this.model = new AfmModel(config);
        this.learner = model.learner();
        this.vectors = new Vectors(config);
        this.sharedBefore = Vectors.shared(model.shared());
    }

    /** The replica's parameters as they stand (its own steps and the merges it has taken in). */
    public AfmModel model() {
        return model;
    }

    /** One training step on {@code ex} at event time {@code ts}; returns the raw score before it. */
    public double train(Example ex, long ts) {
        return learner.train(this, ex.ids, ex.values, ex.size, ex.label, ts, ExampleWeight.ONE);
    }

    /** The raw score of {@code ex}; changes nothing. */
    public double predictRaw(Example ex) {
        return learner.predict(this, ex.ids, ex.values, ex.size, 0);
    }

    @Override
    public SharedParams shared() {
        return model.shared();
    }

    @Override
    public FeatureParams trainingRow(long id, long ts) {
        FeatureParams f = model.features().get(id);
        if (f == null) {
            f = model.trainingRow(id, ts); // a new row starts where it starts in every replica: a function of (seed, id)
        }
        Touched t = touched.get(id);
        if (t == null) {
            t = new Touched(Vectors.row(f));
            touched.put(id, t);
        }
        t.steps++;
        return f;
    }

    @Override
    public FeatureParams scoringRow(long id, long ts, int position) {
        return model.scoringRow(id, ts, position);
    }

    /** What this replica did since its last emission, as its change of {@code tick}; starts the next. */
    public Change emit(long tick) {
        double[] now = Vectors.shared(model.shared());
        long examples = model.shared().examples - examplesBefore;
        double[] shared = Vectors.fresh(now, sharedBefore, vectors.sharedBlock(), examples);
        sharedBefore = now;
        examplesBefore = model.shared().examples;
        long[] ids = new long[touched.size()];
        int n = 0;
        for (long id : touched.keySet()) {
            ids[n++] = id;
        }
        Arrays.sort(ids);
        double[][] rows = new double[ids.length][];
        long[] steps = new long[ids.length];
        long[] last = new long[ids.length];
        int kept = 0;
        for (long id : ids) {
            FeatureParams f = model.features().get(id);
            Touched t = touched.get(id);
            double[] d = Vectors.fresh(Vectors.row(f), t.before, vectors.rowBlock(), t.steps);
            if (d != null) {
                ids[kept] = id;
                rows[kept] = d;
                steps[kept] = t.steps;
                last[kept] = f.lastUpdate;
                kept++;
            }
        }
        touched.clear();
        int[] one = new int[kept];
        Arrays.fill(one, 1);
        return new Change(tick, index, shared, shared == null ? 0 : 1, examples, Arrays.copyOf(ids, kept),
                Arrays.copyOf(rows, kept), Arrays.copyOf(steps, kept), Arrays.copyOf(last, kept), one);
    }

    /**
     * Takes in the merge {@code merged} of a tick whose own change was {@code own} (null: this
     * replica made none, as the group's merged model): a parameter moves by the merge less its own
     * part; a slot decays by the others' steps and takes the others' fresh parts. A row this
     * replica changed alone is left as it is (its change is the merge). FTRL's weights are derived
     * again from the merged (z, n).
     */
    public void apply(Change merged, Change own) {
        apply(merged, own, id -> false);
    }

    /**
     * {@link #apply(Change, Change)}, leaving out the rows of features {@code local} says belong to
     * the route field's values another replica owns: this replica never sees them (every example of
     * a value of the route field goes to one replica), so it need not hold them.
     */
    public void apply(Change merged, Change own, java.util.function.LongPredicate local) {
        long others = merged.examples - (own == null ? 0 : own.examples); // the others' steps of the shared block
        if (merged.shared != null && !(own != null && own.shared != null && merged.sharedContributors == 1)) {
            SharedParams s = model.shared();
            double[] was = Vectors.shared(s);
            double[] now = combine(was, merged.shared, own == null ? null : own.shared, vectors.sharedBlock(), others);
            if (finite(now)) {
                Vectors.addShared(s, minus(now, was));
                learner.settle(s);
                carry(sharedBefore, Vectors.shared(s), was, vectors.sharedBlock(), others, s.examples - examplesBefore);
            } else {
                refused++;
            }
        }
        model.shared().examples += others;
        examplesBefore += others;
        for (int i = 0; i < merged.ids.length; i++) {
            long id = merged.ids[i];
            int mine = own == null ? -1 : own.indexOf(id);
            if (mine >= 0 && merged.contributors[i] == 1 || mine < 0 && local.test(id)) {
                continue;
            }
            FeatureParams f = model.features().get(id);
            boolean made = f == null;
            if (made) {
                f = learner.newFeature(id, merged.lastUpdate[i]);
            }
            double[] was = Vectors.row(f);
            long otherSteps = merged.steps[i] - (mine >= 0 ? own.steps[mine] : 0);
            double[] now = combine(was, merged.rows[i], mine >= 0 ? own.rows[mine] : null, vectors.rowBlock(), otherSteps);
            if (!finite(now)) {
                refused++;
                continue;
            }
            if (made) {
                model.features().put(id, f);
            }
            Vectors.addRow(f, minus(now, was));
            learner.settle(f);
            f.lastUpdate = Math.max(f.lastUpdate, merged.lastUpdate[i]);
            Touched t = touched.get(id);
            if (t != null) {
                carry(t.before, Vectors.row(f), was, vectors.rowBlock(), otherSteps, t.steps);
            }
        }
    }

    /**
     * The block {@code was} after the others' part of {@code merged} ({@code own}: this replica's
     * part, or null). An accumulator stays at or above the smallest normal float: decayed by many
     * others' steps it could reach zero, and a step with a zero gradient would divide 0 by √0.
     */
    private static double[] combine(double[] was, double[] merged, double[] own, Vectors.Block block, long otherSteps) {
        double[] decay = block.decay();
        boolean[] accumulator = block.accumulator();
        double[] now = new double[was.length];
        for (int q = 0; q < was.length; q++) {
            double others = merged[q] - (own == null ? 0 : own[q]);
            now[q] = (decay[q] == 1 ? was[q] : Math.pow(decay[q], otherSteps) * was[q]) + others;
            if (accumulator[q] && now[q] < Float.MIN_NORMAL) {
                now[q] = Math.max(was[q], 0) > 0 ? Math.max(now[q], Float.MIN_NORMAL) : Math.max(now[q], 0);
            }
        }
        return now;
    }

    /**
     * Keeps {@code before} (the block at the last emission) such that the next emission tells this
     * replica's own part only: the merge took {@code was} to {@code now} (a slot: ρ^x × was + c), so
     * before becomes ρ^x × before + (now − ρ^x × was) / ρ^steps, {@code steps} being the own steps since.
     */
    private static void carry(double[] before, double[] now, double[] was, Vectors.Block block, long x, long steps) {
        double[] decay = block.decay();
        if (steps == 0) { // no own step since: nothing of this replica's own to tell apart (and no rounding to make some up)
            System.arraycopy(now, 0, before, 0, now.length);
            return;
        }
        for (int q = 0; q < before.length; q++) {
            if (decay[q] == 1) {
                before[q] += now[q] - was[q];
            } else {
                double rx = Math.pow(decay[q], x);
                before[q] = rx * before[q] + (now[q] - rx * was[q]) / Math.pow(decay[q], steps);
            }
        }
    }

    /** Blocks a merge would have made non-finite (NaN or ±Inf), left as they were: never a NaN in the parameters. */
    public long refusedMerges() {
        return refused;
    }

    private static boolean finite(double[] v) {
        for (double x : v) {
            if (!Double.isFinite(x)) {
                return false;
            }
        }
        return true;
    }

    private static double[] minus(double[] a, double[] b) {
        double[] d = new double[a.length];
        for (int q = 0; q < a.length; q++) {
            d[q] = a[q] - b[q];
        }
        return d;
    }
}
