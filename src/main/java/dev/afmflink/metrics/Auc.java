package dev.afmflink.metrics;

import java.util.Arrays;

/** Exact ROC AUC by ranks (Mann–Whitney U), ties given their average rank. Labels &gt; 0.5 are positives. */
public final class Auc {
    private Auc() {
    }

    /** AUC of {@code scores[0..n)} against {@code labels[0..n)}; NaN if one class is absent. */
    public static double of(double[] scores, double[] labels, int n) {
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (x, y) -> Double.compare(scores[x], scores[y]));
        double rankSumPos = 0;
        long pos = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && scores[idx[j + 1]] == scores[idx[i]]) {
                j++;
            }
            double avgRank = (i + j) / 2.0 + 1.0;
            for (int q = i; q <= j; q++) {
                if (labels[idx[q]] > 0.5) {
                    rankSumPos += avgRank;
                    pos++;
                }
            }
            i = j + 1;
        }
        long neg = n - pos;
        if (pos == 0 || neg == 0) {
            return Double.NaN;
        }
        return (rankSumPos - pos * (pos + 1) / 2.0) / ((double) pos * neg);
    }
}
