package dev.afmflink.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.AfmModel;
import dev.afmflink.model.Example;
import dev.afmflink.model.FeatureParams;
import dev.afmflink.model.Loss;
import dev.afmflink.model.Precision;
import dev.afmflink.model.SplitMix64;
import dev.afmflink.optim.Optimizer;
import dev.afmflink.optim.OptimizerSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One model trained by replicas merged at ticks: the rule against one trainer, by hand and on the edges. */
class ReplicaGroupTest {

    /** The logistic defaults' shape (FTRL linear, Adagrad embeddings from acc0 0.1, Adagrad attention forgetting 0.998). */
    static AfmConfig config(Precision p) {
        return new AfmConfig(4, 4, Loss.LOGISTIC, 0, 0, 0, 1, 0.1, 3, OptimizerSpec.ftrl(0.1, 1, 0.5, 0),
                OptimizerSpec.adagrad(0.2, 0.1), OptimizerSpec.adagrad(0.05, 1e-8).withDecay(0.998), p);
    }

    /** Five fields of 30 values; the label a coin with a logistic of two fields' effects. */
    static List<Example> stream(int n, long seed) {
        SplitMix64 r = new SplitMix64(seed);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Example e = new Example(5);
            double z = -1;
            for (int f = 0; f < 5; f++) {
                int v = (int) (r.nextDouble() * 30);
                e.add(f * 1000L + v, 1.0);
                if (f < 2) {
                    z += (v % 3 - 1) * 1.2;
                }
            }
            e.label = r.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
            out.add(e.normalize());
        }
        return out;
    }

    static int route(int i, int replicas) {
        return (int) Long.remainderUnsigned(SplitMix64.forStream(11, i).nextLong(), replicas);
    }

    @Test
    void oneReplicaIsTheModelOneTrainerMakesBitForBit() {
        for (Precision p : Precision.values()) {
            AfmModel alone = new AfmModel(config(p));
            ReplicaGroup g = new ReplicaGroup(config(p), 1, 7, 1, MergeRule.SUM);
            long ts = 0;
            for (Example e : stream(3000, 5)) {
                double a = alone.train(e, ts);
                double b = g.train(0, e, ts);
                assertEquals(Double.doubleToLongBits(a), Double.doubleToLongBits(b));
                ts++;
            }
            g.finish();
            assertTrue(alone.shared().sameAs(g.model().shared()));
            for (long id : alone.features().sortedIds()) {
                assertTrue(alone.features().get(id).sameAs(g.model().features().get(id)), "row " + id);
            }
        }
    }

    /**
     * With a tick of one example and no lag, each tick's merge is one replica's step and every
     * replica takes it in before the next example: the replicas train as one trainer does, in
     * float64 up to rounding (FTRL's weights derived from the merged (z, n), the attention's
     * accumulators decayed by the other replicas' steps), whichever replica each example goes to.
     */
    @Test
    void aTickOfOneExampleWithoutLagIsOneTrainer() {
        AfmModel alone = new AfmModel(config(Precision.FLOAT64));
        ReplicaGroup g = new ReplicaGroup(config(Precision.FLOAT64), 3, 1, 0, MergeRule.MEAN);
        List<Example> s = stream(3000, 6);
        for (int i = 0; i < s.size(); i++) {
            double a = alone.train(s.get(i), i);
            double b = g.train(route(i, 3), s.get(i), i);
            assertEquals(a, b, 1e-9 * (1 + Math.abs(a)), "example " + i);
        }
        g.finish();
        for (Example e : stream(200, 7)) {
            double a = alone.predictRaw(e);
            assertEquals(a, g.model().predictRaw(e), 1e-9 * (1 + Math.abs(a)));
            for (int r = 0; r < 3; r++) {
                assertEquals(a, g.replica(r).predictRaw(e), 1e-9 * (1 + Math.abs(a)));
            }
        }
        assertEquals(alone.shared().examples, g.model().shared().examples);
    }

    /**
     * A longer tick with a lag: not one trainer any more, but a function of the data and its routing,
     * bit for bit, whether the changes go whole or in parts of 400 bytes.
     */
    @Test
    void theMergedModelIsAFunctionOfTheData() {
        AfmModel[] m = new AfmModel[2];
        long[] bytes = new long[2];
        ReplicaGroup last = null;
        for (int run = 0; run < 2; run++) {
            ReplicaGroup g = new ReplicaGroup(config(Precision.FLOAT32), 4, 50, 1, MergeRule.SUM);
            if (run == 1) {
                g.withPartBytes(400);
            }
            List<Example> s = stream(5000, 8);
            for (int i = 0; i < s.size(); i++) {
                g.train(route(i, 4), s.get(i), i);
            }
            g.finish();
            m[run] = g.model();
            bytes[run] = g.changeBytes();
            last = g;
        }
        assertTrue(bytes[1] > bytes[0], "in parts: more records, each with its header (" + bytes[0] + ", " + bytes[1] + ")");
        assertTrue(m[0].shared().sameAs(m[1].shared()));
        assertArrayEquals(m[0].features().sortedIds(), m[1].features().sortedIds());
        for (long id : m[0].features().sortedIds()) {
            assertTrue(m[0].features().get(id).sameAs(m[1].features().get(id)));
        }
        // every replica took in every merge: each holds every row, and scores as the merged model up to float rounding
        for (int r = 0; r < 4; r++) {
            assertEquals(m[0].features().size(), last.replica(r).model().features().size());
            for (Example e : stream(100, 9)) {
                assertEquals(m[0].predictRaw(e), last.replica(r).predictRaw(e), 1e-4);
            }
        }
        assertEquals(5000, m[0].shared().examples);
    }

    /**
     * Routed by a field (field 0, "user": ids below 1000), that field's rows are local: each replica
     * holds only its own users' rows, and the merged model is the one the group makes without, bit
     * for bit — no replica ever scores another's users. The same whether the group is told which ids
     * are local (a predicate) or each replica marks its rows of the field in its changes, as the job's
     * replica trainers do ({@code --local-fields user}: the marks cross the wire format).
     */
    @Test
    void localRowsAreHeldByTheirReplicaAloneAndChangeNothing() {
        List<Example> s = stream(6000, 21);
        for (Example e : s) {
            e.fields = new String[] {"user", "ad", "site", "hour", "device"}; // ids ascend with the field
        }
        AfmModel[] merged = new AfmModel[3];
        ReplicaGroup[] groups = new ReplicaGroup[3];
        for (int run = 0; run < 3; run++) {
            ReplicaGroup g = new ReplicaGroup(config(Precision.FLOAT32), 3, 100, 1, MergeRule.SUM,
                    run == 1 ? id -> id >= 0 && id < 1000 : id -> false);
            if (run == 2) {
                g.localFields(java.util.Set.of("user"));
            }
            for (int i = 0; i < s.size(); i++) {
                long user = s.get(i).ids[0]; // the smallest id: field 0's
                g.train((int) (user % 3), s.get(i), i);
            }
            g.finish();
            merged[run] = g.model();
            groups[run] = g;
        }
        for (int run = 1; run < 3; run++) {
            assertTrue(merged[0].shared().sameAs(merged[run].shared()));
            assertArrayEquals(merged[0].features().sortedIds(), merged[run].features().sortedIds());
            for (long id : merged[0].features().sortedIds()) {
                assertTrue(merged[0].features().get(id).sameAs(merged[run].features().get(id)));
            }
            for (int r = 0; r < 3; r++) {
                int users = 0;
                for (long id : groups[run].replica(r).model().features().sortedIds()) {
                    if (id < 1000) {
                        assertEquals(r, id % 3, "replica " + r + " holds user " + id);
                        users++;
                    }
                }
                assertEquals(10, users); // 30 users, a third each
                assertEquals(merged[0].features().size() - 20, groups[run].replica(r).model().features().size());
            }
        }
        assertEquals(merged[0].features().size(), groups[0].replica(0).model().features().size(), "without: every replica all");
    }

    /** The two rules on changes made by hand: rows by id, in replica order; steps and last updates. */
    @Test
    void mergeRulesByHand() {
        AfmConfig c = new AfmConfig(1, 1, Loss.LOGISTIC, 0, 0, 0, 1, 0.1, 1, OptimizerSpec.sgd(0.1), OptimizerSpec.adagrad(0.1, 0.1),
                OptimizerSpec.sgd(0.1));
        Vectors v = new Vectors(c); // a row: w, v (one), v's accumulator
        Change a = new Change(4, 3, 0, null, 0, 2, new long[] {5}, new double[][] {{0.2, -0.4, 1.0}}, new long[] {2},
                new long[] {40}, new int[] {1});
        Change b = new Change(4, 3, 1, null, 0, 1, new long[] {5, 9}, new double[][] {{0.4, 0.2, 0.5}, {1, 1, 1}}, new long[] {1, 1},
                new long[] {41, 42}, new int[] {1, 1});
        Change sum = MergeRule.SUM.merge(4, List.of(a, b), v);
        assertArrayEquals(new long[] {5, 9}, sum.ids);
        assertArrayEquals(new double[] {0.6000000000000001, -0.2, 1.5}, sum.rows[0]);
        assertArrayEquals(new double[] {1, 1, 1}, sum.rows[1]);
        assertArrayEquals(new int[] {2, 1}, sum.contributors);
        assertArrayEquals(new long[] {3, 1}, sum.steps);
        assertArrayEquals(new long[] {41, 42}, sum.lastUpdate);
        assertEquals(3, sum.examples);
        Change mean = MergeRule.MEAN.merge(4, List.of(a, b), v);
        // the parameters averaged over the two that changed the row, Adagrad's accumulator added
        assertArrayEquals(new double[] {0.30000000000000004, -0.1, 1.5}, mean.rows[0]);
        assertArrayEquals(new double[] {1, 1, 1}, mean.rows[1]);
        Change meanShared = MergeRule.MEAN_SHARED.merge(4, List.of(a, b), v); // rows added as by sum
        assertArrayEquals(sum.rows[0], meanShared.rows[0]);
        // weighted by the steps on the row: replica 0 took 2, replica 1 took 1; a row one replica stepped taken whole
        Change bySteps = MergeRule.MEAN_STEPS.merge(4, List.of(a, b), v);
        assertArrayEquals(new double[] {(2 * 0.2 + 0.4) / 3, (2 * -0.4 + 0.2) / 3, 1.5}, bySteps.rows[0], 1e-15);
        assertArrayEquals(new double[] {1, 1, 1}, bySteps.rows[1]);
        assertArrayEquals(new long[] {3, 1}, bySteps.steps);
        // the shared block: [w0, attention W, b, h, p] (SGD everywhere, no slots) averaged over the replicas that changed it
        double[] s0 = new double[5];
        double[] s1 = new double[5];
        s0[0] = 0.5;
        s1[0] = 0.1;
        s1[4] = -2;
        Change c0 = new Change(4, 3, 0, s0, 1, 1, new long[0], new double[0][], new long[0], new long[0], new int[0]);
        Change c1 = new Change(4, 3, 1, s1, 1, 1, new long[0], new double[0][], new long[0], new long[0], new int[0]);
        assertArrayEquals(new double[] {0.3, 0, 0, 0, -1}, MergeRule.MEAN_SHARED.merge(4, List.of(c0, c1), v).shared, 1e-15);
        assertArrayEquals(new double[] {0.3, 0, 0, 0, -1}, MergeRule.MEAN_STEPS.merge(4, List.of(c0, c1), v).shared, 1e-15);
        assertArrayEquals(new double[] {0.6, 0, 0, 0, -2}, MergeRule.SUM.merge(4, List.of(c0, c1), v).shared, 1e-15);
    }

    /** FTRL's weight from (z, n) after a merge, by hand: θ = −(z − sign(z)·λ1) / ((β + √n)/α + λ2). */
    @Test
    void ftrlWeightsAreDerivedFromTheMergedState() {
        Optimizer ftrl = OptimizerSpec.ftrl(0.1, 1, 0.5, 0.25).build();
        double[] p = {9};
        double[] slots = {-1.5, 4};
        ftrl.settle(p, 0, slots, 0, 1);
        assertEquals(1.0 / 30.25, p[0], 1e-15);
        slots[0] = 0.4; // |z| ≤ λ1: exactly zero
        ftrl.settle(p, 0, slots, 0, 1);
        assertEquals(0.0, p[0]);
        float[] p32 = {9};
        ftrl.settle(p32, 0, new float[] {-1.5f, 4f}, 0, 1);
        assertEquals(1.0 / 30.25, p32[0], 1e-7);
        double[] adagrad = {9};
        OptimizerSpec.adagrad(0.1, 0.1).build().settle(adagrad, 0, new double[] {5}, 0, 1);
        assertEquals(9, adagrad[0]); // Adagrad's parameters are their own
    }

    /**
     * An accumulator that forgets stays what it is under a merge: the others' steps decay it, their
     * fresh parts add to it, and it never goes below zero — not by the float steps' rounding against
     * ρ^steps in double, nor for a coordinate whose gradient is always zero (a dead ReLU unit), which
     * long ticks of fast forgetting decay to nothing (a step would then divide 0 by √0: NaN).
     */
    @Test
    void aForgettingAccumulatorNeverGoesBelowZero() {
        AfmConfig d = config(Precision.FLOAT32);
        AfmConfig c = new AfmConfig(16, 16, d.loss(), 0, 0, 0, 1, 0.1, 3, d.linear(), d.embedding(), d.attention(), Precision.FLOAT32);
        List<Example> s = stream(150000, 12);
        for (MergeRule rule : MergeRule.values()) {
            ReplicaGroup g = new ReplicaGroup(c, 4, 10000, 0, rule);
            for (int i = 0; i < s.size(); i++) {
                g.train(route(i, 4), s.get(i), i);
            }
            g.finish();
            for (int r = 0; r < 4; r++) {
                for (float acc : g.replica(r).model().shared().attnSlots32) {
                    assertTrue(acc >= 0, rule + ": accumulator " + acc);
                }
                for (float w : g.replica(r).model().shared().attn32) {
                    assertTrue(Float.isFinite(w), rule + ": attention " + w);
                }
                assertEquals(0, g.replica(r).model().shared().refusedUpdates, rule + ": refused steps");
                assertEquals(0, g.replica(r).refusedMerges());
            }
        }
    }

    /** A merge that would make a value NaN leaves the block as it was, and says so. */
    @Test
    void aMergeThatWouldMakeNaNIsRefused() {
        AfmConfig c = config(Precision.FLOAT32);
        Replica r = new Replica(0, c);
        r.train(stream(1, 3).get(0), 1);
        long id = stream(1, 3).get(0).ids[0];
        FeatureParams before = r.model().features().get(id).copy();
        Change own = r.emit(0);
        int rowSize = before.size();
        double[] bad = new double[rowSize];
        bad[1] = Double.NaN;
        Change merged = new Change(0, -1, Change.MERGED, null, 0, 1, new long[] {id}, new double[][] {bad}, new long[] {2},
                new long[] {1}, new int[] {2});
        r.apply(merged, own);
        assertTrue(r.model().features().get(id).sameAs(before));
        assertEquals(1, r.refusedMerges());
        assertFalse(Float.isNaN(r.model().features().get(id).data32[1]));
        assertNotEquals(0, own.ids.length);
    }
}
