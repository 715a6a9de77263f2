package dev.afmflink.metrics;

import dev.afmflink.model.Loss;
import java.util.Arrays;

/**
 * Collects (raw score, label) pairs and reports the figures users compare models by: RMSE with
 * predictions clipped to [−1, 1] for squared loss (as the AFM authors' code does), logloss, AUC
 * and calibration (mean prediction / mean label) for logistic loss, and the mean training loss.
 */
public final class Evaluation {
    private final Loss loss;
    private double[] preds = new double[1024];
    private double[] labels = new double[1024];
    private int n;
    private double lossSum;
    private double sqErrClipped;
    private double predSum;
    private double labelSum;

    public Evaluation(Loss loss) {
        this.loss = loss;
    }

    /** Adds one example given the model's raw score ŷ. */
    public void add(double rawScore, double label) {
        if (n == preds.length) {
            preds = Arrays.copyOf(preds, n * 2);
            labels = Arrays.copyOf(labels, n * 2);
        }
        double pred = loss.prediction(rawScore);
        preds[n] = pred;
        labels[n] = label;
        n++;
        lossSum += loss.loss(rawScore, label);
        double clipped = Math.max(-1.0, Math.min(1.0, pred));
        sqErrClipped += (clipped - label) * (clipped - label);
        predSum += pred;
        labelSum += label;
    }

    public long count() {
        return n;
    }

    public double meanLoss() {
        return lossSum / n;
    }

    public double rmseClipped() {
        return Math.sqrt(sqErrClipped / n);
    }

    /** The mean logistic loss (meaningful for a logistic model, whose loss it is). */
    public double logloss() {
        return meanLoss();
    }

    public double auc() {
        return Auc.of(preds, labels, n);
    }

    public double meanPrediction() {
        return predSum / n;
    }

    public double meanLabel() {
        return labelSum / n;
    }

    /** These figures as a summary of event-time span [start, end). */
    public WindowSummary summary(long start, long end) {
        return new WindowSummary(start, end, n, meanLoss(), auc(), meanPrediction(), meanLabel());
    }

    /** Mean prediction divided by the mean label (1 = calibrated). */
    public double calibration() {
        return predSum / labelSum;
    }
}
