package dev.afmflink.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.data.EventKind;
import dev.afmflink.feedback.FeedbackScheduleTest.It;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The label join inside the schedule (the job's trainer joins impressions and clicks itself): what
 * it labels, when, and what it refuses, with the schedule's steps written down. The rule's every
 * case through the keyed driver is {@code LabelJoinTest}'s; this is the trainer's driver.
 */
class ClickJoinScheduleTest {
    static final long W = 100;

    /** The schedule's recorder, with the join's steps. */
    static final class JoinRecorder extends FeedbackScheduleTest.Recorder {
        final Map<String, ClickJoin.Joined<It>> joined = new HashMap<>();
        final List<String> dead = new ArrayList<>();
        final Map<ClickJoin.Count, Integer> counts = new EnumMap<>(ClickJoin.Count.class);

        @Override
        public It labelled(It impression, double label) {
            return new It(EventKind.LABELLED, impression.id(), impression.ts(), label);
        }

        @Override
        public void dead(It event, String reason, String detail) {
            dead.add(reason + " " + event.id());
        }

        @Override
        public void counted(ClickJoin.Count c) {
            counts.merge(c, 1, Integer::sum);
        }

        ClickJoin.Store<It> store() {
            return ClickJoin.Store.of(joined);
        }

        List<String> trained() {
            return log.stream().filter(l -> l.startsWith("train ")).toList();
        }
    }

    static It imp(String id, long ts) {
        return new It(EventKind.IMPRESSION, id, ts, Double.NaN);
    }

    static It click(String id, long ts) {
        return new It(EventKind.CLICK, id, ts, Double.NaN);
    }

    @Test
    void theTrainersJoinLabelsHoldsAndRefusesAsTheRuleSays() throws Exception {
        JoinRecorder r = new JoinRecorder();
        FeedbackSchedule<It> s = new FeedbackSchedule<>(FeedbackMode.IMMEDIATE, new EventTimes(W, 1000), Holdout.NONE, 0.0, r, r,
                r.store());
        s.arrive(imp("a", 10), 0);
        s.arrive(click("b", 20), 0); // before its impression: held until event time passes 20
        s.arrive(imp("b", 15), 0); // matched at once: labelled 1, trained on arrival (immediate mode)
        s.arrive(imp("a", 10), 0); // the same impression again
        s.arrive(click("a", 500), 0); // later than W after its impression
        s.arrive(click("z", 30), 0); // no impression will come
        s.arrive(click("c", 40), 0); // its label will come from a join before the trainer (a drained savepoint)
        s.arrive(new It(EventKind.LABELLED, "c", 35, 1.0), 0);
        s.arrive(imp("late", 5), 50); // behind the watermark
        assertEquals(List.of("train b label 1.0", "train c label 1.0"), r.trained());
        assertEquals(List.of("expired_click a", "late_impression late"), r.dead);
        s.at(20, false);
        s.at(30, false);
        s.at(40, false);
        assertEquals(List.of("expired_click a", "late_impression late", "unknown_click z"), r.dead, "c's click was that label's");
        s.at(110, false); // a's window has passed without a click: its negative
        s.at(115, false); // b was clicked: nothing more
        assertEquals(List.of("train b label 1.0", "train c label 1.0", "train a label 0.0"), r.trained());
        s.arrive(click("b", 120), 120); // after b's window closed: a tombstone says so
        assertEquals("expired_click b", r.dead.get(3));
        s.arrive(imp("d", 150), 120);
        s.at(210, false); // a's tombstone goes two windows after it
        assertTrue(!r.joined.containsKey("a") && r.joined.containsKey("b") && r.joined.containsKey("d"), r.joined.keySet().toString());
        s.at(250, true); // the input ended before d's window passed: not labelled
        assertEquals(3, r.trained().size());
        assertEquals(Map.of(ClickJoin.Count.LABELLED_CLICKED, 1, ClickJoin.Count.LABELLED_NOT_CLICKED, 1,
                ClickJoin.Count.DUPLICATE_IMPRESSION, 1, ClickJoin.Count.UNLABELLED_AT_END, 1), r.counts);
    }
}
