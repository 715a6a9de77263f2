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
     * Write-back cache of the shared parameters per model key (the dense attention block is
     * rewritten by every example: 69 KB at k = t = 64). {@link AfmTrainerOperator} writes every
     * entry to {@link #shared} before each checkpoint barrier and at the end of input, so every
     * checkpoint and savepoint holds the complete model. Emptied on (re)start: state is the truth.
     */
    private transient Map<String, SharedParams> sharedCache;

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
        sharedCache = new HashMap<>();
        var group = getRuntimeContext().getMetricGroup().addGroup("afm");
        examplesCounter = group.counter("examples");
        group.meter("examplesPerSecond", new MeterView(examplesCounter));
        refusedCounter = group.counter("refusedUpdates");
        lossWindow = new WindowedMean(10_000);
        group.gauge("progressiveLoss", (Gauge<Double>) () -> lossWindow.mean());
        group.gauge("modelVersion", (Gauge<Long>) () -> lastVersion);
        group.gauge("features", (Gauge<Long>) () -> lastFeatures);
    }

    /** The current key's shared parameters: from the cache, else from state, else new. */
    private SharedParams sharedOf(String key) throws Exception {
        SharedParams sp = sharedCache.get(key);
        if (sp == null) {
            sp = shared.value();
            if (sp == null) {
                sp = learner.newShared();
            }
            sharedCache.put(key, sp);
        }
        return sp;
    }

    /**
     * Writes the cached shared parameters of every key to state. {@code setKey} switches the
     * keyed-state context to a key (the operator's {@code setCurrentKey}).
     */
    void flushShared(Consumer<Object> setKey) throws Exception {
        for (Map.Entry<String, SharedParams> e : sharedCache.entrySet()) {
            setKey.accept(e.getKey());
            shared.update(e.getValue());
        }
    }

    @Override
    public void processElement(TrainingExample ex, Context ctx, Collector<Prediction> out) throws Exception {
        SharedParams sp = sharedOf(ctx.getCurrentKey());
        PublishState ps = publish.value();
        if (ps == null) {
            ps = new PublishState();
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
            FeatureParams f = features.get(ex.ids[i]);
            if (f == null) {
                f = learner.newFeature(ex.ids[i], ex.ts);
                ps.features++;
            }
            rows[i] = f;
        }
        long refusedBefore = sp.refusedUpdates;
        double raw = learner.step(sp, rows, ex.values, m, ex.label, ex.ts);
        for (int i = 0; i < m; i++) {
            features.put(ex.ids[i], rows[i]);
            dirty.put(ex.ids[i], Boolean.TRUE);
        }
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
            publish(ctx.getCurrentKey(), sp, ps, ctx, ctx.timerService().currentProcessingTime());
        }
        publish.update(ps);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Prediction> out) throws Exception {
        PublishState ps = publish.value();
        if (ps == null) {
            return;
        }
        boolean endOfInput = ctx.timeDomain() == TimeDomain.EVENT_TIME;
        if (ps.sinceLastPublish > 0) {
            publish(ctx.getCurrentKey(), sharedOf(ctx.getCurrentKey()), ps, ctx,
                    endOfInput ? ctx.timerService().currentProcessingTime() : timestamp);
            publish.update(ps);
        }
        if (!endOfInput) {
            ctx.timerService().registerProcessingTimeTimer(timestamp + publishIntervalMs);
        }
    }

    private void publish(String key, SharedParams sp, PublishState ps, Context ctx, long now) throws Exception {
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
        ctx.output(SNAPSHOTS, new SnapshotRecord(key, version, header.baseVersion(), full ? "full" : "delta",
                sp.examples, sorted.length, now, bytes.toByteArray()));
    }
}
