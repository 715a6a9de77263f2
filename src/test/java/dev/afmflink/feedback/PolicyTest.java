package dev.afmflink.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.metrics.QualityGate;
import dev.afmflink.metrics.WindowSummary;
import org.junit.jupiter.api.Test;

/** The trainer's plain policies, without Flink: event times, publish plans, holdout selection, feedback modes. */
class PolicyTest {
    @Test
    void eventTimesReleaseCloseAndSaturateBelowInfinity() {
        EventTimes t = new EventTimes(30_000, 10_000);
        assertEquals(130_000, t.release(100_000));
        assertEquals(100_000, t.releasedBy(130_000));
        assertEquals(120_000, t.windowStart(129_999));
        assertEquals(-10_000, t.windowStart(-1), "floor, also before the epoch");
        assertEquals(160_000, t.close(120_000), "window end + W");
        assertEquals(120_000, t.closedBy(160_000));
        assertEquals(Long.MAX_VALUE - 1, t.release(Long.MAX_VALUE - 5), "never +inf: that is the end of input");
        assertEquals(Long.MAX_VALUE - 1, t.close(Long.MAX_VALUE - 20_000));
        assertThrows(IllegalArgumentException.class, () -> new EventTimes(1, 0));
    }

    @Test
    void publishPlansCountVersionsAndAskTheGate() {
        QualityGate open = QualityGate.OPEN;
        PublishPlan first = PublishPlan.next(open, null, null, 0, 0, 3);
        assertNull(first.heldBack());
        assertTrue(first.full());
        assertEquals(1, first.version());
        assertEquals(0, first.baseVersion());
        PublishPlan delta = PublishPlan.next(open, null, null, 4, 2, 3);
        assertFalse(delta.full());
        assertEquals(5, delta.version());
        assertEquals(4, delta.baseVersion());
        assertTrue(PublishPlan.next(open, null, null, 4, 3, 3).full(), "a full one after fullEvery deltas");

        QualityGate gate = new QualityGate(0.7, Double.NaN, Double.NaN);
        WindowSummary good = new WindowSummary(0, 10, 100, 0.4, 0.8, 0.2, 0.2);
        WindowSummary bad = new WindowSummary(0, 0, 50, 0.6, 0.6, 0.2, 0.2);
        assertTrue(PublishPlan.next(gate, null, null, 0, 0, 3).heldBack().startsWith("no progressive-validation window"));
        assertNull(PublishPlan.next(gate, good, null, 0, 0, 3).heldBack());
        assertEquals("AUC 0.6000 < 0.7000 (the candidate on 50 held-out impressions)",
                PublishPlan.next(gate, good, bad, 0, 0, 3).heldBack(), "the held-out sample is judged first");
        assertEquals("no held-out impression yet", PublishPlan.next(gate, good,
                new WindowSummary(0, 0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN), 0, 0, 3).heldBack());
        assertNull(PublishPlan.next(open, good, bad, 0, 0, 3).heldBack(), "an open gate holds nothing back");
    }

    @Test
    void holdoutSelectsAboutOneInNByIdAlone() {
        Holdout h = new Holdout(10, 100);
        int n = 0;
        for (int i = 0; i < 100_000; i++) {
            n += h.selects("imp-" + i) ? 1 : 0;
        }
        assertTrue(n > 9_500 && n < 10_500, "about one in ten: " + n);
        assertEquals(h.selects("imp-42"), new Holdout(10, 5).selects("imp-42"), "by id: the same on every worker");
        assertFalse(Holdout.NONE.selects("imp-42"));
        assertThrows(IllegalArgumentException.class, () -> new Holdout(1, 10));
    }

    @Test
    void modesSayWhatTrains() {
        assertTrue(FeedbackMode.ORDERED.waitsForWindow());
        assertFalse(FeedbackMode.ORDERED.trainsImpressions());
        assertTrue(FeedbackMode.FAKE_NEGATIVE.trainsImpressions());
        assertFalse(FeedbackMode.FAKE_NEGATIVE.trainsLabel(0.0, 0.0), "its negative was trained at arrival");
        assertTrue(FeedbackMode.FAKE_NEGATIVE.trainsLabel(1.0, 0.0));
        assertTrue(FeedbackMode.IMMEDIATE.trainsLabel(0.0, 0.0));
        assertEquals(FeedbackMode.FAKE_NEGATIVE, FeedbackMode.parse(" Fake-Negative "));
        assertThrows(IllegalArgumentException.class, () -> FeedbackMode.parse("es-dfm"));
    }
}
