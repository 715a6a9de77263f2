package dev.afmflink.feedback;

import java.util.Map;
import java.util.TreeMap;

/**
 * The online choice among candidate configurations trained on the same stream (issue 23): every
 * candidate is judged by the same delayed progressive validation, and its closed windows come in
 * here, in any order across candidates (each candidate's own in event-time order). Once every
 * candidate has closed a window, the window's figures join the record; the leader changes only on
 * a clear lead: with at least {@link Rule#windows} complete windows since the last switch, the
 * challenger with the lowest loss over the last {@code windows} complete windows replaces the
 * leader if that loss is below the leader's over the same windows by more than
 * {@link Rule#margin} (relative). Candidate 0 leads at the start. Deterministic: the same windows
 * in any interleaving across candidates give the same switches at the same windows. Plain Java:
 * the job keeps one of these per candidate group in keyed state.
 */
public final class LeaderChoice implements java.io.Serializable {

    /**
     * How clear a lead must be: the last {@code windows} complete windows (at least that many since
     * the last switch), a loss lower by more than {@code margin} of the leader's.
     */
    public record Rule(int windows, double margin) implements java.io.Serializable {
        public static final Rule DEFAULT = new Rule(4, 0.01);

        public Rule {
            if (windows < 1) {
                throw new IllegalArgumentException("a lead needs at least 1 window, got " + windows);
            }
            if (!(margin >= 0 && margin < 1)) {
                throw new IllegalArgumentException("the margin is a share of the leader's loss in [0, 1), got " + margin);
            }
        }
    }

    /** A change of leader, decided when window {@code windowStart} completed, with the two losses over the rule's windows. */
    public record Switch(long windowStart, int from, int to, double fromLoss, double toLoss) {
    }

    /** A choice's state as plain arrays, for keyed state (a Flink POJO; slot s, candidate k at {@code s * candidates + k}). */
    public static final class State implements java.io.Serializable {
        public int leader;
        public long sinceSwitch;
        public long complete;
        public double[] lossSums;
        public long[] counts;
        /** Windows some candidates have closed: their starts, and per (window, candidate) n (−1: not yet) and loss sum. */
        public long[] pendingStarts;
        public long[] pendingN;
        public double[] pendingLoss;

        public State() {
        }
    }

    /** This choice's state. */
    public State state() {
        State s = new State();
        s.leader = leader;
        s.sinceSwitch = sinceSwitch;
        s.complete = complete;
        s.lossSums = new double[rule.windows() * candidates];
        s.counts = new long[rule.windows() * candidates];
        for (int w = 0; w < rule.windows(); w++) {
            for (int k = 0; k < candidates; k++) {
                s.lossSums[w * candidates + k] = lossSums[w][k];
                s.counts[w * candidates + k] = counts[w][k];
            }
        }
        s.pendingStarts = new long[pending.size()];
        s.pendingN = new long[pending.size() * candidates];
        s.pendingLoss = new double[pending.size() * candidates];
        int i = 0;
        for (Map.Entry<Long, double[][]> e : pending.entrySet()) {
            s.pendingStarts[i] = e.getKey();
            for (int k = 0; k < candidates; k++) {
                double[] x = e.getValue()[k];
                s.pendingN[i * candidates + k] = x == null ? -1 : (long) x[0];
                s.pendingLoss[i * candidates + k] = x == null ? 0 : x[1];
            }
            i++;
        }
        return s;
    }

    /** The choice {@code s} describes, for {@code candidates} under {@code rule} (as when it was taken). */
    public static LeaderChoice restore(int candidates, Rule rule, State s) {
        LeaderChoice c = new LeaderChoice(candidates, rule);
        if (s.lossSums.length != rule.windows() * candidates) {
            throw new IllegalStateException("the stored choice is for another rule or number of candidates ("
                    + s.lossSums.length + " values, " + rule.windows() + " windows x " + candidates + " candidates now)");
        }
        c.leader = s.leader;
        c.sinceSwitch = s.sinceSwitch;
        c.complete = s.complete;
        for (int w = 0; w < rule.windows(); w++) {
            for (int k = 0; k < candidates; k++) {
                c.lossSums[w][k] = s.lossSums[w * candidates + k];
                c.counts[w][k] = s.counts[w * candidates + k];
            }
        }
        for (int i = 0; i < s.pendingStarts.length; i++) {
            double[][] w = new double[candidates][];
            for (int k = 0; k < candidates; k++) {
                long n = s.pendingN[i * candidates + k];
                w[k] = n < 0 ? null : new double[] {n, s.pendingLoss[i * candidates + k]};
            }
            c.pending.put(s.pendingStarts[i], w);
        }
        return c;
    }

    private final Rule rule;
    private final int candidates;
    private int leader;
    /** Complete windows since the last switch (or the start). */
    private long sinceSwitch;
    /** The last {@code rule.windows} complete windows, a ring: [slot][candidate] loss sum, and example counts. */
    private final double[][] lossSums;
    private final long[][] counts;
    private long complete;
    /** Windows some candidates have closed: start → per candidate {n, loss sum} (n = −1: not yet). */
    private final TreeMap<Long, double[][]> pending = new TreeMap<>();

    public LeaderChoice(int candidates, Rule rule) {
        if (candidates < 1) {
            throw new IllegalArgumentException("no candidates");
        }
        this.candidates = candidates;
        this.rule = rule;
        this.lossSums = new double[rule.windows()][candidates];
        this.counts = new long[rule.windows()][candidates];
    }

    public int leader() {
        return leader;
    }

    public int candidates() {
        return candidates;
    }

    /** Complete windows so far (closed by every candidate). */
    public long completeWindows() {
        return complete;
    }

    /**
     * Candidate {@code c} closed the window starting at {@code start} with {@code n} judged
     * examples and loss sum {@code lossSum}. Returns the switch it caused, or null.
     */
    public Switch closed(int c, long start, long n, double lossSum) {
        if (c < 0 || c >= candidates) {
            throw new IllegalArgumentException("candidate " + c + " of " + candidates);
        }
        if (n <= 0 || !Double.isFinite(lossSum)) {
            return null; // an empty or broken window says nothing
        }
        double[][] w = pending.computeIfAbsent(start, s -> new double[candidates][]);
        w[c] = new double[] {n, lossSum};
        for (double[] x : w) {
            if (x == null) {
                return null;
            }
        }
        // complete: earlier windows some candidate never closed cannot complete any more (each closes in order)
        pending.headMap(start, true).clear();
        int slot = (int) (complete % rule.windows());
        for (int k = 0; k < candidates; k++) {
            counts[slot][k] = (long) w[k][0];
            lossSums[slot][k] = w[k][1];
        }
        complete++;
        sinceSwitch++;
        if (sinceSwitch < rule.windows() || candidates == 1) {
            return null;
        }
        double leaderLoss = meanLoss(leader);
        int best = -1;
        double bestLoss = Double.POSITIVE_INFINITY;
        for (int k = 0; k < candidates; k++) {
            double l = meanLoss(k);
            if (k != leader && l < bestLoss) {
                best = k;
                bestLoss = l;
            }
        }
        if (best >= 0 && bestLoss < (1 - rule.margin()) * leaderLoss) {
            Switch s = new Switch(start, leader, best, leaderLoss, bestLoss);
            leader = best;
            sinceSwitch = 0;
            return s;
        }
        return null;
    }

    /** Candidate {@code k}'s mean loss over the rule's last windows. */
    public double meanLoss(int k) {
        double loss = 0;
        long n = 0;
        int have = (int) Math.min(complete, rule.windows());
        for (int i = 0; i < have; i++) {
            loss += lossSums[i][k];
            n += counts[i][k];
        }
        return n == 0 ? Double.NaN : loss / n;
    }

    /** Windows waiting for some candidate (for tests and metrics). */
    public Map<Long, double[][]> pending() {
        return java.util.Collections.unmodifiableMap(pending);
    }
}
