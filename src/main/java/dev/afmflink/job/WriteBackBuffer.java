package dev.afmflink.job;

import dev.afmflink.feedback.FeedbackSchedule;
import dev.afmflink.metrics.ProgressiveWindow;
import dev.afmflink.model.FeatureParams;
import dev.afmflink.model.SharedParams;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one model key has changed since its last flush to keyed state: the shared parameters
 * (every example rewrites the dense attention block: 69 KB at k = t = 64), the publish state, the
 * feature rows touched, open validation windows, labels and impressions waiting for event time
 * (ordered mode) and held-out impressions. {@link AfmTrainer} flushes it before every checkpoint
 * barrier (through {@link AfmTrainerOperator}), at the end of input, before every publish and when
 * it holds more than {@link #MAX_ROWS} rows or waiting items — so every checkpoint holds the whole
 * model and memory stays bounded. A buffer untouched through a checkpoint interval is dropped at
 * the next barrier; buffers are emptied on (re)start: state is the truth.
 */
final class WriteBackBuffer {
    static final int MAX_ROWS = 100_000;

    SharedParams shared;
    PublishState publish;
    final Map<Long, ProgressiveWindow> windows = new HashMap<>();
    /** The open window {@link Validation#windowOf} gave last (one of {@link #windows}), until it closes. */
    ProgressiveWindow lastWindow;
    /** Rows changed since the flush (written to state at the next one). */
    final LongMap<FeatureParams> rows = new LongMap<>();
    /**
     * Rows as state has them: what a flush before a publish or a sweep wrote, kept so the examples
     * after it read them from the heap instead of from state (a publish every few thousand examples
     * would otherwise make every row a state read again). A row trained from here goes to
     * {@link #rows} first; a sweep that removes a row from state removes it here; dropped at every
     * checkpoint barrier, so it holds at most the rows of one checkpoint interval, as {@link #rows} does.
     */
    final LongMap<FeatureParams> clean = new LongMap<>();

    /** Row {@code id} as this buffer has it: changed ({@link #rows}) or as state has it ({@link #clean}); null if neither. */
    FeatureParams bufferedRow(long id) {
        FeatureParams f = rows.get(id);
        return f != null ? f : clean.get(id);
    }
    /** What the schedule holds, by kind ({@link FeedbackSchedule.Hold}) and bucket, each bucket in arrival order. */
    final Map<FeedbackSchedule.Hold, LongMap<List<TrainingExample>>> held = new EnumMap<>(FeedbackSchedule.Hold.class);
    /** By kind, the buckets this buffer wrote to state and that were not taken back yet (a set: each maps to TRUE). */
    final Map<FeedbackSchedule.Hold, LongMap<Boolean>> heldInState = new EnumMap<>(FeedbackSchedule.Hold.class);

    {
        for (FeedbackSchedule.Hold h : FeedbackSchedule.Hold.values()) {
            held.put(h, new LongMap<>());
            heldInState.put(h, new LongMap<>());
        }
    }

    /** What the label join keeps by impression id, changed since the flush (null: gone). */
    final StringMap<dev.afmflink.feedback.ClickJoin.Joined<TrainingExample>> joins = new StringMap<>();
    /**
     * The ids whose join entries this buffer wrote to state and did not remove since, while they
     * are at most {@link #MAX_ROWS}: an id neither buffered nor here has no entry in state, so a new
     * impression or click costs no state read (a window of a few hundred thousand impressions). Past
     * that, {@link #joinsUntracked}.
     */
    final StringMap<Boolean> joinIdsInState = new StringMap<>();
    /** Any id may have a join entry in state (too many written to track): look there for ids not buffered. */
    boolean joinsUntracked;
    /**
     * A bit per hash of the ids in {@link #joinIdsInState} (16 bits per id, made again at every
     * flush, the only time the set changes): an id whose bit is clear is not in the set, known from
     * one read of a small array instead of a probe of the set (most ids a lookup asks for are new).
     */
    private long[] joinIdBits = new long[0];

    private static int bitOf(String id, int bits) {
        int h = id.hashCode() * 0x85EBCA6B;
        return (h ^ (h >>> 15)) & (bits - 1);
    }

    /** The set's filter, after a flush changed the set. */
    void indexJoinIds() {
        int n = joinIdsInState.size();
        if (n == 0) {
            joinIdBits = new long[0];
            return;
        }
        int bits = Integer.highestOneBit(Math.max(64, n * 16 - 1)) << 1;
        joinIdBits = new long[bits >>> 6];
        for (int i = 0; i < joinIdsInState.capacity(); i++) {
            if (joinIdsInState.used(i)) {
                int bit = bitOf(joinIdsInState.keyAt(i), bits);
                joinIdBits[bit >>> 6] |= 1L << bit;
            }
        }
    }

    /** Whether {@code id} is in {@link #joinIdsInState}: its filter first, the set only where its bit is set. */
    boolean joinIdInState(String id) {
        if (joinIdBits.length == 0) {
            return false;
        }
        int bit = bitOf(id, joinIdBits.length << 6);
        return (joinIdBits[bit >>> 6] & (1L << bit)) != 0 && joinIdsInState.containsKey(id);
    }
    /** The key had state when the buffer was made (a restore): its state may hold buckets not in the sets above. */
    boolean restored;
    /** Impressions' scores at arrival since the flush, by impression id (state has those of earlier flushes). */
    final StringMap<Double> scores = new StringMap<>();
    /** Held-out impressions by ring slot. */
    final Map<Integer, TrainingExample> holdout = new HashMap<>();
    /**
     * The times the held buckets are due at (in the buffer or in state), earliest first: the trainer
     * keeps a Flink timer at the earliest only. A cache of what state says (the buckets' keys), made
     * again from state when a buffer is made for a key that has state.
     */
    final dev.afmflink.time.DueTimes due = new dev.afmflink.time.DueTimes();
    /** Items in {@link #held}. */
    int waiting;
    /** Admission counts touched since the flush: id → {seen, last seen}; a null value removes the count. */
    final Map<Long, long[]> counts = new HashMap<>();
    /** Feature ids, and counted ids, whose last touch moved into a sweep bucket since the flush, by bucket. */
    final Map<Long, LongList> touchedFeatures = new HashMap<>();
    final Map<Long, LongList> touchedCounts = new HashMap<>();

    Map<Long, LongList> touched(boolean counts) {
        return counts ? touchedCounts : touchedFeatures;
    }
    /** Used since the last checkpoint barrier (else, at the next one, dropped: its state is already written). */
    boolean touched;
    /** The publish tick this buffer last registered (a cache: the timer service dedups anyway). */
    long tick = Long.MIN_VALUE;
    /** Features a warm start brought (counted into the publish state when it is created). */
    long warmFeatures;

    /** Ids in {@link #touchedFeatures} and {@link #touchedCounts}. */
    int touchedIds;

    /** A growable list of ids. */
    static final class LongList {
        long[] ids = new long[16];
        int size;

        void add(long id) {
            if (size == ids.length) {
                ids = java.util.Arrays.copyOf(ids, size * 2);
            }
            ids[size++] = id;
        }

        long[] toArray() {
            return java.util.Arrays.copyOf(ids, size);
        }
    }

    /** Adds {@code ex} to the {@code which} bucket {@code bucket}; returns true if the buffer had no such bucket. */
    boolean hold(FeedbackSchedule.Hold which, long bucket, TrainingExample ex) {
        LongMap<List<TrainingExample>> buckets = held.get(which);
        List<TrainingExample> list = buckets.get(bucket);
        boolean created = list == null;
        if (created) {
            list = new ArrayList<>(2); // most buckets hold one item (an impression's time, its deadline)
            buckets.put(bucket, list);
        }
        list.add(ex);
        waiting++;
        return created;
    }

    /** True when the buffer should be written to state now to bound memory. */
    boolean full() {
        return rows.size() > MAX_ROWS || waiting > MAX_ROWS || counts.size() > MAX_ROWS || touchedIds > MAX_ROWS
                || scores.size() > MAX_ROWS || joins.size() > MAX_ROWS;
    }
}
