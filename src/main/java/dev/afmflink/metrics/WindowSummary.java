package dev.afmflink.metrics;

/**
 * Progressive-validation figures over one window of judged examples.
 *
 * @param start          window start, event time (epoch ms)
 * @param end            window end, exclusive
 * @param n              examples judged in the window
 * @param loss           mean loss (logloss for the logistic loss, squared error for squared)
 * @param auc            ROC AUC of the judged predictions (labels &gt; 0.5 positive); NaN with one class
 * @param meanPrediction mean judged prediction (a probability for the logistic loss)
 * @param meanLabel      mean label (the observed CTR for clicks)
 */
public record WindowSummary(long start, long end, int n, double loss, double auc, double meanPrediction, double meanLabel) {

    /** Calibration: mean prediction / observed rate (1 is perfect); NaN when nothing was observed. */
    public double calibration() {
        return meanLabel > 0 ? meanPrediction / meanLabel : Double.NaN;
    }
}
