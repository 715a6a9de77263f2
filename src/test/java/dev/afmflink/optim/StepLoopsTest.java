package dev.afmflink.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.afmflink.model.SplitMix64;
import org.junit.jupiter.api.Test;

/** The SIMD and scalar optimizer loops give the same bits (lengths with and without a tail). */
class StepLoopsTest {
    @Test
    void simdAndScalarAgreeBitForBit() {
        StepLoops best = StepLoops.best();
        assertInstanceOf(VectorStepLoops.class, best, "the SIMD loops run (the test runner adds jdk.incubator.vector)");
        SplitMix64 r = new SplitMix64(5);
        for (double rho : new double[] {1.0, 0.97})
        for (int n : new int[] {1, 7, 8, 64, 4288, 4291}) {
            double[] p1 = new double[n];
            double[] s1 = new double[2 * n];
            double[] g = new double[n];
            for (int i = 0; i < n; i++) {
                p1[i] = i % 5 == 0 ? 0.0 : r.nextGaussian();
                s1[i] = i % 3 == 0 ? 0.0 : r.nextGaussian();
                s1[n + i] = i % 4 == 0 ? 0.0 : r.nextDouble();
                g[i] = i % 7 == 0 ? 0.0 : r.nextGaussian() * (i % 11 == 0 ? 1e-120 : 1);
            }
            double[] p2 = p1.clone();
            double[] s2 = s1.clone();
            for (int step = 0; step < 3; step++) {
                ScalarStepLoops.INSTANCE.ftrl(p1, 0, s1, 0, g, 0, n, 0.1, 1.0, 0.3, 0.2, rho);
                best.ftrl(p2, 0, s2, 0, g, 0, n, 0.1, 1.0, 0.3, 0.2, rho);
                assertArrayEquals(p1, p2, "ftrl n=" + n + " rho=" + rho);
                assertArrayEquals(s1, s2, "ftrl slots n=" + n);
                ScalarStepLoops.INSTANCE.adagrad(p1, 0, s1, n, g, 0, n, 0.05, rho);
                best.adagrad(p2, 0, s2, n, g, 0, n, 0.05, rho);
                assertArrayEquals(p1, p2, "adagrad n=" + n + " rho=" + rho);
                assertArrayEquals(s1, s2, "adagrad slots n=" + n);
            }
        }
    }

    @Test
    void float32SimdAndScalarAgreeBitForBit() {
        StepLoops best = StepLoops.best();
        assertInstanceOf(VectorStepLoops.class, best);
        SplitMix64 r = new SplitMix64(6);
        for (float rho : new float[] {1.0f, 0.97f})
        for (int n : new int[] {1, 15, 16, 64, 4288, 4291}) {
            float[] p1 = new float[n];
            float[] s1 = new float[2 * n];
            float[] g = new float[n];
            for (int i = 0; i < n; i++) {
                p1[i] = i % 5 == 0 ? 0.0f : (float) r.nextGaussian();
                s1[i] = i % 3 == 0 ? 0.0f : (float) r.nextGaussian();
                s1[n + i] = i % 4 == 0 ? 0.0f : (float) r.nextDouble();
                g[i] = i % 7 == 0 ? 0.0f : (float) (r.nextGaussian() * (i % 11 == 0 ? 1e-33 : 1));
            }
            float[] p2 = p1.clone();
            float[] s2 = s1.clone();
            for (int step = 0; step < 3; step++) {
                ScalarStepLoops.INSTANCE.ftrl(p1, 0, s1, 0, g, 0, n, 0.1f, 1.0f, 0.3f, 0.2f, rho);
                best.ftrl(p2, 0, s2, 0, g, 0, n, 0.1f, 1.0f, 0.3f, 0.2f, rho);
                assertArrayEquals(p1, p2, "ftrl n=" + n + " rho=" + rho);
                assertArrayEquals(s1, s2, "ftrl slots n=" + n);
                ScalarStepLoops.INSTANCE.adagrad(p1, 0, s1, n, g, 0, n, 0.05f, rho);
                best.adagrad(p2, 0, s2, n, g, 0, n, 0.05f, rho);
                assertArrayEquals(p1, p2, "adagrad n=" + n + " rho=" + rho);
                assertArrayEquals(s1, s2, "adagrad slots n=" + n);
                for (float v : p2) {
                    // (NaN where a random slot is negative: the same in both paths, checked above)
                    org.junit.jupiter.api.Assertions.assertTrue(Float.isNaN(v) || v == 0.0f || Math.abs(v) >= Optimizer.FLUSH_BELOW_32,
                            "no value below the float flush threshold: " + v);
                }
            }
        }
    }
}
