package dev.afmflink.job;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;

/**
 * The replica keys of models trained by several subtasks: (model, replica, salt), the salt chosen
 * so that replica r's key falls in the first key group of a subtask of its own. Flink gives a subtask
 * a contiguous range of key groups, so the R replicas of a model land on R different subtasks at
 * parallelism R (and spread evenly at any other), whatever the model key's hash: without it, two
 * replica keys share a subtask as often as not and one model again uses one core. The placement
 * depends on the maximum parallelism only (fixed for a job's life), so a restore at another
 * parallelism finds each key's state under the same key.
 *
 * <p>Where R is a power of two, replica r's key group is the first of the fraction
 * {@code vdc(r)} of them ({@link #place}: r's bits reversed after the binary point, 0, ½, ¼, ¾, ⅛, …),
 * the same for every such R: R = 2's replicas are R = 4's first two, under the same names, so a job
 * restored with twice the trainers per model finds them (docs/scaling.md, "Twice the trainers from a
 * savepoint"). Otherwise replica r's is the first of subtask r's at parallelism R, ⌈r · maxParallelism / R⌉.
 * (For R = 2 both give the same keys.)
 */
public final class ReplicaKeys implements Serializable {
    /** What separates a replica key's parts (a control character: never in a model key). */
    static final char SEPARATOR = '\u001F';

    private final int replicas;
    private final int maxParallelism;
    private transient Map<String, String[]> cache;

    public ReplicaKeys(int replicas, int maxParallelism) {
        this.replicas = replicas;
        this.maxParallelism = maxParallelism;
    }

    /** The replica key of replica {@code r} of model {@code model}. */
    public String key(String model, int r) {
        if (cache == null) {
            cache = new HashMap<>();
        }
        String[] keys = cache.computeIfAbsent(model, m -> new String[replicas]);
        if (keys[r] == null) {
            int group = group(r);
            String prefix = model + SEPARATOR + r + SEPARATOR;
            String k = prefix + 0;
            for (int salt = 0; salt < 64 * maxParallelism; salt++) {
                String candidate = prefix + salt;
                if (KeyGroupRangeAssignment.assignToKeyGroup(candidate, maxParallelism) == group) {
                    k = candidate;
                    break;
                }
            }
            if (cache.size() > 100_000) { // a bound on a stream of many model keys
                cache.clear();
                keys = new String[replicas];
                cache.put(model, keys);
            }
            keys[r] = k;
        }
        return keys[r];
    }

    /** Replica r's key group: see the class comment. */
    int group(int r) {
        if (Integer.bitCount(replicas) != 1) { // the first key group of subtask r at parallelism R
            return (int) (((long) r * maxParallelism + replicas - 1) / replicas);
        }
        long[] f = place(r);
        return (int) ((f[0] * maxParallelism + f[1] - 1) / f[1]);
    }

    /**
     * Replica r's place as a fraction m / 2^b of the key groups: r's b bits (b the fewest that hold r)
     * reversed. For a power of two R the places of replicas 0 … R − 1 are 0, 1/R, …, (R − 1)/R.
     */
    static long[] place(int r) {
        int bits = 32 - Integer.numberOfLeadingZeros(r);
        long m = bits == 0 ? 0 : Integer.reverse(r) >>> (32 - bits);
        return new long[] {m, 1L << bits};
    }

    /**
     * Refuses the replica keys a restored subtask found ({@code restored}) when they are not this job's:
     * a savepoint or checkpoint of a job with fewer trainers per model, or with another number where
     * either is not a power of two. Their names place them for that number, so this job would never
     * read their state and would train new replica keys from scratch beside it. It stops here, naming
     * the savepoint's R where the keys tell it. (The keys of a power of two R are the first R of any
     * larger power of two's: those pass.)
     */
    static void checkRestored(java.util.Collection<String> restored, int replicas, int maxParallelism) {
        if (fit(restored, replicas, maxParallelism)) {
            return;
        }
        int theirs = 0;
        for (int other = 1; other <= ReplicaSettings.MAX_REPLICAS && theirs == 0; other++) {
            if (other != replicas && fit(restored, other, maxParallelism)) {
                theirs = other;
            }
        }
        throw new IllegalStateException("--trainers-per-model " + replicas + ": the restored state holds replica keys of "
                + (theirs > 0 ? "a job with --trainers-per-model " + theirs : "another number of trainers per model")
                + "; a savepoint restores at its own number of trainers per model or at that number times a power of two, "
                + "both powers of two (docs/scaling.md, \"Twice the trainers from a savepoint\"): restart with "
                + (theirs > 0 ? "--trainers-per-model " + theirs : "the savepoint's number"));
    }

    /** True if every key of {@code restored} is the key {@code replicas} trainers per model give its (model, replica). */
    private static boolean fit(java.util.Collection<String> restored, int replicas, int maxParallelism) {
        ReplicaKeys keys = new ReplicaKeys(replicas, maxParallelism);
        for (String k : restored) {
            int r = replicaOf(k);
            if (r >= replicas || !keys.key(modelOf(k), r).equals(k)) {
                return false;
            }
        }
        return true;
    }

    /** The model of replica key {@code key}. */
    static String modelOf(String key) {
        return key.substring(0, key.indexOf(SEPARATOR));
    }

    /** The replica number of replica key {@code key}. */
    static int replicaOf(String key) {
        int a = key.indexOf(SEPARATOR);
        return Integer.parseInt(key.substring(a + 1, key.indexOf(SEPARATOR, a + 1)));
    }
}
