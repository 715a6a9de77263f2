package dev.afmflink.feedback;

import dev.afmflink.data.EventKind;
import dev.afmflink.model.ExampleWeight;
import java.util.Comparator;
import java.util.List;

/**
 * What happens to one model's examples, and in which order: the one home of the trainer's
 * semantics, driven by the keyed Flink function (state and timers) and by {@link FeedbackReplay}
 * (maps and a sorted set of times), like the DFA of Flink's {@code statemachine} example drives both
 * its keyed function and its generator.
 *
 * <p><b>On arrival</b> ({@link #arrive}). In the modes that wait for the window ({@code ordered}),
 * nothing changes the model on arrival: an example is held until event time reaches it, an
 * impression until event time reaches it (then it is scored), a labelled impression until its
 * window has passed. Otherwise an impression is scored at once (and in {@code fake-negative} also
 * trained as a negative unless the holdout selects it), and an example or a labelled impression is
 * learned and judged at once.
 *
 * <p><b>At event time T</b> ({@link #at}), in this order: the labelled impressions of T − W are
 * learned and judged, by impression id (at the end of input they are dropped: their windows have
 * not passed in the data's own time); the examples of T, in arrival order (at the end of input
 * too: their labels are final); the impressions of T are scored; the validation window that T
 * closes closes; the lifecycle's sweep of T (not at the end of input); a publish tick.
 *
 * <p><b>Learning and judging</b> one item: a labelled impression is judged by its score at arrival
 * (else by the prediction just before its step); the holdout keeps the impressions it selects out
 * of training; the mode says which labels train and with which weight; an example trains with
 * weight one. A step that throws is the driver's to report ({@link Steps#failed}); the model is as
 * it was before it.
 */
public final class FeedbackSchedule<E extends FeedbackSchedule.Item> {

    /** What the schedule reads of an item. */
    public interface Item {
        EventKind kind();

        String id();

        long ts();

        double label();

        /** A click sent to more than one replica of its model ({@link dev.afmflink.sync.RouteEpochs}): without its impression here, dropped. */
        default boolean isCopy() {
            return false;
        }
    }

    /** What the ordered mode holds, each by event time. */
    public enum Hold {
        /** Labelled impressions until their window has passed (bucket: the impression's time). */
        PENDING,
        /** Labelled examples until event time reaches them (bucket: that time; a late one's, just after the watermark it met). */
        EXAMPLES,
        /** Impressions until event time reaches them, to be scored. */
        UNSCORED,
        /** Impressions and clicks until a deadline of the label join (bucket: the deadline). */
        JOIN;

        /** The bucket {@code item}, held until {@code until}, goes into: its event time; a join deadline's or an example's, {@code until}. */
        public long bucketOf(Item item, long until) {
            return this == JOIN || this == EXAMPLES ? until : item.ts();
        }

        /** When the bucket {@code bucket} is due (the {@code until} it was held with): a labelled impression's at its release, the others' at the bucket's time. */
        public long dueOf(long bucket, EventTimes times) {
            return this == PENDING ? times.release(bucket) : bucket;
        }
    }

    /** What a driver holds and takes back. */
    public interface Held<E> {
        /** Keeps {@code item} in the bucket {@link Hold#bucketOf} says; {@link #at} must run at {@code until}. */
        void hold(Hold which, E item, long until) throws Exception;

        /** Takes the {@code which} bucket of event time {@code ts}, in arrival order (empty if none). */
        List<E> take(Hold which, long ts) throws Exception;
    }

    /** The steps a driver takes on the schedule's word. */
    public interface Steps<E> {
        /** An impression arrived (counted). */
        void arrived(E impression);

        /** The raw score of {@code item} with the model as it stands; changes nothing. */
        double score(E item) throws Exception;

        /** Keeps an impression's score at arrival until its label comes. */
        void remember(E impression, double raw) throws Exception;

        /** The score kept for {@code labelled} at its arrival, forgotten now; null if none. */
        Double takeScore(E labelled) throws Exception;

        /** The end of input came before the window of {@code labelled} passed: it is left out (its score forgotten). */
        void leftOut(E labelled) throws Exception;

        /** A labelled impression the holdout keeps out of training. */
        void heldOut(E labelled) throws Exception;

        /** One training step of {@code item} with {@code label}; returns the raw score before it. */
        double train(E item, double label, ExampleWeight weighting) throws Exception;

        /** {@code item} judged by the raw score {@code raw}; {@code trained}: a step was taken. */
        void judged(E item, double raw, boolean trained) throws Exception;

        /**
         * After a training step: at event time {@code at} (a timer's), or on arrival
         * ({@code Long.MIN_VALUE}).
         */
        void trained(E item, long at) throws Exception;

        /** Work on {@code item} threw: report it and go on, or rethrow (a failure of the system). */
        void failed(E item, RuntimeException e) throws Exception;

        /** The validation window starting at {@code start} closes (end of input: every window). */
        void closeWindow(long start, boolean inputEnded) throws Exception;

        /** The lifecycle's sweep at event time {@code t}. */
        void sweep(long t) throws Exception;

        /** {@code impression} with its label, as a labelled impression (a driver with the label join makes them). */
        default E labelled(E impression, double label) {
            throw new UnsupportedOperationException("a schedule without the label join labels nothing");
        }

        /** An impression or click the label join cannot use (a dead letter with {@code reason}). */
        default void dead(E event, String reason, String detail) throws Exception {
            throw new UnsupportedOperationException("a schedule without the label join refuses nothing");
        }

        /** The label join counted {@code c}. */
        default void counted(ClickJoin.Count c) {
        }

        /** Event time {@code t} has had its work done: a publish if it is a tick ({@code Long.MAX_VALUE}: the end of input). */
        void tick(long t) throws Exception;
    }

    /** The order labelled impressions of one event time train in: by impression id, whatever the arrival order. */
    public static final Comparator<Item> RELEASE_ORDER = Comparator.comparing(Item::id);

    private final FeedbackMode mode;
    private final EventTimes times;
    private final Holdout holdout;
    private final double negativeLabel;
    private final Held<E> held;
    private final Steps<E> steps;
    /** The label join of impressions and clicks (null: the driver takes none). */
    private final ClickJoin<E> join;
    /**
     * While {@link #at} runs the join's deadlines of event time T: T (else Long.MIN_VALUE). A label
     * the join gives then whose window passes at T is due in this very call; it joins the labels
     * released at T here, in the order {@link Held#hold} would have appended it, instead of a round
     * trip through the driver's buckets (one per impression in the ordered mode).
     */
    private long releasing = Long.MIN_VALUE;
    private final java.util.ArrayList<E> released = new java.util.ArrayList<>();

    public FeedbackSchedule(FeedbackMode mode, EventTimes times, Holdout holdout, double negativeLabel, Held<E> held,
                            Steps<E> steps) {
        this(mode, times, holdout, negativeLabel, held, steps, null);
    }

    /** With the label join: impressions and clicks arrive as they are, what it keeps per impression id in {@code joined}. */
    public FeedbackSchedule(FeedbackMode mode, EventTimes times, Holdout holdout, double negativeLabel, Held<E> held,
                            Steps<E> steps, ClickJoin.Store<E> joined) {
        this.mode = mode;
        this.times = times;
        this.holdout = holdout;
        this.negativeLabel = negativeLabel;
        this.held = held;
        this.steps = steps;
        this.join = joined == null ? null : new ClickJoin<>(times.windowMs(), negativeLabel, joined, new JoinOut());
    }

    /** The label join's results, into the schedule. */
    private final class JoinOut implements ClickJoin.Out<E> {
        @Override
        public void impression(E impression) throws Exception {
            arrive(impression);
        }

        @Override
        public void labelled(E impression, double label) throws Exception {
            arrive(steps.labelled(impression, label));
        }

        @Override
        public void dead(E event, String reason, String detail) throws Exception {
            steps.dead(event, reason, detail);
        }

        @Override
        public void deadline(E event, long t) throws Exception {
            held.hold(Hold.JOIN, event, t);
        }

        @Override
        public void counted(ClickJoin.Count c) {
            steps.counted(c);
        }
    }

    /**
     * An impression or a click through the label join (the result arrives as {@link #arrive}
     * says), anything else as {@link #arrive}; {@code watermark}: the event time that has passed.
     */
    public void arrive(E item, long watermark) throws Exception {
        EventKind kind = item.kind();
        if (join != null && (kind == EventKind.IMPRESSION || kind == EventKind.CLICK)) {
            join.arrive(item, watermark);
        } else {
            if (join != null && kind == EventKind.LABELLED) {
                join.labelledElsewhere(item.id());
            }
            admit(item, watermark);
        }
    }

    /** One item arrives (impressions and labelled impressions from a join before the driver). */
    public void arrive(E item) throws Exception {
        admit(item, Long.MIN_VALUE);
    }

    /**
     * One item arrives, {@code watermark} the event time that has passed ({@link Long#MIN_VALUE}: not
     * known); a labelled example behind it waits until just after it (its step among the first the
     * next watermark releases, at a time that depends on the input alone, never on how far a
     * trainer's timers have run: docs/scaling.md).
     */
    private void admit(E item, long watermark) throws Exception {
        EventKind kind = item.kind();
        boolean waits = mode.waitsForWindow();
        switch (kind) {
            case IMPRESSION -> {
                steps.arrived(item);
                if (waits) {
                    held.hold(Hold.UNSCORED, item, item.ts());
                } else {
                    guarded(item, Long.MIN_VALUE, true);
                }
            }
            case EXAMPLE -> {
                if (waits) {
                    held.hold(Hold.EXAMPLES, item, item.ts() <= watermark ? watermark + 1 : item.ts());
                } else {
                    guarded(item, Long.MIN_VALUE, false);
                }
            }
            case LABELLED -> {
                if (waits) {
                    long until = times.release(item.ts());
                    if (until == releasing) {
                        released.add(item);
                    } else {
                        held.hold(Hold.PENDING, item, until);
                    }
                } else {
                    guarded(item, Long.MIN_VALUE, false);
                }
            }
            default -> throw new IllegalArgumentException("a trainer takes no " + kind);
        }
    }

    /**
     * Everything due at event time {@code t} (a timer); {@code inputEnded}: a bounded input has
     * ended (the watermark is +inf). {@code t = Long.MAX_VALUE} is the end itself: a last tick.
     */
    public void at(long t, boolean inputEnded) throws Exception {
        if (t != Long.MAX_VALUE) {
            released.clear();
            if (join != null) { // the join's deadlines first: what they label is held or learned as it arrives
                releasing = t;
                try {
                    for (E item : held.take(Hold.JOIN, t)) {
                        join.at(item.id(), t, inputEnded);
                    }
                } finally {
                    releasing = Long.MIN_VALUE;
                }
            }
            if (mode.waitsForWindow()) {
                List<E> due = held.take(Hold.PENDING, times.releasedBy(t));
                if (!released.isEmpty()) { // after what was held before, as the buckets would have them
                    List<E> all = new java.util.ArrayList<>(due.size() + released.size());
                    all.addAll(due);
                    all.addAll(released);
                    released.clear();
                    due = all;
                }
                if (inputEnded) {
                    for (E item : due) {
                        steps.leftOut(item);
                    }
                } else {
                    due.sort(RELEASE_ORDER);
                    for (E item : due) {
                        guarded(item, t, false);
                    }
                }
                for (E item : held.take(Hold.EXAMPLES, t)) {
                    guarded(item, t, false);
                }
                for (E item : held.take(Hold.UNSCORED, t)) {
                    if (!inputEnded) {
                        guarded(item, t, true);
                    }
                }
            }
            steps.closeWindow(times.closedBy(t), inputEnded);
            if (!inputEnded) {
                steps.sweep(t);
            }
        }
        steps.tick(t);
    }

    /** Scores an impression ({@code scoring}) or learns and judges an item, reporting a failure. */
    private void guarded(E item, long at, boolean scoring) throws Exception {
        try {
            if (scoring) {
                score(item, at);
            } else {
                learnAndJudge(item, at);
            }
        } catch (RuntimeException e) {
            steps.failed(item, e);
        }
    }

    private void score(E impression, long at) throws Exception {
        steps.remember(impression, steps.score(impression));
        if (mode.trainsImpressions() && !holdout.selects(impression.id())) { // fake negative: trained at once
            steps.train(impression, negativeLabel, mode.weighting());
            steps.trained(impression, at);
        }
    }

    private void learnAndJudge(E item, long at) throws Exception {
        boolean labelled = item.kind() == EventKind.LABELLED;
        double judged = Double.NaN;
        if (labelled) {
            Double atArrival = steps.takeScore(item);
            if (atArrival != null) {
                judged = atArrival;
            }
        }
        boolean heldOut = labelled && holdout.selects(item.id());
        if (heldOut) {
            steps.heldOut(item);
        }
        boolean trains = !heldOut && (!labelled || mode.trainsLabel(item.label(), negativeLabel));
        if (trains) {
            double before = steps.train(item, item.label(), labelled ? mode.weighting() : ExampleWeight.ONE);
            if (Double.isNaN(judged)) {
                judged = before; // an example (or a label whose impression was scored before an upgrade)
            }
        } else if (Double.isNaN(judged)) {
            judged = steps.score(item);
        }
        steps.judged(item, judged, trains);
        if (trains) {
            steps.trained(item, at);
        }
    }
}
