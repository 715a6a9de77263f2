package dev.afmflink.job;

import dev.afmflink.feedback.EventTimes;
import dev.afmflink.feedback.Holdout;
import dev.afmflink.metrics.ProgressiveWindow;
import dev.afmflink.metrics.WindowSummary;
import dev.afmflink.model.Loss;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.streaming.api.TimerService;

/**
 * Delayed progressive validation for one model key at a time: the tumbling event-time windows the
 * judged predictions go into (open ones in the key's buffer and in state, each closed by an
 * event-time timer once its labels are all in), and the candidate model's figures on the held-out
 * sample that the quality gate judges with the last window.
 */
final class Validation {
    private final EventTimes times;
    private final Holdout holdout;
    private final Loss loss;
    private final TrainerState state;
    private final KeyedModel model;
    private final TrainerMetrics metrics;

    Validation(EventTimes times, Holdout holdout, Loss loss, TrainerState state, KeyedModel model, TrainerMetrics metrics) {
        this.times = times;
        this.holdout = holdout;
        this.loss = loss;
        this.state = state;
        this.model = model;
        this.metrics = metrics;
    }

    /** The open validation window holding event time {@code ts}; a new one gets its closing timer. */
    ProgressiveWindow windowOf(WriteBackBuffer b, long ts, TimerService timers) throws Exception {
        long start = times.windowStart(ts);
        ProgressiveWindow w = b.lastWindow;
        if (w != null && w.start == start) { // most judgements fall in the window of the one before: no boxed key, no lookup
            return w;
        }
        w = b.windows.get(start);
        if (w == null) {
            w = state.windows.get(start);
            if (w == null) {
                w = new ProgressiveWindow(start, start + times.validationMs());
                timers.registerEventTimeTimer(times.close(start));
            }
            b.windows.put(start, w);
        }
        b.lastWindow = w;
        return w;
    }

    /**
     * Closes the validation window starting at {@code start}: its figures go out and become the
     * gate's evidence. At the end of a bounded input (watermark +inf) a window whose labels are not
     * all in by the data's own event time is dropped, counted: its figures would be partial (in
     * the immediate and fake-negative modes, the clicks without the non-clicks).
     */
    MetricsRecord close(String key, WriteBackBuffer b, long start, boolean endOfInput, long wallMs) throws Exception {
        if (times.windowStart(start) != start) {
            return null; // the timer closes no window (most timers release labels or score impressions): no state lookup
        }
        ProgressiveWindow w = b.windows.remove(start);
        if (b.lastWindow != null && b.lastWindow.start == start) {
            b.lastWindow = null;
        }
        if (w == null) {
            w = state.windows.get(start);
        }
        if (w == null) {
            return null;
        }
        state.windows.remove(start);
        WindowSummary s = w.summary();
        if (s.n() == 0) {
            return null;
        }
        if (endOfInput) {
            metrics.openWindowsAtEnd.inc();
            return null;
        }
        b.publish.completed(s);
        metrics.of(key).last = s;
        MetricsRecord r = MetricsRecord.of(MetricsRecord.WINDOW, key, b, s, wallMs, null);
        var attention = w.meanAttention();
        r.attentionPairs = attention.keySet().toArray(new String[0]);
        r.attentionMeans = attention.values().stream().mapToDouble(Double::doubleValue).toArray();
        return r;
    }

    /** The model as it stands on the held-out sample (the latest held-out impressions of this key). */
    WindowSummary holdout(WriteBackBuffer b) throws Exception {
        Map<Integer, TrainingExample> sample = new HashMap<>();
        for (Map.Entry<Integer, TrainingExample> e : state.holdoutSample.entries()) {
            sample.put(e.getKey(), e.getValue());
        }
        sample.putAll(b.holdout);
        dev.afmflink.metrics.Evaluation ev = new dev.afmflink.metrics.Evaluation(loss);
        for (int slot = 0; slot < holdout.size(); slot++) { // slot order: the same figures whatever the state backend
            TrainingExample ex = sample.get(slot);
            if (ex != null) {
                ev.add(model.score(b, ex), ex.label);
            }
        }
        return ev.count() == 0 ? new WindowSummary(0, 0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN) : ev.summary(0, 0);
    }
}
