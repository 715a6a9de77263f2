package dev.afmflink.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.afmflink.data.EventKind;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A click sent as a copy to each replica its impression may be at (sync.RouteEpochs): the replica
 * with the impression labels it as ever; one without drops it, counted, where a click that is not a
 * copy is a dead letter.
 */
class ClickCopyTest {
    record Ev(EventKind kind, String id, long ts, boolean isCopy) implements FeedbackSchedule.Item {
        @Override
        public double label() {
            return Double.NaN;
        }
    }

    static final class Out implements ClickJoin.Out<Ev> {
        final List<String> labelled = new ArrayList<>();
        final List<String> dead = new ArrayList<>();
        final Map<ClickJoin.Count, Integer> counts = new EnumMap<>(ClickJoin.Count.class);
        final Map<String, Long> deadlines = new HashMap<>();

        @Override
        public void impression(Ev impression) {
        }

        @Override
        public void labelled(Ev impression, double label) {
            labelled.add(impression.id() + "=" + label);
        }

        @Override
        public void dead(Ev event, String reason, String detail) {
            dead.add(event.id() + ":" + reason);
        }

        @Override
        public void deadline(Ev event, long t) {
            deadlines.put(event.id(), t);
        }

        @Override
        public void counted(ClickJoin.Count c) {
            counts.merge(c, 1, Integer::sum);
        }
    }

    @Test
    void aCopyWithoutItsImpressionIsDroppedAndCounted() throws Exception {
        Out out = new Out();
        Map<String, ClickJoin.Joined<Ev>> store = new HashMap<>();
        ClickJoin<Ev> join = new ClickJoin<>(10_000, 0, ClickJoin.Store.of(store), out);
        // the copy that finds its impression here labels it
        join.arrive(new Ev(EventKind.IMPRESSION, "here", 1_000, false), 0);
        join.arrive(new Ev(EventKind.CLICK, "here", 3_000, true), 500);
        // a copy behind the watermark with nothing here; a copy held until its time passes with nothing here
        join.arrive(new Ev(EventKind.CLICK, "late-copy", 2_000, true), 2_500);
        join.arrive(new Ev(EventKind.CLICK, "held-copy", 4_000, true), 2_500);
        // the same two as clicks that are not copies: dead letters, as ever
        join.arrive(new Ev(EventKind.CLICK, "late", 2_000, false), 2_500);
        join.arrive(new Ev(EventKind.CLICK, "held", 4_000, false), 2_500);
        join.at("held-copy", out.deadlines.get("held-copy"), false);
        join.at("held", out.deadlines.get("held"), false);
        assertEquals(List.of("here=1.0"), out.labelled);
        assertEquals(List.of("late:unknown_click", "held:unknown_click"), out.dead);
        assertEquals(2, out.counts.get(ClickJoin.Count.CLICK_COPY_ELSEWHERE));
        assertEquals(1, store.size(), "the held copy is gone: " + store.keySet());
        // a held copy whose impression comes after all is its label
        join.arrive(new Ev(EventKind.CLICK, "before", 6_000, true), 5_000);
        join.arrive(new Ev(EventKind.IMPRESSION, "before", 5_500, false), 5_000);
        join.at("before", 6_000, false);
        assertEquals(List.of("here=1.0", "before=1.0"), out.labelled);
        assertEquals(2, out.counts.get(ClickJoin.Count.CLICK_COPY_ELSEWHERE));
    }
}
