package dev.afmflink.feedback;

import dev.afmflink.data.Event;
import dev.afmflink.data.EventKind;
import dev.afmflink.feedback.FeedbackSchedule.Hold;
import dev.afmflink.lifecycle.FeatureLifecycle;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.model.ExampleWeight;
import dev.afmflink.model.FeatureParams;
import dev.afmflink.model.Loss;
import dev.afmflink.model.ParameterStore;
import dev.afmflink.model.SharedParams;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The streaming job's feedback loop in plain Java, one model, one Kafka partition, for replays of
 * a click-stream (the tests' reference and the feedback bench): events in order; after each event
 * the watermark (largest time − bound − 1) moves on when it has moved {@code stepMs}; then the
 * trainer's timers up to the watermark run in time order. What the trainer does on arrival and at
 * each time — the label join included — is {@link FeedbackSchedule}'s, the same rule the job's
 * keyed function drives; this class is its second driver (maps and a sorted set of times instead
 * of keyed state and timers), with the job's admission ({@link #withLifecycle}) and holdout
 * ({@link #withHoldout}). At {@link #end()} nothing more is labelled (an impression whose window
 * has not passed is left out, as in the job).
 */
public final class FeedbackReplay implements Replay {
    /** One judged impression or example: its score at arrival (raw ŷ and as a prediction), its final label and loss. */
    public record Judged(String id, long ts, double label, double raw, double prediction, double loss) {
    }

    /** What reaches the trainer: an example, an impression or a labelled impression. */
    private record Item(EventKind kind, String id, long ts, double label, Example features)
            implements FeedbackSchedule.Item {
        Item labelled(double l) {
            return new Item(EventKind.LABELLED, id, ts, l, features);
        }
    }

    private static final Comparator<Item> ORDER = Comparator.comparingLong(Item::ts).thenComparing(Item::id);

    private final AfmModel model;
    private final long windowMs;
    /** The job's watermarks ({@link dev.afmflink.time.WatermarkSteps}). */
    private final dev.afmflink.time.WatermarkSteps watermarks;
    private final double negativeLabel;
    private final FeedbackMode mode;
    private FeedbackSchedule<Item> schedule;
    /** What the label join keeps, by impression id. */
    private final Map<String, ClickJoin.Joined<Item>> joined = new HashMap<>();
    /** What the schedule holds, by kind and event time. */
    private final Map<Hold, TreeMap<Long, List<Item>>> held = new EnumMap<>(Hold.class);
    /** The trainer's timers. */
    private final TreeSet<Long> timers = new TreeSet<>();
    private final Map<String, Double> scoredAt = new HashMap<>();
    private final List<Judged> judged = new ArrayList<>();
    private long watermark = Long.MIN_VALUE;
    /** The time whose work runs now (Long.MIN_VALUE outside one): holding until it needs no new timer. */
    private long running = Long.MIN_VALUE;
    private FeatureLifecycle lifecycle = FeatureLifecycle.NONE;
    private Holdout holdout = Holdout.NONE;
    private long heldOut;
    /** Admission counts: id → {seen, last seen}. */
    private final Map<Long, long[]> counts = new HashMap<>();
    /** Where the steps find their rows: the model with the job's admission, or a replica's parameters. */
    private final ParameterStore store;

    public FeedbackReplay(AfmConfig config, FeedbackMode mode, long windowMs, long boundMs, long stepMs) {
        this(new AfmModel(config), mode, windowMs, boundMs, stepMs);
    }

    /** Continues training {@code model} (a warm start). */
    public FeedbackReplay(AfmModel model, FeedbackMode mode, long windowMs, long boundMs, long stepMs) {
        this(model, null, mode, windowMs, boundMs, stepMs);
    }

    /**
     * One replica's share of a model trained by several ({@link ReplicaReplay}): the schedule's steps
     * on {@code store}, the replica's parameters, whose model is {@code model}; the caller drives the
     * watermark and the timers.
     */
    FeedbackReplay(AfmModel model, ParameterStore store, FeedbackMode mode, long windowMs, long boundMs, long stepMs) {
        this.model = model;
        this.store = store != null ? store : new Store();
        this.mode = mode;
        this.windowMs = windowMs;
        this.watermarks = new dev.afmflink.time.WatermarkSteps(boundMs, stepMs);
        this.negativeLabel = model.config().loss().negativeLabel();
        for (Hold h : Hold.values()) {
            held.put(h, new TreeMap<>());
        }
        schedule();
    }

    private void schedule() {
        schedule = new FeedbackSchedule<>(mode, new EventTimes(windowMs, 1), holdout, negativeLabel, new Buckets(), new Steps(),
                windowMs > 0 ? ClickJoin.Store.of(joined) : null); // no window: no click-stream to join
    }

    @Override
    public AfmModel model() {
        return model;
    }

    /** Feature admission and expiry as the job's trainer does them ({@link FeatureLifecycle}). */
    public FeedbackReplay withLifecycle(FeatureLifecycle l) {
        this.lifecycle = l;
        return this;
    }

    /** The job's holdout: the labelled impressions it selects are judged, never trained. */
    public FeedbackReplay withHoldout(Holdout h) {
        this.holdout = h;
        schedule();
        return this;
    }

    /** Labelled impressions the holdout kept out of training. */
    public long heldOut() {
        return heldOut;
    }

    /** Admission counts still held (features seen, not admitted, not expired). */
    public int pendingCounts() {
        return counts.size();
    }

    /** Each impression's score at arrival (raw ŷ), by impression id. */
    public Map<String, Double> scoredAt() {
        return scoredAt;
    }

    /** The judged impressions and examples, in the order they were judged. */
    @Override
    public List<Judged> judged() {
        return judged;
    }

    /**
     * The no-delay ideal the {@code ordered} mode reproduces W later: trains {@code model} on every
     * impression of {@code events} (the first of an id) in event-time order, ties by id, each with
     * its final label (1 if a click came within {@code windowMs}, else the loss's negative label).
     * Returns each impression judged by the prediction just before its step.
     */
    public static List<Judged> inEventOrder(AfmModel model, List<Event> events, long windowMs) {
        var loss = model.config().loss();
        List<Item> order = labelled(events, windowMs);
        List<Judged> judged = new ArrayList<>(order.size());
        for (Item i : order) {
            Example x = labelled(i, loss);
            double raw = model.train(x, i.ts());
            judged.add(new Judged(i.id(), i.ts(), x.label, raw, loss.prediction(raw), loss.loss(raw, x.label)));
        }
        return judged;
    }

    /** The impressions of {@code events} with their final labels, in the order {@link #inEventOrder} trains them. */
    public static List<Example> labelledInEventOrder(List<Event> events, long windowMs, Loss loss) {
        List<Example> out = new ArrayList<>();
        for (Item i : labelled(events, windowMs)) {
            out.add(labelled(i, loss));
        }
        return out;
    }

    /** Every impression, a label 1 on those clicked within the window, in event-time order (ties by id). */
    private static List<Item> labelled(List<Event> events, long windowMs) {
        Map<String, Item> imps = new HashMap<>();
        Set<String> clickedIds = new HashSet<>();
        for (Event e : events) {
            if (e.type() == EventKind.IMPRESSION) {
                imps.putIfAbsent(e.id(), new Item(EventKind.IMPRESSION, e.id(), e.ts(), Double.NaN, e.features()));
            } else if (e.type() == EventKind.CLICK) {
                Item i = imps.get(e.id());
                if (i != null && e.ts() <= i.ts() + windowMs) {
                    clickedIds.add(e.id());
                }
            }
        }
        List<Item> order = new ArrayList<>();
        for (Item i : imps.values()) {
            order.add(clickedIds.contains(i.id()) ? new Item(i.kind(), i.id(), i.ts(), 1.0, i.features()) : i);
        }
        order.sort(ORDER);
        return order;
    }

    private static Example labelled(Item i, Loss loss) {
        Example x = i.features().copy();
        x.label = i.label() == 1.0 ? 1.0 : loss.negativeLabel();
        return x;
    }

    /** One decoded event, as the job would see it next. */
    @Override
    public void accept(Event e) {
        arrive(e);
        advanceTo(e.ts());
    }

    /** {@code e} reaches the trainer (judged late or not by the watermark as it stands); event time does not move. */
    void arrive(Event e) {
        switch (e.type()) {
            case EXAMPLE -> arrive(new Item(EventKind.EXAMPLE, e.id(), e.ts(), e.label(), e.features()));
            case IMPRESSION -> arrive(new Item(EventKind.IMPRESSION, e.id(), e.ts(), Double.NaN, e.features()));
            case CLICK -> arrive(new Item(EventKind.CLICK, e.id(), e.ts(), Double.NaN, null));
            default -> throw new IllegalArgumentException("no input event is " + e.type());
        }
    }

    boolean hasTimers() {
        return !timers.isEmpty();
    }

    /** The earliest timer not fired yet ({@link Long#MAX_VALUE} if none: see {@link #hasTimers}). */
    long nextTimer() {
        return timers.isEmpty() ? Long.MAX_VALUE : timers.first();
    }

    /** The watermark is {@code wm}: the earliest timer fires next by {@link #fireNext} (the caller's order). */
    void watermark(long wm) {
        watermark = wm;
    }

    /** Fires the earliest timer ({@code inputEnded}: at the end of a bounded input). */
    void fireNext(boolean inputEnded) {
        at(timers.pollFirst(), inputEnded);
    }

    /** Event time {@code ts} seen on the partition (by this model's event or another key's): the watermark may move. */
    @Override
    public void advanceTo(long ts) {
        long wm = watermarks.seen(ts);
        if (wm != Long.MIN_VALUE) {
            advance(wm);
        }
    }

    /** The input ends: nothing more is labelled; the trainer's timers run as at the end of a bounded input. Returns the impressions left out. */
    @Override
    public void end() {
        while (!timers.isEmpty()) {
            at(timers.pollFirst(), true);
        }
    }

    private void advance(long wm) {
        watermark = wm;
        while (!timers.isEmpty() && timers.first() <= wm) {
            at(timers.pollFirst(), false);
        }
    }

    private void arrive(Item item) {
        try {
            schedule.arrive(item, watermark);
        } catch (Exception e) {
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
    }

    private void at(long t, boolean inputEnded) {
        running = t;
        try {
            schedule.at(t, inputEnded);
        } catch (Exception e) {
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        } finally {
            running = Long.MIN_VALUE;
        }
    }

    /** The schedule's buckets, with a timer for each. */
    private final class Buckets implements FeedbackSchedule.Held<Item> {
        @Override
        public void hold(Hold which, Item item, long until) {
            held.get(which).computeIfAbsent(which.bucketOf(item, until), t -> new ArrayList<>()).add(item);
            if (until != running) { // the time running now takes its buckets after this
                timers.add(until);
            }
        }

        @Override
        public List<Item> take(Hold which, long ts) {
            List<Item> due = held.get(which).remove(ts);
            return due == null ? new ArrayList<>() : due;
        }
    }

    /** The schedule's steps on the in-memory model, judged into {@link #judged}. */
    private final class Steps implements FeedbackSchedule.Steps<Item> {
        @Override
        public void arrived(Item impression) {
        }

        @Override
        public double score(Item item) {
            Example x = item.features();
            return model.learner().predict(store, x.ids, x.values, x.size, item.ts());
        }

        @Override
        public void remember(Item impression, double raw) {
            scoredAt.put(impression.id(), raw);
        }

        @Override
        public Double takeScore(Item labelled) {
            return scoredAt.get(labelled.id());
        }

        @Override
        public void leftOut(Item labelled) {
        }

        @Override
        public void heldOut(Item labelled) {
            heldOut++;
        }

        @Override
        public double train(Item item, double label, ExampleWeight weighting) {
            Example x = item.features();
            if (store instanceof dev.afmflink.sync.Replica r) {
                r.stepping(x); // which of its rows are of local fields
            }
            return model.learner().train(store, x.ids, x.values, x.size, label, item.ts(), weighting);
        }

        @Override
        public void judged(Item item, double raw, boolean trained) {
            var loss = model.config().loss();
            judged.add(new Judged(item.id(), item.ts(), item.label(), raw, loss.prediction(raw), loss.loss(raw, item.label())));
        }

        @Override
        public void trained(Item item, long at) {
        }

        @Override
        public void failed(Item item, RuntimeException e) {
            throw e;
        }

        @Override
        public void closeWindow(long start, boolean inputEnded) {
        }

        @Override
        public void sweep(long t) {
            FeedbackReplay.this.sweep(t);
        }

        @Override
        public void tick(long t) {
        }

        @Override
        public Item labelled(Item impression, double label) {
            return impression.labelled(label);
        }

        @Override
        public void dead(Item event, String reason, String detail) {
            // what the job dead-letters, the replay leaves out (its oracle is the model and the judged impressions)
        }

        @Override
        public void counted(ClickJoin.Count c) {
        }
    }

    /** The model's rows with the job's admission: a feature gets a row at its admitting sighting. */
    private final class Store implements ParameterStore {
        @Override
        public SharedParams shared() {
            return model.shared();
        }

        @Override
        public FeatureParams trainingRow(long id, long ts) {
            FeatureParams f = model.features().get(id);
            if (f == null && lifecycle.counts()) {
                long[] c = counts.computeIfAbsent(id, k -> new long[2]);
                c[0]++;
                c[1] = ts;
                if (!lifecycle.admits(c[0])) {
                    touched(ts, true);
                    return null;
                }
                counts.remove(id);
            }
            touched(ts, false);
            return f != null ? f : model.trainingRow(id, ts);
        }

        @Override
        public FeatureParams scoringRow(long id, long ts, int position) {
            if (lifecycle.counts() && model.features().get(id) == null) {
                return null; // not admitted: no part in the prediction
            }
            return model.scoringRow(id, ts, position);
        }
    }

    private void touched(long ts, boolean count) {
        if (lifecycle.expires(count)) {
            timers.add(lifecycle.sweepTime(lifecycle.bucket(ts), count));
        }
    }

    /** The sweeps at {@code t}: every count, then every feature, last touched in the swept bucket or before goes (a scan: the reference). */
    private void sweep(long t) {
        if (lifecycle.isSweepTime(t, true)) {
            long bucket = lifecycle.sweptBy(t, true);
            counts.values().removeIf(c -> lifecycle.bucket(c[1]) <= bucket);
        }
        if (lifecycle.isSweepTime(t, false)) {
            long bucket = lifecycle.sweptBy(t, false);
            for (long id : model.features().sortedIds()) {
                if (lifecycle.bucket(model.features().get(id).lastUpdate) <= bucket) {
                    model.features().remove(id);
                }
            }
        }
    }
}
