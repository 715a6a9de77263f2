package dev.afmflink.sync;

import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.model.Precision;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One model trained by {@code R} replicas in memory, each on the examples routed to it, merged at
 * event-time ticks: the rule the job's trainer subtasks follow, in one place.
 *
 * <p>Tick {@code n} covers event times {@code [n·T, (n+1)·T)}. When event time enters tick
 * {@code m}, every replica emits its change of each closed tick {@code n < m}; the changes of tick
 * {@code n} are merged ({@link MergeRule}) and every replica takes the merge in before its first
 * example of tick {@code n + 1 + L} ({@code L}: the lag, in ticks — what a trainer may run ahead of
 * the others' changes; 0 is a synchronous merge at every tick). The merged model (the start plus
 * every merge, in tick order) is what is published: a function of the examples and their routing,
 * whatever the replicas' speeds. With one replica nothing is merged into it: it is the model one
 * trainer makes, bit for bit.
 */
public final class ReplicaGroup {
    private final Replica[] replicas;
    private final Replica merged;
    private final long tickLength;
    private final int lag;
    private final MergeRule rule;
    private final Vectors vectors;
    /** Merges not yet taken in by the replicas, oldest first, with each replica's own change. */
    private final ArrayDeque<MergeQueue.Merged> pending = new ArrayDeque<>();
    private final boolean float32;
    private final java.util.function.LongPredicate local;
    /** The most bytes of a record of a change ({@link ChangeCodec#encodeParts}). */
    private int partBytes = ChangeCodec.PART_BYTES;
    private MergeQueue queue;
    private long tick = Long.MIN_VALUE;
    private long ticks;
    private long changedRows;
    private long bytes;

    public ReplicaGroup(AfmConfig config, int replicas, long tickLength, int lag, MergeRule rule) {
        this(config, replicas, tickLength, lag, rule, id -> false);
    }

    /**
     * A group whose features {@code local} says are local (of the route field: each value's
     * examples go to one replica) are held by the replica that owns them only, and by the merged
     * model; the merged model is the same as without, bit for bit, when the route field is theirs.
     */
    public ReplicaGroup(AfmConfig config, int replicas, long tickLength, int lag, MergeRule rule,
                        java.util.function.LongPredicate local) {
        if (replicas < 1 || tickLength < 1 || lag < 0) {
            throw new IllegalArgumentException("replicas ≥ 1, tick length ≥ 1, lag ≥ 0");
        }
        this.replicas = new Replica[replicas];
        for (int r = 0; r < replicas; r++) {
            this.replicas[r] = new Replica(r, config);
        }
        this.merged = replicas == 1 ? this.replicas[0] : new Replica(Change.MERGED, config);
        this.tickLength = tickLength;
        this.lag = lag;
        this.rule = rule;
        this.vectors = new Vectors(config);
        this.float32 = config.precision() == Precision.FLOAT32;
        this.local = local;
    }

    /** Changes go as records of at most about {@code bytes} each, as the job sends them (default {@link ChangeCodec#PART_BYTES}). */
    public ReplicaGroup withPartBytes(int bytes) {
        this.partBytes = bytes;
        return this;
    }

    /**
     * Every replica marks the rows of {@code fields} local in its changes, as the job's replica
     * trainers do ({@code --local-fields}): a replica takes in no other replica's local rows. With the
     * route field's rows local, the merged model is the same bit for bit. Returns this.
     */
    public ReplicaGroup localFields(java.util.Set<String> fields) {
        if (replicas.length > 1) {
            for (Replica r : replicas) {
                r.localFields(fields);
            }
        }
        return this;
    }

    public Replica replica(int r) {
        return replicas[r];
    }

    /** One step of replica {@code r} on {@code ex} at event time {@code ts} (not before the last); returns the raw score before it. */
    public double train(int r, Example ex, long ts) {
        advance(Math.floorDiv(ts, tickLength));
        return replicas[r].train(ex, ts);
    }

    /**
     * Event time reaches {@code ts} (not before the last), before a step or a score of any replica
     * at it: the ticks it closes emit their changes, and the merges due by its tick are taken in.
     */
    public void advanceTo(long ts) {
        advance(Math.floorDiv(ts, tickLength));
    }

    /** The end of the stream: the last tick closes and every merge is taken in. */
    public void finish() {
        if (tick != Long.MIN_VALUE && replicas.length > 1) {
            close(tick);
            while (!pending.isEmpty()) {
                takeIn(pending.poll());
            }
        }
    }

    /** The merged model (with one replica: that replica's). */
    public AfmModel model() {
        return merged.model();
    }

    /** Ticks closed with a change; rows changed (summed over replicas); bytes of the replicas' changes on the wire. */
    public long ticks() {
        return ticks;
    }

    public long changedRows() {
        return changedRows;
    }

    public long changeBytes() {
        return bytes;
    }

    private void advance(long m) {
        if (tick == Long.MIN_VALUE) {
            tick = m;
            queue = new MergeQueue(replicas.length, rule, vectors);
            return;
        }
        if (m < tick) {
            throw new IllegalArgumentException("event time went back: tick " + m + " after " + tick);
        }
        if (m == tick || replicas.length == 1) {
            tick = m;
            return;
        }
        close(tick);
        tick = m;
        while (!pending.isEmpty() && pending.peek().merge().tick + 1 + lag <= m) {
            takeIn(pending.poll());
        }
    }

    /** Tick {@code n} closes: every replica's change goes through the wire's format into the queue, as in the job. */
    private void close(long n) {
        List<byte[]> records = new ArrayList<>();
        long t0 = System.nanoTime(); // cost accounting only ({@link #costs}): nothing of the model depends on it
        for (Replica r : replicas) {
            records.addAll(ChangeCodec.encodeParts(r.emit(n), float32, partBytes));
        }
        long t1 = System.nanoTime();
        costs.emitNs += t1 - t0;
        for (byte[] record : records) {
            bytes += record.length;
            for (MergeQueue.Merged m : queue.offer(record)) {
                for (Change c : m.own()) {
                    changedRows += c.ids.length;
                }
                if (m.merge().isEmpty()) {
                    continue;
                }
                ticks++;
                costs.mergeRows += m.merge().ids.length;
                costs.mergeBytes += ChangeCodec.size(m.merge(), false);
                merged.apply(m.merge(), null);
                pending.add(m);
            }
        }
        costs.mergeNs += System.nanoTime() - t1;
    }

    private void takeIn(MergeQueue.Merged m) {
        long t0 = System.nanoTime();
        for (int r = 0; r < replicas.length; r++) {
            Change merge = m.merge();
            replicas[r].apply(merge, m.own().get(r), id -> local.test(id) || merge.isLocalRow(id));
        }
        costs.applyNs += System.nanoTime() - t0;
    }

    /**
     * Where the group's time went, for a cost model of the merge ({@code bin/afm scale-bench --case sync}):
     * the replicas' emissions (their changes encoded), the merger's side (the records decoded, merged,
     * the merged model's apply), the replicas taking the merges in; and the merges' rows and bytes (a
     * merge as sent to each replica, float64). Wall-clock times, read only by benchmarks.
     */
    public static final class Costs {
        public long emitNs;
        public long mergeNs;
        public long applyNs;
        public long mergeRows;
        public long mergeBytes;
    }

    private final Costs costs = new Costs();

    public Costs costs() {
        return costs;
    }
}
