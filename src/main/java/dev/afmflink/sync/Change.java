package dev.afmflink.sync;

/**
 * What one replica of a model changed in one synchronization tick, or the merge of every
 * replica's changes of that tick: per parameter, new value minus old, and per optimizer slot, what
 * the tick's steps added on top of the old value decayed by those steps ({@link Vectors#fresh}:
 * the change itself when the slot does not forget), in double, with the number of steps, for the
 * shared block ({@link Vectors#shared}: w0 and its optimizer slots, the attention network and its
 * slots) and for each feature row that changed (ids ascending, each row's whole data: w, v and the
 * optimizer slots). A change is a function of the examples the replica trained in the tick and of
 * the merges it had applied before: the same data gives the same change, bit for bit.
 */
public final class Change {
    /** The tick (event time ÷ tick length) the change closes. */
    public final long tick;
    /**
     * A replica's change covers the ticks after {@code since} through {@link #tick}: its previous
     * change closed tick {@code since} ({@link Long#MIN_VALUE}: this is its first), and it took no
     * step in the ticks between. In a merge, the tick before its own.
     */
    public final long since;
    /** The replica that made it; {@link #MERGED} for a merge. */
    public final int replica;
    /** The shared block's change, or null if it did not change. */
    public final double[] shared;
    /** Steps taken (the shared block's example counter; every step steps the whole shared block). */
    public final long examples;
    /** Changed rows, ids ascending (signed order). */
    public final long[] ids;
    /** Each row's change, aligned with {@link #ids}. */
    public final double[][] rows;
    /** Each row's steps in the tick (summed over replicas in a merge). */
    public final long[] steps;
    /** Each row's last update (event time) after the change. */
    public final long[] lastUpdate;
    /** How many replicas changed each row (1 in a replica's own change). */
    public final int[] contributors;
    /** How many replicas changed the shared block. */
    public final int sharedContributors;
    /**
     * Which rows are of a local field ({@code --local-fields}: held by the replica that owns their value
     * alone, which no other replica takes in), aligned with {@link #ids}; null: none.
     */
    public final boolean[] local;

    public static final int MERGED = -1;

    Change(long tick, long since, int replica, double[] shared, int sharedContributors, long examples, long[] ids, double[][] rows,
           long[] steps, long[] lastUpdate, int[] contributors) {
        this(tick, since, replica, shared, sharedContributors, examples, ids, rows, steps, lastUpdate, contributors, null);
    }

    Change(long tick, long since, int replica, double[] shared, int sharedContributors, long examples, long[] ids, double[][] rows,
           long[] steps, long[] lastUpdate, int[] contributors, boolean[] local) {
        this.local = local;
        this.steps = steps;
        this.tick = tick;
        this.since = since;
        this.replica = replica;
        this.shared = shared;
        this.sharedContributors = sharedContributors;
        this.examples = examples;
        this.ids = ids;
        this.rows = rows;
        this.lastUpdate = lastUpdate;
        this.contributors = contributors;
    }

    /** Replica {@code replica}'s change of {@code tick} with no step in it. */
    static Change none(long tick, int replica) {
        return new Change(tick, tick - 1, replica, null, 0, 0, new long[0], new double[0][], new long[0], new long[0], new int[0]);
    }

    /** Nothing changed. */
    public boolean isEmpty() {
        return shared == null && ids.length == 0;
    }

    /** Whether row {@code i} is of a local field. */
    public boolean isLocal(int i) {
        return local != null && local[i];
    }

    /** Whether row {@code id} is in this change as a row of a local field (a replica that does not own it leaves it out). */
    public boolean isLocalRow(long id) {
        if (local == null) {
            return false;
        }
        int i = indexOf(id);
        return i >= 0 && local[i];
    }

    /** The index of row {@code id}, or a negative number. */
    public int indexOf(long id) {
        return java.util.Arrays.binarySearch(ids, id);
    }
}
