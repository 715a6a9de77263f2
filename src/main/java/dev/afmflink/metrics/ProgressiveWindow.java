package dev.afmflink.metrics;

import java.util.Arrays;

/**
 * Progressive validation in tumbling windows of a fixed number of judged examples: each example's
 * prediction (made before the model learned from it) and label go in; when the window is full its
 * {@link WindowSummary} becomes {@link #last()} and a new window starts. Shaped as a Flink POJO
 * (public fields, no-argument constructor) so the streaming job keeps it in state: the figures
 * survive a restart and replay the same after one.
 */
public class ProgressiveWindow {
    public double[] predictions;
    public double[] labels;
    public int n;
    public double lossSum;
    /** Windows completed so far. */
    public long completed;
    /** The last completed window (meaningful once {@code completed} &gt; 0). */
    public int lastN;
    public double lastLoss;
    public double lastAuc;
    public double lastMeanPrediction;
    public double lastMeanLabel;

    public ProgressiveWindow() {
    }

    public ProgressiveWindow(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("validation window must be >= 1 example");
        }
        predictions = new double[size];
        labels = new double[size];
    }

    /** Adds one judged example; returns the window's summary if this example completed it, else null. */
    public WindowSummary add(double prediction, double label, double loss) {
        predictions[n] = prediction;
        labels[n] = label;
        lossSum += loss;
        n++;
        if (n < predictions.length) {
            return null;
        }
        double p = 0;
        double y = 0;
        for (int i = 0; i < n; i++) {
            p += predictions[i];
            y += labels[i];
        }
        lastN = n;
        lastLoss = lossSum / n;
        lastAuc = Auc.of(predictions, labels, n);
        lastMeanPrediction = p / n;
        lastMeanLabel = y / n;
        completed++;
        WindowSummary s = last();
        n = 0;
        lossSum = 0;
        Arrays.fill(predictions, 0.0);
        Arrays.fill(labels, 0.0);
        return s;
    }

    /** The last completed window, or null if none has completed. */
    public WindowSummary last() {
        return completed == 0 ? null
                : new WindowSummary(completed - 1, lastN, lastLoss, lastAuc, lastMeanPrediction, lastMeanLabel);
    }
}
