package dev.afmflink.job;

import dev.afmflink.data.EventKind;
import dev.afmflink.feedback.ClickJoin;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The label join keyed by impression id: {@link ClickJoin}'s rule over a {@link JoinState} per id
 * and an event-time timer per deadline. The job joins in its trainer ({@link AfmTrainer}, keyed by
 * model: one shuffle, no state per impression outside the key's buffer); this operator stays in the
 * graph, under its uid, to drain the state of savepoints taken by jobs from before: {@code draining},
 * it acts on clicks only and ignores those of ids it holds nothing for (the trainer joins them), so the
 * impressions a restored savepoint holds still get their clicks and labels, and the trainer drops a
 * click it holds when the label of that impression comes from here. Without {@code draining} it is
 * the whole join on its own (the rule's tests).
 */
public class LabelJoin extends KeyedProcessFunction<String, TrainingExample, TrainingExample> {
    public static final String LATE_IMPRESSION = ClickJoin.LATE_IMPRESSION;
    public static final String UNKNOWN_CLICK = ClickJoin.UNKNOWN_CLICK;
    public static final String EXPIRED_CLICK = ClickJoin.EXPIRED_CLICK;

    private final long windowMs;
    private final double negativeLabel;
    private final boolean draining;

    private transient ValueState<JoinState> state;
    private transient DeadLetters deadLetters;
    private transient java.util.Map<ClickJoin.Count, Counter> counts;
    private transient ClickJoin<InputEvent> join;
    /** The context and collector of the call in hand (scratch, not state). */
    private transient Context ctx;
    private transient Collector<TrainingExample> out;

    /** The whole join; {@code negativeLabel}: the label of an impression nobody clicked (0 for logistic, −1 for squared loss). */
    public LabelJoin(long windowMs, double negativeLabel) {
        this(windowMs, negativeLabel, false);
    }

    /** {@code draining}: only the impressions restored state holds are joined (see the class comment). */
    public LabelJoin(long windowMs, double negativeLabel, boolean draining) {
        if (windowMs <= 0) {
            throw new IllegalArgumentException("attribution window must be > 0 ms");
        }
        this.windowMs = windowMs;
        this.negativeLabel = negativeLabel;
        this.draining = draining;
    }

    @Override
    public void open(OpenContext openContext) {
        state = getRuntimeContext().getState(new ValueStateDescriptor<>("join", TypeInformation.of(JoinState.class)));
        MetricGroup g = getRuntimeContext().getMetricGroup();
        deadLetters = new DeadLetters(g);
        counts = new java.util.EnumMap<>(ClickJoin.Count.class);
        TrainerMetrics.joinCounters(g.addGroup("join"), counts);
        join = new ClickJoin<>(windowMs, negativeLabel, new Store(), new Out());
    }

    /**
     * The event time after which nothing restored state holds is left: its last window end plus one
     * more window for the tombstones, or a held click's time (Long.MIN_VALUE: it holds nothing).
     * {@code setKey} switches the keyed-state context (the operator's).
     */
    long restoredUntil(org.apache.flink.runtime.state.KeyedStateBackend<String> backend,
                       java.util.function.Consumer<String> setKey) throws Exception {
        long until = Long.MIN_VALUE;
        java.util.List<String> ids;
        try (java.util.stream.Stream<String> keys = backend.getKeys("join", org.apache.flink.runtime.state.VoidNamespace.INSTANCE)) {
            ids = keys.toList();
        }
        for (String id : ids) {
            setKey.accept(id);
            JoinState st = state.value();
            if (st != null) {
                long t = st.heldClick != null ? st.heldClick.ts
                        : dev.afmflink.time.EventTime.after(st.impression != null ? st.impression.ts : st.impressionTs, 2 * windowMs);
                until = Math.max(until, t);
            }
        }
        return until;
    }

    @Override
    public void processElement(TrainingExample e, Context ctx, Collector<TrainingExample> out) throws Exception {
        if (draining && (e.kind() != EventKind.CLICK || state.value() == null)) {
            return; // not a click of a restored savepoint's impression: the trainer's
        }
        this.ctx = ctx;
        this.out = out;
        join.arrive(InputEvent.of(e), ctx.timerService().currentWatermark());
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<TrainingExample> out) throws Exception {
        this.ctx = ctx;
        this.out = out;
        join.at(ctx.getCurrentKey(), timestamp, ctx.timerService().currentWatermark() == Long.MAX_VALUE);
    }

    /** The rule's memory: the key's {@link JoinState} (the key is the id). */
    private final class Store implements ClickJoin.Store<InputEvent> {
        @Override
        public ClickJoin.Joined<InputEvent> get(String id) throws Exception {
            JoinState st = state.value();
            if (st == null) {
                return null;
            }
            ClickJoin.Joined<InputEvent> j = new ClickJoin.Joined<>();
            j.impression = st.impression;
            j.heldClick = st.heldClick;
            j.clicked = st.clicked;
            j.impressionTs = st.impressionTs;
            return j;
        }

        @Override
        public void put(String id, ClickJoin.Joined<InputEvent> j) throws Exception {
            JoinState st = new JoinState();
            st.impression = j.impression;
            st.heldClick = j.heldClick;
            st.clicked = j.clicked;
            st.impressionTs = j.impressionTs;
            state.update(st);
        }

        @Override
        public void remove(String id) {
            state.clear();
        }
    }

    /** The rule's results: impressions and labels downstream, dead letters, timers, counts. */
    private final class Out implements ClickJoin.Out<InputEvent> {
        @Override
        public void impression(InputEvent impression) {
            out.collect(impression.toExample(EventKind.IMPRESSION, Double.NaN));
        }

        @Override
        public void labelled(InputEvent impression, double label) {
            out.collect(impression.toExample(EventKind.LABELLED, label));
        }

        @Override
        public void dead(InputEvent e, String reason, String detail) {
            deadLetters.emit(ctx, DeadLetters.ofJoin(reason, detail, e.kind(), e.id, e.ts, e.topic, e.partition, e.offset));
        }

        @Override
        public void deadline(InputEvent e, long t) {
            ctx.timerService().registerEventTimeTimer(t);
        }

        @Override
        public void counted(ClickJoin.Count c) {
            counts.get(c).inc();
        }
    }
}
