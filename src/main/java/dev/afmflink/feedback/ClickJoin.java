package dev.afmflink.feedback;

import dev.afmflink.data.EventDecoder;
import dev.afmflink.data.EventKind;
import dev.afmflink.time.EventTime;

/**
 * The label join's rule: impressions and clicks → an impression passed on once and its label, in
 * event time, per impression id. One home for three drivers: the trainer's schedule
 * ({@link FeedbackSchedule}, keyed by model: the job's join), the label join keyed by impression
 * id that drains savepoints of jobs from before ({@code job.LabelJoin}), and the replay.
 *
 * <ul>
 *   <li>An impression is passed on at once ({@link Out#impression}) and waits for the attribution
 *       window W; a click with time ≤ impression time + W labels it 1 when the click arrives; no
 *       click by the time event time passes impression time + W labels it with the negative label.</li>
 *   <li>A second impression or click for the same id counts once (counted as a duplicate).</li>
 *   <li>A click that arrives before its impression is held until event time passes the click's
 *       time, and matched if the impression comes by then.</li>
 *   <li>Dead letters: a click with no impression ({@code unknown_click}: never seen, or closed
 *       more than a window ago), a click later than W after its impression ({@code expired_click}),
 *       an impression whose time is already behind the watermark ({@code late_impression}).</li>
 *   <li>A click sent as a copy to each replica its impression may be at (the first window after a
 *       restore at another number of trainers per model, {@code sync.RouteEpochs}) that finds no
 *       impression here is dropped and counted, not a dead letter: its impression is at the other.</li>
 *   <li>At the end of a bounded input an impression whose window has not passed is not labelled
 *       (counted); at the end of its window an impression shrinks to a tombstone (its time) kept
 *       for one more window, so a duplicate still counts as one and a very late click is
 *       {@code expired_click}; then it goes.</li>
 * </ul>
 * What the join keeps per id is the driver's ({@link Store}); so are its timers ({@link Out#deadline}).
 */
public final class ClickJoin<E extends FeedbackSchedule.Item> {
    public static final String LATE_IMPRESSION = EventDecoder.LATE_IMPRESSION;
    public static final String UNKNOWN_CLICK = EventDecoder.UNKNOWN_CLICK;
    public static final String EXPIRED_CLICK = EventDecoder.EXPIRED_CLICK;

    /** What the join keeps for one impression id. A Flink POJO (the trainer's state holds it). */
    public static final class Joined<E> {
        /** The impression (null while only a click is held, and once its window has closed). */
        public E impression;
        /** A click whose impression has not arrived yet (null otherwise). */
        public E heldClick;
        /** The impression has been labelled 1. */
        public boolean clicked;
        /** The impression's time, once its window has closed (then only this is kept: a tombstone). */
        public long impressionTs;
        /** The held click is a copy ({@link FeedbackSchedule.Item#isCopy}): without its impression, dropped. */
        public boolean heldCopy;

        public Joined() {
        }

        /** Neither an impression nor a held click is kept: the impression's window has closed. */
        public boolean isTombstone() {
            return impression == null && heldClick == null;
        }
    }

    /** What the join keeps, by impression id. */
    public interface Store<E> {
        /** Null if nothing is kept for {@code id}. */
        Joined<E> get(String id) throws Exception;

        void put(String id, Joined<E> joined) throws Exception;

        void remove(String id) throws Exception;

        /** A store in {@code map} (the replay's, tests'). */
        static <E> Store<E> of(java.util.Map<String, Joined<E>> map) {
            return new Store<>() {
                @Override
                public Joined<E> get(String id) {
                    return map.get(id);
                }

                @Override
                public void put(String id, Joined<E> joined) {
                    map.put(id, joined);
                }

                @Override
                public void remove(String id) {
                    map.remove(id);
                }
            };
        }
    }

    /** What the join counts. */
    public enum Count {
        LABELLED_CLICKED, LABELLED_NOT_CLICKED, DUPLICATE_IMPRESSION, DUPLICATE_CLICK, UNLABELLED_AT_END,
        /** A copy of a click whose impression is at another replica (RouteEpochs), dropped here. */
        CLICK_COPY_ELSEWHERE
    }

    /** Where the join's results go. */
    public interface Out<E> {
        /** An impression accepted: passed on at once. */
        void impression(E impression) throws Exception;

        /** {@code impression}'s label. */
        void labelled(E impression, double label) throws Exception;

        /** An impression or click the join cannot use. */
        void dead(E event, String reason, String detail) throws Exception;

        /** {@link #at} must run for {@code event}'s id at event time {@code t}. */
        void deadline(E event, long t) throws Exception;

        void counted(Count c);
    }

    private final long windowMs;
    private final double negativeLabel;
    private final Store<E> store;
    private final Out<E> out;

    /** {@code negativeLabel}: the label of an impression nobody clicked (0 for logistic, −1 for squared loss). */
    public ClickJoin(long windowMs, double negativeLabel, Store<E> store, Out<E> out) {
        if (windowMs <= 0) {
            throw new IllegalArgumentException("attribution window must be > 0 ms");
        }
        this.windowMs = windowMs;
        this.negativeLabel = negativeLabel;
        this.store = store;
        this.out = out;
    }

    private long after(long ts, int windows) {
        return EventTime.after(ts, windows * windowMs);
    }

    private long windowEnd(E impression) {
        return after(impression.ts(), 1);
    }

    /** An impression or a click arrives; {@code watermark}: the event time that has passed. */
    public void arrive(E e, long watermark) throws Exception {
        String id = e.id();
        Joined<E> st = store.get(id);
        boolean impression = e.kind() == EventKind.IMPRESSION;
        if (st != null && st.isTombstone()) { // the impression's window has closed
            if (impression) {
                out.counted(Count.DUPLICATE_IMPRESSION);
            } else {
                out.dead(e, EXPIRED_CLICK, expiredDetail(e, st.impressionTs) + " (the window has closed)");
            }
            return;
        }
        if (impression) {
            if (st != null && st.impression != null) {
                out.counted(Count.DUPLICATE_IMPRESSION);
                return;
            }
            if (e.ts() <= watermark) {
                out.dead(e, LATE_IMPRESSION, "impression at " + e.ts() + " arrived after the watermark " + watermark
                        + " (beyond the out-of-orderness bound); not trained");
                return;
            }
            if (st == null) {
                st = new Joined<>();
            }
            st.impression = e;
            out.impression(e);
            E held = st.heldClick;
            if (held != null) {
                st.heldClick = null;
                st.heldCopy = false;
                if (held.ts() <= windowEnd(e)) {
                    label(st, 1.0);
                } else {
                    out.dead(held, EXPIRED_CLICK, expiredDetail(held, e.ts()));
                }
            }
            out.deadline(e, windowEnd(e));
            store.put(id, st);
        } else if (st != null && st.impression != null) {
            if (st.clicked) {
                out.counted(Count.DUPLICATE_CLICK);
            } else if (e.ts() > windowEnd(st.impression)) {
                out.dead(e, EXPIRED_CLICK, expiredDetail(e, st.impression.ts()));
            } else {
                label(st, 1.0);
                store.put(id, st);
            }
        } else if (st != null) {
            out.counted(Count.DUPLICATE_CLICK); // a click is already held for this id
        } else if (e.ts() <= watermark && e.isCopy()) {
            out.counted(Count.CLICK_COPY_ELSEWHERE);
        } else if (e.ts() <= watermark) {
            out.dead(e, UNKNOWN_CLICK, "no impression '" + id + "' is known (never seen, or closed more than a window ago)");
        } else {
            st = new Joined<>();
            st.heldClick = e;
            st.heldCopy = e.isCopy();
            out.deadline(e, e.ts());
            store.put(id, st);
        }
    }

    /**
     * Impression {@code id} was labelled by another join (one that drains a savepoint of the jobs
     * before): a click this join holds for it is that label's, not an unknown click.
     */
    public void labelledElsewhere(String id) throws Exception {
        Joined<E> st = store.get(id);
        if (st != null && st.impression == null && st.heldClick != null) {
            store.remove(id);
        }
    }

    /**
     * Event time {@code t} has come for {@code id} (a deadline it set); {@code inputEnded}: a
     * bounded input has ended (the watermark is +inf).
     */
    public void at(String id, long t, boolean inputEnded) throws Exception {
        Joined<E> st = store.get(id);
        if (st == null) {
            return;
        }
        if (st.isTombstone()) {
            if (t >= after(st.impressionTs, 2)) {
                store.remove(id);
            }
        } else if (st.impression != null) {
            if (t < windowEnd(st.impression)) {
                return;
            }
            if (inputEnded) {
                // the input ended before event time passed this window: an unclicked impression's label is not known
                if (!st.clicked) {
                    out.counted(Count.UNLABELLED_AT_END);
                }
                store.remove(id);
                return;
            }
            if (!st.clicked) {
                label(st, negativeLabel);
            }
            // a tombstone (no features) for one more window: late duplicates and very late clicks are then
            // recognised as such instead of as unknown
            Joined<E> tomb = new Joined<>();
            tomb.impressionTs = st.impression.ts();
            out.deadline(st.impression, after(tomb.impressionTs, 2));
            store.put(id, tomb);
        } else if (t >= st.heldClick.ts() && st.heldCopy) { // its impression is at another replica
            out.counted(Count.CLICK_COPY_ELSEWHERE);
            store.remove(id);
        } else if (t >= st.heldClick.ts()) {
            E c = st.heldClick;
            out.dead(c, UNKNOWN_CLICK, "no impression '" + id + "' arrived by the watermark passing the click's time " + c.ts());
            store.remove(id);
        }
    }

    private void label(Joined<E> st, double label) throws Exception {
        out.labelled(st.impression, label);
        if (label > negativeLabel) {
            st.clicked = true;
            out.counted(Count.LABELLED_CLICKED);
        } else {
            out.counted(Count.LABELLED_NOT_CLICKED);
        }
    }

    private String expiredDetail(E click, long impressionTs) {
        return "click at " + click.ts() + " is " + (click.ts() - impressionTs) + " ms after its impression; the attribution window is "
                + windowMs + " ms";
    }
}
