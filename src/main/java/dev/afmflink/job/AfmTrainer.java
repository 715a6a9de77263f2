package dev.afmflink.job;

import dev.afmflink.feedback.FeedbackSchedule;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.ExampleWeight;
import dev.afmflink.model.AfmLearner;
import dev.afmflink.metrics.ProgressiveWindow;
import dev.afmflink.metrics.WindowSummary;
import dev.afmflink.time.EventTime;
import java.util.List;
import java.util.function.Consumer;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training operator: one AFM per model key. Wiring only: it drives the {@link FeedbackSchedule}
 * (what happens on arrival and at event time T, the rule {@link dev.afmflink.feedback.FeedbackReplay}
 * drives too) on arrival ({@link #processElement}) and in event-time timers ({@link #onTimer}), its
 * buckets the key's {@link WriteBackStore} buffer over {@link TrainerState}, its steps
 * {@link KeyedModel} (rows and training), {@link Validation} (windows, holdout) and
 * {@link SnapshotPublisher}. Judged predictions go out as {@link Prediction}s, windows and
 * held-back snapshots on {@link #METRICS}, snapshots on {@link #SNAPSHOTS}, failed examples as
 * dead letters. Publish ticks are multiples of the publish interval in event time, never a clock's.
 * docs/architecture.md has the parts and where each rule lives.
 */
public class AfmTrainer extends KeyedProcessFunction<String, TrainingExample, Prediction> implements WriteBackOperator.Buffered {
    public static final OutputTag<SnapshotRecord> SNAPSHOTS = new OutputTag<>("snapshots",
            TypeInformation.of(SnapshotRecord.class));
    public static final OutputTag<MetricsRecord> METRICS = new OutputTag<>("metrics",
            TypeInformation.of(MetricsRecord.class));
    private static final Logger LOG = LoggerFactory.getLogger(AfmTrainer.class);

    private final TrainerSettings settings;
    private final AfmConfig config;

    /** One configuration per part: the key's one model, or each candidate (docs/feedback.md, "Online choice"). */
    private transient Part[] parts;
    /** Switches the keyed-state context to a key (the operator's {@code setCurrentKey}). */
    private transient Consumer<Object> keySwitch;
    private transient TrainerMetrics metrics;
    /** See {@link #arrivalWatermark(java.util.function.LongSupplier)} (null: the timer service's). */
    private transient java.util.function.LongSupplier arrivalWatermark;
    private transient DeadLetters deadLetters;
    /** With candidates: the choice among them and the key's snapshot chain (null: one model per key). */
    private transient KeyedChoice choice;
    /** The time of the event-time timer running now (Long.MIN_VALUE outside one): scratch, not state. */
    private transient long timerTime = Long.MIN_VALUE;
    /** The key in hand, the context and collector of the call in hand: scratch, not state. */
    private transient String key;
    private transient Context ctx;
    private transient Collector<Prediction> out;
    /** Scratch of a judgement: the validation window's number of each feature's field. */
    private transient int[] fieldScratch;

    public AfmTrainer(TrainerSettings settings) {
        this.settings = settings;
        this.config = settings.config;
    }

    @Override
    public void open(OpenContext openContext) {
        metrics = new TrainerMetrics(getRuntimeContext().getMetricGroup());
        deadLetters = new DeadLetters(getRuntimeContext().getMetricGroup());
        fieldScratch = new int[16];
        List<dev.afmflink.feedback.Candidate> cs = settings.candidates.isEmpty()
                ? List.of(new dev.afmflink.feedback.Candidate("", config)) : settings.candidates;
        parts = new Part[cs.size()];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = new Part(i, cs.get(i).name(), cs.get(i).config(), settings.candidates.isEmpty() ? "" : "#" + cs.get(i).name());
        }
        if (!settings.candidates.isEmpty()) {
            choice = new KeyedChoice(getRuntimeContext(), parts.length, settings.rule);
        }
        if (keySwitch != null) {
            keySwitch(keySwitch);
        }
    }

    @Override
    public void keySwitch(Consumer<Object> setKey) {
        this.keySwitch = setKey;
        if (parts != null) {
            for (Part p : parts) {
                p.writeBack.keySwitch(setKey);
            }
        }
    }

    /**
     * Before a checkpoint barrier (and at the end of input): writes the buffer of every key touched
     * since the last barrier to state and drops those untouched since then ({@link WriteBackStore#flushAll}).
     */
    @Override
    public int flushAll(Consumer<Object> setKey) throws Exception {
        int written = 0;
        int buffered = 0;
        long heldPeak = 0;
        for (Part p : parts) {
            written += p.writeBack.flushAll(setKey);
            buffered += p.writeBack.bufferedKeys();
            heldPeak = Math.max(heldPeak, p.writeBack.heldPeak());
        }
        metrics.heldPeak = heldPeak;
        metrics.writtenAtBarrier = written;
        metrics.bufferedKeys = buffered;
        return written;
    }

    /** The parts, for tests (the first configuration's). */
    WriteBackStore writeBack() {
        return parts[0].writeBack;
    }

    SnapshotPublisher publisher() {
        return parts[0].publisher;
    }

    AfmConfig config() {
        return config;
    }

    /** The (one) part's keyed state, for a replica key's synchronization. */
    TrainerState state() {
        return parts[0].state;
    }

    /** Calls {@code touch} with each row before a training step changes it (a replica key's ledger). */
    void onTrainingRow(KeyedModel.Touch touch) {
        parts[0].model.onTrainingRow(touch);
    }

    /**
     * The watermark an arriving event is judged by (late or not; a late example held until just after
     * it): the timer service's unless a replica trainer says otherwise (its input watermark, which the
     * input alone sets, where its timer service runs tick by tick behind it).
     */
    void arrivalWatermark(java.util.function.LongSupplier w) {
        this.arrivalWatermark = w;
    }

    TrainerMetrics metrics() {
        return metrics;
    }

    @Override
    public void processElement(TrainingExample ex, Context ctx, Collector<Prediction> out) throws Exception {
        enter(ctx, out);
        for (Part p : parts) {
            WriteBackBuffer b = p.enter();
            if (b.publish == null) {
                b.publish = new PublishState();
                b.publish.features = b.warmFeatures;
                // fires only when a bounded input ends (the watermark jumps to +inf): a last publish
                ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
            }
            p.schedule.arrive(ex, arrivalWatermark != null ? arrivalWatermark.getAsLong() : ctx.timerService().currentWatermark());
        }
        leave();
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Prediction> out) throws Exception {
        enter(ctx, out);
        timerTime = timestamp;
        try {
            for (Part p : parts) {
                WriteBackBuffer b = p.enter();
                if (b.publish == null) {
                    continue;
                }
                // every timer (a window end, a release, a validation window, a sweep, a tick) is below +inf, so at the end
                // of input all of them fire before the +inf timer publishes
                p.schedule.at(timestamp, ctx.timerService().currentWatermark() == Long.MAX_VALUE);
                if (b.due.removeEarliest(timestamp) > 0 && !b.due.isEmpty()) { // the next due time gets the key's timer
                    ctx.timerService().registerEventTimeTimer(b.due.earliest());
                }
            }
        } finally {
            timerTime = Long.MIN_VALUE;
        }
        leave();
    }

    /** The key in hand, the context and the collector, for the parts' calls (scratch); with candidates, the key's choice. */
    private void enter(Context ctx, Collector<Prediction> out) throws Exception {
        this.ctx = ctx;
        this.out = out;
        this.key = ctx.getCurrentKey();
        if (choice != null) {
            choice.enter();
        }
    }

    /** With candidates: the key's group back to state. */
    private void leave() throws Exception {
        if (choice != null) {
            choice.leave();
        }
    }

    /** The candidate leading now (0 without candidates). */
    private int leader() {
        return choice == null ? 0 : choice.leader();
    }

    private static TrainingExample idOnly(TrainingExample ex) {
        TrainingExample t = new TrainingExample();
        t.kind = ex.kind;
        t.id = ex.id;
        t.ts = ex.ts;
        return t;
    }

    /**
     * One configuration's parts over its own keyed state (names ending with {@code suffix}): the
     * write-back buffer, the model's rows and steps, validation, the publisher, and the schedule
     * that drives them (its buckets, steps and joins below act on this part).
     */
    private final class Part {
        final int index;
        final String name;
        final AfmConfig config;
        final TrainerState state;
        final LifecycleState lifecycleState;
        final AfmLearner learner;
        final WriteBackStore writeBack;
        final KeyedModel model;
        final Validation validation;
        final SnapshotPublisher publisher;
        final FeedbackSchedule<TrainingExample> schedule;
        /** The key in hand's buffer: scratch, not state. */
        WriteBackBuffer b;

        Part(int index, String name, AfmConfig config, String suffix) {
            this.index = index;
            this.name = name;
            this.config = config;
            state = new TrainerState(getRuntimeContext(), suffix);
            lifecycleState = new LifecycleState(settings.lifecycle, getRuntimeContext(), suffix);
            learner = new AfmLearner(config);
            writeBack = new WriteBackStore(config, state, lifecycleState, learner::newShared, settings.initialModel(),
                    WriteBackStore.maxKeys(config, settings.maxBufferedKeys), settings.times);
            model = new KeyedModel(learner, state, settings.lifecycle, lifecycleState, metrics);
            validation = new Validation(settings.times, settings.holdout, config.loss(), state, model, metrics);
            publisher = new SnapshotPublisher(config, settings.gate, settings.fullEvery, settings.weightsOnly,
                    settings.snapshotDir == null ? null : new SnapshotStore(settings.snapshotDir), settings.inlineBytes,
                    settings.recordLimit, state, writeBack, metrics);
            schedule = new FeedbackSchedule<>(settings.mode, settings.times, settings.holdout, config.loss().negativeLabel(),
                    new Buckets(), new Steps(), settings.joinsClicks ? new Joins() : null);
        }

        /** This part's buffer of the key in hand. */
        WriteBackBuffer enter() throws Exception {
            b = writeBack.bufferOf(key);
            return b;
        }

        /**
         * The schedule's buckets: the key's write-back buffer over state; their due times in the buffer
         * ({@link WriteBackBuffer#due}) with one event-time timer, at the earliest (after it fires, the next).
         */
        private final class Buckets implements FeedbackSchedule.Held<TrainingExample> {
            @Override
            public void hold(FeedbackSchedule.Hold which, TrainingExample ex, long until) throws Exception {
                // a join deadline needs only the id (its entry holds the impression)
                boolean created = writeBack.hold(b, which, which == FeedbackSchedule.Hold.JOIN ? idOnly(ex) : ex, until);
                // the timer running now takes its buckets after this; a bucket already held is due already; one behind the
                // timer running now (no rule holds so) gets a timer of its own, a later one the key's timer if it is the earliest
                if (created && until != timerTime && (until < timerTime || b.due.add(until))) {
                    ctx.timerService().registerEventTimeTimer(until);
                }
            }

            @Override
            public List<TrainingExample> take(FeedbackSchedule.Hold which, long ts) throws Exception {
                return writeBack.take(b, which, ts);
            }
        }

        /** What the label join keeps, in the key's write-back buffer over state. */
        private final class Joins implements dev.afmflink.feedback.ClickJoin.Store<TrainingExample> {
            @Override
            public dev.afmflink.feedback.ClickJoin.Joined<TrainingExample> get(String id) throws Exception {
                return writeBack.joined(b, id);
            }

            @Override
            public void put(String id, dev.afmflink.feedback.ClickJoin.Joined<TrainingExample> joined) throws Exception {
                writeBack.join(b, id, joined);
            }

            @Override
            public void remove(String id) throws Exception {
                writeBack.join(b, id, null);
            }
        }

        /** The schedule's steps on the key in hand. */
        private final class Steps implements FeedbackSchedule.Steps<TrainingExample> {
            @Override
            public void arrived(TrainingExample impression) {
                if (index == 0) { // an event counts once, whatever the candidates
                    metrics.impressions.inc();
                }
            }

            @Override
            public double score(TrainingExample ex) {
                return model.score(b, ex);
            }

            @Override
            public void remember(TrainingExample impression, double raw) throws Exception {
                writeBack.rememberScore(b, impression.id, raw);
            }

            @Override
            public Double takeScore(TrainingExample labelled) throws Exception {
                return writeBack.takeScore(b, labelled.id);
            }

            @Override
            public void leftOut(TrainingExample labelled) throws Exception {
                writeBack.takeScore(b, labelled.id);
                if (index == 0) {
                    metrics.unlabelledAtEnd.inc();
                }
            }

            @Override
            public void heldOut(TrainingExample labelled) {
                b.holdout.put((int) (b.publish.holdoutSeen++ % settings.holdout.size()), labelled);
            }

            @Override
            public double train(TrainingExample ex, double label, ExampleWeight weighting) {
                return model.train(b, ex, label, weighting, ctx.timerService());
            }

            @Override
            public void judged(TrainingExample ex, double raw, boolean trained) throws Exception {
                double loss = config.loss().loss(raw, ex.label);
                double prediction = config.loss().prediction(raw);
                if (index == leader() && settings.predictions.keeps(ex.id)) { // with candidates: the leader's judgement only
                    out.collect(new Prediction(ex.model, ex.id, ex.ts, ex.label, prediction, loss, b.shared.examples));
                }
                ProgressiveWindow w = validation.windowOf(b, ex.ts, ctx.timerService());
                w.add(prediction, ex.label, loss);
                if (trained && ex.fields != null) { // the attention of the step just taken, per field pair
                    var kernel = model.pairView();
                    int n = ex.fields.length;
                    if (fieldScratch.length < n) {
                        fieldScratch = new int[Math.max(n, 2 * fieldScratch.length)];
                    }
                    int[] field = fieldScratch; // the window's number of each feature's field (scratch: no array per step)
                    for (int f = 0; f < n; f++) {
                        field[f] = w.fieldId(ex.fields[f]);
                    }
                    for (int p = 0; p < kernel.pairs(); p++) {
                        w.addAttention(field[kernel.pairI(p)], field[kernel.pairJ(p)], kernel.attention(p));
                    }
                }
            }

            /** Counts the step towards a publish, publishes or bounds the buffer; a tick follows at the step's event time (docs/architecture.md). */
            @Override
            public void trained(TrainingExample ex, long at) throws Exception {
                if (index == leader()) { // with candidates, the key's gauges are its leader's
                    metrics.lifecycle(key, b.publish);
                }
                b.publish.sinceLastPublish++;
                if (settings.publishEvery > 0 && b.publish.sinceLastPublish >= settings.publishEvery) {
                    publish();
                } else if (b.full()) {
                    writeBack.flush(b);
                }
                scheduleTick(at != Long.MIN_VALUE ? at
                        : Math.max(ctx.timestamp() == null ? Long.MIN_VALUE : ctx.timestamp(), ctx.timerService().currentWatermark() + 1));
            }

            /** The last line of defence (docs/events.md): a failed example is dead-lettered, the model as it was; a system failure fails the task. */
            @Override
            public void failed(TrainingExample ex, RuntimeException e) {
                if (DeadLetters.isSystemFailure(e)) {
                    throw e;
                }
                metrics.trainFailed.inc();
                LOG.warn("model {}: example {} dead-lettered (train_failed)", ex.model, ex.id, e);
                deadLetters.emit(ctx, DeadLetters.trainFailed(ex, e));
            }

            @Override
            public void closeWindow(long start, boolean inputEnded) throws Exception {
                boolean leads = index == leader();
                WindowSummary gauge = leads ? null : metrics.of(key).last;
                MetricsRecord closed = validation.close(key, b, start, inputEnded, ctx.timerService().currentProcessingTime());
                if (closed != null && !leads) {
                    metrics.of(key).last = gauge; // the key's progressive-validation gauges are its leader's
                }
                if (closed != null) {
                    if (choice != null) {
                        closedAmongCandidates(closed);
                    }
                    if (!settings.publishes()) { // a replica key: its window goes out under its model, for the model's window
                        closed.event = MetricsRecord.REPLICA_WINDOW;
                        closed.model = ReplicaKeys.modelOf(key);
                        closed.detail = ReplicaKeys.replicaOf(key) + "/" + settings.replicas;
                    }
                    ctx.output(METRICS, closed);
                }
            }

            @Override
            public void sweep(long t) throws Exception {
                long removed = lifecycleState.sweepDue(b, t, writeBack, state);
                metrics.evicted.inc(removed);
                if (index == leader()) { // with candidates, the key's gauges are its leader's
                    metrics.lifecycle(key, b.publish);
                }
                if (removed > 0) {
                    b.publish.sinceLastPublish++; // the deletions go out with the next publish
                    scheduleTick(t);
                }
            }

            @Override
            public TrainingExample labelled(TrainingExample impression, double label) {
                return impression.as(dev.afmflink.data.EventKind.LABELLED, label);
            }

            @Override
            public void dead(TrainingExample e, String reason, String detail) {
                deadLetters.emit(ctx, DeadLetters.ofJoin(reason, detail, e.kind(), e.id, e.ts, e.topic, e.partition, e.offset));
            }

            @Override
            public void counted(dev.afmflink.feedback.ClickJoin.Count c) {
                metrics.join.get(c).inc();
            }

            @Override
            public void tick(long t) throws Exception {
                boolean isTick = t == Long.MAX_VALUE || settings.publishIntervalMs > 0 && t % settings.publishIntervalMs == 0;
                if (isTick && b.publish.sinceLastPublish > 0) {
                    publish();
                }
            }
        }

        /** Makes sure the publish tick at or after event time {@code stepTime} has a timer (none with no publish interval). */
        private void scheduleTick(long stepTime) {
            if (settings.publishIntervalMs > 0) {
                long tick = EventTime.ceilTo(stepTime, settings.publishIntervalMs);
                if (tick != timerTime && tick != b.tick) { // the timer running now publishes at its end if it is a tick
                    ctx.timerService().registerEventTimeTimer(tick);
                    b.tick = tick;
                }
            }
        }

        private void publish() throws Exception {
            if (!settings.publishes()) { // a replica key: its merger publishes the merged model
                b.publish.sinceLastPublish = 0;
                return;
            }
            // restored in a mode whose model depends on arrival order: what was published after the checkpoint may differ
            // from what this run publishes under the same numbers, so it starts again from a full snapshot
            boolean restart = writeBack.fullAfterRestore.contains(key) && !settings.mode.waitsForWindow();
            if (choice == null) {
                publisher.publish(ctx, key, b, settings.holdout.enabled() ? validation.holdout(b) : null, restart);
                return;
            }
            if (index != leader()) {
                // not the leader: nothing goes out; when it leads, its first snapshot is a full one
                b.publish.sinceLastPublish = 0;
                return;
            }
            // the leader continues the key's chain (its version, digest and deltas), from a full snapshot when another
            // candidate published last
            boolean full = choice.lend(b.publish, index);
            publisher.publish(ctx, key, b, settings.holdout.enabled() ? validation.holdout(b) : null, restart || full);
            choice.took(b.publish, index);
        }

        /**
         * A candidate's closed window: the choice reads it; it goes out as the key's window if this
         * candidate leads, as a candidate's window otherwise ({@code detail}: the candidate); a change of
         * leader goes out too.
         */
        private void closedAmongCandidates(MetricsRecord closed) {
            boolean leads = index == leader();
            closed.detail = name;
            if (!leads) {
                closed.event = MetricsRecord.CANDIDATE_WINDOW;
            }
            dev.afmflink.feedback.LeaderChoice.Switch sw = choice.closed(index, closed.windowStart, closed.n, closed.loss * closed.n);
            if (sw != null) {
                MetricsRecord r = MetricsRecord.of(MetricsRecord.LEADER, key, b, null, closed.wallMs,
                        parts[sw.to()].name + " (was " + parts[sw.from()].name + ")");
                r.windowStart = closed.windowStart;
                r.windowEnd = closed.windowEnd;
                r.loss = sw.toLoss();
                r.auc = Double.NaN;
                r.meanPrediction = sw.fromLoss(); // the former leader's loss over the rule's windows
                ctx.output(METRICS, r);
                LOG.info("model {}: candidate {} leads (loss {} against {} of {} over the last {} windows)", key,
                        parts[sw.to()].name, sw.toLoss(), sw.fromLoss(), parts[sw.from()].name, settings.rule.windows());
            }
        }
    }
}
