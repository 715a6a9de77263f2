package dev.afmflink.sync;

import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmLearner;
import dev.afmflink.model.FeatureParams;
import dev.afmflink.model.SharedParams;
import java.util.Arrays;
import java.util.function.LongPredicate;

/**
 * A replica's side of the merge, over parameters held anywhere ({@link Rows}: a model in memory,
 * or a model key's keyed state in the job) and the replica's {@link Ledger}: what it changed in a
 * tick ({@link #emit}) and how it takes the merge of a tick in ({@link #apply}). The one home of
 * the rule's bookkeeping (docs/scaling.md, "The merge rule"); it keeps nothing of a replica.
 */
public final class Exchange {
    /** The parameters a replica holds. */
    public interface Rows {
        SharedParams shared();

        /** Row {@code id}, or null if the replica holds none. */
        FeatureParams get(long id);

        /** Keeps row {@code id} (new: made by a merge). */
        void put(long id, FeatureParams f);

        /** The parameters of a model in memory. */
        static Rows of(dev.afmflink.model.AfmModel model) {
            return new Rows() {
                @Override
                public SharedParams shared() {
                    return model.shared();
                }

                @Override
                public FeatureParams get(long id) {
                    return model.features().get(id);
                }

                @Override
                public void put(long id, FeatureParams f) {
                    model.features().put(id, f);
                }
            };
        }
    }

    private final AfmLearner learner;
    private final Vectors vectors;

    public Exchange(AfmConfig config) {
        this.learner = new AfmLearner(config);
        this.vectors = new Vectors(config);
    }

    /** What replica {@code replica} did since its last emission ({@code ledger}), as its change of {@code tick}; the ledger starts the next. */
    public Change emit(int replica, long tick, Rows rows, Ledger ledger) {
        if (tick <= ledger.lastTick) {
            throw new IllegalArgumentException("tick " + tick + " emitted after tick " + ledger.lastTick);
        }
        long since = ledger.lastTick;
        ledger.lastTick = tick;
        SharedParams s = rows.shared();
        double[] now = Vectors.shared(s);
        long examples = s.examples - ledger.examplesBefore;
        double[] shared = Vectors.fresh(now, ledger.sharedBefore, vectors.sharedBlock(), examples);
        ledger.sharedBefore = now;
        ledger.examplesBefore = s.examples;
        long[] ids = new long[ledger.touched.size()];
        int n = 0;
        for (long id : ledger.touched.keySet()) {
            ids[n++] = id;
        }
        Arrays.sort(ids);
        double[][] changed = new double[ids.length][];
        long[] steps = new long[ids.length];
        long[] last = new long[ids.length];
        boolean[] local = null;
        int kept = 0;
        for (long id : ids) {
            FeatureParams f = rows.get(id);
            if (f == null) { // a step that failed dropped the row it had made: nothing of it stays
                continue;
            }
            Ledger.Touched t = ledger.touched.get(id);
            double[] d = Vectors.fresh(Vectors.row(f), t.before, vectors.rowBlock(), t.steps);
            if (d != null) {
                ids[kept] = id;
                changed[kept] = d;
                steps[kept] = t.steps;
                last[kept] = f.lastUpdate;
                if (t.local) {
                    if (local == null) {
                        local = new boolean[ids.length];
                    }
                    local[kept] = true;
                }
                kept++;
            }
        }
        ledger.touched.clear();
        int[] one = new int[kept];
        Arrays.fill(one, 1);
        return new Change(tick, since, replica, shared, shared == null ? 0 : 1, examples, Arrays.copyOf(ids, kept),
                Arrays.copyOf(changed, kept), Arrays.copyOf(steps, kept), Arrays.copyOf(last, kept), one,
                local == null ? null : Arrays.copyOf(local, kept));
    }

    /**
     * Takes in the merge {@code merged} of a tick whose own change was {@code own} (null: this
     * replica made none, as the group's merged model): a parameter moves by the merge less its own
     * part; a slot decays by the others' steps and takes the others' fresh parts. A row this
     * replica changed alone is left as it is (its change is the merge), and so is a row of a
     * feature {@code local} says belongs to a value of the route field another replica owns (this
     * replica never sees it). FTRL's weights are derived again from the merged (z, n). Returns the
     * blocks a merge would have made non-finite (NaN or ±Inf), left as they were: never a NaN in the
     * parameters.
     */
    public int apply(Change merged, Change own, LongPredicate local, Rows rows, Ledger ledger) {
        int refused = 0;
        long others = merged.examples - (own == null ? 0 : own.examples); // the others' steps of the shared block
        SharedParams s = rows.shared();
        if (merged.shared != null && !(own != null && own.shared != null && merged.sharedContributors == 1)) {
            double[] was = Vectors.shared(s);
            double[] now = combine(was, merged.shared, own == null ? null : own.shared, vectors.sharedBlock(), others);
            if (finite(now)) {
                Vectors.addShared(s, minus(now, was));
                learner.settle(s);
                carry(ledger.sharedBefore, Vectors.shared(s), was, vectors.sharedBlock(), others, s.examples - ledger.examplesBefore);
            } else {
                refused++;
            }
        }
        s.examples += others;
        ledger.examplesBefore += others;
        for (int i = 0; i < merged.ids.length; i++) {
            long id = merged.ids[i];
            int mine = own == null ? -1 : own.indexOf(id);
            if (mine >= 0 && merged.contributors[i] == 1 || mine < 0 && local.test(id)) {
                continue;
            }
            FeatureParams f = rows.get(id);
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
            Vectors.addRow(f, minus(now, was));
            learner.settle(f);
            f.lastUpdate = Math.max(f.lastUpdate, merged.lastUpdate[i]);
            rows.put(id, f);
            Ledger.Touched t = ledger.touched.get(id);
            if (t != null) {
                carry(t.before, Vectors.row(f), was, vectors.rowBlock(), otherSteps, t.steps);
            }
        }
        return refused;
    }

    /**
     * A part of a model's base: the whole values of its shared block ({@code shared}, null in a part
     * after the first) and of rows {@code ids} (any order; sorted here), for a replica that joins the
     * model (a restore at more trainers per model, docs/scaling.md): it takes them in as they are
     * ({@link #adopt}), so it starts from the merged model bit for bit. Marked {@link Change#MERGED},
     * of tick {@code through} (the merges the base holds).
     */
    public static Change base(long through, SharedParams shared, long[] ids, FeatureParams[] rows) {
        Integer[] order = new Integer[ids.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compare(ids[a], ids[b]));
        long[] sorted = new long[ids.length];
        double[][] values = new double[ids.length][];
        long[] last = new long[ids.length];
        for (int i = 0; i < order.length; i++) {
            sorted[i] = ids[order[i]];
            values[i] = Vectors.row(rows[order[i]]);
            last[i] = rows[order[i]].lastUpdate;
        }
        return new Change(through, through == Long.MIN_VALUE ? Long.MIN_VALUE : through - 1, Change.MERGED, shared == null ? null : Vectors.shared(shared),
                shared == null ? 0 : 1, shared == null ? 0 : shared.examples, sorted, values, new long[ids.length], last,
                new int[ids.length]);
    }

    /**
     * Takes a part of a model's base ({@link #base}) in: its shared block and rows replace this
     * replica's, value for value (the ledger is rebased on them: nothing of them is this replica's
     * own change). Returns the rows set.
     */
    public int adopt(Change base, Rows rows, Ledger ledger) {
        SharedParams s = rows.shared();
        if (base.shared != null) {
            Vectors.setShared(s, base.shared);
            s.examples = base.examples;
            learner.settle(s);
        }
        for (int i = 0; i < base.ids.length; i++) {
            long id = base.ids[i];
            FeatureParams f = rows.get(id);
            if (f == null) {
                f = learner.newFeature(id, base.lastUpdate[i]);
            }
            Vectors.setRow(f, base.rows[i]);
            learner.settle(f);
            f.lastUpdate = base.lastUpdate[i];
            rows.put(id, f);
        }
        ledger.rebase(s);
        return base.ids.length;
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
