package dev.afmflink.metrics;

import java.io.Serializable;
import java.util.Locale;

/**
 * The check a snapshot must pass before it reaches serving: the model's last completed
 * progressive-validation window must have AUC ≥ {@code minAuc}, mean loss ≤ {@code maxLoss} and
 * calibration (mean prediction / observed rate) within 1 ± {@code maxCalibrationError}. A NaN
 * threshold is not checked; with every threshold NaN the gate is open. While no window has
 * completed, a gate with any threshold holds the snapshot back (no evidence yet).
 */
public record QualityGate(double minAuc, double maxLoss, double maxCalibrationError) implements Serializable {
    public static final QualityGate OPEN = new QualityGate(Double.NaN, Double.NaN, Double.NaN);

    public boolean isOpen() {
        return Double.isNaN(minAuc) && Double.isNaN(maxLoss) && Double.isNaN(maxCalibrationError);
    }

    /** Null if a snapshot may be published after {@code last}, else the reason it is held back. */
    public String check(WindowSummary last) {
        if (isOpen()) {
            return null;
        }
        if (last == null) {
            return "no progressive-validation window has completed yet";
        }
        return check(last, "window at " + last.start());
    }

    /**
     * Null if figures {@code w} pass every threshold, else the reason; {@code what} names them
     * (a validation window, the held-out sample).
     */
    public String check(WindowSummary w, String what) {
        if (!Double.isNaN(minAuc) && !(w.auc() >= minAuc)) {
            return String.format(Locale.ROOT, "AUC %.4f < %.4f (%s)", w.auc(), minAuc, what);
        }
        if (!Double.isNaN(maxLoss) && !(w.loss() <= maxLoss)) {
            return String.format(Locale.ROOT, "loss %.4f > %.4f (%s)", w.loss(), maxLoss, what);
        }
        if (!Double.isNaN(maxCalibrationError) && !(Math.abs(w.calibration() - 1.0) <= maxCalibrationError)) {
            return String.format(Locale.ROOT, "calibration %.4f outside 1 ± %.4f (%s)", w.calibration(), maxCalibrationError,
                    what);
        }
        return null;
    }
}
