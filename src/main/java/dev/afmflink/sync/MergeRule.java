package dev.afmflink.sync;

import java.util.Arrays;
import java.util.List;

/**
 * How the replicas' changes of one tick become the change every replica applies. The rules differ
 * in the parameters; optimizer slots are merged alike by both: their fresh parts added and their
 * steps counted ({@link Replica#apply}: a slot becomes ρ^(others' steps) × itself + the others'
 * fresh parts), so Adagrad's accumulators and FTRL's (z, n) count every replica's gradients and
 * stay what they are (an accumulator never goes below zero, with or without forgetting). Changes
 * are combined in replica order, in double: the merge is a function of the changes, bit for bit.
 */
public enum MergeRule {
    /**
     * Parameters' changes added: the model moves as if one learner had taken every replica's steps
     * from the same start (asynchronous SGD with a bounded delay).
     */
    SUM("sum", false, false),
    /** Each parameter's changes averaged over the replicas that changed it (model averaging). */
    MEAN("mean", true, true),
    /**
     * The shared block (w0, the attention network: every example steps it) averaged, the feature
     * rows added (most are stepped by few replicas in a tick, where adding is what one learner does).
     */
    MEAN_SHARED("mean-shared", true, false),
    /**
     * The shared block averaged; each feature row's changes averaged with weights by the steps each
     * replica took on it in the tick: a row one replica stepped takes its change whole (as one
     * learner would), a row every replica stepped alike takes their mean (each replica moved it
     * toward the same place; adding would go R times as far).
     */
    MEAN_STEPS("mean-steps", true, true);

    private final String label;
    private final boolean averageShared;
    private final boolean averageRows;

    MergeRule(String label, boolean averageShared, boolean averageRows) {
        this.label = label;
        this.averageShared = averageShared;
        this.averageRows = averageRows;
    }

    public String label() {
        return label;
    }

    public static MergeRule parse(String s) {
        for (MergeRule r : values()) {
            if (r.label.equals(s)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown merge rule '" + s + "' (sum, mean, mean-shared, mean-steps)");
    }

    /** The merge of {@code changes} (one per replica, in replica order) of one tick; {@code v} tells parameters from slots. */
    public Change merge(long tick, List<Change> changes, Vectors v) {
        double[] shared = null;
        int sharedCount = 0;
        long examples = 0;
        int total = 0;
        for (Change c : changes) {
            examples += c.examples;
            total += c.ids.length;
            if (c.shared != null) {
                if (shared == null) {
                    shared = new double[c.shared.length];
                }
                add(shared, c.shared);
                sharedCount++;
            }
        }
        if (shared != null) {
            scale(shared, averageShared ? sharedCount : 1, v.sharedBlock().averaged());
        }
        // the rows: every id once, ascending, its changes in replica order
        long[] all = new long[total];
        int n = 0;
        for (Change c : changes) {
            System.arraycopy(c.ids, 0, all, n, c.ids.length);
            n += c.ids.length;
        }
        Arrays.sort(all);
        int distinct = 0;
        for (int i = 0; i < all.length; i++) {
            if (i == 0 || all[i] != all[i - 1]) {
                all[distinct++] = all[i];
            }
        }
        long[] ids = Arrays.copyOf(all, distinct);
        double[][] rows = new double[distinct][];
        long[] last = new long[distinct];
        long[] steps = new long[distinct];
        int[] count = new int[distinct];
        Arrays.fill(last, Long.MIN_VALUE);
        boolean[] local = null;
        boolean bySteps = this == MEAN_STEPS;
        boolean[] averagedRow = v.rowBlock().averaged();
        for (Change c : changes) {
            for (int i = 0; i < c.ids.length; i++) {
                int at = Arrays.binarySearch(ids, c.ids[i]);
                if (rows[at] == null) {
                    rows[at] = new double[c.rows[i].length];
                }
                if (bySteps) {
                    addWeighted(rows[at], c.rows[i], c.steps[i], averagedRow);
                } else {
                    add(rows[at], c.rows[i]);
                }
                last[at] = Math.max(last[at], c.lastUpdate[i]);
                steps[at] += c.steps[i];
                count[at]++;
                if (c.isLocal(i)) {
                    if (local == null) {
                        local = new boolean[distinct];
                    }
                    local[at] = true;
                }
            }
        }
        for (int i = 0; i < distinct; i++) {
            if (bySteps) {
                if (steps[i] > 0) {
                    divide(rows[i], steps[i], averagedRow);
                }
            } else {
                scale(rows[i], averageRows ? count[i] : 1, averagedRow);
            }
        }
        return new Change(tick, tick - 1, Change.MERGED, shared, sharedCount, examples, ids, rows, steps, last, count, local);
    }

    private static void add(double[] to, double[] d) {
        for (int q = 0; q < d.length; q++) {
            to[q] += d[q];
        }
    }

    /** Adds {@code weight} × the averaged coordinates of {@code d}, and the others (slots) as they are. */
    private static void addWeighted(double[] to, double[] d, long weight, boolean[] averaged) {
        for (int q = 0; q < d.length; q++) {
            to[q] += averaged[q] ? weight * d[q] : d[q];
        }
    }

    private static void divide(double[] sum, long total, boolean[] averaged) {
        for (int q = 0; q < sum.length; q++) {
            if (averaged[q]) {
                sum[q] /= total;
            }
        }
    }

    /** Divides the coordinates an averaging merge averages ({@code averaged}, {@link Vectors.Block#averaged}) by {@code count}. */
    private static void scale(double[] sum, int count, boolean[] averaged) {
        if (count == 1) {
            return;
        }
        for (int q = 0; q < sum.length; q++) {
            if (averaged[q]) {
                sum[q] /= count;
            }
        }
    }
}
