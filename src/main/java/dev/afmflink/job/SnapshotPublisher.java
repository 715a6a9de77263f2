package dev.afmflink.job;

import dev.afmflink.feedback.PublishPlan;
import dev.afmflink.metrics.QualityGate;
import dev.afmflink.metrics.WindowSummary;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.FeatureParams;
import dev.afmflink.model.SharedParams;
import dev.afmflink.snapshot.InlineCopy;
import dev.afmflink.snapshot.ModelFormat;
import dev.afmflink.snapshot.ModelHeader;
import dev.afmflink.snapshot.ModelWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes one model key's snapshot from keyed state: asks the {@link PublishPlan} (the quality
 * gate, the version, full or delta), writes the file straight from state into the snapshot folder
 * (an inline copy while it fits a Kafka record; never the whole model in memory) and moves the
 * key's publish state on. The trainer decides when; this class decides what goes out.
 */
final class SnapshotPublisher {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotPublisher.class);

    /** What a publish did: the record to send (null: nothing, see {@code heldBack}), or why the gate held it back. */
    record Result(SnapshotRecord record, String heldBack) {
    }

    private final AfmConfig config;
    private final QualityGate gate;
    private final int fullEvery;
    private final boolean weightsOnly;
    /** Where snapshot files go (null: nowhere but inline in their records). */
    private final SnapshotStore store;
    private final long inlineBytes;
    /** The largest record a snapshot may be without a folder. */
    private final long recordLimit;
    private final TrainerState state;
    private final WriteBackStore writeBack;
    private final TrainerMetrics metrics;
    /** Snapshots written a second time with their ids sorted: state that did not iterate in id order (heap), not RocksDB. */
    private int sortedWrites;

    SnapshotPublisher(AfmConfig config, QualityGate gate, int fullEvery, boolean weightsOnly, SnapshotStore store,
                      long inlineBytes, long recordLimit, TrainerState state, WriteBackStore writeBack, TrainerMetrics metrics) {
        this.config = config;
        this.gate = gate;
        this.fullEvery = fullEvery;
        this.weightsOnly = weightsOnly;
        this.store = store;
        this.inlineBytes = inlineBytes;
        this.recordLimit = recordLimit;
        this.state = state;
        this.writeBack = writeBack;
        this.metrics = metrics;
    }

    int sortedWrites() {
        return sortedWrites;
    }

    /**
     * Publishes {@code key}'s model and sends what came of it out of the trainer: the snapshot record
     * on {@link AfmTrainer#SNAPSHOTS}, the held-out figures or a quality-gate hold on
     * {@link AfmTrainer#METRICS}.
     */
    void publish(KeyedProcessFunction<?, ?, ?>.Context ctx, String key, WriteBackBuffer b, WindowSummary heldOut,
                 boolean restart) throws Exception {
        long now = ctx.timerService().currentProcessingTime(); // the metrics records' wall-clock field only
        Result r = publish(key, b, heldOut, restart, now);
        if (r.heldBack() != null) {
            ctx.output(AfmTrainer.METRICS, MetricsRecord.of(MetricsRecord.HELD_BACK, key, b, b.publish.lastWindow(), now, r.heldBack()));
            return;
        }
        if (r.record() == null) {
            return; // too large to travel: counted and logged, its changes wait for the next publish
        }
        writeBack.fullAfterRestore.remove(key);
        metrics.of(key).version = b.publish.version;
        if (r.record().kind != null) {
            ctx.output(AfmTrainer.SNAPSHOTS, r.record());
        }
        if (heldOut != null) {
            MetricsRecord m = MetricsRecord.of(MetricsRecord.SNAPSHOT, key, b, heldOut, now, null);
            m.windowStart = m.windowEnd = 0;
            ctx.output(AfmTrainer.METRICS, m);
        }
    }

    /**
     * Publishes {@code key}'s model ({@code b}: its buffer, the keyed-state context being its key);
     * {@code heldOut}: the candidate's figures on the held-out sample (null: no holdout);
     * {@code restart}: start again from a full snapshot.
     */
    Result publish(String key, WriteBackBuffer b, WindowSummary heldOut, boolean restart, long now) throws Exception {
        SharedParams sp = b.shared;
        PublishState ps = b.publish;
        PublishPlan plan = PublishPlan.next(gate, ps.lastWindow(), heldOut, ps.version,
                restart ? Integer.MAX_VALUE : ps.deltasSinceFull, fullEvery);
        String heldBack = plan.heldBack();
        if (heldBack != null) {
            ps.heldBack++;
            ps.sinceLastPublish = 0; // try again once more examples have been judged
            metrics.heldBack.inc();
            LOG.warn("model {}: snapshot after {} examples held back by the quality gate: {}", key, sp.examples, heldBack);
            return new Result(null, heldBack);
        }
        writeBack.flushModel(b); // the snapshot is read from state: make the model there current
        boolean full = plan.full();
        long version = plan.version();
        // a delta deletes what expired since its base (a full snapshot just leaves it out)
        ModelHeader header = new ModelHeader(full ? ModelFormat.Kind.FULL : ModelFormat.Kind.DELTA, version,
                plan.baseVersion(), sp.examples, config, full ? null : ps.lastDigest, weightsOnly, key);
        SnapshotRecord record;
        long started = System.nanoTime(); // for the publish-time metric only
        try {
            try {
                record = write(key, header, sp, null, now);
            } catch (ModelWriter.OutOfOrderException e) {
                // state that does not iterate in id order (the heap backend): sort the ids, then write again
                sortedWrites++;
                List<Long> ids = new ArrayList<>();
                for (Long id : full ? state.features.keys() : state.dirty.keys()) {
                    ids.add(id);
                }
                record = write(key, header, sp, ModelFormat.sortIds(ids.stream().mapToLong(Long::longValue).toArray()), now);
            }
        } catch (InlineCopy.TooLargeException e) {
            metrics.snapshotsTooLarge.inc();
            LOG.error("model {}: snapshot {} not published: {}", key, version, e.getMessage());
            ps.sinceLastPublish = 0; // its changes stay for the next publish, tried after as many examples again
            return new Result(null, null);
        }
        metrics.publishMillis = (System.nanoTime() - started) / 1_000_000;
        record.writeMillis = metrics.publishMillis;
        metrics.publishBytes = record.size;
        state.dirty.clear();
        ps.lastDigest = record.sha256;
        ps.version = version;
        ps.sinceLastPublish = 0;
        ps.deltasSinceFull = full ? 0 : ps.deltasSinceFull + 1;
        state.publish.update(ps);
        return new Result(record, null);
    }

    /**
     * Writes one snapshot straight from state into the snapshot folder (and an inline copy while it
     * is small enough for a Kafka record), never the whole model in memory: {@code sortedIds} null
     * reads the features (full) or the changed ids (delta) in state order — RocksDB's is the file's
     * id order, so nothing is sorted — else these ids in this order. Returns the record to publish
     * (kind null: not to be sent, its version having other bytes in the folder already).
     */
    private SnapshotRecord write(String key, ModelHeader header, SharedParams sp, long[] sortedIds, long now)
            throws Exception {
        boolean full = header.kind() == ModelFormat.Kind.FULL;
        SnapshotStore.Pending pending = store == null ? null : store.begin(key, header.modelVersion(), header.kind());
        InlineCopy copy = new InlineCopy(pending == null ? null : pending.stream(),
                store == null ? recordLimit : inlineBytes, store == null);
        ModelWriter w;
        boolean written = false;
        try {
            w = new ModelWriter(copy, header, sp, ModelFormat.STREAMED);
            if (sortedIds == null && full) {
                for (Map.Entry<Long, FeatureParams> e : state.features.entries()) {
                    w.put(e.getKey(), e.getValue());
                }
            } else {
                Iterable<Long> ids = sortedIds == null ? state.dirty.keys() : () -> Arrays.stream(sortedIds).iterator();
                for (Long id : ids) {
                    FeatureParams f = state.features.get(id);
                    if (f != null) {
                        w.put(id, f);
                    } else {
                        w.delete(id);
                    }
                }
            }
            w.close();
            written = true;
        } finally {
            if (!written && pending != null) {
                pending.abort();
            }
        }
        SnapshotRecord r = new SnapshotRecord(key, header.modelVersion(), header.baseVersion(), header.kind(), sp.examples, w.records(),
                now, copy.bytes());
        r.sha256 = w.digest();
        r.size = w.bytes();
        if (pending != null) {
            SnapshotStore.Outcome o = pending.commit(r.sha256, r.size);
            r.uri = pending.uri();
            if (o == SnapshotStore.Outcome.REPLAY) {
                metrics.snapshotReplays.inc();
            } else if (o == SnapshotStore.Outcome.CONFLICT) {
                metrics.snapshotConflicts.inc();
                LOG.error("model {} version {}: published again with other bytes; {} stays (a consumer holding it refuses "
                        + "the deltas that follow the new one until the next full snapshot)", key, header.modelVersion(),
                        pending.existing());
                if (r.bytes == null) {
                    r.kind = null; // a pointer would name the other bytes: consumers see a gap and wait for a full snapshot
                }
            }
        }
        return r;
    }
}
