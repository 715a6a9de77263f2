package dev.afmflink.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The switching rule of the online choice among candidates, on windows written by hand. */
class LeaderChoiceTest {

    /** Feeds window {@code w} (start w·10) with the given mean losses, 100 examples each, candidates in order. */
    static List<LeaderChoice.Switch> window(LeaderChoice c, int w, double... meanLoss) {
        List<LeaderChoice.Switch> out = new ArrayList<>();
        for (int k = 0; k < meanLoss.length; k++) {
            LeaderChoice.Switch s = c.closed(k, w * 10L, 100, meanLoss[k] * 100);
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    @Test
    void aClearLeadOverTheRulesWindowsSwitchesAndNothingElseDoes() {
        LeaderChoice c = new LeaderChoice(3, new LeaderChoice.Rule(3, 0.05));
        assertEquals(0, c.leader());
        // candidate 2 is far better from the start, but three complete windows are needed
        assertEquals(List.of(), window(c, 0, 0.50, 0.49, 0.30));
        assertEquals(List.of(), window(c, 1, 0.50, 0.49, 0.30));
        List<LeaderChoice.Switch> s = window(c, 2, 0.50, 0.49, 0.30);
        assertEquals(1, s.size());
        assertEquals(new LeaderChoice.Switch(20, 0, 2, 0.50, 0.30), round(s.get(0)));
        assertEquals(2, c.leader());
        // after a switch, three more complete windows before the next one, however clear the lead
        assertEquals(List.of(), window(c, 3, 0.10, 0.49, 0.30));
        assertEquals(List.of(), window(c, 4, 0.10, 0.49, 0.30));
        // over windows 2..4 candidate 0 averages (0.5 + 0.1 + 0.1) / 3 = 0.2333 against 0.30: a clear lead
        s = window(c, 5, 0.10, 0.49, 0.30);
        assertEquals(new LeaderChoice.Switch(50, 2, 0, 0.30, 0.10), round(s.get(0)));
    }

    @Test
    void aLeadWithinTheMarginIsNotClear() {
        LeaderChoice c = new LeaderChoice(2, new LeaderChoice.Rule(2, 0.10));
        for (int w = 0; w < 20; w++) {
            // 0.45 is exactly 10 % below 0.50: not more than the margin
            assertEquals(List.of(), window(c, w, 0.50, 0.45));
        }
        assertEquals(0, c.leader());
        assertEquals(1, window(c, 20, 0.50, 0.30).size(), "the last two windows average 0.375 < 0.45");
    }

    @Test
    void theLossOverTheWindowsWeighsEachWindowByItsExamples() {
        LeaderChoice c = new LeaderChoice(2, new LeaderChoice.Rule(2, 0.0));
        c.closed(0, 0, 100, 100 * 0.6);
        c.closed(1, 0, 100, 100 * 0.4);
        c.closed(0, 10, 900, 900 * 0.3);
        assertNull(c.closed(1, 10, 900, 900 * 0.35), "candidate 1: (40 + 315) / 1000 = 0.355 > 0.33 = (60 + 270) / 1000");
        assertEquals(0.33, c.meanLoss(0), 1e-12);
        assertEquals(0.355, c.meanLoss(1), 1e-12);
    }

    @Test
    void aWindowOneCandidateNeverClosesNeverCounts() {
        LeaderChoice c = new LeaderChoice(2, new LeaderChoice.Rule(1, 0.0));
        assertNull(c.closed(1, 0, 100, 10));
        assertEquals(1, c.pending().size());
        // candidate 0 had no example in window 0 (nothing to close): window 10 completes and drops it
        assertNull(c.closed(0, 0, 0, 0));
        c.closed(0, 10, 100, 50);
        LeaderChoice.Switch s = c.closed(1, 10, 100, 20);
        assertEquals(new LeaderChoice.Switch(10, 0, 1, 0.5, 0.2), round(s));
        assertEquals(0, c.pending().size());
        assertEquals(1, c.completeWindows());
    }

    @Test
    void theSameWindowsInAnyInterleavingGiveTheSameSwitches() {
        Random r = new Random(5);
        int candidates = 4;
        int windows = 60;
        double[][] loss = new double[windows][candidates];
        for (int w = 0; w < windows; w++) {
            for (int k = 0; k < candidates; k++) {
                // candidate 3 gets better over time, candidate 1 is best early
                loss[w][k] = 0.5 + 0.05 * r.nextGaussian() - (k == 3 ? 0.004 * w : 0) - (k == 1 && w < 20 ? 0.1 : 0);
            }
        }
        List<LeaderChoice.Switch> inOrder = new ArrayList<>();
        LeaderChoice a = new LeaderChoice(candidates, LeaderChoice.Rule.DEFAULT);
        for (int w = 0; w < windows; w++) {
            inOrder.addAll(window(a, w, loss[w]));
        }
        // each candidate's windows in order, candidates interleaved at random
        List<int[]> closes = new ArrayList<>();
        for (int k = 0; k < candidates; k++) {
            for (int w = 0; w < windows; w++) {
                closes.add(new int[] {k, w});
            }
        }
        for (int trial = 0; trial < 5; trial++) {
            Collections.shuffle(closes, r);
            int[] next = new int[candidates];
            List<int[]> ordered = new ArrayList<>();
            for (int[] x : closes) {
                ordered.add(new int[] {x[0], next[x[0]]++});
            }
            LeaderChoice b = new LeaderChoice(candidates, LeaderChoice.Rule.DEFAULT);
            List<LeaderChoice.Switch> shuffled = new ArrayList<>();
            for (int[] x : ordered) {
                LeaderChoice.Switch s = b.closed(x[0], x[1] * 10L, 100, loss[x[1]][x[0]] * 100);
                if (s != null) {
                    shuffled.add(s);
                }
            }
            assertEquals(inOrder, shuffled);
        }
        assertEquals(1, inOrder.get(0).to(), "candidate 1 leads early: " + inOrder);
        assertEquals(3, inOrder.get(inOrder.size() - 1).to(), "candidate 3 leads at the end: " + inOrder);
    }

    /** Its state out and back (keyed state in the job), windows half closed included: the same switches as without. */
    @Test
    void aRestoredChoiceDecidesAsTheOriginal() {
        Random r = new Random(9);
        double[][] loss = new double[40][3];
        for (double[] w : loss) {
            for (int k = 0; k < 3; k++) {
                w[k] = 0.5 + 0.08 * r.nextGaussian();
            }
        }
        LeaderChoice.Rule rule = new LeaderChoice.Rule(3, 0.02);
        LeaderChoice a = new LeaderChoice(3, rule);
        LeaderChoice b = new LeaderChoice(3, rule);
        List<LeaderChoice.Switch> sa = new ArrayList<>();
        List<LeaderChoice.Switch> sb = new ArrayList<>();
        for (int w = 0; w < 40; w++) {
            for (int k = 0; k < 3; k++) {
                LeaderChoice.Switch x = a.closed(k, w, 100, loss[w][k] * 100);
                if (x != null) {
                    sa.add(x);
                }
                LeaderChoice.Switch y = b.closed(k, w, 100, loss[w][k] * 100);
                if (y != null) {
                    sb.add(y);
                }
                b = LeaderChoice.restore(3, rule, b.state()); // after every close, windows half closed too
            }
        }
        assertFalse(sa.isEmpty());
        assertEquals(sa, sb);
        assertThrows(IllegalStateException.class, () -> LeaderChoice.restore(2, rule, new LeaderChoice(3, rule).state()));
    }

    @Test
    void badRulesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new LeaderChoice.Rule(0, 0.01));
        assertThrows(IllegalArgumentException.class, () -> new LeaderChoice.Rule(3, 1.0));
        assertThrows(IllegalArgumentException.class, () -> new LeaderChoice.Rule(3, -0.1));
        assertThrows(IllegalArgumentException.class, () -> new LeaderChoice(0, LeaderChoice.Rule.DEFAULT));
    }

    private static LeaderChoice.Switch round(LeaderChoice.Switch s) {
        return new LeaderChoice.Switch(s.windowStart(), s.from(), s.to(), Math.round(s.fromLoss() * 1e9) / 1e9,
                Math.round(s.toLoss() * 1e9) / 1e9);
    }
}
