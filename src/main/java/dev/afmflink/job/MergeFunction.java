package dev.afmflink.job;

import dev.afmflink.lifecycle.FeatureLifecycle;
import dev.afmflink.metrics.QualityGate;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmLearner;
import dev.afmflink.sync.Change;
import dev.afmflink.sync.ChangeCodec;
import dev.afmflink.sync.Exchange;
import dev.afmflink.sync.Ledger;
import dev.afmflink.sync.MergeQueue;
import dev.afmflink.sync.SyncMessage;
import dev.afmflink.sync.Vectors;
import java.util.List;
import java.util.function.Consumer;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * A model's merger, keyed by model key, on the synchronization topic read back: merges its replica
 * keys' changes tick by tick ({@link MergeQueue}, in keyed state), sends each replica key the merges
 * and then how far it has settled ({@link SyncMessage}; a wake-up to every key when the model's first
 * change comes), and holds the merged model — the start plus every merge in tick order, a function of
 * the data — in keyed state, published as a trainer publishes a model key's (full and delta
 * snapshots, the same folders and topic) at each publish tick of event time a merge passes.
 */
public class MergeFunction extends KeyedProcessFunction<String, SyncRecord, TrainingExample> implements WriteBackOperator.Buffered {
    private final TrainerSettings settings;
    private final ReplicaSettings replicas;
    private final ReplicaKeys keys;
    private final AfmConfig config;

    private transient ValueState<byte[]> queueState;
    /** The publish tick (a multiple of the publish interval) the merged model was last published at or after. */
    private transient ValueState<Long> publishedTick;
    private transient TrainerState state;
    private transient WriteBackStore writeBack;
    private transient SnapshotPublisher publisher;
    private transient Exchange exchange;
    private transient Vectors vectors;
    private transient TrainerMetrics metrics;
    private transient DeadLetters deadLetters;
    private transient Consumer<Object> keySwitch;
    /**
     * The merge queues of the model keys used since the last barrier (written to state before it,
     * {@link #flushAll}): a buffer, as the trainer's, so a queue's held changes are decoded once, not at
     * every record.
     */
    private transient java.util.Map<String, MergeQueue> queues;

    public MergeFunction(TrainerSettings settings, ReplicaSettings replicas, ReplicaKeys keys) {
        this.settings = settings;
        this.replicas = replicas;
        this.keys = keys;
        this.config = settings.config;
    }

    @Override
    public void open(OpenContext openContext) {
        metrics = new TrainerMetrics(getRuntimeContext().getMetricGroup());
        deadLetters = new DeadLetters(getRuntimeContext().getMetricGroup());
        queueState = getRuntimeContext().getState(new ValueStateDescriptor<>("merge-queue",
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        publishedTick = getRuntimeContext().getState(new ValueStateDescriptor<>("merge-published-tick", Types.LONG));
        state = new TrainerState(getRuntimeContext());
        LifecycleState lifecycle = new LifecycleState(FeatureLifecycle.NONE, getRuntimeContext());
        AfmLearner learner = new AfmLearner(config);
        writeBack = new WriteBackStore(config, state, lifecycle, learner::newShared, settings.initialModel(),
                WriteBackStore.maxKeys(config, settings.maxBufferedKeys), settings.times);
        // no progressive validation of the merged model here (the replicas judge every example): the gate stays open
        publisher = new SnapshotPublisher(config, QualityGate.OPEN, settings.fullEvery, settings.weightsOnly,
                settings.snapshotDir == null ? null : new SnapshotStore(settings.snapshotDir), settings.inlineBytes,
                settings.recordLimit, state, writeBack, metrics);
        exchange = new Exchange(config);
        vectors = new Vectors(config);
        queues = new java.util.HashMap<>();
        if (keySwitch != null) {
            writeBack.keySwitch(keySwitch);
        }
    }

    @Override
    public void keySwitch(Consumer<Object> setKey) {
        this.keySwitch = setKey;
        if (writeBack != null) {
            writeBack.keySwitch(setKey);
        }
    }

    /** Writes every merged model touched since the last barrier to state (before a barrier). */
    @Override
    public int flushAll(Consumer<Object> setKey) throws Exception {
        for (java.util.Map.Entry<String, MergeQueue> e : queues.entrySet()) {
            setKey.accept(e.getKey());
            queueState.update(e.getValue().state());
        }
        queues.clear();
        return writeBack.flushAll(setKey);
    }

    @Override
    public void processElement(SyncRecord r, Context ctx, Collector<TrainingExample> out) throws Exception {
        String model = ctx.getCurrentKey();
        MergeQueue q = queues.get(model);
        if (q == null) {
            byte[] held = queueState.value();
            q = held == null ? new MergeQueue(replicas.replicas(), replicas.rule(), vectors)
                    : MergeQueue.restore(replicas.rule(), vectors, held);
            if (q.replicas() != replicas.replicas()) {
                if (!ReplicaSettings.restoresAt(q.replicas(), replicas.replicas())) {
                    // the trainers refuse such a restore first; never merge it silently
                    throw new IllegalStateException("--trainers-per-model " + replicas.replicas() + ": model " + model + "'s merge "
                            + "queue was restored from a job with --trainers-per-model " + q.replicas() + "; a savepoint restores "
                            + "at its own number or that number times a power of two, both powers of two (docs/scaling.md)");
                }
                // more replicas from a savepoint: the first ones go on; each new one joins with its first change and then
                // takes the merged model as its base
                int before = q.replicas();
                q = q.grow(replicas.replicas());
                for (int k = before; k < replicas.replicas(); k++) {
                    out.collect(message(model, k, SyncMessage.wake()));
                }
            }
            if (held == null) { // the model's first change: every replica key learns the model exists
                for (int k = 0; k < replicas.replicas(); k++) {
                    out.collect(message(model, k, SyncMessage.wake()));
                }
            }
            queues.put(model, q);
        }
        long before = q.through();
        long tick = replicas.tickMs();
        List<MergeQueue.Merged> merges;
        try {
            merges = q.offer(r.change);
        } catch (IllegalArgumentException e) { // not a change of this job's replicas (read before the queue changes)
            deadLetters.emit(ctx, new DeadLetter(dev.afmflink.data.EventDecoder.BAD_SYNC_RECORD, e.getMessage(),
                    "{\"model\":" + KafkaRecords.jsonString(model) + ",\"bytes\":" + r.change.length + "}", null, -1, -1));
            return;
        }
        if (!q.joined().isEmpty()) {
            // a new replica's first change: the merged model as it stood before this record — through the tick the
            // savepoint had settled, for every new replica whatever the order they join in (no tick settles until all
            // have) — then "settled through" that tick; the merges this record completes follow as for every key
            sendBase(model, before, q.joined(), out);
        }
        for (MergeQueue.Merged m : merges) {
            Change merge = m.merge();
            if (merge.isEmpty()) {
                continue;
            }
            WriteBackBuffer b = buffer(model);
            publishThrough(ctx, model, b, (merge.tick + 1) * tick - 1); // the publish ticks before this merge's tick ends
            int refused = exchange.apply(merge, null, id -> false, rows(b), Ledger.open(b.shared));
            metrics.refused.inc(refused);
            b.publish.sinceLastPublish++;
            byte[] mergeRecord = SyncMessage.mergeRecord(merge); // once, whatever the number of replicas
            for (int k = 0; k < replicas.replicas(); k++) {
                Change own = m.own().get(k);
                out.collect(message(model, k, SyncMessage.merge(merge.tick, mergeRecord,
                        own.isEmpty() ? null : ChangeCodec.encode(own, false))));
            }
        }
        if (q.through() != before) {
            publishThrough(ctx, model, buffer(model), (q.through() + 1) * tick); // every merge of a tick ending by then is in
            for (int k = 0; k < replicas.replicas(); k++) {
                out.collect(message(model, k, SyncMessage.settled(q.through())));
            }
        }
    }

    /** Rows per part of a base: a bound on what one message holds. */
    static final int BASE_ROWS = 4096;

    /**
     * Sends replica keys {@code joined} of {@code model} the merged model through tick {@code through}
     * ({@link Exchange#base}, in parts of {@link #BASE_ROWS} rows read from state, the shared block in
     * the first), then "settled through {@code through}". (Rows the model never changed are not
     * sent: a new key starts from the same start, the initial model or none.)
     */
    private void sendBase(String model, long through, List<Integer> joined, Collector<TrainingExample> out) throws Exception {
        WriteBackBuffer b = buffer(model);
        writeBack.flushModel(b);
        long[] ids = new long[BASE_ROWS];
        dev.afmflink.model.FeatureParams[] rows = new dev.afmflink.model.FeatureParams[BASE_ROWS];
        int n = 0;
        long total = 0;
        boolean first = true;
        for (java.util.Map.Entry<Long, dev.afmflink.model.FeatureParams> e : state.features.entries()) {
            total++;
            ids[n] = e.getKey();
            rows[n++] = e.getValue();
            if (n == BASE_ROWS) { // each part out as it is read: the model is never in memory whole
                sendBasePart(model, Exchange.base(through, first ? b.shared : null, ids, rows), joined, out);
                first = false;
                n = 0;
            }
        }
        if (n > 0 || first) {
            sendBasePart(model, Exchange.base(through, first ? b.shared : null, java.util.Arrays.copyOf(ids, n),
                    java.util.Arrays.copyOf(rows, n)), joined, out);
        }
        for (int k : joined) {
            out.collect(message(model, k, SyncMessage.settled(through)));
        }
        metrics.baseRows.inc(total * joined.size());
    }

    private void sendBasePart(String model, Change part, List<Integer> joined, Collector<TrainingExample> out) {
        byte[] encoded = SyncMessage.base(part.tick, part).encode();
        for (int k : joined) {
            out.collect(message(model, k, encoded));
        }
    }

    private WriteBackBuffer buffer(String model) throws Exception {
        WriteBackBuffer b = writeBack.bufferOf(model);
        if (b.publish == null) {
            b.publish = new PublishState();
            b.publish.features = b.warmFeatures;
        }
        return b;
    }

    /**
     * Publishes the merged model at the last publish tick (a multiple of the publish interval) at or
     * before event time {@code t}, if it is later than the last one and a merge came since: each
     * publish tick's snapshot holds exactly the merges of the ticks that end by it, however the
     * merges arrive, so a version means the same bytes in every run.
     */
    private void publishThrough(Context ctx, String model, WriteBackBuffer b, long t) throws Exception {
        long interval = settings.publishIntervalMs;
        if (interval <= 0) {
            return;
        }
        long at = Math.floorDiv(t, interval);
        Long last = publishedTick.value();
        if (last != null && at <= last) {
            return;
        }
        if (b.publish.sinceLastPublish > 0) {
            publisher.publish(ctx, model, b, null, false);
        }
        publishedTick.update(at);
    }

    private TrainingExample message(String model, int replica, SyncMessage m) {
        return message(model, replica, m.encode());
    }

    private TrainingExample message(String model, int replica, byte[] encoded) {
        TrainingExample t = new TrainingExample();
        t.model = keys.key(model, replica);
        t.sync = encoded;
        return t;
    }

    /** The merged model's parameters: its write-back buffer over its keyed state. */
    private Exchange.Rows rows(WriteBackBuffer b) {
        return new BufferRows(b, state);
    }
}
