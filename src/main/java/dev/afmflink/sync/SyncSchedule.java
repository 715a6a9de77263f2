package dev.afmflink.sync;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * When one trainer subtask's replicas may go on, in event time: the subtask's side of the merge
 * loop (docs/scaling.md, "The loop in the job"), plain Java, driven by the job's trainer operator
 * (its watermark and timers) and by an in-memory loop in the tests.
 *
 * <p>The subtask works through event time tick by tick (tick {@code q}: event times
 * {@code [q·T, (q+1)·T)}), all its replica keys together, as its input watermark allows: it fires
 * the timers of tick {@code q}, and when the input watermark has passed the tick's end every replica
 * key on it emits its change of tick {@code q} (empty or not: the change also tells the model's merger
 * that the key took no other step up to its end). Before the first timer of tick {@code q} it takes in
 * every merge of a tick {@code n ≤ q − 1 − L} of each of its keys: it waits until the key's merger has
 * settled them ({@link #settled}). A key that appears ({@link #present}) emits at once an empty change
 * through the last tick the subtask has worked through, which tells the merger it exists. Where the
 * subtask starts is set by the data: the tick before the earliest timer, or the last tick its first
 * watermark has passed if that is earlier.
 */
public final class SyncSchedule {
    /** What the schedule asks of the subtask. */
    public interface Driver {
        /** Key {@code key} takes in every merge up to tick {@code through} it has not taken in yet, in tick order. */
        void takeIn(String key, long through) throws Exception;

        /** Fires every timer up to event time {@code watermark}. */
        void advanceTo(long watermark) throws Exception;

        /** Key {@code key} emits its change of tick {@code tick} (since its last). */
        void emit(String key, long tick) throws Exception;

        /**
         * The earliest timer not fired yet ({@link Long#MAX_VALUE}: none), or {@link Long#MIN_VALUE}
         * if the driver cannot tell: then the subtask works through every tick, one by one.
         */
        default long nextTimer() throws Exception {
            return Long.MIN_VALUE;
        }
    }

    private final long tickLength;
    private final int lag;
    /** Ticks up to this one are worked through and their changes emitted ({@link Long#MIN_VALUE}: not started). */
    private long processed = Long.MIN_VALUE;
    /** How far timers have fired (Long.MIN_VALUE: none). */
    private long fired = Long.MIN_VALUE;
    private long input = Long.MIN_VALUE;
    private long earliestTimer = Long.MAX_VALUE;
    /**
     * Replica keys here, in the order they appeared, each with the tick up to which its model's
     * merger has settled every tick and sent it their merges ({@link Long#MIN_VALUE}: no word yet).
     */
    private final Map<String, Long> keys = new LinkedHashMap<>();

    public SyncSchedule(long tickLength, int lag) {
        if (tickLength < 1 || lag < 0) {
            throw new IllegalArgumentException("tick length ≥ 1 ms, lag ≥ 0 ticks");
        }
        this.tickLength = tickLength;
        this.lag = lag;
    }

    /** The tick of event time {@code t}. */
    private long tickOf(long t) {
        return Math.floorDiv(t, tickLength);
    }

    /** The replica keys here (restored or seen), in the order they appeared. */
    public java.util.Set<String> keys() {
        return java.util.Collections.unmodifiableSet(keys.keySet());
    }

    /** The input watermark: how far event time has passed at the subtask's input (timers may run behind it). */
    public long input() {
        return input;
    }

    /** The event time timers have fired up to. */
    public long fired() {
        return fired;
    }

    /** A timer at {@code t} was registered (before the start: where the subtask starts). */
    public void timer(long t) {
        earliestTimer = Math.min(earliestTimer, t);
    }

    /**
     * Replica key {@code key} is here (a first example or a merger's word): new here, once started,
     * it emits at once its first change, through the last tick worked through.
     */
    public void present(String key, Driver d) throws Exception {
        if (keys.putIfAbsent(key, Long.MIN_VALUE) == null && processed != Long.MIN_VALUE) {
            d.emit(key, processed);
        }
    }

    /** Key {@code key}'s merger has settled every tick up to {@code through} and sent the key their merges before this word. */
    public void settled(String key, long through, Driver d) throws Exception {
        present(key, d);
        keys.merge(key, through, Math::max);
        run(d);
    }

    /** The input watermark is {@code watermark}. */
    public void watermark(long watermark, Driver d) throws Exception {
        input = Math.max(input, watermark);
        run(d);
    }

    /** The schedule's state as bytes (not the input watermark: a restored job's inputs send theirs again). */
    public byte[] state() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.writeLong(processed);
            out.writeLong(fired);
            out.writeLong(earliestTimer);
            out.writeInt(keys.size());
            for (Map.Entry<String, Long> e : keys.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeLong(e.getValue());
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Takes the state {@link #state} described (a restore; keys it holds already are kept). */
    public void restore(byte[] state) {
        restore(state, k -> true);
    }

    /**
     * Takes the keys of the state {@link #state} described that {@code mine} accepts (a restore at
     * another parallelism: each subtask reads every subtask's schedule and keeps the keys of its key
     * groups), and where it had any, its place in event time; returns whether it had any. Keys from
     * several schedules go on from the earliest place of them: a key ahead of it emits nothing until
     * the schedule passes the tick it last emitted ({@link Driver#emit} skips it), and its timers up to
     * where it had fired them are gone already.
     */
    public boolean restore(byte[] state, java.util.function.Predicate<String> mine) {
        try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(state))) {
            long p = in.readLong();
            long f = in.readLong();
            long e = in.readLong();
            int n = in.readInt();
            boolean any = false;
            for (int i = 0; i < n; i++) {
                String key = in.readUTF();
                long settled = in.readLong();
                if (mine.test(key)) {
                    keys.merge(key, settled, Math::max);
                    any = true;
                }
            }
            if (any) {
                boolean first = !restoredAny;
                processed = first ? p : Math.min(processed, p);
                fired = first ? f : Math.min(fired, f);
                earliestTimer = first ? e : Math.min(earliestTimer, e);
                restoredAny = true;
            }
            return any;
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("not a synchronization schedule's state", e);
        }
    }

    /** Whether a restore took the place of a schedule ({@link #restore(byte[], java.util.function.Predicate)}). */
    private boolean restoredAny;

    private boolean mayStart(long q) {
        for (long s : keys.values()) {
            if (s == Long.MIN_VALUE || s < q - 1 - lag) {
                return false;
            }
        }
        return true;
    }

    private void run(Driver d) throws Exception {
        if (processed == Long.MIN_VALUE) {
            if (input == Long.MIN_VALUE) {
                return;
            }
            long start = tickOf(input + 1) - 1;
            if (earliestTimer != Long.MAX_VALUE) {
                start = Math.min(start, tickOf(earliestTimer) - 1);
            }
            processed = start;
            emitAll(d);
        }
        while (true) {
            long q = processed + 1;
            long end = (q + 1) * tickLength - 1;
            if (fired >= input) {
                return;
            }
            long next = d.nextTimer();
            long quiet = next == Long.MIN_VALUE ? q - 1 : Math.min(tickOf(next) - 1, tickOf(input + 1) - 1);
            if (quiet >= q && fired < q * tickLength) { // (a tick begun has its own change)
                // ticks q..quiet hold no timer and the input has passed them: nothing steps in them, so one change per key
                // covers them all, without waiting (the merges due in them are taken in before the next timer, as ever)
                long to = (quiet + 1) * tickLength - 1;
                d.advanceTo(to);
                fired = to;
                processed = quiet;
                emitAll(d);
                continue;
            }
            if (!mayStart(q)) {
                return;
            }
            if (fired < q * tickLength) { // the tick's first timer: every merge due before it, first
                for (String key : keys.keySet()) {
                    d.takeIn(key, q - 1 - lag);
                }
            }
            long to = Math.min(input, end);
            d.advanceTo(to);
            fired = to;
            if (to < end) {
                return;
            }
            processed = q;
            emitAll(d);
        }
    }

    /** Every key here emits its change through the last tick worked through (a driver adds no key meanwhile). */
    private void emitAll(Driver d) throws Exception {
        for (String key : keys.keySet()) {
            d.emit(key, processed);
        }
    }
}
