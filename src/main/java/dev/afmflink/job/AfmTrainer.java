package dev.afmflink.job;

import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmLearner;
import dev.afmflink.model.FeatureParams;
import dev.afmflink.model.SharedParams;
import dev.afmflink.metrics.WindowedMean;
import dev.afmflink.snapshot.ModelFormat;
import dev.afmflink.snapshot.ModelHeader;
import dev.afmflink.snapshot.ModelWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The training operator: one AFM per model key, trained in arrival order. Per example it
 * predicts (the progressive prediction, emitted), then updates, all through the core's
 * {@link AfmLearner}. Model state is Flink state: feature rows (parameters + optimizer slots) in
 * {@code MapState<featureId, FeatureParams>}, the shared attention block, counters and the dropout
 * stream in {@code ValueState<SharedParams>}, versions in {@code ValueState<PublishState>}, the ids
 * changed since the last publish in {@code MapState<featureId, Boolean>}. The operator's fields
 * hold only the learner's scratch space.
 *
 * <p>Every {@code publishEveryExamples} examples and every {@code publishIntervalMs} of
 * processing time it publishes a delta (changed features + all shared parameters) on the
 * {@link #SNAPSHOTS} side output; every {@code fullEvery} deltas a full snapshot instead. Versions
 * only grow, across restarts too: they live in state. When a bounded input ends, whatever was
 * trained since the last publish is published.
 */
public class AfmTrainer extends KeyedProcessFunction<String, TrainingExample, Prediction> {
    public static final OutputTag<SnapshotRecord> SNAPSHOTS = new OutputTag<>("snapshots",
            TypeInformation.of(SnapshotRecord.class));

    private final AfmConfig config;
    private final long publishEveryExamples;
    private final long publishIntervalMs;
    private final int fullEvery;

    private transient MapState<Long, FeatureParams> features;
    private transient MapState<Long, Boolean> dirty;
    private transient ValueState<SharedParams> shared;
    private transient ValueState<PublishState> publish;
    private transient AfmLearner learner;
    private transient FeatureParams[] rows;
    /**
     * Write-back buffer per model key: the shared parameters (every example rewrites the dense
     * attention block: 69 KB at k = t = 64), the publish state and the feature rows touched since
     * the last flush. Flushed to state by {@link AfmTrainerOperator} before every checkpoint
     * barrier and at the end of input, before every publish, and when a key's buffer holds more
     * than {@link #MAX_BUFFERED_ROWS} rows — so every checkpoint and savepoint holds the complete
     * model, and memory stays bounded. Emptied on (re)start: state is the truth.
     */
    private transient Map<String, Buffer> buffers;

    static final int MAX_BUFFERED_ROWS = 100_000;

    /** What one key has changed since its last flush. */
    private static final class Buffer {
        SharedParams shared;
        PublishState publish;
        final Map<Long, FeatureParams> rows = new HashMap<>();
    }

    // metrics (views of state, for Flink's metric system)
    private transient Counter examplesCounter;
    private transient Counter refusedCounter;
    private transient WindowedMean lossWindow;
    private transient long lastVersion;
    private transient long lastFeatures;

    public AfmTrainer(AfmConfig config, long publishEveryExamples, long publishIntervalMs, int fullEvery) {
        if (fullEvery < 1) {
            throw new IllegalArgumentException("full-every must be >= 1");
        }
        this.config = config;
        this.publishEveryExamples = publishEveryExamples;
        this.publishIntervalMs = publishIntervalMs;
        this.fullEvery = fullEvery;
    }

    @Override
    public void open(OpenContext openContext) {
        features = getRuntimeContext().getMapState(new MapStateDescriptor<>("features", Types.LONG,
                TypeInformation.of(FeatureParams.class)));
        dirty = getRuntimeContext().getMapState(new MapStateDescriptor<>("dirty", Types.LONG, Types.BOOLEAN));
        shared = getRuntimeContext().getState(new ValueStateDescriptor<>("shared", TypeInformation.of(SharedParams.class)));
        publish = getRuntimeContext().getState(new ValueStateDescriptor<>("publish", TypeInformation.of(PublishState.class)));
        learner = new AfmLearner(config);
        rows = new FeatureParams[16];
        buffers = new HashMap<>();
        var group = getRuntimeContext().getMetricGroup().addGroup("afm");
        examplesCounter = group.counter("examples");
        group.meter("examplesPerSecond", new MeterView(examplesCounter));
        refusedCounter = group.counter("refusedUpdates");
        lossWindow = new WindowedMean(10_000);
        group.gauge("progressiveLoss", (Gauge<Double>) () -> lossWindow.mean());
        group.gauge("modelVersion", (Gauge<Long>) () -> lastVersion);
        group.gauge("features", (Gauge<Long>) () -> lastFeatures);
    }

    /** The current key's buffer, loading shared parameters and publish state from state on first use. */
    private Buffer bufferOf(String key) throws Exception {
        Buffer b = buffers.get(key);
        if (b == null) {
            b = new Buffer();
            b.shared = shared.value();
            if (b.shared == null) {
                b.shared = learner.newShared();
            }
            b.publish = publish.value();
            buffers.put(key, b);
        }
        return b;
    }

    /** Writes the current key's buffer to state (the keyed-state context must be {@code b}'s key). */
    private void flush(Buffer b) throws Exception {
        if (!b.rows.isEmpty()) {
            features.putAll(b.rows);
            for (Long id : b.rows.keySet()) {
                dirty.put(id, Boolean.TRUE);
            }
            b.rows.clear();
        }
        shared.update(b.shared);
        if (b.publish != null) {
            publish.update(b.publish);
        }
    }

    /**
     * Writes every key's buffer to state. {@code setKey} switches the keyed-state context to a key
     * (the operator's {@code setCurrentKey}).
     */
    void flushAll(Consumer<Object> setKey) throws Exception {
        for (Map.Entry<String, Buffer> e : buffers.entrySet()) {
            setKey.accept(e.getKey());
            flush(e.getValue());
        }
    }

    @Override
    public void processElement(TrainingExample ex, Context ctx, Collector<Prediction> out) throws Exception {
        Buffer b = bufferOf(ctx.getCurrentKey());
        SharedParams sp = b.shared;
        PublishState ps = b.publish;
        if (ps == null) {
            ps = new PublishState();
            b.publish = ps;
            // fires only when a bounded input ends (the watermark jumps to +inf): a last publish
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
            if (publishIntervalMs > 0) {
                long now = ctx.timerService().currentProcessingTime();
                ctx.timerService().registerProcessingTimeTimer(now + publishIntervalMs);
            }
        }
        int m = ex.ids.length;
        if (rows.length < m) {
            rows = new FeatureParams[Math.max(m, rows.length * 2)];
        }
        for (int i = 0; i < m; i++) {
            Long id = ex.ids[i];
            FeatureParams f = b.rows.get(id);
            if (f == null) {
                f = features.get(id);
                if (f == null) {
                    f = learner.newFeature(ex.ids[i], ex.ts);
                    ps.features++;
                }
                b.rows.put(id, f);
            }
            rows[i] = f;
        }
        long refusedBefore = sp.refusedUpdates;
        double raw = learner.step(sp, rows, ex.values, m, ex.label, ex.ts);
        double loss = config.loss().loss(raw, ex.label);
        examplesCounter.inc();
        if (sp.refusedUpdates != refusedBefore) {
            refusedCounter.inc();
        }
        lossWindow.add(loss);
        lastFeatures = ps.features;
        out.collect(new Prediction(ex.model, ex.id, ex.ts, ex.label, config.loss().prediction(raw), loss, sp.examples));
        ps.sinceLastPublish++;
        if (publishEveryExamples > 0 && ps.sinceLastPublish >= publishEveryExamples) {
            publish(ctx.getCurrentKey(), b, ctx, ctx.timerService().currentProcessingTime());
        } else if (b.rows.size() > MAX_BUFFERED_ROWS) {
            flush(b);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Prediction> out) throws Exception {
        Buffer b = bufferOf(ctx.getCurrentKey());
        if (b.publish == null) {
            return;
        }
        boolean endOfInput = ctx.timeDomain() == TimeDomain.EVENT_TIME;
        if (b.publish.sinceLastPublish > 0) {
            publish(ctx.getCurrentKey(), b, ctx, endOfInput ? ctx.timerService().currentProcessingTime() : timestamp);
        }
        if (!endOfInput) {
            ctx.timerService().registerProcessingTimeTimer(timestamp + publishIntervalMs);
        }
    }

    private void publish(String key, Buffer b, Context ctx, long now) throws Exception {
        flush(b); // the snapshot is read from state: make it current
        SharedParams sp = b.shared;
        PublishState ps = b.publish;
        boolean full = ps.version == 0 || ps.deltasSinceFull >= fullEvery;
        long version = ps.version + 1;
        List<Long> ids = new ArrayList<>();
        for (Long id : full ? features.keys() : dirty.keys()) {
            ids.add(id);
        }
        long[] sorted = ids.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(sorted);
        ModelHeader header = new ModelHeader(full ? ModelFormat.Kind.FULL : ModelFormat.Kind.DELTA, version,
                full ? 0 : ps.version, sp.examples, config);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 16);
        try (ModelWriter w = new ModelWriter(bytes, header, sp, sorted.length)) {
            for (long id : sorted) {
                w.put(id, features.get(id));
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not encode snapshot " + version + " of model " + key, e);
        }
        dirty.clear();
        ps.version = version;
        ps.sinceLastPublish = 0;
        ps.deltasSinceFull = full ? 0 : ps.deltasSinceFull + 1;
        lastVersion = version;
        publish.update(ps);
        ctx.output(SNAPSHOTS, new SnapshotRecord(key, version, header.baseVersion(), full ? "full" : "delta",
                sp.examples, sorted.length, now, bytes.toByteArray()));
    }
}
