package dev.afmflink.sync;

import dev.afmflink.model.SplitMix64;

/**
 * Which replica of a model an event goes to. The one home of the rule: the job routes by it, and so
 * do the replays and tests that reproduce a run.
 *
 * <ul>
 *   <li>By impression id (the default): a hash of the event's id, so an impression and its click
 *       meet at the same replica.</li>
 *   <li>By a route field ({@code --route-field user}): a hash of the event's feature of that field
 *       (its 64-bit feature id, docs/events.md), so every event of a user goes to
 *       one replica and that user's row lives on it alone ({@code --local-fields}). A click carries
 *       the field among its {@code features} (docs/events.md) to meet its impression there.</li>
 * </ul>
 */
public final class ReplicaRoute {
    /** What {@link #featureOf} says of an event without a feature of the route field. */
    public static final long NONE = 0;

    private ReplicaRoute() {
    }

    /** The replica (0 to {@code replicas} − 1) of the events of impression {@code id}: the same in every JVM. */
    public static int ofId(String id, int replicas) {
        long h = SplitMix64.mix(id == null ? 0 : id.hashCode()); // String.hashCode: the same in every JVM
        return (int) Long.remainderUnsigned(h, replicas);
    }

    /** The replica of an event whose route feature is {@code route} ({@link #featureOf}, not {@link #NONE}). */
    public static int ofFeature(long route, int replicas) {
        return (int) Long.remainderUnsigned(SplitMix64.mix(route), replicas);
    }

    /** The replica of event {@code id} whose route feature is {@code route}: by the feature, or by the id if {@link #NONE}. */
    public static int of(String id, long route, int replicas) {
        return route != NONE ? ofFeature(route, replicas) : ofId(id, replicas);
    }

    /**
     * Whether feature {@code id} is, among an event's features ({@code ids} with their {@code fields}
     * names, {@code size} of them), of one of the fields {@code local} ({@code --local-fields}): a row
     * its replica marks local in its change.
     */
    public static boolean isOfFields(long id, long[] ids, String[] fields, int size, java.util.Set<String> local) {
        if (local.isEmpty() || ids == null || fields == null) {
            return false;
        }
        for (int i = 0; i < size && i < fields.length; i++) {
            if (ids[i] == id) {
                return fields[i] != null && local.contains(fields[i]);
            }
        }
        return false;
    }

    /**
     * The feature id of {@code field} among an event's features ({@code ids} with their {@code fields}
     * names, {@code size} of them), or {@link #NONE} if it has none: the first feature of that field.
     * (A feature id of {@link #NONE} itself, one in 2^64, routes as if the field were missing.)
     */
    public static long featureOf(String field, long[] ids, String[] fields, int size) {
        if (ids == null || fields == null) {
            return NONE;
        }
        for (int i = 0; i < size && i < fields.length; i++) {
            if (field.equals(fields[i])) {
                return ids[i];
            }
        }
        return NONE;
    }
}
