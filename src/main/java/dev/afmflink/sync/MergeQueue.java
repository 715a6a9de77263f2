package dev.afmflink.sync;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * One model's replicas' changes as they arrive (any order, duplicates included: a synchronization
 * topic read at least once), merged tick by tick in tick order once every replica's change of a
 * tick is in. Every replica sends a change, empty or not, for every tick from the first one on. A
 * change sent twice is recognized by (replica, tick) and taken once; two different changes with
 * the same (replica, tick) are a failure of the system (a replica that is not a function of its
 * input), not something to merge.
 */
public final class MergeQueue {
    private final int replicas;
    private final MergeRule rule;
    private final Vectors vectors;
    /** Ticks some replicas' changes of have come: each replica's record (by replica) and its decoded change. */
    private final TreeMap<Long, Tick> waiting = new TreeMap<>();
    private long next;
    private long duplicates;

    /** The queue of a model of {@code replicas} replicas whose first tick is {@code firstTick}. */
    public MergeQueue(int replicas, MergeRule rule, Vectors vectors, long firstTick) {
        this.replicas = replicas;
        this.rule = rule;
        this.vectors = vectors;
        this.next = firstTick;
    }

    /** The tick whose merge comes next. */
    public long next() {
        return next;
    }

    /**
     * Ticks before {@code tick} had no change from any replica (an in-memory group that saw no event
     * in them); only when nothing waits.
     */
    public void skipTo(long tick) {
        if (!waiting.isEmpty() || tick < next) {
            throw new IllegalStateException("cannot skip to tick " + tick + " from " + next + " with " + waiting.size() + " waiting");
        }
        next = tick;
    }

    /** Changes seen again and dropped. */
    public long duplicates() {
        return duplicates;
    }

    /**
     * Takes in one encoded change ({@link ChangeCodec}); returns the merges it completes, in tick
     * order, each with the replicas' changes it merged (by replica).
     */
    public List<Merged> offer(byte[] record) {
        Change c = ChangeCodec.decode(record);
        if (c.replica < 0 || c.replica >= replicas) {
            throw new IllegalArgumentException("a change of replica " + c.replica + " in a group of " + replicas);
        }
        if (c.tick < next) {
            duplicates++; // merged already: a redelivery
            return List.of();
        }
        Tick tick = waiting.computeIfAbsent(c.tick, t -> new Tick(new byte[replicas][], new Change[replicas]));
        if (tick.changes[c.replica] != null) {
            if (!Arrays.equals(tick.records[c.replica], record)) {
                throw new IllegalStateException("two different changes of replica " + c.replica + " for tick " + c.tick);
            }
            duplicates++;
            return List.of();
        }
        tick.records[c.replica] = record;
        tick.changes[c.replica] = c;
        List<Merged> out = new ArrayList<>();
        while (!waiting.isEmpty() && waiting.firstKey() == next && waiting.firstEntry().getValue().complete()) {
            List<Change> all = List.of(waiting.pollFirstEntry().getValue().changes);
            out.add(new Merged(rule.merge(next, all, vectors), all));
            next++;
        }
        return out;
    }

    private record Tick(byte[][] records, Change[] changes) {
        boolean complete() {
            for (Change c : changes) {
                if (c == null) {
                    return false;
                }
            }
            return true;
        }
    }

    /** A tick's merge and the replicas' changes it was made of (replica r's at r). */
    public record Merged(Change merge, List<Change> own) {
    }
}
