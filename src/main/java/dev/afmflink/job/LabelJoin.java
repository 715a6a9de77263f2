package dev.afmflink.job;

import dev.afmflink.data.EventKind;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Impressions and clicks → labelled examples, keyed by impression id, in event time.
 *
 * <p>An impression is passed on at once as a {@link TrainingExample#IMPRESSION} (the trainer
 * scores it with the model as it stands) and then waits for the attribution window W:
 * <ul>
 *   <li>a click with time ≤ impression time + W labels it 1, emitted when the click arrives;</li>
 *   <li>no click by the time the watermark passes impression time + W labels it 0;</li>
 *   <li>a second impression or click for the same id counts once (counted as duplicates);</li>
 *   <li>a click that arrives before its impression is held until the watermark passes the click's
 *       time, and matched if the impression comes by then;</li>
 *   <li>dead letters: a click with no impression ({@code unknown_click}: never seen, or closed
 *       more than a window ago), a click later than W after its impression
 *       ({@code expired_click}), an impression whose time is already behind the watermark
 *       ({@code late_impression}: a click for it may have been dropped, so its label could be
 *       wrong).</li>
 * </ul>
 * Every accepted impression is labelled exactly once, except at the end of a bounded input: an
 * impression whose window has not passed in the data's own event time when the input ends is not
 * labelled (it is counted as {@code join.unlabelledAtEnd}; a replay of a finite log ends with
 * the labels the endless stream had at that point, not with invented negatives). At the end of its window its state shrinks
 * to a tombstone (the impression's time, no features) kept for one more window, so a duplicate
 * impression still counts as a duplicate and a very late click is dead-lettered as
 * {@code expired_click}; then it is cleared. A held click's state is cleared when it is matched
 * or dead-lettered.
 */
public class LabelJoin extends KeyedProcessFunction<String, InputEvent, TrainingExample> {
    public static final String LATE_IMPRESSION = dev.afmflink.data.EventDecoder.LATE_IMPRESSION;
    public static final String UNKNOWN_CLICK = dev.afmflink.data.EventDecoder.UNKNOWN_CLICK;
    public static final String EXPIRED_CLICK = dev.afmflink.data.EventDecoder.EXPIRED_CLICK;

    private final long windowMs;
    private final double negativeLabel;

    private transient ValueState<JoinState> state;
    private transient DeadLetters deadLetters;
    private transient Counter positives;
    private transient Counter negatives;
    private transient Counter duplicateImpressions;
    private transient Counter duplicateClicks;
    private transient Counter unlabelledAtEnd;

    /** {@code negativeLabel}: the label of an impression nobody clicked (0 for logistic, −1 for squared loss). */
    public LabelJoin(long windowMs, double negativeLabel) {
        if (windowMs <= 0) {
            throw new IllegalArgumentException("attribution window must be > 0 ms");
        }
        this.windowMs = windowMs;
        this.negativeLabel = negativeLabel;
    }

    @Override
    public void open(OpenContext openContext) {
        state = getRuntimeContext().getState(new ValueStateDescriptor<>("join", TypeInformation.of(JoinState.class)));
        MetricGroup g = getRuntimeContext().getMetricGroup();
        deadLetters = new DeadLetters(g);
        MetricGroup join = g.addGroup("join");
        positives = join.counter("labelledClicked");
        negatives = join.counter("labelledNotClicked");
        duplicateImpressions = join.counter("duplicateImpressions");
        duplicateClicks = join.counter("duplicateClicks");
        unlabelledAtEnd = join.counter("unlabelledAtEnd");
    }

    /** {@code windows} attribution windows after {@code ts} ({@link dev.afmflink.time.EventTime#after}: saturating below +inf). */
    private long after(long ts, int windows) {
        return dev.afmflink.time.EventTime.after(ts, windows * windowMs);
    }

    private long windowEnd(InputEvent impression) {
        return after(impression.ts, 1);
    }

    @Override
    public void processElement(InputEvent e, Context ctx, Collector<TrainingExample> out) throws Exception {
        JoinState st = state.value();
        long watermark = ctx.timerService().currentWatermark();
        if (st != null && st.isTombstone()) { // the impression's window has closed
            if (e.kind() == EventKind.IMPRESSION) {
                duplicateImpressions.inc();
            } else {
                dead(ctx, EXPIRED_CLICK, expiredDetail(e, st.impressionTs) + " (the window has closed)", e);
            }
            return;
        }
        if (e.kind() == EventKind.IMPRESSION) {
            if (st != null && st.impression != null) {
                duplicateImpressions.inc();
                return;
            }
            if (e.ts <= watermark) {
                dead(ctx, LATE_IMPRESSION, "impression at " + e.ts + " arrived after the watermark " + watermark
                        + " (beyond the out-of-orderness bound); not trained", e);
                return;
            }
            if (st == null) {
                st = new JoinState();
            }
            st.impression = e;
            out.collect(e.toExample(EventKind.IMPRESSION, Double.NaN));
            InputEvent held = st.heldClick;
            if (held != null) {
                ctx.timerService().deleteEventTimeTimer(held.ts);
                st.heldClick = null;
                if (held.ts <= windowEnd(e)) {
                    label(st, 1.0, out);
                } else {
                    dead(ctx, EXPIRED_CLICK, expiredDetail(held, e.ts), held);
                }
            }
            ctx.timerService().registerEventTimeTimer(windowEnd(e));
            state.update(st);
        } else if (st != null && st.impression != null) {
            if (st.clicked) {
                duplicateClicks.inc();
            } else if (e.ts > windowEnd(st.impression)) {
                dead(ctx, EXPIRED_CLICK, expiredDetail(e, st.impression.ts), e);
            } else {
                label(st, 1.0, out);
                state.update(st);
            }
        } else if (st != null) {
            duplicateClicks.inc(); // a click is already held for this id
        } else if (e.ts <= watermark) {
            dead(ctx, UNKNOWN_CLICK, "no impression '" + e.id + "' is known (never seen, or closed more than a window ago)", e);
        } else {
            st = new JoinState();
            st.heldClick = e;
            ctx.timerService().registerEventTimeTimer(e.ts);
            state.update(st);
        }
    }

    private String expiredDetail(InputEvent click, long impressionTs) {
        return "click at " + click.ts + " is " + (click.ts - impressionTs) + " ms after its impression; the attribution window is "
                + windowMs + " ms";
    }

    private void label(JoinState st, double label, Collector<TrainingExample> out) {
        out.collect(st.impression.toExample(EventKind.LABELLED, label));
        if (label > negativeLabel) {
            st.clicked = true;
            positives.inc();
        } else {
            negatives.inc();
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<TrainingExample> out) throws Exception {
        JoinState st = state.value();
        if (st == null) {
            return;
        }
        if (st.isTombstone()) {
            if (timestamp >= after(st.impressionTs, 2)) {
                state.clear();
            }
        } else if (st.impression != null) {
            if (timestamp < windowEnd(st.impression)) {
                return;
            }
            if (ctx.timerService().currentWatermark() == Long.MAX_VALUE) {
                // the input ended before event time passed this window: an unclicked impression's label is not known
                if (!st.clicked) {
                    unlabelledAtEnd.inc();
                }
                state.clear();
                return;
            }
            if (!st.clicked) {
                label(st, negativeLabel, out);
            }
            // keep a tombstone (no features) for one more window: late duplicates and very late clicks
            // are then recognised as such instead of as unknown
            JoinState tomb = new JoinState();
            tomb.impressionTs = st.impression.ts;
            ctx.timerService().registerEventTimeTimer(after(tomb.impressionTs, 2));
            state.update(tomb);
        } else {
            InputEvent c = st.heldClick;
            dead(ctx, UNKNOWN_CLICK, "no impression '" + c.id + "' arrived by the watermark passing the click's time " + c.ts, c);
            state.clear();
        }
    }

    private void dead(Context ctx, String reason, String detail, InputEvent e) {
        String raw = "{\"type\":\"" + e.kind().wireName() + "\",\"id\":"
                + KafkaRecords.jsonString(e.id) + ",\"ts\":" + e.ts + "}";
        deadLetters.emit(ctx, new DeadLetter(reason, detail, raw, e.topic, e.partition, e.offset));
    }
}
