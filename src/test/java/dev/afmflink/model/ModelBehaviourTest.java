package dev.afmflink.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.optim.OptimizerSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelBehaviourTest {

    static AfmConfig config(Loss loss, double keep) {
        return new AfmConfig(8, 6, loss, 1e-3, 1e-4, 1e-4, keep, 0.1, 7,
                OptimizerSpec.ftrl(0.1, 1, 0.1, 0), OptimizerSpec.adagrad(0.05, 1e-8), OptimizerSpec.adagrad(0.05, 1e-8));
    }

    static List<Example> stream(int n, long seed) {
        SplitMix64 r = new SplitMix64(seed);
        List<Example> out = new ArrayList<>();
        for (int q = 0; q < n; q++) {
            int m = 1 + (int) (r.nextDouble() * 6);
            long[] ids = new long[m];
            double[] xs = new double[m];
            for (int j = 0; j < m; j++) {
                ids[j] = j * 100L + (long) (r.nextDouble() * 20);
                xs[j] = 1.0;
            }
            out.add(Example.of(r.nextDouble() < 0.3 ? 1.0 : 0.0, ids, xs));
        }
        return out;
    }

    static double[] state(AfmModel m) {
        List<Double> all = new ArrayList<>();
        for (double d : m.shared().bias) {
            all.add(d);
        }
        for (double d : m.shared().attn) {
            all.add(d);
        }
        for (long id : m.features().sortedIds()) {
            for (double d : m.features().get(id).data) {
                all.add(d);
            }
        }
        return all.stream().mapToDouble(Double::doubleValue).toArray();
    }

    @Test
    void sameInputSameOrderSameModelBitForBit() {
        for (double keep : new double[] {1.0, 0.8}) {
            AfmModel a = new AfmModel(config(Loss.LOGISTIC, keep));
            AfmModel b = new AfmModel(config(Loss.LOGISTIC, keep));
            List<Example> s = stream(2000, 3);
            for (Example e : s) {
                a.train(e, 0);
            }
            for (Example e : s) {
                b.train(e.copy(), 0);
            }
            double[] sa = state(a);
            double[] sb = state(b);
            assertEquals(sa.length, sb.length);
            for (int i = 0; i < sa.length; i++) {
                assertEquals(Double.doubleToRawLongBits(sa[i]), Double.doubleToRawLongBits(sb[i]), "param " + i);
            }
            assertEquals(a.shared().rngState, b.shared().rngState);
            assertEquals(2000, a.shared().examples);
        }
    }

    @Test
    void predictionDoesNotDependOnFeatureOrder() {
        AfmModel model = new AfmModel(config(Loss.SQUARED, 1.0));
        for (Example e : stream(500, 4)) {
            model.train(e, 0);
        }
        long[] ids = {205, 3, 410, 100, 512};
        double[] xs = {1.0, 0.5, 2.0, 1.5, 0.7};
        double p1 = model.predictRaw(Example.of(0, ids, xs));
        long[] ids2 = {512, 100, 3, 410, 205};
        double[] xs2 = {0.7, 1.5, 0.5, 2.0, 1.0};
        double p2 = model.predictRaw(Example.of(0, ids2, xs2));
        assertEquals(Double.doubleToRawLongBits(p1), Double.doubleToRawLongBits(p2));
    }

    @Test
    void initialEmbeddingIsAFunctionOfSeedAndIdOnly() {
        AfmConfig c = config(Loss.SQUARED, 1.0);
        AfmLearner l1 = new AfmLearner(c);
        AfmLearner l2 = new AfmLearner(c);
        l1.newFeature(1, 0);
        l1.newFeature(2, 0); // a different history before feature 99
        assertEquals(java.util.Arrays.toString(l1.newFeature(99, 0).data), java.util.Arrays.toString(l2.newFeature(99, 0).data));
        assertNotEquals(java.util.Arrays.toString(l1.newFeature(98, 0).data), java.util.Arrays.toString(l1.newFeature(99, 0).data));
        double sum = 0;
        double sq = 0;
        int n = 0;
        for (long id = 0; id < 2000; id++) {
            double[] row = l1.newFeature(id, 0).data;
            assertEquals(0.0, row[0]); // w starts at 0
            for (int q = 1; q <= c.k(); q++) {
                sum += row[q];
                sq += row[q] * row[q];
                n++;
            }
        }
        assertEquals(0.0, sum / n, 0.005);
        assertEquals(c.initStd(), Math.sqrt(sq / n), 0.005);
    }

    @Test
    void sharedInitialisationFollowsTheAuthors() {
        AfmConfig c = new AfmConfig(64, 64, Loss.SQUARED, 0, 0, 0, 1, 0.01, 5,
                OptimizerSpec.sgd(0.1), OptimizerSpec.sgd(0.1), OptimizerSpec.sgd(0.1));
        AfmLearner l = new AfmLearner(c);
        SharedParams s = l.newShared();
        Layout lay = l.layout();
        assertEquals(0.0, s.w0());
        double sq = 0;
        for (int q = 0; q < lay.offB; q++) {
            sq += s.attn[q] * s.attn[q];
        }
        assertEquals(Math.sqrt(2.0 / 128), Math.sqrt(sq / lay.offB), 0.01); // Glorot normal
        double hsq = 0;
        for (int r = 0; r < 64; r++) {
            hsq += s.attn[lay.offH + r] * s.attn[lay.offH + r];
        }
        assertEquals(1.0, Math.sqrt(hsq / 64), 0.3);
        for (int q = 0; q < 64; q++) {
            assertEquals(1.0, s.attn[lay.offP + q]);
        }
    }

    @Test
    void nonFiniteUpdatesAreRefusedAndCounted() {
        AfmModel model = new AfmModel(config(Loss.SQUARED, 1.0));
        for (Example e : stream(100, 5)) {
            model.train(e, 0);
        }
        AfmModel snapshot = new AfmModel(model.config(), model.shared().copy(), new FeatureTable());
        for (long id : model.features().sortedIds()) {
            snapshot.features().put(id, model.features().get(id).copy());
        }
        long examples = model.shared().examples;
        Example bad = Example.of(1.0, new long[] {3, 100}, new double[] {1e300, 1e300});
        model.train(bad, 0);
        Example nanLabel = Example.of(Double.NaN, new long[] {3}, new double[] {1});
        model.train(nanLabel, 0);
        assertEquals(2, model.shared().refusedUpdates);
        assertEquals(examples, model.shared().examples);
        // nothing changed: same shared parameters and rows, bit for bit
        assertEquals(java.util.Arrays.toString(snapshot.shared().attn), java.util.Arrays.toString(model.shared().attn));
        assertEquals(java.util.Arrays.toString(snapshot.shared().bias), java.util.Arrays.toString(model.shared().bias));
        for (long id : snapshot.features().sortedIds()) {
            assertEquals(java.util.Arrays.toString(snapshot.features().get(id).data),
                    java.util.Arrays.toString(model.features().get(id).data), "feature " + id);
        }
        for (double d : state(model)) {
            assertTrue(Double.isFinite(d));
        }
    }

    @Test
    void logisticLossIsStableForHugeScores() {
        for (double z : new double[] {-1e4, -800, -40, 0, 40, 800, 1e4}) {
            for (double y : new double[] {0, 1}) {
                double l = Loss.LOGISTIC.loss(z, y);
                double g = Loss.LOGISTIC.gradient(z, y);
                assertTrue(Double.isFinite(l) && l >= 0, "loss at " + z);
                assertTrue(Double.isFinite(g), "gradient at " + z);
            }
        }
        assertEquals(1e4, Loss.LOGISTIC.loss(1e4, 0), 1e-9);
        assertEquals(0.0, Loss.LOGISTIC.loss(1e4, 1), 1e-12);
        assertEquals(Math.log(2), Loss.LOGISTIC.loss(0, 1), 1e-15);
        assertEquals(1.0, Loss.LOGISTIC.prediction(1e4));
        assertEquals(0.0, Loss.LOGISTIC.prediction(-1e4));
    }

    @Test
    void scalarAndSimdMatOpsAgree() {
        MatOps best = MatOps.best();
        org.junit.jupiter.api.Assertions.assertInstanceOf(VectorMatOps.class, best,
                "the SIMD products run (the test runner adds jdk.incubator.vector), not scalar against scalar");
        SplitMix64 r = new SplitMix64(11);
        for (int[] shape : new int[][] {{45, 64, 64}, {7, 13, 5}, {1, 3, 1}, {3, 17, 33}, {10, 256, 8}}) {
            int rows = shape[0];
            int cols = shape[1];
            int n = shape[2];
            double[] coef = new double[rows * n];
            double[] m = new double[n * cols];
            double[] o1 = new double[rows * cols];
            for (int i = 0; i < coef.length; i++) {
                coef[i] = r.nextGaussian();
            }
            for (int i = 0; i < m.length; i++) {
                m[i] = r.nextGaussian();
            }
            for (int i = 0; i < o1.length; i++) {
                o1[i] = r.nextGaussian();
            }
            double[] o2 = o1.clone();
            MatOps.scalar().accumulate(o1, 0, cols, rows, cols, coef, 0, n, 1, m, 0, cols, n);
            best.accumulate(o2, 0, cols, rows, cols, coef, 0, n, 1, m, 0, cols, n);
            for (int i = 0; i < o1.length; i++) {
                assertEquals(Double.doubleToRawLongBits(o1[i]), Double.doubleToRawLongBits(o2[i]), best.name() + " " + i);
            }
        }
    }

    @Test
    void featureTableRemoveKeepsOthersReachable() {
        FeatureTable t = new FeatureTable(4);
        for (long id = 0; id < 1000; id++) {
            t.put(id * 7919, new FeatureParams(new double[] {id}, id));
        }
        for (long id = 0; id < 1000; id += 3) {
            assertEquals((double) id, t.remove(id * 7919).data[0]);
        }
        assertNull(t.remove(5));
        for (long id = 0; id < 1000; id++) {
            FeatureParams f = t.get(id * 7919);
            if (id % 3 == 0) {
                assertNull(f);
            } else {
                assertEquals((double) id, f.data[0]);
            }
        }
        assertEquals(1000 - 334, t.size());
        assertFalse(t.sortedIds().length != t.size());
    }
}
