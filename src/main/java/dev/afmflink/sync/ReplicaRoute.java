package dev.afmflink.sync;

import dev.afmflink.model.SplitMix64;

/**
 * Which replica of a model an event goes to: a hash of its impression id, so an impression and its
 * click meet at the same replica. The one home of the rule: the job routes by it, and so do the
 * replays and tests that reproduce a run.
 */
public final class ReplicaRoute {
    private ReplicaRoute() {
    }

    /** The replica (0 to {@code replicas} − 1) of the events of impression {@code id}: the same in every JVM. */
    public static int ofId(String id, int replicas) {
        long h = SplitMix64.mix(id == null ? 0 : id.hashCode()); // String.hashCode: the same in every JVM
        return (int) Long.remainderUnsigned(h, replicas);
    }
}
