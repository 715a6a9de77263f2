package dev.afmflink.sync;

import dev.afmflink.model.AfmConfig;
import dev.afmflink.model.FeatureParams;
import dev.afmflink.model.Layout;
import dev.afmflink.model.SharedParams;
import dev.afmflink.optim.OptimizerSpec;
import java.util.Arrays;

/**
 * A model's parameter blocks as flat vectors of doubles, whatever their precision, and back: the
 * shared block as [w0 and its slots | attention network | its slots], a feature row as its data
 * (w, v, the linear slots, the embedding slots). Adding a change to a float32 value rounds once.
 * Each coordinate is a parameter or an optimizer slot; a slot decays by its group's ρ at each step
 * of its coordinate (1 for a parameter).
 */
public final class Vectors {
    private final boolean[] sharedAveraged;
    private final boolean[] rowAveraged;
    private final double[] sharedDecay;
    private final double[] rowDecay;
    private final boolean[] sharedAccumulator;
    private final boolean[] rowAccumulator;

    public Vectors(AfmConfig c) {
        Layout l = new Layout(c);
        double linear = c.linear().decay();
        double embedding = c.embedding().decay();
        double attention = c.attention().decay();
        boolean ftrlLinear = c.linear().kind() == OptimizerSpec.Kind.FTRL;
        boolean ftrlEmbedding = c.embedding().kind() == OptimizerSpec.Kind.FTRL;
        boolean ftrlAttention = c.attention().kind() == OptimizerSpec.Kind.FTRL;
        int bias = 1 + l.linearSlots;
        int n = bias + l.attnSize * (1 + l.attentionSlots);
        sharedAveraged = new boolean[n];
        sharedDecay = new double[n];
        Arrays.fill(sharedDecay, 1.0);
        Arrays.fill(sharedDecay, 1, bias, linear);
        Arrays.fill(sharedDecay, bias + l.attnSize, n, attention);
        sharedAveraged[0] = true;
        Arrays.fill(sharedAveraged, 1, bias, ftrlLinear);
        Arrays.fill(sharedAveraged, bias, bias + l.attnSize, true);
        Arrays.fill(sharedAveraged, bias + l.attnSize, n, ftrlAttention);
        rowAveraged = new boolean[l.rowSize];
        rowDecay = new double[l.rowSize];
        Arrays.fill(rowAveraged, 0, 1 + l.k, true);
        Arrays.fill(rowDecay, 0, 1 + l.k, 1.0);
        Arrays.fill(rowDecay, l.offLinearSlots, l.offEmbeddingSlots, linear);
        Arrays.fill(rowDecay, l.offEmbeddingSlots, l.rowSize, embedding);
        Arrays.fill(rowAveraged, l.offLinearSlots, l.offEmbeddingSlots, ftrlLinear);
        Arrays.fill(rowAveraged, l.offEmbeddingSlots, l.rowSize, ftrlEmbedding);
        sharedAccumulator = new boolean[n];
        markAccumulators(sharedAccumulator, 1, 1, c.linear());
        markAccumulators(sharedAccumulator, bias + l.attnSize, l.attnSize, c.attention());
        rowAccumulator = new boolean[l.rowSize];
        markAccumulators(rowAccumulator, l.offLinearSlots, 1, c.linear());
        markAccumulators(rowAccumulator, l.offEmbeddingSlots, l.k, c.embedding());
    }

    /** The slots of {@code n} coordinates at {@code off} that sum squared gradients: Adagrad's accumulator, FTRL's n (z is signed). */
    private static void markAccumulators(boolean[] mark, int off, int n, OptimizerSpec spec) {
        switch (spec.kind()) {
            case ADAGRAD -> Arrays.fill(mark, off, off + n, true);
            case FTRL -> Arrays.fill(mark, off + n, off + 2 * n, true);
            default -> {
            }
        }
    }

    /** Which shared coordinates are accumulators of squared gradients (never below zero). */
    boolean[] sharedAccumulator() {
        return sharedAccumulator;
    }

    /** {@link #sharedAccumulator} of a row. */
    boolean[] rowAccumulator() {
        return rowAccumulator;
    }

    /**
     * The shared coordinates an averaging merge averages: the parameters and FTRL's (z, n), from
     * which FTRL derives its weights (adding them would add the replicas' weights); Adagrad's
     * accumulators are added (they count every replica's gradients).
     */
    boolean[] sharedAveraged() {
        return sharedAveraged;
    }

    /** {@link #sharedAveraged} of a row. */
    boolean[] rowAveraged() {
        return rowAveraged;
    }

    /** Each shared coordinate's decay per step (1: a parameter, or a slot that does not forget). */
    double[] sharedDecay() {
        return sharedDecay;
    }

    /** Each row coordinate's decay per step. */
    double[] rowDecay() {
        return rowDecay;
    }

    public static double[] shared(SharedParams s) {
        int b = s.bias.length;
        int a = s.attnSize();
        double[] out = new double[b + a + (s.attn32 != null ? s.attnSlots32.length : s.attnSlots.length)];
        System.arraycopy(s.bias, 0, out, 0, b);
        if (s.attn32 != null) {
            for (int q = 0; q < a; q++) {
                out[b + q] = s.attn32[q];
            }
            for (int q = 0; q < s.attnSlots32.length; q++) {
                out[b + a + q] = s.attnSlots32[q];
            }
        } else {
            System.arraycopy(s.attn, 0, out, b, a);
            System.arraycopy(s.attnSlots, 0, out, b + a, s.attnSlots.length);
        }
        return out;
    }

    /** Adds {@code d} (a change of {@link #shared}) to the block. */
    public static void addShared(SharedParams s, double[] d) {
        int b = s.bias.length;
        int a = s.attnSize();
        for (int q = 0; q < b; q++) {
            s.bias[q] += d[q];
        }
        if (s.attn32 != null) {
            for (int q = 0; q < a; q++) {
                s.attn32[q] = (float) (s.attn32[q] + d[b + q]);
            }
            for (int q = 0; q < s.attnSlots32.length; q++) {
                s.attnSlots32[q] = (float) (s.attnSlots32[q] + d[b + a + q]);
            }
        } else {
            for (int q = 0; q < a; q++) {
                s.attn[q] += d[b + q];
            }
            for (int q = 0; q < s.attnSlots.length; q++) {
                s.attnSlots[q] += d[b + a + q];
            }
        }
    }

    public static double[] row(FeatureParams f) {
        if (f.data32 != null) {
            double[] out = new double[f.data32.length];
            for (int q = 0; q < out.length; q++) {
                out[q] = f.data32[q];
            }
            return out;
        }
        return f.data.clone();
    }

    /** Adds {@code d} (a change of {@link #row}) to the row. */
    public static void addRow(FeatureParams f, double[] d) {
        if (f.data32 != null) {
            for (int q = 0; q < d.length; q++) {
                f.data32[q] = (float) (f.data32[q] + d[q]);
            }
        } else {
            for (int q = 0; q < d.length; q++) {
                f.data[q] += d[q];
            }
        }
    }

    /**
     * What {@code steps} steps did to a block, coordinate by coordinate: a parameter's change
     * {@code after − before}; a slot's fresh part {@code after − ρ^steps · before} (what the steps
     * added on top of the decayed old value; the change itself with ρ = 1; an accumulator's never
     * below zero). Null if nothing moved.
     */
    static double[] fresh(double[] after, double[] before, double[] decay, boolean[] accumulator, long steps) {
        double[] d = null;
        for (int q = 0; q < after.length; q++) {
            double x = after[q] - (decay[q] == 1 ? before[q] : Math.pow(decay[q], steps) * before[q]);
            if (accumulator[q] && x < 0) {
                x = 0; // a sum of squares added nothing: what is below zero is the float steps' rounding against ρ^steps in double
            }
            if (x != 0) {
                if (d == null) {
                    d = new double[after.length];
                }
                d[q] = x;
            }
        }
        return d;
    }
}
