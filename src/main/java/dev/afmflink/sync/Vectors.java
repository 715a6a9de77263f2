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
    /**
     * What each coordinate of a block is: averaged by an averaging merge (the parameters and FTRL's
     * (z, n), from which FTRL derives its weights: adding them would add the replicas' weights;
     * Adagrad's accumulators are added, they count every replica's gradients), its decay per step
     * (1: a parameter, or a slot that does not forget), an accumulator of squared gradients (Adagrad's,
     * FTRL's n: never below zero).
     */
    record Block(boolean[] averaged, double[] decay, boolean[] accumulator) {
        Block(int size) {
            this(new boolean[size], new double[size], new boolean[size]);
        }

        /** {@code n} parameters at {@code params} stepped by {@code spec}, their slots at {@code slots}. */
        void group(int params, int n, int slots, OptimizerSpec spec) {
            Arrays.fill(averaged, params, params + n, true);
            Arrays.fill(decay, params, params + n, 1.0);
            int s = spec.slotsPerCoordinate() * n;
            Arrays.fill(averaged, slots, slots + s, spec.kind() == OptimizerSpec.Kind.FTRL);
            Arrays.fill(decay, slots, slots + s, spec.decay());
            switch (spec.kind()) { // FTRL: z then n, only n sums squares
                case ADAGRAD -> Arrays.fill(accumulator, slots, slots + n, true);
                case FTRL -> Arrays.fill(accumulator, slots + n, slots + 2 * n, true);
                default -> {
                }
            }
        }
    }

    private final Block shared;
    private final Block row;

    public Vectors(AfmConfig c) {
        Layout l = new Layout(c);
        int bias = 1 + l.linearSlots;
        shared = new Block(bias + l.attnSize * (1 + l.attentionSlots));
        shared.group(0, 1, 1, c.linear());
        shared.group(bias, l.attnSize, bias + l.attnSize, c.attention());
        row = new Block(l.rowSize);
        row.group(0, 1, l.offLinearSlots, c.linear());
        row.group(1, l.k, l.offEmbeddingSlots, c.embedding());
    }

    /** The coordinates of the shared vector ({@link #shared(SharedParams)}). */
    Block sharedBlock() {
        return shared;
    }

    /** The coordinates of a row ({@link #row(FeatureParams)}). */
    Block rowBlock() {
        return row;
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

    /** Sets the block to {@code v} (a {@link #shared} read of another model's block: exact in either precision). */
    public static void setShared(SharedParams s, double[] v) {
        int b = s.bias.length;
        int a = s.attnSize();
        System.arraycopy(v, 0, s.bias, 0, b);
        if (s.attn32 != null) {
            for (int q = 0; q < a; q++) {
                s.attn32[q] = (float) v[b + q];
            }
            for (int q = 0; q < s.attnSlots32.length; q++) {
                s.attnSlots32[q] = (float) v[b + a + q];
            }
        } else {
            System.arraycopy(v, b, s.attn, 0, a);
            System.arraycopy(v, b + a, s.attnSlots, 0, s.attnSlots.length);
        }
    }

    /** Sets the row to {@code v} (a {@link #row} read of another model's row: exact in either precision). */
    public static void setRow(FeatureParams f, double[] v) {
        if (f.data32 != null) {
            for (int q = 0; q < v.length; q++) {
                f.data32[q] = (float) v[q];
            }
        } else {
            System.arraycopy(v, 0, f.data, 0, v.length);
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
    static double[] fresh(double[] after, double[] before, Block block, long steps) {
        double[] decay = block.decay();
        double[] d = null;
        for (int q = 0; q < after.length; q++) {
            double x = after[q] - (decay[q] == 1 ? before[q] : Math.pow(decay[q], steps) * before[q]);
            if (block.accumulator()[q] && x < 0) {
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
