package dev.afmflink.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.optim.OptimizerSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The float32 kernel against the float64 reference on the same (float-representable) parameters,
 * against its own finite differences, and its SIMD path against its scalar path (the same bits).
 *
 * <p>The stated bound (docs/model-format.md, "Precision"): on the same parameters, float32's ŷ is
 * within 2e-6 of float64's, relative to max(1, |ŷ|), and every gradient within 2e-5 of float64's,
 * relative to the example's largest gradient (a gradient that is zero in float64 may be float
 * rounding noise in float32).
 */
class Float32KernelTest {
    static final double PREDICTION_BOUND = 2e-6;
    static final double GRADIENT_BOUND = 2e-5;

    private static AfmConfig config(int k, int t, Loss loss, Precision p) {
        return new AfmConfig(k, t, loss, 0.3, 0.2, 0.1, 1.0, 0.3, 42, OptimizerSpec.sgd(0.1), OptimizerSpec.sgd(0.1),
                OptimizerSpec.sgd(0.1), p);
    }

    /** One example's inputs in both precisions: the float64 copies hold exactly the float values. */
    private record Case(int k, int t, int m, double[] bias, float[] attn32, double[] attn64, float[][] rows32,
                        double[][] rows64, double[] x) {
        static Case random(int k, int t, int m, long seed) {
            SplitMix64 r = new SplitMix64(seed);
            Layout l = new Layout(config(k, t, Loss.SQUARED, Precision.FLOAT64));
            float[] a32 = new float[l.attnSize];
            double[] a64 = new double[l.attnSize];
            for (int q = 0; q < a32.length; q++) {
                a32[q] = (float) (r.nextGaussian() * (q < l.offB ? 0.3 : 1.0));
                a64[q] = a32[q];
            }
            float[][] r32 = new float[m][l.rowSize];
            double[][] r64 = new double[m][l.rowSize];
            double[] x = new double[m];
            for (int i = 0; i < m; i++) {
                for (int q = 0; q <= k; q++) {
                    r32[i][q] = (float) (r.nextGaussian() * 0.5);
                    r64[i][q] = r32[i][q];
                }
                x[i] = i % 3 == 0 ? 1.0 : (float) (0.5 + r.nextDouble());
            }
            return new Case(k, t, m, new double[] {0.1}, a32, a64, r32, r64, x);
        }
    }

    private static final List<int[]> SHAPES = List.of(new int[] {16, 16, 10}, new int[] {20, 12, 7}, new int[] {64, 64, 10},
            new int[] {5, 4, 3}, new int[] {64, 64, 39});

    @Test
    void float32IsWithinTheStatedBoundOfFloat64() {
        double worstY = 0;
        double worstG = 0;
        for (Loss loss : Loss.values()) {
            for (int[] s : SHAPES) {
                for (long seed = 1; seed <= 5; seed++) {
                    Case c = Case.random(s[0], s[1], s[2], seed);
                    AfmKernel k64 = new AfmKernel(config(c.k, c.t, loss, Precision.FLOAT64));
                    AfmKernel32 k32 = new AfmKernel32(config(c.k, c.t, loss, Precision.FLOAT32));
                    double y64 = k64.forward(c.bias, c.attn64, c.rows64, c.x, c.m, null);
                    double y32 = k32.forward(c.bias, c.attn32, c.rows32, c.x, c.m, null);
                    double ey = Math.abs(y32 - y64) / Math.max(1, Math.abs(y64));
                    worstY = Math.max(worstY, ey);
                    assertTrue(ey <= PREDICTION_BOUND, "ŷ " + y32 + " vs " + y64 + " at " + java.util.Arrays.toString(s));
                    double label = loss == Loss.LOGISTIC ? 1.0 : -1.0;
                    k64.backward(loss.gradient(y64, label), c.attn64);
                    k32.backward(loss.gradient(y32, label), c.attn32);
                    int rowsLen = c.m * (1 + c.k);
                    double scale = Math.max(maxAbs(k64.gradAttention(), k64.gradAttention().length), maxAbs(k64.gradRows(), rowsLen));
                    worstG = Math.max(worstG, maxDiff(k32.gradAttention(), k64.gradAttention(), k64.gradAttention().length) / scale);
                    worstG = Math.max(worstG, maxDiff(k32.gradRows(), k64.gradRows(), rowsLen) / scale);
                    assertTrue(worstG <= GRADIENT_BOUND, "gradients differ by " + worstG + " at " + java.util.Arrays.toString(s));
                    for (int p = 0; p < k64.pairs(); p++) {
                        assertEquals(k64.attention(p), k32.attention(p), 1e-5, "attention of pair " + p);
                    }
                }
            }
        }
        System.out.printf("float32 vs float64: worst prediction error %.3g, worst gradient error %.3g%n", worstY, worstG);
        // the float path really runs in float: it is not float64 in disguise
        assertTrue(worstY > 0 && worstG > 0, "float32 must differ from float64 somewhere: " + worstY + ", " + worstG);
    }

    private static double maxAbs(double[] a, int n) {
        double m = 1e-300;
        for (int q = 0; q < n; q++) {
            m = Math.max(m, Math.abs(a[q]));
        }
        return m;
    }

    private static double maxDiff(float[] a, double[] b, int n) {
        double d = 0;
        for (int q = 0; q < n; q++) {
            d = Math.max(d, Math.abs(a[q] - b[q]));
        }
        return d;
    }

    @Test
    void float32GradientsMatchFloat32FiniteDifferences() {
        // float tolerances: steps of 1e-2 (float's rounding over a smaller step would drown the difference), 2 % error
        double h = 1e-2;
        for (Loss loss : Loss.values()) {
            Case c = Case.random(6, 5, 5, 3);
            AfmConfig cfg = config(c.k, c.t, loss, Precision.FLOAT32);
            Layout l = new Layout(cfg);
            AfmKernel32 kernel = new AfmKernel32(cfg);
            double label = loss == Loss.LOGISTIC ? 1.0 : -1.0;
            GradientCheckTest.Objective f = () -> {
                double y = kernel.forward(c.bias, c.attn32, c.rows32, c.x, c.m, null);
                double obj = loss.loss(y, label) + kernel.attentionPenalty(c.attn32);
                for (int i = 0; i < c.m; i++) {
                    obj += 0.5 * cfg.l2Linear() * c.rows32[i][0] * c.rows32[i][0];
                    for (int q = 1; q <= c.k; q++) {
                        obj += 0.5 * cfg.l2Embedding() * c.rows32[i][q] * c.rows32[i][q];
                    }
                }
                return obj;
            };
            double y = kernel.forward(c.bias, c.attn32, c.rows32, c.x, c.m, null);
            kernel.backward(loss.gradient(y, label), c.attn32);
            float[] gAttn = kernel.gradAttention().clone();
            float[] gRows = kernel.gradRows().clone();
            int checked = 0;
            for (int q = 0; q < l.attnSize; q++) {
                checked += check("attention[" + q + "]", gAttn[q], numeric(f, c.attn32, q, h));
            }
            for (int i = 0; i < c.m; i++) {
                for (int q = 0; q <= c.k; q++) {
                    checked += check("row " + i + "[" + q + "]", gRows[i * (1 + c.k) + q], numeric(f, c.rows32[i], q, h));
                }
            }
            assertTrue(checked > 50, "enough gradients above the floor were checked: " + checked);
        }
    }

    private static double numeric(GradientCheckTest.Objective f, float[] a, int q, double h) {
        float old = a[q];
        a[q] = (float) (old + h);
        double up = f.value();
        double hUp = a[q] - (double) old;
        a[q] = (float) (old - h);
        double down = f.value();
        double hDown = old - (double) a[q];
        a[q] = old;
        return (up - down) / (hUp + hDown);
    }

    private static int check(String what, double analytic, double numeric) {
        double scale = Math.max(Math.abs(analytic), Math.abs(numeric));
        if (scale < 1e-2) {
            assertEquals(analytic, numeric, 2e-4, what);
            return 0;
        }
        double err = Math.abs(analytic - numeric) / scale;
        assertTrue(err <= 2e-2, what + ": analytic " + analytic + " numeric " + numeric + " rel err " + err);
        return 1;
    }

    @Test
    void simdAndScalarFloat32KernelsGiveTheSameBits() {
        assertInstanceOf(VectorLoops32.class, Loops32.best(), "the SIMD element passes run (the test runner adds the module)");
        assertInstanceOf(VectorMatOps.class, MatOps.best());
        for (Loss loss : Loss.values()) {
            for (int[] s : SHAPES) {
                AfmConfig cfg = config(s[0], s[1], loss, Precision.FLOAT32);
                AfmKernel32 simd = new AfmKernel32(cfg, MatOps.best(), Loops32.best());
                AfmKernel32 scalar = new AfmKernel32(cfg, MatOps.scalar(), Loops32.scalar());
                for (long seed = 1; seed <= 4; seed++) {
                    Case c = Case.random(s[0], s[1], s[2], seed);
                    double y1 = simd.forward(c.bias, c.attn32, c.rows32, c.x, c.m, null);
                    double y2 = scalar.forward(c.bias, c.attn32, c.rows32, c.x, c.m, null);
                    assertEquals(Double.doubleToRawLongBits(y2), Double.doubleToRawLongBits(y1), "ŷ");
                    simd.backward(loss.gradient(y1, 1.0), c.attn32);
                    scalar.backward(loss.gradient(y2, 1.0), c.attn32);
                    assertTrue(java.util.Arrays.equals(scalar.gradAttention(), simd.gradAttention()), "attention gradients");
                    assertTrue(java.util.Arrays.equals(java.util.Arrays.copyOf(scalar.gradRows(), c.m * (1 + c.k)),
                            java.util.Arrays.copyOf(simd.gradRows(), c.m * (1 + c.k))), "row gradients");
                }
            }
        }
    }

    @Test
    void aFloat32ModelIsFloatThroughAndTrainsToTheSameBitsTwice() {
        AfmConfig cfg = ModelBehaviourTestSupport.config(Loss.LOGISTIC, 1.0).withPrecision(Precision.FLOAT32);
        AfmModel a = new AfmModel(cfg);
        AfmModel b = new AfmModel(cfg);
        List<Example> data = ModelBehaviourTestSupport.stream(3000, 17);
        for (int i = 0; i < data.size(); i++) {
            assertEquals(Double.doubleToRawLongBits(a.train(data.get(i), i)), Double.doubleToRawLongBits(b.train(data.get(i), i)));
        }
        assertTrue(a.shared().isFloat32() && a.shared().attn == null && a.shared().attnSlots == null);
        assertTrue(a.shared().sameAs(b.shared()));
        for (long id : a.features().sortedIds()) {
            FeatureParams f = a.features().get(id);
            assertTrue(f.isFloat32() && f.data == null, "feature " + id + " kept in float");
            assertTrue(f.sameAs(b.features().get(id)));
        }
        assertEquals(0, a.shared().refusedUpdates);
    }
}
