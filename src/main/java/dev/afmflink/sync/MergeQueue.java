package dev.afmflink.sync;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * One model's replicas' changes as they arrive (any order, duplicates included: a synchronization
 * topic read at least once), merged tick by tick in tick order. A replica's change of tick n
 * covers the ticks after its previous change ({@link Change#since}) through n: it took no step in
 * those between. Once every replica's changes cover a tick, the tick is settled ({@link #through}),
 * and the ticks up to it that have changes are merged, a replica without a change of that tick
 * taking part with none. A change sent twice is recognized by (replica, tick) and taken once; two
 * different changes with the same (replica, tick), or two changes of one replica covering the same
 * tick differently, are a failure of the system (a replica that is not a function of its input),
 * not something to merge. A change sent in parts ({@link ChangeCodec#encodeParts}) counts once all
 * its parts have come, in any order.
 *
 * <p>A queue restored into a job with more replicas ({@link #grow}) waits for each new replica's
 * first change before it settles another tick: that change says through which tick the replica took
 * no step, and from it on the replica takes part. Its joining is reported once ({@link #joined}): the
 * merger then sends it the merged model as its base.
 */
public final class MergeQueue {
    private final int replicas;
    private final MergeRule rule;
    private final Vectors vectors;
    /** Per replica: every tick up to this one is covered by its changes taken in ({@link Long#MIN_VALUE}: none yet). */
    private final long[] covered;
    /** Per replica: changes that came before the ones they follow, by their {@code since}. */
    private final List<TreeMap<Long, byte[]>> early = new ArrayList<>();
    /** Ticks with a change taken in and not merged yet: each replica's record (by replica) and its decoded change. */
    private final TreeMap<Long, Tick> waiting = new TreeMap<>();
    /** Per replica: the parts of changes sent in parts ({@link ChangeCodec#encodeParts}), by tick, until all have come. */
    private final List<TreeMap<Long, byte[][]>> partial = new ArrayList<>();
    private long through = Long.MIN_VALUE;
    private long duplicates;
    /** Per replica: added by {@link #grow} and not yet joined (its first change not taken in). */
    private final boolean[] joining;
    /** The replicas that joined in the last {@link #offer}. */
    private final List<Integer> joined = new ArrayList<>();
    /** Restored from the state of a build before {@link #grow} (2026-12-05): it cannot tell its savepoint's route apart. */
    private boolean fromBefore;

    /** The replicas whose changes this queue merges. */
    public int replicas() {
        return replicas;
    }

    /** The queue of a model of {@code replicas} replicas. */
    public MergeQueue(int replicas, MergeRule rule, Vectors vectors) {
        this.replicas = replicas;
        this.rule = rule;
        this.vectors = vectors;
        this.covered = new long[replicas];
        this.joining = new boolean[replicas];
        Arrays.fill(covered, Long.MIN_VALUE);
        for (int r = 0; r < replicas; r++) {
            early.add(new TreeMap<>());
            partial.add(new TreeMap<>());
        }
    }

    /**
     * This queue's state in a group of {@code more} replicas (at least as many): the first ones go on
     * as they were; each new one joins with its first change ({@link #joined}).
     */
    public MergeQueue grow(int more) {
        if (more < replicas) {
            throw new IllegalArgumentException("a group of " + replicas + " replicas cannot shrink to " + more);
        }
        if (fromBefore) { // its trainers' schedules and route hold no epochs: clicks of the impressions held would go astray
            throw new IllegalStateException("a merge queue of " + replicas + " replicas from a savepoint of a build before 2026-12-05 "
                    + "cannot grow to " + more + ": such a savepoint restores at its own number of trainers per model only");
        }
        MergeQueue q = new MergeQueue(more, rule, vectors);
        q.through = through;
        q.duplicates = duplicates;
        for (int r = 0; r < replicas; r++) {
            q.covered[r] = covered[r];
            q.joining[r] = joining[r];
            q.early.get(r).putAll(early.get(r));
            q.partial.get(r).putAll(partial.get(r));
        }
        for (int r = replicas; r < more; r++) {
            q.joining[r] = true;
        }
        waiting.forEach((tick, t) -> q.waiting.put(tick, new Tick(Arrays.copyOf(t.records, more), Arrays.copyOf(t.changes, more))));
        return q;
    }

    /** The replicas added by {@link #grow} whose first change the last {@link #offer} took in, in the order taken. */
    public List<Integer> joined() {
        return joined;
    }

    /** Every tick up to this one is settled: every replica's changes cover it and its merge, if any, is made ({@link Long#MIN_VALUE}: none yet). */
    public long through() {
        return through;
    }

    /** Changes seen again and dropped. */
    public long duplicates() {
        return duplicates;
    }

    /**
     * Takes in one encoded change ({@link ChangeCodec}); returns the merges it completes, in tick
     * order, each with the replicas' changes it merged (by replica; an empty change for a replica
     * that took no step in the tick).
     */
    public List<Merged> offer(byte[] record) {
        joined.clear();
        ChangeCodec.Part part = ChangeCodec.decodePart(record);
        Change c = part.change();
        int r = c.replica;
        if (r < 0 || r >= replicas) {
            throw new IllegalArgumentException("a change of replica " + r + " in a group of " + replicas);
        }
        if (part.parts() > 1) {
            if (c.tick <= covered[r]) {
                duplicates++; // a part of a change taken in already
                return List.of();
            }
            byte[][] got = partial.get(r).computeIfAbsent(c.tick, t -> new byte[part.parts()][]);
            if (got.length != part.parts()) {
                throw new IllegalStateException("replica " + r + "'s change of tick " + c.tick + " in " + got.length + " and in "
                        + part.parts() + " parts");
            }
            if (got[part.part()] != null) {
                if (!Arrays.equals(got[part.part()], record)) {
                    throw new IllegalStateException("two different parts " + part.part() + " of replica " + r + "'s change of tick "
                            + c.tick);
                }
                duplicates++;
                return List.of();
            }
            got[part.part()] = record;
            for (byte[] g : got) {
                if (g == null) {
                    return List.of(); // parts still on their way
                }
            }
            partial.get(r).remove(c.tick);
            Change[] parts = new Change[got.length];
            for (int q = 0; q < got.length; q++) {
                parts[q] = ChangeCodec.decodePart(got[q]).change();
            }
            c = ChangeCodec.join(parts);
            // the whole change, as one record: what the queue keeps, compares and restores (the parts' values exactly)
            record = ChangeCodec.encode(c, part.float32());
        }
        if (c.tick <= covered[r]) {
            Tick t = waiting.get(c.tick);
            if (t != null && t.records[r] != null && !Arrays.equals(t.records[r], record)) {
                throw new IllegalStateException("two different changes of replica " + r + " for tick " + c.tick);
            }
            duplicates++; // taken in already (merged, or waiting): a redelivery
            return List.of();
        }
        if (c.since != covered[r]) {
            if (c.since < covered[r]) {
                throw new IllegalStateException("replica " + r + "'s change of tick " + c.tick + " since " + c.since
                        + " overlaps its changes through " + covered[r]);
            }
            byte[] had = early.get(r).putIfAbsent(c.since, record);
            if (had != null) {
                if (!Arrays.equals(had, record)) {
                    throw new IllegalStateException("two different changes of replica " + r + " since tick " + c.since);
                }
                duplicates++;
            }
            return List.of(); // a change before it is still on its way
        }
        take(c, record);
        for (byte[] next; (next = early.get(r).remove(covered[r])) != null; ) {
            take(ChangeCodec.decode(next), next);
        }
        long settled = Long.MAX_VALUE;
        for (long t : covered) {
            settled = Math.min(settled, t);
        }
        List<Merged> out = new ArrayList<>();
        while (!waiting.isEmpty() && waiting.firstKey() <= settled) {
            var e = waiting.pollFirstEntry();
            Change[] changes = e.getValue().changes;
            for (int q = 0; q < replicas; q++) {
                if (changes[q] == null) {
                    changes[q] = Change.none(e.getKey(), q);
                }
            }
            List<Change> all = List.of(changes);
            out.add(new Merged(rule.merge(e.getKey(), all, vectors), all));
        }
        through = Math.max(through, settled);
        return out;
    }

    /** The queue's state as bytes (what each replica's changes cover, how far it has settled, the changes it holds). */
    public byte[] state() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.writeInt(replicas);
            out.writeLong(through);
            out.writeLong(duplicates);
            for (long c : covered) {
                out.writeLong(c);
            }
            List<byte[]> held = new ArrayList<>();
            for (Tick t : waiting.values()) {
                for (byte[] r : t.records) {
                    if (r != null) {
                        held.add(r);
                    }
                }
            }
            int taken = held.size();
            early.forEach(m -> held.addAll(m.values()));
            out.writeInt(taken);
            out.writeInt(held.size());
            for (byte[] r : held) {
                out.writeInt(r.length);
                out.write(r);
            }
            List<byte[]> parts = new ArrayList<>(); // the parts of changes not complete yet
            partial.forEach(m -> m.values().forEach(got -> {
                for (byte[] g : got) {
                    if (g != null) {
                        parts.add(g);
                    }
                }
            }));
            out.writeInt(parts.size());
            for (byte[] r : parts) {
                out.writeInt(r.length);
                out.write(r);
            }
            for (boolean j : joining) { // (a queue's state from before grow has none)
                out.writeBoolean(j);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The queue {@link #state} described. */
    public static MergeQueue restore(MergeRule rule, Vectors vectors, byte[] state) {
        try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(state))) {
            MergeQueue q = new MergeQueue(in.readInt(), rule, vectors);
            q.through = in.readLong();
            q.duplicates = in.readLong();
            for (int r = 0; r < q.replicas; r++) {
                q.covered[r] = in.readLong();
            }
            int taken = in.readInt();
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                byte[] record = new byte[in.readInt()];
                in.readFully(record);
                Change c = ChangeCodec.decode(record);
                if (i < taken) {
                    Tick tick = q.waiting.computeIfAbsent(c.tick, t -> new Tick(new byte[q.replicas][], new Change[q.replicas]));
                    tick.records[c.replica] = record;
                    tick.changes[c.replica] = c;
                } else {
                    q.early.get(c.replica).put(c.since, record);
                }
            }
            if (in.available() > 0) { // a queue's state from before parts has none
                int parts = in.readInt();
                for (int i = 0; i < parts; i++) {
                    byte[] record = new byte[in.readInt()];
                    in.readFully(record);
                    ChangeCodec.Part p = ChangeCodec.decodePart(record);
                    q.partial.get(p.change().replica).computeIfAbsent(p.change().tick, t -> new byte[p.parts()][])[p.part()] = record;
                }
            }
            q.fromBefore = in.available() == 0;
            for (int r = 0; r < q.replicas && in.available() > 0; r++) {
                q.joining[r] = in.readBoolean();
            }
            return q;
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("not a merge queue's state", e);
        }
    }

    private void take(Change c, byte[] record) {
        if (c.tick <= through && c.isEmpty()) { // a replica that joined behind the settled ticks: nothing of it to merge there
            covered[c.replica] = c.tick;
            noteJoined(c.replica);
            return;
        }
        Tick tick = waiting.computeIfAbsent(c.tick, t -> new Tick(new byte[replicas][], new Change[replicas]));
        tick.records[c.replica] = record;
        tick.changes[c.replica] = c;
        covered[c.replica] = c.tick;
        noteJoined(c.replica);
        partial.get(c.replica).headMap(c.tick, true).clear(); // parts seen again of changes taken in
    }

    private void noteJoined(int r) {
        if (joining[r]) {
            joining[r] = false;
            joined.add(r);
        }
    }

    private record Tick(byte[][] records, Change[] changes) {
    }

    /** A tick's merge and the replicas' changes it was made of (replica r's at r). */
    public record Merged(Change merge, List<Change> own) {
    }
}
