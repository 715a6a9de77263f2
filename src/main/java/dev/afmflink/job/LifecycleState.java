package dev.afmflink.job;

import dev.afmflink.lifecycle.FeatureLifecycle;
import dev.afmflink.model.FeatureParams;
import java.util.Map;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.TimerService;

/**
 * The trainer's keyed state for {@link FeatureLifecycle} (the rules are there, plain): admission
 * counts ({@code MapState<id, {count, last seen}>}) and, for features and for counts, the ids
 * whose last touch fell in each sweep bucket, written in chunks ({@code (bucket, chunk) → ids},
 * {@code bucket → chunks}), each bucket with one event-time timer for its sweep. Between flushes
 * the changes sit in the key's {@link WriteBackBuffer}.
 */
final class LifecycleState {
    private final FeatureLifecycle rules;
    private final MapState<Long, long[]> counts;
    /** [0] features, [1] counts. */
    private final MapState<Long, long[]>[] expiry;
    private final MapState<Long, Integer>[] expiryChunks;

    @SuppressWarnings("unchecked")
    LifecycleState(FeatureLifecycle rules, RuntimeContext ctx) {
        this(rules, ctx, "");
    }

    /** One configuration's among candidates: every state name ends with {@code suffix} (see {@link TrainerState}). */
    @SuppressWarnings("unchecked")
    LifecycleState(FeatureLifecycle rules, RuntimeContext ctx, String suffix) {
        this.rules = rules;
        counts = ctx.getMapState(new MapStateDescriptor<>("admission-counts" + suffix, Types.LONG,
                PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        expiry = new MapState[2];
        expiryChunks = new MapState[2];
        for (int c = 0; c < 2; c++) {
            String kind = c == 0 ? "feature" : "count";
            expiry[c] = ctx.getMapState(new MapStateDescriptor<>(kind + "-expiry-buckets" + suffix, Types.LONG,
                    PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
            expiryChunks[c] = ctx.getMapState(new MapStateDescriptor<>(kind + "-expiry-chunks" + suffix, Types.LONG, Types.INT));
        }
    }

    FeatureLifecycle rules() {
        return rules;
    }

    /**
     * Admission: counts one more example holding feature {@code id}, seen at {@code ts}; true if it
     * gets parameters now (its count is dropped), false while it waits.
     */
    boolean admit(WriteBackBuffer b, Long id, long ts, TimerService timers) throws Exception {
        long[] c = b.counts.containsKey(id) ? b.counts.get(id) : counts.get(id);
        boolean moved = c == null || rules.bucket(c[1]) != rules.bucket(ts);
        if (c == null) {
            c = new long[2];
            b.publish.pending++;
        }
        c[0]++;
        c[1] = ts;
        if (rules.admits(c[0])) {
            b.counts.put(id, null);
            b.publish.pending--;
            return true;
        }
        b.counts.put(id, c);
        if (moved) {
            touch(b, id, ts, timers, true);
        }
        return false;
    }

    /** After a training step that updated feature {@code f} ({@code isNew}: just admitted) at {@code ts}. */
    void updated(WriteBackBuffer b, long id, FeatureParams f, boolean isNew, long ts, TimerService timers) {
        if (rules.featuresExpire() && (isNew || rules.bucket(f.lastUpdate) != rules.bucket(ts))) {
            touch(b, id, ts, timers, false);
        }
    }

    /**
     * Records that the last touch of feature (or count, {@code count}) {@code id} is now in the
     * sweep bucket of {@code ts}, whose sweep gets a timer.
     */
    private void touch(WriteBackBuffer b, long id, long ts, TimerService timers, boolean count) {
        long bucket = rules.bucket(ts);
        WriteBackBuffer.LongList ids = b.touched(count).get(bucket);
        if (ids == null) {
            ids = new WriteBackBuffer.LongList();
            b.touched(count).put(bucket, ids);
            timers.registerEventTimeTimer(rules.sweepTime(bucket, count));
        }
        ids.add(id);
        b.touchedIds++;
    }

    /** Writes the buffer's counts and touched ids to state (the keyed-state context must be its key). */
    void flush(WriteBackBuffer b) throws Exception {
        if (!b.counts.isEmpty()) {
            for (Map.Entry<Long, long[]> e : b.counts.entrySet()) {
                if (e.getValue() == null) {
                    counts.remove(e.getKey());
                } else {
                    counts.put(e.getKey(), e.getValue());
                }
            }
            b.counts.clear();
        }
        for (int c = 0; c < 2; c++) {
            Map<Long, WriteBackBuffer.LongList> touched = b.touched(c == 1);
            for (Map.Entry<Long, WriteBackBuffer.LongList> e : touched.entrySet()) {
                Integer written = expiryChunks[c].get(e.getKey());
                int chunk = written == null ? 0 : written;
                expiry[c].put(chunkKey(e.getKey(), chunk), e.getValue().toArray());
                expiryChunks[c].put(e.getKey(), chunk + 1);
            }
            touched.clear();
        }
        b.touchedIds = 0;
    }

    private static long chunkKey(long bucket, int chunk) {
        return (bucket << 20) | chunk;
    }

    /**
     * The lifecycle's sweeps due at event time {@code t}, counts then features, the buffer written
     * to state first (sweeps change state only). Returns the features removed.
     */
    long sweepDue(WriteBackBuffer b, long t, WriteBackStore writeBack, TrainerState state) throws Exception {
        long removed = 0;
        boolean flushed = false;
        for (boolean count : new boolean[] {true, false}) {
            if (rules.isSweepTime(t, count) && due(b, t, count)) {
                if (!flushed) {
                    writeBack.flushModel(b); // the model in state is the truth from here
                    flushed = true;
                }
                removed += sweep(b, t, count, state.features, state.dirty);
            }
        }
        return removed;
    }

    /** True if the sweep of counts ({@code count}) or features at {@code t} has ids to read (state or buffer). */
    boolean due(WriteBackBuffer b, long t, boolean count) throws Exception {
        long bucket = rules.sweptBy(t, count);
        return expiryChunks[count ? 1 : 0].get(bucket) != null || b.touched(count).containsKey(bucket);
    }

    /**
     * The sweep at event time {@code t} (after a flush): removes every feature (or count,
     * {@code count}) whose last touch is in the swept bucket or before — features from
     * {@code features}, marked deleted in {@code dirty} for the next delta. Reads only the ids
     * recorded in that bucket. Returns the features removed.
     */
    long sweep(WriteBackBuffer b, long t, boolean count, MapState<Long, FeatureParams> features,
               MapState<Long, Boolean> dirty) throws Exception {
        int c = count ? 1 : 0;
        long bucket = rules.sweptBy(t, count);
        Integer chunks = expiryChunks[c].get(bucket);
        long removed = 0;
        for (int q = 0; chunks != null && q < chunks; q++) {
            long[] ids = expiry[c].get(chunkKey(bucket, q));
            expiry[c].remove(chunkKey(bucket, q));
            for (long id : ids == null ? new long[0] : ids) {
                if (count) {
                    long[] cnt = counts.get(id);
                    if (cnt != null && rules.bucket(cnt[1]) <= bucket) {
                        counts.remove(id);
                        b.publish.pending--;
                    }
                } else {
                    FeatureParams f = features.get(id);
                    if (f != null && rules.bucket(f.lastUpdate) <= bucket) {
                        features.remove(id);
                        b.clean.remove(id);
                        dirty.put(id, Boolean.FALSE); // the next delta deletes it
                        b.publish.features--;
                        b.publish.evicted++;
                        removed++;
                    }
                }
            }
        }
        expiryChunks[c].remove(bucket);
        return removed;
    }
}
