package dev.afmflink.job;

import dev.afmflink.feedback.ClickJoin;

import dev.afmflink.feedback.EventTimes;
import dev.afmflink.feedback.FeedbackSchedule;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.SharedParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.flink.api.common.state.MapState;

/**
 * The write-back buffers of the trainer's model keys (one {@link WriteBackBuffer} each) over the
 * keyed state behind them ({@link TrainerState}, {@link LifecycleState}): a key's shared
 * parameters, publish state and touched rows live on the heap between checkpoint barriers and are
 * written to state before every barrier ({@link #flushAll}), before a publish and when the buffer
 * is dropped. A buffer left untouched through a whole checkpoint interval is dropped at the next
 * barrier (its state was written at the one before), and at most {@code maxKeys} stay on the heap
 * (the least recently used written back and dropped first), so the heap holds the active keys only.
 */
final class WriteBackStore {
    private final AfmConfig config;
    private final TrainerState state;
    private final LifecycleState lifecycleState;
    /** Shared parameters of a new key (from scratch). */
    private final Supplier<SharedParams> newShared;
    /** Warm start: the model a key without state starts from (null: from scratch). */
    private final AfmModel init;
    private final int maxBufferedKeys;
    /** When a held bucket is due ({@link FeedbackSchedule.Hold#dueOf}). */
    private final EventTimes times;
    /** Access order: the eldest is the least recently used. */
    private final Map<String, WriteBackBuffer> buffers = new LinkedHashMap<>(16, 0.75f, true);
    /** Switches the keyed-state context to a key (the operator's {@code setCurrentKey}): to write back another key's buffer. */
    private Consumer<Object> keySwitch;
    private long evictedBuffers;
    /** Items held for event time now (every key of this store, buffered or in state), and the most at once since the start. */
    private long held;
    private long heldPeak;
    private long joinStateReads;
    /** Model keys seen since this (re)start, and those that came with state and have not published since. */
    private final Set<String> seenThisRun = new HashSet<>();
    final Set<String> fullAfterRestore = new HashSet<>();
    private int lastWritten;

    WriteBackStore(AfmConfig config, TrainerState state, LifecycleState lifecycleState, Supplier<SharedParams> newShared,
                   AfmModel init, int maxBufferedKeys, EventTimes times) {
        this.times = times;
        this.config = config;
        this.state = state;
        this.lifecycleState = lifecycleState;
        this.newShared = newShared;
        this.init = init;
        this.maxBufferedKeys = maxBufferedKeys;
    }

    /** The heap the write-back buffers' shared parameters may take (their count follows from k and t). */
    static final long BUFFER_BUDGET_BYTES = 64L << 20;

    /**
     * At most this many buffers on the heap: {@code override} if above 0, else as many as
     * {@link #BUFFER_BUDGET_BYTES} of shared parameters hold (so thousands of keys touched within one
     * checkpoint interval still fit a small heap).
     */
    static int maxKeys(AfmConfig config, int override) {
        if (override > 0) {
            return override;
        }
        dev.afmflink.model.Layout layout = new dev.afmflink.model.Layout(config);
        long sharedBytes = 8L * (1 + layout.linearSlots + (long) layout.attnSize * (1 + layout.attentionSlots));
        return (int) Math.max(16, Math.min(1 << 20, BUFFER_BUDGET_BYTES / sharedBytes));
    }

    /** The operator's way to switch the keyed-state context (set when it opens). */
    void keySwitch(Consumer<Object> setKey) {
        this.keySwitch = setKey;
    }

    /** Buffers written back and dropped because the cap was reached. */
    long evictedBuffers() {
        return evictedBuffers;
    }

    /** Buffers the last {@link #flushAll} wrote. */
    int lastWritten() {
        return lastWritten;
    }

    /** Model keys with a buffer on the heap now. */
    int bufferedKeys() {
        return buffers.size();
    }

    /** The current key's buffer, loading shared parameters and publish state from state on first use. */
    WriteBackBuffer bufferOf(String key) throws Exception {
        WriteBackBuffer b = buffers.get(key);
        if (b == null) {
            if (buffers.size() >= maxBufferedKeys && keySwitch != null) {
                evictEldest(key);
            }
            b = new WriteBackBuffer();
            b.shared = state.shared.value();
            if (b.shared != null) {
                requireFits(key, b.shared);
            }
            b.restored = b.shared != null; // state from a checkpoint or a dropped buffer: buckets this buffer never saw
            if (b.restored) {
                dueFromState(b);
            }
            if (seenThisRun.add(key) && b.restored) {
                fullAfterRestore.add(key);
            }
            if (b.shared == null && init != null) { // a new key: warm start (written to state at the next flush)
                b.shared = init.shared().copy();
                for (long id : init.features().sortedIds()) {
                    state.features.put(id, init.features().get(id).copy());
                }
                b.warmFeatures = init.features().size();
            } else if (b.shared == null) {
                b.shared = newShared.get();
            }
            b.publish = state.publish.value();
            buffers.put(key, b);
        }
        b.touched = true;
        return b;
    }

    /** The due times of the buckets held in state (a restore, or a buffer made again after it was dropped). */
    private void dueFromState(WriteBackBuffer b) throws Exception {
        for (FeedbackSchedule.Hold h : FeedbackSchedule.Hold.values()) {
            for (Long bucket : state.held(h).keys()) {
                b.due.add(h.dueOf(bucket, times));
            }
        }
    }

    /**
     * Restored state must be this job's model: a savepoint of another precision or size cannot be
     * trained on (a model keeps its precision, k and t for life); a clear failure instead of a
     * wrong-typed array deep in the kernel.
     */
    private void requireFits(String key, SharedParams restored) {
        if (restored.precision() != config.precision()) {
            throw new IllegalStateException("model key '" + key + "': the restored state is " + restored.precision().id()
                    + " but the job runs --precision " + config.precision().id()
                    + " (a model keeps its precision; start the job with the state's)");
        }
        if (restored.attnSize() != config.attentionSize()) {
            throw new IllegalStateException("model key '" + key + "': the restored attention block has " + restored.attnSize()
                    + " values, this job's k = " + config.k() + ", t = " + config.t() + " need " + config.attentionSize());
        }
    }

    /** Writes the least recently used buffer to state and drops it; the keyed-state context returns to {@code current}. */
    private void evictEldest(String current) throws Exception {
        var it = buffers.entrySet().iterator();
        Map.Entry<String, WriteBackBuffer> eldest = it.next();
        keySwitch.accept(eldest.getKey());
        try {
            flush(eldest.getValue());
        } finally {
            keySwitch.accept(current);
        }
        it.remove();
        evictedBuffers++;
    }

    /** Writes the current key's buffer to state (the keyed-state context must be {@code b}'s key). */
    void flush(WriteBackBuffer b) throws Exception {
        flushModel(b);
        if (!b.windows.isEmpty()) {
            state.windows.putAll(b.windows); // open windows stay buffered until they close
        }
        if (!b.scores.isEmpty()) {
            Map<String, Double> scores = new java.util.HashMap<>(b.scores.size() * 2);
            for (int i = 0; i < b.scores.capacity(); i++) {
                if (b.scores.used(i)) {
                    scores.put(b.scores.keyAt(i), b.scores.valueAt(i));
                }
            }
            state.scores.putAll(scores);
            b.scores.clear();
        }
        if (!b.holdout.isEmpty()) {
            state.holdoutSample.putAll(b.holdout);
            b.holdout.clear();
        }
        for (FeedbackSchedule.Hold h : FeedbackSchedule.Hold.values()) {
            flushBuckets(b, b.held.get(h), state.held(h), b.heldInState.get(h));
        }
        b.waiting = 0;
        if (!b.joins.isEmpty()) {
            for (int i = 0; i < b.joins.capacity(); i++) {
                if (!b.joins.used(i)) {
                    continue;
                }
                ClickJoin.Joined<TrainingExample> j = b.joins.valueAt(i);
                String id = b.joins.keyAt(i);
                if (j == null) {
                    state.joins.remove(id);
                    b.joinIdsInState.remove(id);
                } else {
                    state.joins.put(id, j);
                    if (!b.joinsUntracked) {
                        b.joinIdsInState.put(id, Boolean.TRUE);
                    }
                }
            }
            b.joins.clear();
            if (b.joinIdsInState.size() > WriteBackBuffer.MAX_ROWS) {
                b.joinsUntracked = true; // too many to track: ids not buffered are looked up in state from here
                b.joinIdsInState.clear();
            }
            b.indexJoinIds();
        }
    }

    /** What the label join keeps for impression {@code id}: from the buffer, else from state; null if nothing. */
    ClickJoin.Joined<TrainingExample> joined(WriteBackBuffer b, String id) throws Exception {
        int slot = b.joins.slotOf(id); // one lookup: a null value ("gone") is an answer, an absent id is not
        if (slot >= 0) {
            return b.joins.valueAt(slot);
        }
        if (!mayHaveJoinInState(b, id)) {
            return null;
        }
        joinStateReads++;
        return state.joins.get(id);
    }

    /** Reads of the label join's state so far (for tests: a new id costs none). */
    long joinStateReads() {
        return joinStateReads;
    }

    /** State may hold a join entry for {@code id} (this buffer wrote it, or cannot tell). */
    private static boolean mayHaveJoinInState(WriteBackBuffer b, String id) {
        return b.restored || b.joinsUntracked || b.joinIdInState(id);
    }

    /** Keeps {@code j} for impression {@code id} (buffered; null: nothing more is kept). */
    void join(WriteBackBuffer b, String id, ClickJoin.Joined<TrainingExample> j) throws Exception {
        if (j == null && !mayHaveJoinInState(b, id)) {
            b.joins.remove(id); // never written to state
        } else {
            b.joins.put(id, j);
        }
        if (b.full()) {
            flush(b);
        }
    }

    /**
     * Writes the model's part of the buffer to state: rows (and their ids as changed since the
     * last publish), shared parameters, publish state, admission counts and expiry buckets — what a
     * publish and a sweep read from state. Held items, scores and windows stay buffered (a publish
     * every few thousand examples would otherwise write every waiting impression to state and read
     * it back: docs/benchmarks.md).
     */
    void flushModel(WriteBackBuffer b) throws Exception {
        if (!b.rows.isEmpty()) {
            Map<Long, dev.afmflink.model.FeatureParams> rows = new java.util.HashMap<>(b.rows.size() * 2);
            Map<Long, Boolean> dirty = new java.util.HashMap<>(b.rows.size() * 2);
            if (b.clean.size() + b.rows.size() > WriteBackBuffer.MAX_ROWS) {
                b.clean.clear();
            }
            for (int i = 0; i < b.rows.capacity(); i++) {
                dev.afmflink.model.FeatureParams f = b.rows.valueAt(i);
                if (f != null) {
                    Long id = b.rows.keyAt(i);
                    rows.put(id, f);
                    dirty.put(id, Boolean.TRUE);
                    b.clean.put(id, f); // as state has it once written below
                }
            }
            state.features.putAll(rows);
            state.dirty.putAll(dirty);
            b.rows.clear();
        }
        state.shared.update(b.shared);
        if (b.publish != null) {
            state.publish.update(b.publish);
        }
        lifecycleState.flush(b);
    }

    private static void flushBuckets(WriteBackBuffer b, LongMap<List<TrainingExample>> buffered,
                                     MapState<Long, PendingLabels> state, LongMap<Boolean> inState) throws Exception {
        for (int i = 0; i < buffered.capacity(); i++) {
            List<TrainingExample> list = buffered.valueAt(i);
            if (list == null) {
                continue;
            }
            long bucket = buffered.keyAt(i);
            TrainingExample[] more = list.toArray(new TrainingExample[0]);
            PendingLabels held = b.restored || inState.containsKey(bucket) ? state.get(bucket) : null;
            state.put(bucket, held == null ? new PendingLabels(more) : held.plus(more));
            inState.put(bucket, Boolean.TRUE);
        }
        buffered.clear();
    }

    /** Keeps an impression's score at arrival until its label comes (buffered; written to state at the next flush). */
    void rememberScore(WriteBackBuffer b, String id, double raw) throws Exception {
        b.scores.put(id, raw);
        if (b.full()) {
            flush(b);
        }
    }

    /** The score kept for impression {@code id}, forgotten now: from the buffer, else from state (kept before the last flush); null if none. */
    Double takeScore(WriteBackBuffer b, String id) throws Exception {
        Double s = b.scores.remove(id);
        if (s == null) {
            s = state.scores.get(id);
            if (s != null) {
                state.scores.remove(id);
            }
        }
        return s;
    }

    /**
     * Holds {@code ex} in the {@code which} bucket {@link FeedbackSchedule.Hold#bucketOf} says (buffered; written to
     * state now if the buffer is full); returns true if the buffer had no such bucket (its due time may be new).
     */
    boolean hold(WriteBackBuffer b, FeedbackSchedule.Hold which, TrainingExample ex, long until) throws Exception {
        boolean created = b.hold(which, which.bucketOf(ex, until), ex);
        if (++held > heldPeak) {
            heldPeak = held;
        }
        if (b.full()) {
            flush(b);
        }
        return created;
    }

    /**
     * What a take of no bucket gives (most of a timer's takes): an ArrayList as every other answer, not
     * {@code Collections.emptyList()}, so the schedule's loops over what a timer takes see one list class and the
     * JIT inlines their iterators and allocates none. Never added to (the schedule only reads and sorts a take);
     * one per store, as a store is one task's.
     */
    private final List<TrainingExample> none = new ArrayList<>(0);

    /** Takes the {@code which} bucket {@code ts} out of the buffer and out of state. */
    List<TrainingExample> take(WriteBackBuffer b, FeedbackSchedule.Hold which, long ts) throws Exception {
        List<TrainingExample> due = takeBucket(b, b.held.get(which), state.held(which), b.heldInState.get(which), ts);
        held = Math.max(0, held - due.size()); // items a restore brought were not counted in
        return due;
    }

    /** The most items held for event time at once (every key of this store, since it was made): how far its input ran ahead. */
    long heldPeak() {
        return heldPeak;
    }

    /** Takes the bucket of event time {@code ts} out of the buffer and out of state. */
    private List<TrainingExample> takeBucket(WriteBackBuffer b, LongMap<List<TrainingExample>> buffered,
                                             MapState<Long, PendingLabels> state, LongMap<Boolean> inState, long ts)
            throws Exception {
        // only a bucket this buffer flushed, or any after a restore, can be in state: no lookup otherwise, and the
        // buffered list is handed over as it is
        boolean flushed = !inState.isEmpty() && inState.remove(ts) != null;
        if (!flushed && !b.restored) {
            if (buffered.isEmpty()) { // a kind this key holds nothing of (most of a timer's four takes): no probe
                return none;
            }
            List<TrainingExample> more = buffered.remove(ts);
            if (more == null) {
                return none;
            }
            b.waiting -= more.size();
            return more;
        }
        List<TrainingExample> due = new ArrayList<>();
        PendingLabels held = state.get(ts);
        if (held != null) {
            due.addAll(Arrays.asList(held.examples));
            state.remove(ts);
        }
        List<TrainingExample> more = buffered.remove(ts);
        if (more != null) {
            due.addAll(more);
            b.waiting -= more.size();
        }
        return due;
    }

    /**
     * Before a checkpoint barrier (and at the end of input): writes the buffer of every key touched
     * since the last barrier to state — only those, so a checkpoint writes what changed — and drops
     * the buffers untouched since then (already in state). {@code setKey} switches the keyed-state
     * context to a key (the operator's {@code setCurrentKey}). Returns the buffers written.
     */
    int flushAll(Consumer<Object> setKey) throws Exception {
        int written = 0;
        var it = buffers.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, WriteBackBuffer> e = it.next();
            WriteBackBuffer b = e.getValue();
            if (b.touched) {
                setKey.accept(e.getKey());
                flush(b);
                b.clean.clear(); // rows of the next interval only: memory as before
                b.touched = false;
                written++;
            } else {
                it.remove();
            }
        }
        lastWritten = written;
        return written;
    }
}
