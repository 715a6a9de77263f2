package dev.afmflink.job;

import dev.afmflink.feedback.EventTimes;
import dev.afmflink.feedback.FeedbackMode;
import dev.afmflink.feedback.Holdout;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.ExampleWeight;
import dev.afmflink.model.AfmLearner;
import dev.afmflink.metrics.ProgressiveWindow;
import dev.afmflink.metrics.WindowSummary;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training operator: one AFM per model key, trained through the core's {@link AfmLearner}.
 * Wiring only: the keyed state is {@link TrainerState}'s, a key's buffer over it the
 * {@link WriteBackStore}'s, training and scoring {@link KeyedModel}'s, validation windows and the
 * holdout {@link Validation}'s, publishing {@link SnapshotPublisher}'s; what happens when is the
 * {@link FeedbackMode}'s policy (ordered: labels train when event time passes their window, in
 * (time, id) order; impressions are scored when event time reaches them), on arrival
 * ({@link #processElement}) and at event time T ({@link #onTimer}: releases, scoring, a closing
 * window, the lifecycle's sweep, then a publish tick). Judged predictions go out as
 * {@link Prediction}s; windows and held-back snapshots on {@link #METRICS}; snapshots on
 * {@link #SNAPSHOTS}. Publish ticks are multiples of the publish interval in event time, set from
 * the step's own time, never from a clock: in the ordered mode what a tick publishes is a function
 * of the data, and a version published again after a restore has the same bytes (in the modes that
 * train on arrival the first publish after a restore is full). An exception while training or
 * scoring one example dead-letters it ({@code train_failed}) and leaves the model as it was.
 * docs/architecture.md has the parts and where each rule lives.
 */
public class AfmTrainer extends KeyedProcessFunction<String, TrainingExample, Prediction> {
    public static final OutputTag<SnapshotRecord> SNAPSHOTS = new OutputTag<>("snapshots",
            TypeInformation.of(SnapshotRecord.class));
    public static final OutputTag<MetricsRecord> METRICS = new OutputTag<>("metrics",
            TypeInformation.of(MetricsRecord.class));
    private static final Logger LOG = LoggerFactory.getLogger(AfmTrainer.class);

    private final TrainerSettings settings;
    private final AfmConfig config;
    private final EventTimes times;
    private final FeedbackMode mode;
    private final Holdout holdout;
    private final double negativeLabel;

    /** Admission counts and expiry buckets ({@link LifecycleState}). */
    private transient LifecycleState lifecycleState;
    private transient AfmLearner learner;
    /** Switches the keyed-state context to a key (the operator's {@code setCurrentKey}). */
    private transient Consumer<Object> keySwitch;
    private transient TrainerMetrics metrics;
    /** The write-back buffers of the model keys and the state behind them. */
    private transient TrainerState state;
    private transient WriteBackStore writeBack;
    private transient SnapshotPublisher publisher;
    /** The model of the current key through its buffer and state: gathering rows, training, scoring. */
    private transient KeyedModel model;
    private transient Validation validation;
    private transient DeadLetters deadLetters;
    /** The time of the event-time timer running now (Long.MIN_VALUE outside one): scratch, not state. */
    private transient long timerTime = Long.MIN_VALUE;

    public AfmTrainer(TrainerSettings settings) {
        this.settings = settings;
        this.config = settings.config;
        this.times = settings.times;
        this.mode = settings.mode;
        this.holdout = settings.holdout;
        this.negativeLabel = config.loss().negativeLabel();
    }

    @Override
    public void open(OpenContext openContext) {
        state = new TrainerState(getRuntimeContext());
        lifecycleState = new LifecycleState(settings.lifecycle, getRuntimeContext());
        learner = new AfmLearner(config);
        dev.afmflink.model.AfmModel init = null;
        if (settings.initModel != null) {
            try {
                init = dev.afmflink.snapshot.ModelReader.read(new java.io.ByteArrayInputStream(settings.initModel), null, "init model").model();
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot read the initial model", e);
            }
        }
        writeBack = new WriteBackStore(config, state, lifecycleState, learner::newShared, init,
                WriteBackStore.maxKeys(config, settings.maxBufferedKeys));
        if (keySwitch != null) {
            writeBack.keySwitch(keySwitch);
        }
        metrics = new TrainerMetrics(getRuntimeContext().getMetricGroup());
        deadLetters = new DeadLetters(getRuntimeContext().getMetricGroup());
        model = new KeyedModel(learner, state, settings.lifecycle, lifecycleState, metrics);
        validation = new Validation(times, holdout, config.loss(), state, model, metrics);
        publisher = new SnapshotPublisher(config, settings.gate, settings.fullEvery, settings.weightsOnly,
                settings.snapshotDir == null ? null : new SnapshotStore(settings.snapshotDir), settings.inlineBytes,
                settings.recordLimit, state, writeBack, metrics);
    }

    /** The operator's way to switch the keyed-state context (set when it opens, before or after this function's open). */
    void keySwitch(Consumer<Object> setKey) {
        this.keySwitch = setKey;
        if (writeBack != null) {
            writeBack.keySwitch(setKey);
        }
    }

    /**
     * Before a checkpoint barrier (and at the end of input): writes the buffer of every key touched
     * since the last barrier to state and drops those untouched since then ({@link WriteBackStore#flushAll}).
     */
    int flushAll(Consumer<Object> setKey) throws Exception {
        int written = writeBack.flushAll(setKey);
        metrics.writtenAtBarrier = written;
        metrics.bufferedKeys = writeBack.bufferedKeys();
        return written;
    }

    /** Snapshots not published because they were too large for a record without a folder. */
    long snapshotsTooLarge() {
        return metrics.snapshotsTooLarge.getCount();
    }

    /** Buffers written back and dropped because the cap was reached. */
    long evictedBuffers() {
        return writeBack.evictedBuffers();
    }

    /** Snapshots written again with sorted ids because state did not iterate in id order (0 on RocksDB). */
    int sortedWrites() {
        return publisher.sortedWrites();
    }

    /** Buffers the last {@link #flushAll} wrote. */
    int lastWritten() {
        return writeBack.lastWritten();
    }

    /** Model keys with a buffer on the heap now. */
    int bufferedKeys() {
        return writeBack.bufferedKeys();
    }

    @Override
    public void processElement(TrainingExample ex, Context ctx, Collector<Prediction> out) throws Exception {
        String key = ctx.getCurrentKey();
        WriteBackBuffer b = writeBack.bufferOf(key);
        if (b.publish == null) {
            b.publish = new PublishState();
            b.publish.features = b.warmFeatures;
            // fires only when a bounded input ends (the watermark jumps to +inf): a last publish
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
        }
        if (ex.kind == TrainingExample.EXAMPLE && mode.waitsForWindow()) {
            // a labelled example trains when event time reaches it, in arrival order within one time: every model
            // change of the ordered mode happens in an event-time timer, so what a publish tick sees is the data's
            hold(b, b.examples, ex, ex.ts, ctx);
            return;
        }
        if (ex.kind == TrainingExample.IMPRESSION && mode.waitsForWindow()) {
            // scored when event time reaches it: then the model has trained exactly the labels released by
            // its own time, whatever the arrival order across input channels (deterministic at any parallelism)
            hold(b, b.unscored, ex, ex.ts, ctx);
            metrics.impressions.inc();
            return;
        }
        if (ex.kind == TrainingExample.IMPRESSION) {
            metrics.impressions.inc();
            guarded(ex, ctx, () -> {
                state.scores.put(ex.id, model.score(b, ex));
                if (mode.trainsImpressions() && !holdout.selects(ex.id)) { // fake negative: trained at once as a negative
                    model.train(b, ex, negativeLabel, mode.weighting(), ctx.timerService());
                    afterTraining(key, b, ctx);
                }
            });
            return;
        }
        if (ex.kind == TrainingExample.LABELLED && mode.waitsForWindow()) {
            hold(b, b.pending, ex, times.release(ex.ts), ctx); // until its window has passed; then it trains in order
            return;
        }
        guarded(ex, ctx, () -> learnAndJudge(key, b, ex, ctx, out));
    }

    /** One example's work, which may throw. */
    @FunctionalInterface
    private interface ExampleWork {
        void run() throws Exception;
    }

    /**
     * The last line of defence (docs/events.md): an exception while training or scoring one example
     * dead-letters that example ({@code train_failed}, with the cause) and the stream goes on. The
     * model is as it was before the step: the work that grows with the example (gathering, the
     * forward and backward passes) changes nothing until the optimizers apply the step, and rows made
     * for the example's new features are dropped ({@link #train}). Failures of the system itself
     * (state backend, sinks, an {@link Error} such as running out of memory) still fail the task.
     */
    private void guarded(TrainingExample ex, Context ctx, ExampleWork work) throws Exception {
        try {
            work.run();
        } catch (RuntimeException e) {
            if (e instanceof org.apache.flink.util.FlinkRuntimeException || isStateFailure(e)) {
                throw e;
            }
            metrics.trainFailed.inc();
            LOG.warn("model {}: example {} dead-lettered (train_failed)", ex.model, ex.id, e);
            String raw = "{\"kind\":" + ex.kind + ",\"id\":" + KafkaRecords.jsonString(ex.id) + ",\"ts\":" + ex.ts
                    + ",\"model\":" + KafkaRecords.jsonString(ex.model) + ",\"features\":" + (ex.ids == null ? 0 : ex.ids.length) + "}";
            deadLetters.emit(ctx, new DeadLetter(dev.afmflink.data.EventDecoder.TRAIN_FAILED, e.toString(), raw,
                    null, -1, -1));
        }
    }

    /** A failure of the state backend surfaces as a runtime exception too: that one fails the task. */
    private static boolean isStateFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String n = t.getClass().getName();
            if (n.startsWith("org.rocksdb.") || n.startsWith("org.apache.flink.runtime.state.") || t instanceof java.io.IOException) {
                return true;
            }
        }
        return false;
    }

    /** Trains {@code ex} as its mode says, judges it by its score at impression (or before the update), counts it. */
    private void learnAndJudge(String key, WriteBackBuffer b, TrainingExample ex, Context ctx, Collector<Prediction> out)
            throws Exception {
        double judged = Double.NaN;
        if (ex.kind == TrainingExample.LABELLED) {
            Double atImpression = state.scores.get(ex.id);
            if (atImpression != null) {
                judged = atImpression;
                state.scores.remove(ex.id);
            }
        }
        boolean heldOut = ex.kind == TrainingExample.LABELLED && holdout.selects(ex.id);
        if (heldOut) {
            int slot = (int) (b.publish.holdoutSeen++ % holdout.size());
            b.holdout.put(slot, ex);
        }
        boolean trains = !heldOut && (ex.kind != TrainingExample.LABELLED || mode.trainsLabel(ex.label, negativeLabel));
        if (trains) {
            double before = model.train(b, ex, ex.label, ex.kind == TrainingExample.LABELLED ? mode.weighting() : ExampleWeight.ONE,
                    ctx.timerService());
            if (Double.isNaN(judged)) {
                judged = before; // a labelled example (or a label whose impression was scored before an upgrade)
            }
        } else if (Double.isNaN(judged)) {
            judged = model.score(b, ex);
        }
        double loss = config.loss().loss(judged, ex.label);
        double prediction = config.loss().prediction(judged);
        out.collect(new Prediction(ex.model, ex.id, ex.ts, ex.label, prediction, loss, b.shared.examples));
        ProgressiveWindow w = validation.windowOf(b, ex.ts, ctx.timerService());
        w.add(prediction, ex.label, loss);
        if (trains && ex.fields != null) { // the attention of the step just taken, per field pair
            var kernel = model.pairView();
            for (int p = 0; p < kernel.pairs(); p++) {
                w.addAttention(ex.fields[kernel.pairI(p)], ex.fields[kernel.pairJ(p)], kernel.attention(p));
            }
        }
        if (trains) {
            afterTraining(key, b, ctx);
        }
    }


    /**
     * After a training step: count it towards the next publish, publish or bound the buffer, and
     * make sure a publish tick follows in event time. Ticks are the multiples of the publish
     * interval in event time, set from the time of the step (a timer's own time in the ordered mode),
     * never from the watermark or a clock: in the ordered mode the model changes only in event-time
     * timers, so what a tick publishes is a function of the data, and a version published again
     * after a restore has the same bytes.
     */
    private void afterTraining(String key, WriteBackBuffer b, Context ctx) throws Exception {
        metrics.lifecycle(key, b.publish);
        b.publish.sinceLastPublish++;
        if (settings.publishEvery > 0 && b.publish.sinceLastPublish >= settings.publishEvery) {
            publish(key, b, ctx, ctx.timerService().currentProcessingTime());
        } else if (b.full()) {
            writeBack.flush(b);
        }
        scheduleTick(b, ctx, timerTime != Long.MIN_VALUE ? timerTime
                : Math.max(ctx.timestamp() == null ? Long.MIN_VALUE : ctx.timestamp(), ctx.timerService().currentWatermark() + 1));
    }

    /** Makes sure the publish tick at or after event time {@code stepTime} has a timer (none with no publish interval). */
    private void scheduleTick(WriteBackBuffer b, Context ctx, long stepTime) {
        if (settings.publishIntervalMs > 0) {
            long tick = EventTimes.ceilTo(stepTime, settings.publishIntervalMs);
            if (tick != timerTime && tick != b.tick) { // the timer running now publishes at its end if it is a tick
                ctx.timerService().registerEventTimeTimer(tick);
                b.tick = tick;
            }
        }
    }

    /**
     * Ordered mode: keeps {@code ex} in the bucket of its event time in {@code buckets} until event
     * time reaches {@code until} (a timer then takes the bucket), bounding the buffer.
     */
    private void hold(WriteBackBuffer b, Map<Long, List<TrainingExample>> buckets, TrainingExample ex, long until, Context ctx)
            throws Exception {
        b.hold(buckets, ex);
        ctx.timerService().registerEventTimeTimer(until);
        if (b.full()) {
            writeBack.flush(b);
        }
    }

    /**
     * Ordered mode: trains the labelled impressions of event time {@code ts}, by impression id. At
     * the end of a bounded input (watermark +inf) their window has not passed in the data's own
     * event time, so they are left out, counted: the model is the one the endless stream had.
     */
    private void release(String key, WriteBackBuffer b, long ts, boolean endOfInput, Context ctx, Collector<Prediction> out)
            throws Exception {
        List<TrainingExample> due = writeBack.takeBucket(b, b.pending, state.pending, b.pendingInState, ts);
        if (endOfInput) {
            for (TrainingExample ex : due) {
                state.scores.remove(ex.id);
            }
            metrics.unlabelledAtEnd.inc(due.size());
            return;
        }
        due.sort(PendingLabels.ORDER);
        for (TrainingExample ex : due) {
            guarded(ex, ctx, () -> learnAndJudge(key, b, ex, ctx, out));
        }
    }

    /** Ordered mode: scores the impressions of event time {@code ts} with the model as it stands (none at the end of input). */
    private void scoreDue(WriteBackBuffer b, long ts, boolean endOfInput, Context ctx) throws Exception {
        for (TrainingExample ex : writeBack.takeBucket(b, b.unscored, state.unscored, b.unscoredInState, ts)) {
            if (!endOfInput) {
                guarded(ex, ctx, () -> state.scores.put(ex.id, model.score(b, ex)));
            }
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Prediction> out) throws Exception {
        timerTime = timestamp;
        try {
            onEventTime(timestamp, ctx, out);
        } finally {
            timerTime = Long.MIN_VALUE;
        }
    }

    /**
     * Everything due at event time {@code timestamp}, in this order: releases, scoring, a closing
     * validation window, then a publish if the time is a publish tick.
     */
    private void onEventTime(long timestamp, OnTimerContext ctx, Collector<Prediction> out) throws Exception {
        WriteBackBuffer b = writeBack.bufferOf(ctx.getCurrentKey());
        if (b.publish == null) {
            return;
        }
        boolean endOfInput = timestamp == Long.MAX_VALUE;
        if (!endOfInput) {
            // the end of the window of impressions at timestamp − W (ordered mode), and of a validation
            // window (both at most +inf − 1, so at the end of input every one fires before the +inf
            // timer publishes)
            boolean inputEnded = ctx.timerService().currentWatermark() == Long.MAX_VALUE;
            if (mode.waitsForWindow()) {
                // at one event time: first the labels whose window ends now, then the impressions of now
                release(ctx.getCurrentKey(), b, times.releasedBy(timestamp), inputEnded, ctx, out);
                // labelled examples of now (at the end of input too: their labels are final)
                for (TrainingExample ex : writeBack.takeBucket(b, b.examples, state.heldExamples, b.examplesInState, timestamp)) {
                    guarded(ex, ctx, () -> learnAndJudge(ctx.getCurrentKey(), b, ex, ctx, out));
                }
                scoreDue(b, timestamp, inputEnded, ctx);
            }
            MetricsRecord closed = validation.close(ctx.getCurrentKey(), b, times.closedBy(timestamp), inputEnded,
                    ctx.timerService().currentProcessingTime());
            if (closed != null) {
                ctx.output(METRICS, closed);
            }
            if (!inputEnded && sweep(ctx.getCurrentKey(), b, timestamp) > 0) {
                b.publish.sinceLastPublish++; // the deletions go out with the next publish
                scheduleTick(b, ctx, timestamp);
            }
            if (settings.publishIntervalMs <= 0 || timestamp % settings.publishIntervalMs != 0) {
                return;
            }
        }
        if (b.publish.sinceLastPublish > 0) {
            publish(ctx.getCurrentKey(), b, ctx, ctx.timerService().currentProcessingTime());
        }
    }

    /** The lifecycle's sweeps due at event time {@code t}: counts, then features; returns the features removed. */
    private long sweep(String key, WriteBackBuffer b, long t) throws Exception {
        long removed = 0;
        boolean flushed = false;
        for (boolean count : new boolean[] {true, false}) {
            if (settings.lifecycle.isSweepTime(t, count) && lifecycleState.due(b, t, count)) {
                if (!flushed) {
                    writeBack.flush(b); // state is the truth from here (sweeps change state only)
                    flushed = true;
                }
                removed += lifecycleState.sweep(b, t, count, state.features, state.dirty);
            }
        }
        metrics.evicted.inc(removed);
        metrics.lifecycle(key, b.publish);
        return removed;
    }

    private void publish(String key, WriteBackBuffer b, Context ctx, long now) throws Exception {
        WindowSummary heldOut = holdout.enabled() ? validation.holdout(b) : null;
        // restored in a mode whose model depends on arrival order: what was published after the checkpoint may differ
        // from what this run publishes under the same numbers, so it starts again from a full snapshot
        boolean restart = writeBack.fullAfterRestore.contains(key) && !mode.waitsForWindow();
        SnapshotPublisher.Result r = publisher.publish(key, b, heldOut, restart, now);
        if (r.heldBack() != null) {
            ctx.output(METRICS, MetricsRecord.of(MetricsRecord.HELD_BACK, key, b, b.publish.lastWindow(), now, r.heldBack()));
            return;
        }
        if (r.record() == null) {
            return; // too large to travel: counted and logged, its changes wait for the next publish
        }
        writeBack.fullAfterRestore.remove(key);
        metrics.of(key).version = b.publish.version;
        if (r.record().kind != null) {
            ctx.output(SNAPSHOTS, r.record());
        }
        if (heldOut != null) {
            MetricsRecord m = MetricsRecord.of(MetricsRecord.SNAPSHOT, key, b, heldOut, now, null);
            m.windowStart = m.windowEnd = 0;
            ctx.output(METRICS, m);
        }
    }

}
