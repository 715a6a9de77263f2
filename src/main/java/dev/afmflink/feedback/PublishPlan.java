package dev.afmflink.feedback;

import dev.afmflink.metrics.QualityGate;
import dev.afmflink.metrics.WindowSummary;

/**
 * What the next publish of a model key is: held back (and why), or a full snapshot or a delta
 * with its version and base. Versions only grow by one per published snapshot; the first one,
 * and one after every {@code fullEvery} deltas, is full (every one with {@code fullEvery} 0).
 *
 * @param heldBack    null, or why the quality gate holds the snapshot back
 * @param full        a full snapshot (else a delta on {@code baseVersion})
 * @param version     the version it gets
 * @param baseVersion the version a delta applies to (0 for a full snapshot)
 */
public record PublishPlan(String heldBack, boolean full, long version, long baseVersion) {

    /**
     * The plan after version {@code lastVersion} (0: none yet) and {@code deltasSinceFull} deltas.
     * The gate judges the candidate on the held-out sample first ({@code heldOut}; null: no
     * holdout), the stronger evidence, then the last closed validation window.
     */
    public static PublishPlan next(QualityGate gate, WindowSummary lastWindow, WindowSummary heldOut, long lastVersion,
                                   int deltasSinceFull, int fullEvery) {
        String reason = null;
        if (heldOut != null && !gate.isOpen()) {
            reason = heldOut.n() == 0 ? "no held-out impression yet"
                    : gate.check(heldOut, "the candidate on " + heldOut.n() + " held-out impressions");
        }
        if (reason == null) {
            reason = gate.check(lastWindow);
        }
        boolean full = lastVersion == 0 || deltasSinceFull >= fullEvery;
        return new PublishPlan(reason, full, lastVersion + 1, full ? 0 : lastVersion);
    }
}
