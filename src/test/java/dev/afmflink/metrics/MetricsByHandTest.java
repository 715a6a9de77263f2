package dev.afmflink.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.model.Loss;
import org.junit.jupiter.api.Test;

/** The validation figures against values worked out by hand (not against the implementation itself). */
class MetricsByHandTest {
    @Test
    void aucCountsPairsWithTiesAsHalf() {
        // positives at 0.9, 0.4, 0.4; negatives at 0.4, 0.1. Pairs (pos, neg): 0.9>0.4 1, 0.9>0.1 1,
        // 0.4=0.4 ½, 0.4>0.1 1, 0.4=0.4 ½, 0.4>0.1 1 → 5 of 6
        double[] s = {0.9, 0.4, 0.4, 0.4, 0.1};
        double[] y = {1, 1, 0, 1, 0};
        assertEquals(5.0 / 6.0, Auc.of(s, y, 5), 1e-15);
        assertEquals(0.0, Auc.of(new double[] {0.1, 0.9}, new double[] {1, 0}, 2), 1e-15, "reversed");
        assertTrue(Double.isNaN(Auc.of(new double[] {0.3, 0.7}, new double[] {1, 1}, 2)), "one class: undefined");
    }

    /** Against the definition itself, pair by pair (O(n²)): many ties, 0.0 and −0.0 (equal), NaN (above all, tied with NaN). */
    @Test
    void aucIsTheShareOfPairsOrderedRightly() {
        java.util.Random r = new java.util.Random(5);
        double[] values = {-0.0, 0.0, 0.25, 0.5, 0.75, Double.NaN, 1e-300, -1};
        for (int round = 0; round < 200; round++) {
            int n = 2 + r.nextInt(60);
            double[] s = new double[n];
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                s[i] = values[r.nextInt(round % 2 == 0 ? 5 : values.length)];
                y[i] = r.nextInt(3) == 0 ? 1 : 0;
            }
            double pairs = 0;
            double right = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    if (y[i] == 1 && y[j] == 0) {
                        pairs++;
                        boolean iNaN = Double.isNaN(s[i]);
                        boolean jNaN = Double.isNaN(s[j]);
                        right += iNaN && jNaN || s[i] == s[j] ? 0.5 : iNaN || (!jNaN && s[i] > s[j]) ? 1 : 0;
                    }
                }
            }
            double expected = pairs == 0 ? Double.NaN : right / pairs;
            assertEquals(expected, Auc.of(s, y, n), 0.0, java.util.Arrays.toString(s) + " " + java.util.Arrays.toString(y));
        }
    }

    @Test
    void evaluationLoglossCalibrationByHand() {
        Evaluation e = new Evaluation(Loss.LOGISTIC);
        e.add(0.0, 1); // p = 0.5: loss ln 2
        e.add(Math.log(3), 0); // p = 0.75: loss −ln(0.25) = ln 4
        assertEquals((Math.log(2) + Math.log(4)) / 2, e.logloss(), 1e-15);
        assertEquals(0.625, e.meanPrediction(), 1e-15);
        assertEquals(0.5, e.meanLabel(), 1e-15);
        assertEquals(1.25, e.calibration(), 1e-15);
        assertEquals(0.0, e.auc(), 1e-15, "the negative scored higher");
    }

    @Test
    void progressiveWindowSummaryAndAttentionByHand() {
        ProgressiveWindow w = new ProgressiveWindow(1000, 2000);
        w.add(0.2, 0, 0.1);
        w.add(0.6, 1, 0.3);
        w.add(0.4, 0, 0.5);
        WindowSummary s = w.summary();
        assertEquals(3, s.n());
        assertEquals(0.3, s.loss(), 1e-15);
        assertEquals(1.0, s.auc(), 1e-15);
        assertEquals(0.4, s.meanPrediction(), 1e-15);
        assertEquals(1.0 / 3, s.meanLabel(), 1e-15);
        assertEquals(1.2, s.calibration(), 1e-12);
        w.addAttention("user", "ad", 0.5);
        w.addAttention("ad", "user", 0.3); // the same pair, names in order
        w.addAttention("site", "ad", 0.2);
        assertEquals(0.4, w.meanAttention().get("ad × user"), 1e-15);
        assertEquals(0.2, w.meanAttention().get("ad × site"), 1e-15);
        assertEquals(2, w.meanAttention().size());
        assertEquals(5000, ProgressiveWindow.startOf(5999, 1000));
    }
}
