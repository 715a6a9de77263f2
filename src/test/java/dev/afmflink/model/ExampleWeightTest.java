package dev.afmflink.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.afmflink.optim.OptimizerSpec;
import org.junit.jupiter.api.Test;

/** The fake-negative weights (Ktena et al. 2019) scale one SGD step as the paper's importance weights say. */
class ExampleWeightTest {
    static AfmConfig sgd() {
        OptimizerSpec s = OptimizerSpec.sgd(0.1);
        return new AfmConfig(4, 4, Loss.LOGISTIC, 0, 0, 0, 1.0, 0.1, 5, s, s, s);
    }

    /** w0 after one step from a fresh model on {@code label} with {@code w}; also returns ŷ before it. */
    static double[] step(double label, ExampleWeight w) {
        AfmModel m = new AfmModel(sgd());
        Example x = Example.of(label, new long[] {3, 9, 27}, new double[] {1, 1, 0.5}).normalize();
        m.shared().bias[0] = 0.4; // p = σ(ŷ) away from 1/2, so the weights differ from 1 and from each other
        double yhat = m.train(x, 0, w);
        return new double[] {m.shared().bias[0], yhat};
    }

    @Test
    void positivesCountOnePlusPNegativesOneMinusPSquared() {
        for (double label : new double[] {1.0, 0.0}) {
            double[] one = step(label, ExampleWeight.ONE);
            double[] fnw = step(label, ExampleWeight.FAKE_NEGATIVE);
            double yhat = one[1];
            double p = 1.0 / (1.0 + Math.exp(-yhat));
            // SGD on w0: w0 ← w0 − lr·(p − y)·weight
            assertEquals(0.4 - 0.1 * (p - label), one[0], 1e-15);
            double weight = label == 1.0 ? 1.0 + p : (1.0 - p) * (1.0 + p);
            assertEquals(0.4 - 0.1 * (p - label) * weight, fnw[0], 1e-15, "label " + label);
        }
        assertEquals(1.5, ExampleWeight.FAKE_NEGATIVE.weight(0.5, 1.0), 0.0);
        assertEquals(0.75, ExampleWeight.FAKE_NEGATIVE.weight(0.5, 0.0), 0.0);
    }
}
