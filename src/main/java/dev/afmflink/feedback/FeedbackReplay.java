package dev.afmflink.feedback;

import dev.afmflink.data.Event;
import dev.afmflink.lifecycle.FeatureLifecycle;
import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.model.ExampleWeight;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The streaming job's feedback loop in plain Java, one model, one Kafka partition, for replays of
 * a click-stream (the tests' reference and the feedback bench): events in order; after each event
 * the watermark (largest time − bound − 1) moves on when it has moved {@code stepMs}; then the
 * join labels, in order of window end, every unclicked impression whose window W has ended, and
 * the trainer acts as its {@link FeedbackMode} says. Each impression is scored on arrival (ordered
 * mode: when event time reaches it) and judged once by that score against its final label. At {@link #end()} nothing more is labelled
 * (an impression whose window has not passed is left out, as in the job). Labelled examples
 * ({@code type: example}) are trained at once, in the ordered mode when event time reaches them. Clicks before their impression, and
 * clicks of unknown impressions, are ignored here (the job holds or dead-letters them).
 */
public final class FeedbackReplay {
    /** One judged impression or example: its score at arrival as a prediction, its final label and loss. */
    public record Judged(String id, long ts, double label, double prediction, double loss) {
    }

    private record Impression(String id, long ts, Example features) {
    }

    private static final Comparator<Impression> ORDER = Comparator.comparingLong(Impression::ts).thenComparing(Impression::id);

    private final AfmModel model;
    private final FeedbackMode mode;
    private final long windowMs;
    private final long boundMs;
    private final long stepMs;
    private final double negativeLabel;
    private final Map<String, Impression> open = new HashMap<>();
    private final Set<String> clicked = new HashSet<>();
    private final Set<String> seen = new HashSet<>();
    /** Window end → impressions (join timers), in arrival order within one end. */
    private final TreeMap<Long, List<Impression>> closes = new TreeMap<>();
    /** Ordered mode: labelled impressions waiting for their window, by event time. */
    private final TreeMap<Long, List<Impression>> held = new TreeMap<>();
    /** Ordered mode: labelled examples waiting for event time to reach them, in arrival order per time. */
    private final TreeMap<Long, List<Event>> examples = new TreeMap<>();
    /** Ordered mode: impressions waiting for event time to reach them, to be scored. */
    private final TreeMap<Long, List<Impression>> unscored = new TreeMap<>();
    private final Map<String, Double> labels = new HashMap<>();
    private final Map<String, Double> scoredAt = new HashMap<>();
    private final List<Judged> judged = new ArrayList<>();
    private long maxTs = Long.MIN_VALUE;
    private long watermark = Long.MIN_VALUE;
    private long lastEmitted = Long.MIN_VALUE;
    private FeatureLifecycle lifecycle = FeatureLifecycle.NONE;
    /** Admission counts: id → {seen, last seen}. */
    private final Map<Long, long[]> counts = new HashMap<>();
    /** Sweep times of the buckets touched. */
    private final java.util.TreeSet<Long> sweeps = new java.util.TreeSet<>();

    public FeedbackReplay(AfmConfig config, FeedbackMode mode, long windowMs, long boundMs, long stepMs) {
        this(new AfmModel(config), mode, windowMs, boundMs, stepMs);
    }

    /** Continues training {@code model} (a warm start). */
    public FeedbackReplay(AfmModel model, FeedbackMode mode, long windowMs, long boundMs, long stepMs) {
        this.model = model;
        this.mode = mode;
        this.windowMs = windowMs;
        this.boundMs = boundMs;
        this.stepMs = stepMs;
        this.negativeLabel = model.config().loss().negativeLabel();
    }

    public AfmModel model() {
        return model;
    }

    /** Feature admission and expiry as the job's trainer does them ({@link FeatureLifecycle}). */
    public FeedbackReplay withLifecycle(FeatureLifecycle l) {
        this.lifecycle = l;
        return this;
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
        Map<String, Impression> imps = new HashMap<>();
        Set<String> clickedIds = new HashSet<>();
        for (Event e : events) {
            if (e.type() == Event.Type.IMPRESSION) {
                imps.putIfAbsent(e.id(), new Impression(e.id(), e.ts(), e.features()));
            } else if (e.type() == Event.Type.CLICK) {
                Impression i = imps.get(e.id());
                if (i != null && e.ts() <= i.ts() + windowMs) {
                    clickedIds.add(e.id());
                }
            }
        }
        List<Impression> order = new ArrayList<>(imps.values());
        order.sort(ORDER);
        var loss = model.config().loss();
        List<Judged> judged = new ArrayList<>(order.size());
        for (Impression i : order) {
            Example x = i.features().copy();
            x.label = clickedIds.contains(i.id()) ? 1.0 : loss.negativeLabel();
            double raw = model.train(x, i.ts());
            judged.add(new Judged(i.id(), i.ts(), x.label, loss.prediction(raw), loss.loss(raw, x.label)));
        }
        return judged;
    }

    /** One decoded event, as the job would see it next. */
    public void accept(Event e) {
        switch (e.type()) {
            case EXAMPLE -> {
                if (mode.waitsForWindow()) { // trained when event time reaches it, in arrival order
                    examples.computeIfAbsent(e.ts(), t -> new ArrayList<>()).add(e);
                } else {
                    trainExample(e);
                }
            }
            case IMPRESSION -> {
                if (!seen.contains(e.id()) && e.ts() > watermark) {
                    seen.add(e.id());
                    Impression imp = new Impression(e.id(), e.ts(), e.features());
                    open.put(e.id(), imp);
                    if (mode.waitsForWindow()) {
                        unscored.computeIfAbsent(e.ts(), t -> new ArrayList<>()).add(imp);
                    } else {
                        scoredAt.put(e.id(), predictAdmitted(e.features()));
                    }
                    closes.computeIfAbsent(end(e.ts()), t -> new ArrayList<>()).add(imp);
                    if (mode.trainsImpressions()) {
                        train(imp, negativeLabel);
                    }
                }
            }
            case CLICK -> {
                Impression imp = open.get(e.id());
                if (imp != null && !clicked.contains(e.id()) && e.ts() <= end(imp.ts())) {
                    clicked.add(e.id());
                    labelled(imp, 1.0);
                }
            }
        }
        advanceTo(e.ts());
    }

    /** Event time {@code ts} seen on the partition (by this model's event or another key's): the watermark may move. */
    public void advanceTo(long ts) {
        if (ts > maxTs) {
            maxTs = ts;
            long wm = maxTs - boundMs - 1;
            if (lastEmitted == Long.MIN_VALUE || wm - lastEmitted >= stepMs) {
                lastEmitted = wm;
                advance(wm);
            }
        }
    }

    /** The input ends: nothing more is labelled or trained. Returns the impressions left out. */
    public long end() {
        while (!examples.isEmpty()) { // labelled examples train at the end of input too (their labels are final)
            examples.pollFirstEntry().getValue().forEach(this::trainExample);
        }
        long left = open.size();
        open.clear();
        closes.clear();
        held.clear();
        unscored.clear();
        return left;
    }

    private long end(long ts) {
        return dev.afmflink.time.EventTime.after(ts, windowMs);
    }

    private void advance(long wm) {
        watermark = wm;
        // the join's timers (window ends) first, then the trainer's (ordered releases) at the same watermark
        while (!closes.isEmpty() && closes.firstKey() <= wm) {
            for (Impression imp : closes.pollFirstEntry().getValue()) {
                open.remove(imp.id());
                if (!clicked.remove(imp.id())) {
                    labelled(imp, negativeLabel);
                }
            }
        }
        // the trainer's timers in time order; at one time, first the labels whose window ends (ordered mode), then the
        // impressions of that time are scored (ordered mode), then the lifecycle's sweep
        while (true) {
            long release = held.isEmpty() ? Long.MAX_VALUE : end(held.firstKey());
            long score = unscored.isEmpty() ? Long.MAX_VALUE : unscored.firstKey();
            long example = examples.isEmpty() ? Long.MAX_VALUE : examples.firstKey();
            long sweep = sweeps.isEmpty() ? Long.MAX_VALUE : sweeps.first();
            long t = Math.min(Math.min(release, score), Math.min(sweep, example));
            if (t > wm || t == Long.MAX_VALUE) {
                break;
            }
            if (release == t) {
                List<Impression> due = held.pollFirstEntry().getValue();
                due.sort(ORDER);
                for (Impression imp : due) {
                    learnAndJudge(imp, labels.remove(imp.id()));
                }
            }
            if (example == t) {
                examples.pollFirstEntry().getValue().forEach(this::trainExample);
            }
            if (score == t) {
                for (Impression imp : unscored.pollFirstEntry().getValue()) {
                    scoredAt.put(imp.id(), predictAdmitted(imp.features()));
                }
            }
            if (sweep == t) {
                sweeps.pollFirst();
                sweep(t);
            }
        }
    }

    private void trainExample(Event e) {
        Example x = e.features().copy();
        x.label = e.label();
        double before = trainAdmitted(x, e.ts(), ExampleWeight.ONE);
        judge(e.id(), e.ts(), e.label(), before);
    }

    private void labelled(Impression imp, double label) {
        if (mode.waitsForWindow()) {
            labels.put(imp.id(), label);
            held.computeIfAbsent(imp.ts(), t -> new ArrayList<>()).add(imp);
        } else {
            learnAndJudge(imp, label);
        }
    }

    private void learnAndJudge(Impression imp, double label) {
        if (mode.trainsLabel(label, negativeLabel)) {
            train(imp, label);
        }
        judge(imp.id(), imp.ts(), label, scoredAt.get(imp.id()));
    }

    private double train(Impression imp, double label) {
        Example x = imp.features().copy();
        x.label = label;
        return trainAdmitted(x, imp.ts(), mode.weighting());
    }

    /** Trains {@code x} on its admitted features only, counting the others (the lifecycle's admission). */
    private double trainAdmitted(Example x, long ts, ExampleWeight weighting) {
        if (!lifecycle.enabled()) {
            return model.train(x, ts, weighting);
        }
        Example kept = new Example(x.size);
        kept.label = x.label;
        for (int i = 0; i < x.size; i++) {
            long id = x.ids[i];
            boolean has = model.features().get(id) != null;
            if (!has && lifecycle.counts()) {
                long[] c = counts.computeIfAbsent(id, k -> new long[2]);
                c[0]++;
                c[1] = ts;
                if (!lifecycle.admits(c[0])) {
                    touched(ts, true);
                    continue;
                }
                counts.remove(id);
            }
            kept.ids[kept.size] = id;
            kept.values[kept.size++] = x.values[i];
            touched(ts, false);
        }
        return model.train(kept, ts, weighting);
    }

    /** The raw score of {@code x} by its admitted features (with admission, unseen ones take no part). */
    private double predictAdmitted(Example x) {
        if (!lifecycle.counts()) {
            return model.predictRaw(x);
        }
        Example kept = new Example(x.size);
        for (int i = 0; i < x.size; i++) {
            if (model.features().get(x.ids[i]) != null) {
                kept.ids[kept.size] = x.ids[i];
                kept.values[kept.size++] = x.values[i];
            }
        }
        return model.predictRaw(kept);
    }

    private void touched(long ts, boolean count) {
        if (lifecycle.expires(count)) {
            sweeps.add(lifecycle.sweepTime(lifecycle.bucket(ts), count));
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

    private void judge(String id, long ts, double label, double raw) {
        var loss = model.config().loss();
        judged.add(new Judged(id, ts, label, loss.prediction(raw), loss.loss(raw, label)));
    }
}
