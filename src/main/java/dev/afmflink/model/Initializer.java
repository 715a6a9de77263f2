package dev.afmflink.model;

import dev.afmflink.optim.Optimizer;

/**
 * Initialisation as in the authors' code: w0 = 0 and w_i = 0; embeddings N(0, initStd²);
 * W and b N(0, 2/(t+k)) (Glorot normal); h N(0, 1); p = 1.
 *
 * <p>A feature's initial embedding is a pure function of (seed, feature id), drawn from its own
 * generator: the model never depends on which feature arrives first, nor on which worker sees it.
 */
public final class Initializer {
    private static final long SHARED_STREAM = 0x5EEDA77E57A7E5L;
    private static final long DROPOUT_STREAM = 0xD20F0D7L;

    private Initializer() {
    }

    /**
     * Writes feature {@code id}'s initial weights into {@code f}: w = 0 at 0 and its embedding at
     * 1 .. k (in a float32 row the same draws, each rounded once). The rest of the row is left as it is.
     */
    public static void initialWeights(AfmConfig c, long id, FeatureParams f) {
        SplitMix64 rng = SplitMix64.forStream(c.seed(), id);
        double std = c.initStd();
        if (f.data32 != null) {
            f.data32[0] = 0.0f;
            for (int q = 1; q <= c.k(); q++) {
                f.data32[q] = (float) (std * rng.nextGaussian());
            }
        } else {
            f.data[0] = 0.0;
            for (int q = 1; q <= c.k(); q++) {
                f.data[q] = std * rng.nextGaussian();
            }
        }
    }

    public static FeatureParams newFeature(AfmConfig c, Layout l, Optimizer linear, Optimizer embedding, long id,
                                           long ts) {
        FeatureParams f = FeatureParams.zeros(c.precision(), l.rowSize, ts);
        initialWeights(c, id, f);
        if (f.data32 != null) {
            float[] row = f.data32;
            linear.initSlots(row, 0, row, l.offLinearSlots, 1);
            embedding.initSlots(row, 1, row, l.offEmbeddingSlots, l.k);
            return f;
        }
        double[] row = f.data;
        linear.initSlots(row, 0, row, l.offLinearSlots, 1);
        embedding.initSlots(row, 1, row, l.offEmbeddingSlots, l.k);
        return f;
    }

    public static SharedParams newShared(AfmConfig c, Layout l, Optimizer linear, Optimizer attention) {
        SplitMix64 rng = SplitMix64.forStream(c.seed(), SHARED_STREAM);
        double glorot = Math.sqrt(2.0 / (c.t() + c.k()));
        double[] attn = new double[l.attnSize];
        for (int q = 0; q < l.offB; q++) {
            attn[q] = glorot * rng.nextGaussian();
        }
        for (int r = 0; r < l.t; r++) {
            attn[l.offB + r] = glorot * rng.nextGaussian();
        }
        for (int r = 0; r < l.t; r++) {
            attn[l.offH + r] = rng.nextGaussian();
        }
        for (int q = 0; q < l.k; q++) {
            attn[l.offP + q] = 1.0;
        }
        double[] bias = new double[1 + l.linearSlots];
        linear.initSlots(bias, 0, bias, 1, 1);
        long dropoutState = SplitMix64.forStream(c.seed(), DROPOUT_STREAM).nextLong();
        if (c.precision() == Precision.FLOAT32) {
            float[] attn32 = new float[l.attnSize];
            for (int q = 0; q < attn32.length; q++) {
                attn32[q] = (float) attn[q];
            }
            float[] slots32 = new float[l.attentionSlots * l.attnSize];
            attention.initSlots(attn32, 0, slots32, 0, l.attnSize);
            return new SharedParams(bias, attn32, slots32, 0, 0, dropoutState);
        }
        double[] attnSlots = new double[l.attentionSlots * l.attnSize];
        attention.initSlots(attn, 0, attnSlots, 0, l.attnSize);
        return new SharedParams(bias, attn, attnSlots, 0, 0, dropoutState);
    }
}
