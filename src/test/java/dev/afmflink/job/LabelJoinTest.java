package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The label join's semantics, one case per test, in Flink's operator harness (event time driven by watermarks). */
class LabelJoinTest {
    static final long W = 10_000;

    KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, TrainingExample> h;

    @BeforeEach
    void open() throws Exception {
        h = harness();
    }

    @AfterEach
    void close() throws Exception {
        h.close();
    }

    static KeyedOneInputStreamOperatorTestHarness<String, TrainingExample, TrainingExample> harness() throws Exception {
        var harness = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new LabelJoin(W, 0.0)),
                new AfmStreamJob.ImpressionId(), Types.STRING);
        harness.open();
        return harness;
    }

    static TrainingExample impression(String id, long ts) {
        InputEvent e = new InputEvent();
        e.kind(dev.afmflink.data.EventKind.IMPRESSION);
        e.model = "m";
        e.id = id;
        e.ts = ts;
        e.label = Double.NaN;
        e.ids = new long[] {1, 2, 3};
        e.values = new double[] {1, 1, 1};
        e.topic = "in";
        return e.toExample(e.kind(), e.label);
    }

    static TrainingExample click(String id, long ts) {
        InputEvent e = new InputEvent();
        e.kind(dev.afmflink.data.EventKind.CLICK);
        e.model = "default";
        e.id = id;
        e.ts = ts;
        e.label = Double.NaN;
        e.topic = "in";
        e.offset = 99;
        return e.toExample(e.kind(), e.label);
    }

    void send(TrainingExample e) throws Exception {
        h.processElement(e, e.ts);
    }

    /** Output so far as "kind:id:label" strings, in order. */
    List<String> out() {
        List<String> o = new ArrayList<>();
        for (TrainingExample t : h.extractOutputValues()) {
            o.add((t.kind() == dev.afmflink.data.EventKind.IMPRESSION ? "score:" : "label:") + t.id
                    + (t.kind() == dev.afmflink.data.EventKind.IMPRESSION ? "" : ":" + (int) t.label));
        }
        return o;
    }

    List<String> dead() {
        List<String> d = new ArrayList<>();
        var q = h.getSideOutput(DeadLetters.TAG);
        if (q != null) {
            q.forEach(r -> d.add(r.getValue().reason + ":" + r.getValue().raw));
        }
        return d;
    }

    void assertStateEmpty() {
        assertEquals(0, h.numKeyedStateEntries(), "join state cleared");
        assertEquals(0, h.numEventTimeTimers(), "no timers left");
    }

    @Test
    void clickWithinTheWindowLabelsOneAtOnce() throws Exception {
        send(impression("a", 1000));
        send(click("a", 5000));
        assertEquals(List.of("score:a", "label:a:1"), out(), "emitted when the click arrives, before any watermark");
        h.processWatermark(new Watermark(LATER));
        assertEquals(List.of("score:a", "label:a:1"), out(), "no second label at the window's end");
        assertEquals(List.of(), dead());
        assertStateEmpty();
    }

    @Test
    void clickAfterTheWindowIsDeadLetteredAndTheImpressionLabelledZero() throws Exception {
        send(impression("b", 1000));
        send(click("b", 1000 + W + 1));
        assertEquals(List.of("score:b"), out());
        assertEquals(List.of("expired_click:{\"type\":\"click\",\"id\":\"b\",\"ts\":11001}"), dead());
        h.processWatermark(new Watermark(1000 + W));
        assertEquals(List.of("score:b", "label:b:0"), out());
        // after the window closed: a tombstone for one more window recognises a very late click and a duplicate
        send(click("b", 1000 + W + 5000));
        send(impression("b", 1000));
        assertEquals(2, dead().size());
        assertTrue(dead().get(1).startsWith("expired_click:"), dead().toString());
        assertEquals(List.of("score:b", "label:b:0"), out(), "the duplicate impression is not scored again");
        assertEquals(1, h.numKeyedStateEntries(), "only the tombstone");
        h.processWatermark(new Watermark(1000 + 2 * W));
        assertStateEmpty();
        send(click("b", 1000 + 2 * W + 5000)); // the tombstone is gone: held, then unknown
        h.processWatermark(new Watermark(1000 + 2 * W + 5000));
        assertTrue(dead().get(2).startsWith("unknown_click:"), dead().toString());
        assertStateEmpty();
    }

    @Test
    void noClickLabelsZeroWhenTheWatermarkPassesTheWindow() throws Exception {
        send(impression("c", 1000));
        h.processWatermark(new Watermark(1000 + W - 1));
        assertEquals(List.of("score:c"), out(), "window not over yet");
        h.processWatermark(new Watermark(1000 + W));
        assertEquals(List.of("score:c", "label:c:0"), out());
        assertEquals(List.of(), dead());
        h.processWatermark(new Watermark(1000 + 2 * W));
        assertStateEmpty();
    }

    /** Event time far past every window, short of the end of input (+inf). */
    static final long LATER = Long.MAX_VALUE - 1;

    /**
     * The end of a bounded input (watermark +inf) before event time has passed an impression's
     * window: the impression is not labelled 0 (its label is not known), a clicked one is not
     * labelled again, and the state is gone.
     */
    @Test
    void endOfInputInventsNoNegatives() throws Exception {
        send(impression("open", 1000));
        send(impression("clicked", 1000));
        send(click("clicked", 2000));
        h.processWatermark(new Watermark(1000 + W - 1));
        assertEquals(List.of("score:open", "score:clicked", "label:clicked:1"), out());
        h.processWatermark(new Watermark(Long.MAX_VALUE));
        assertEquals(List.of("score:open", "score:clicked", "label:clicked:1"), out(), "no label invented at the end");
        assertEquals(List.of(), dead());
        assertStateEmpty();
    }

    @Test
    void duplicateImpressionCountsOnce() throws Exception {
        send(impression("d", 1000));
        send(impression("d", 1000));
        send(impression("d", 2000));
        h.processWatermark(new Watermark(LATER));
        assertEquals(List.of("score:d", "label:d:0"), out());
        assertEquals(List.of(), dead());
        assertStateEmpty();
    }

    @Test
    void duplicateClickCountsOnce() throws Exception {
        send(impression("e", 1000));
        send(click("e", 2000));
        send(click("e", 2000));
        send(click("e", 3000));
        h.processWatermark(new Watermark(LATER));
        assertEquals(List.of("score:e", "label:e:1"), out());
        assertEquals(List.of(), dead());
        assertStateEmpty();
    }

    @Test
    void clickBeforeItsImpressionIsHeldAndMatched() throws Exception {
        h.processWatermark(new Watermark(500));
        send(click("f", 3000));
        send(click("f", 3000)); // a duplicate of the held click
        assertEquals(List.of(), out());
        send(impression("f", 1000));
        assertEquals(List.of("score:f", "label:f:1"), out());
        h.processWatermark(new Watermark(LATER));
        assertEquals(List.of("score:f", "label:f:1"), out());
        assertEquals(List.of(), dead());
        assertStateEmpty();
    }

    @Test
    void clickForAnUnknownImpressionIsDeadLettered() throws Exception {
        send(click("g", 3000)); // held: its impression may still come
        h.processWatermark(new Watermark(2999));
        assertEquals(List.of(), dead());
        h.processWatermark(new Watermark(3000));
        assertEquals(List.of("unknown_click:{\"type\":\"click\",\"id\":\"g\",\"ts\":3000}"), dead());
        send(click("g2", 2000)); // already behind the watermark: dead at once
        assertEquals(2, dead().size());
        assertTrue(dead().get(1).startsWith("unknown_click:"));
        var letter = h.getSideOutput(DeadLetters.TAG).peek().getValue();
        assertEquals("in", letter.topic);
        assertEquals(99, letter.offset);
        assertEquals(List.of(), out());
        assertStateEmpty();
    }

    @Test
    void lateImpressionIsDeadLetteredAndNotTrained() throws Exception {
        h.processWatermark(new Watermark(50_000));
        send(impression("h", 40_000));
        assertEquals(List.of(), out());
        assertEquals(List.of("late_impression:{\"type\":\"impression\",\"id\":\"h\",\"ts\":40000}"), dead());
        assertStateEmpty();
    }

    /** Counts the output so far into {scored, labelled 1, labelled 0} and clears it. */
    private void drain(long[] counts) {
        for (TrainingExample t : h.extractOutputValues()) {
            counts[t.kind() == dev.afmflink.data.EventKind.IMPRESSION ? 0 : t.label == 1.0 ? 1 : 2]++;
        }
        h.getOutput().clear();
    }

    /**
     * A million impressions (every tenth clicked, clicks 200 ms after their impression, ids
     * unique, watermark trailing by 1 s): each labelled exactly once, and the join's state is back
     * to zero when event time has passed the last window — no leak.
     */
    @Test
    void millionImpressionsLeaveNoState() throws Exception {
        int n = 1_000_000;
        long t0 = 1_700_000_000_000L;
        long[] counts = new long[3]; // scored, labelled 1, labelled 0
        int maxEntries = 0;
        for (int i = 0; i < n; i++) {
            long ts = t0 + i;
            send(impression("imp-" + i, ts));
            if (i % 10 == 0 && i >= 200) {
                send(click("imp-" + (i - 200), ts));
            }
            if (i % 5000 == 4999) {
                h.processWatermark(new Watermark(ts - 1000));
                maxEntries = Math.max(maxEntries, h.numKeyedStateEntries());
                drain(counts);
            }
        }
        h.processWatermark(new Watermark(LATER));
        drain(counts);
        assertEquals(n, counts[0], "every impression scored once");
        assertEquals(n, counts[1] + counts[2], "every impression labelled exactly once");
        assertEquals((n - 200) / 10, counts[1], "clicked impressions");
        assertTrue(maxEntries <= 2 * W + 1000 + 5000, "state bounded by two windows (window + tombstone): " + maxEntries);
        assertEquals(List.of(), dead());
        assertStateEmpty();
    }
}
