package dev.afmflink.job;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;

/**
 * The replica keys of models trained by several subtasks: (model, replica, salt), the salt chosen
 * so that replica r's key falls in key group ⌈r · maxParallelism / R⌉, the first of subtask r's at
 * parallelism R. Flink gives a subtask a
 * contiguous range of key groups, so the R replicas of a model land on R different subtasks at
 * parallelism R (and spread evenly at any other), whatever the model key's hash: without it, two
 * replica keys share a subtask as often as not and one model again uses one core. The placement
 * depends on the maximum parallelism only (fixed for a job's life), so a restore at another
 * parallelism finds each key's state under the same key.
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
            int group = (int) (((long) r * maxParallelism + replicas - 1) / replicas); // the first key group of subtask r at parallelism R
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

    /**
     * Refuses the replica keys a restored subtask found ({@code restored}) when they are not this job's:
     * a savepoint or checkpoint of a job with another number of trainers per model. Their names place
     * them for that number, so this job would never read their state and would train new replica keys
     * from scratch beside it, while the merger holds a queue of the old number. Until a restore at
     * another R is built (docs/scaling.md, "Not built yet"), it stops here, naming the savepoint's R
     * where the keys tell it.
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
                + "; restoring at another number of trainers per model is not supported yet (docs/scaling.md): restart with "
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
