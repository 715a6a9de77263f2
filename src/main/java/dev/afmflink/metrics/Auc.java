package dev.afmflink.metrics;

import java.util.Arrays;

/**
 * Exact ROC AUC (Mann–Whitney U): the share of (positive, negative) pairs the scores order
 * rightly, a tie counting one half. Labels &gt; 0.5 are positives; NaN scores rank above all others. The positives' and the
 * negatives' scores are sorted apart (primitive sorts, no boxing) and walked together; U is a sum
 * of halves, exact in a double, so the result is the exactly rounded ratio.
 */
public final class Auc {
    private Auc() {
    }

    /** AUC of {@code scores[0..n)} against {@code labels[0..n)}; NaN if one class is absent. */
    public static double of(double[] scores, double[] labels, int n) {
        int pos = 0;
        for (int i = 0; i < n; i++) {
            if (labels[i] > 0.5) {
                pos++;
            }
        }
        int neg = n - pos;
        if (pos == 0 || neg == 0) {
            return Double.NaN;
        }
        double[] p = new double[pos];
        double[] q = new double[neg];
        for (int i = 0, a = 0, b = 0; i < n; i++) {
            if (labels[i] > 0.5) {
                p[a++] = scores[i];
            } else {
                q[b++] = scores[i];
            }
        }
        Arrays.sort(p);
        Arrays.sort(q);
        // for each positive (ascending): negatives strictly below it, and those equal to it
        double u = 0;
        int below = 0;
        for (int i = 0; i < pos; i++) {
            double s = p[i];
            while (below < neg && Double.compare(q[below], s) < 0 && !tie(q[below], s)) {
                below++;
            }
            int tied = 0;
            while (below + tied < neg && tie(q[below + tied], s)) {
                tied++;
            }
            u += below + 0.5 * tied;
        }
        return u / ((double) pos * neg);
    }

    /** Equal scores (0.0 and −0.0 too); a NaN score (no model gives one) ranks above every number, tied with NaNs. */
    private static boolean tie(double a, double b) {
        return a == b || (Double.isNaN(a) && Double.isNaN(b));
    }
}
