package dev.afmflink.model;

import dev.afmflink.optim.Optimizer;

/**
 * One training step on gathered parameters: predict, back-propagate, apply the optimizers. The
 * caller supplies the rows of the example's features, wherever they are kept (a map in memory,
 * Flink's {@code MapState}), and the shared parameters; this class holds no model state itself,
 * only the kernel's workspace, so the Flink operator and the offline trainer run the same code.
 *
 * <p>An update whose gradients are not all finite is refused (nothing changes but
 * {@link SharedParams#refusedUpdates}), so NaN or Inf never reaches the parameters.
 */
public final class AfmLearner {
    private final AfmConfig config;
    private final Layout layout;
    /** The precision's path (kernel, row gathering, optimizer steps), chosen once, here: no per-call branch. */
    private final Variant variant;
    private final Optimizer linear;
    private final Optimizer embedding;
    private final Optimizer attention;
    private final SplitMix64 dropout = new SplitMix64(0);
    /** The rows (and values) of the example in hand: scratch. */
    private FeatureParams[] gathered = new FeatureParams[16];
    private double[] gatheredValues = new double[16];

    public AfmLearner(AfmConfig config) {
        this.config = config;
        this.layout = new Layout(config);
        this.linear = config.linear().build();
        this.embedding = config.embedding().build();
        this.attention = config.attention().build();
        this.variant = config.precision() == Precision.FLOAT32 ? new Float32() : new Float64();
    }

    public AfmConfig config() {
        return config;
    }

    public Layout layout() {
        return layout;
    }

    /** The pairs of the last forward pass. */
    public PairView pairView() {
        return variant.pairs();
    }

    public SharedParams newShared() {
        return Initializer.newShared(config, layout, linear, attention);
    }

    public FeatureParams newFeature(long id, long ts) {
        return Initializer.newFeature(config, layout, linear, embedding, id, ts);
    }

    /** A feature row's parameters as its optimizer slots determine them, after the slots changed outside a step. */
    public void settle(FeatureParams row) {
        Layout l = layout;
        if (row.data32 != null) {
            linear.settle(row.data32, 0, row.data32, l.offLinearSlots, 1);
            embedding.settle(row.data32, 1, row.data32, l.offEmbeddingSlots, l.k);
        } else {
            linear.settle(row.data, 0, row.data, l.offLinearSlots, 1);
            embedding.settle(row.data, 1, row.data, l.offEmbeddingSlots, l.k);
        }
    }

    /** {@link #settle(FeatureParams)} of the shared block: w0 and the attention network. */
    public void settle(SharedParams shared) {
        linear.settle(shared.bias, 0, shared.bias, 1, 1);
        if (shared.attn32 != null) {
            attention.settle(shared.attn32, 0, shared.attnSlots32, 0, shared.attn32.length);
        } else {
            attention.settle(shared.attn, 0, shared.attnSlots, 0, shared.attn.length);
        }
    }

    /**
     * One training step on the example ({@code ids}, {@code values}, {@code n} features) with the
     * rows {@code store} gives (the one row gatherer): returns ŷ before the update. A step that
     * throws leaves nothing behind: the store drops the rows made for it and the dropout state is
     * as it was (no parameter changes before the backward pass has finished).
     */
    public double train(ParameterStore store, long[] ids, double[] values, int n, double label, long ts,
                        ExampleWeight weighting) {
        SharedParams sp = store.shared();
        long rng = sp.rngState;
        try {
            int m = gather(store, ids, values, n, ts, true);
            return step(sp, gathered, m == n ? values : gatheredValues, m, label, ts, weighting);
        } catch (RuntimeException e) {
            store.discardNew();
            sp.rngState = rng;
            throw e;
        }
    }

    /** The raw score ŷ of the example with the rows {@code store} gives, no update. Leaves the kernel's workspace filled (for explain). */
    public double predict(ParameterStore store, long[] ids, double[] values, int n, long ts) {
        int m = gather(store, ids, values, n, ts, false);
        return predictRaw(store.shared(), gathered, m == n ? values : gatheredValues, m);
    }

    /**
     * The one row gatherer: the rows {@code store} gives for a training step ({@code training}) or a
     * prediction into {@link #gathered}, their values into {@link #gatheredValues}, features the
     * store does not admit left out. Returns the rows gathered.
     */
    private int gather(ParameterStore store, long[] ids, double[] values, int n, long ts, boolean training) {
        if (gathered.length < n) {
            gathered = new FeatureParams[Math.max(n, gathered.length * 2)];
            gatheredValues = new double[gathered.length];
        }
        int m = 0;
        for (int i = 0; i < n; i++) {
            FeatureParams f = training ? store.trainingRow(ids[i], ts) : store.scoringRow(ids[i], ts, i);
            if (f != null) {
                gatheredValues[m] = values[i];
                gathered[m++] = f;
            }
        }
        return m;
    }

    /** The raw score ŷ with no dropout and no update. */
    public double predictRaw(SharedParams shared, FeatureParams[] rows, double[] x, int m) {
        return variant.forward(shared, rows, x, m, null);
    }

    /**
     * Trains on one example. Returns the raw score ŷ the model gave <em>before</em> the update,
     * without dropout: the progressive-validation prediction. Rows are updated in place.
     *
     * @return ŷ before the update
     */
    public double step(SharedParams shared, FeatureParams[] rows, double[] x, int m, double label, long ts) {
        return step(shared, rows, x, m, label, ts, ExampleWeight.ONE);
    }

    /**
     * Trains on one example whose loss counts {@code weighting.weight(p, label)} times, p the
     * model's prediction before the update (a constant of the step). Returns ŷ before the update.
     */
    public double step(SharedParams shared, FeatureParams[] rows, double[] x, int m, double label, long ts,
                       ExampleWeight weighting) {
        double before = variant.forward(shared, rows, x, m, null);
        double yhat = before;
        if (config.keepProb() < 1.0) {
            dropout.setState(shared.rngState);
            yhat = variant.forward(shared, rows, x, m, dropout);
            shared.rngState = dropout.state();
        }
        double g = config.loss().gradient(yhat, label);
        if (weighting != ExampleWeight.ONE) {
            g *= weighting.weight(config.loss().prediction(before), label);
        }
        if (!Double.isFinite(g) || !Double.isFinite(yhat) || !variant.backward(shared, g)) {
            shared.refusedUpdates++;
            return before;
        }
        variant.apply(shared, rows, m, ts);
        shared.examples++;
        return before;
    }

    /** One precision's kernel, row gathering and optimizer steps (Vowpal Wabbit's way: the variant picked at setup). */
    private interface Variant {
        double forward(SharedParams shared, FeatureParams[] rows, double[] x, int m, SplitMix64 dropout);

        /** The backward pass; true when every gradient is finite. */
        boolean backward(SharedParams shared, double g);

        /** The optimizers' steps on the shared block and the example's rows. */
        void apply(SharedParams shared, FeatureParams[] rows, int m, long ts);

        PairView pairs();
    }

    private final class Float32 implements Variant {
        private final AfmKernel32 kernel = new AfmKernel32(config);
        private float[][] data = new float[16][];

        private float[][] gather(FeatureParams[] rows, int m) {
            if (data.length < m) {
                data = new float[Math.max(m, data.length * 2)][];
            }
            for (int i = 0; i < m; i++) {
                data[i] = rows[i].data32;
            }
            return data;
        }

        @Override
        public double forward(SharedParams shared, FeatureParams[] rows, double[] x, int m, SplitMix64 dropout) {
            return kernel.forward(shared.bias, shared.attn32, gather(rows, m), x, m, dropout);
        }

        @Override
        public boolean backward(SharedParams shared, double g) {
            kernel.backward(g, shared.attn32);
            return kernel.gradientsFinite();
        }

        @Override
        public void apply(SharedParams shared, FeatureParams[] rows, int m, long ts) {
            linear.step(shared.bias, 0, shared.bias, 1, kernel.gradBias(), 0, 1);
            attention.step(shared.attn32, 0, shared.attnSlots32, 0, kernel.gradAttention(), 0, layout.attnSize);
            float[] g = kernel.gradRows();
            int rs = 1 + layout.k;
            for (int i = 0; i < m; i++) {
                float[] row = rows[i].data32;
                linear.step(row, 0, row, layout.offLinearSlots, g, i * rs, 1);
                embedding.step(row, 1, row, layout.offEmbeddingSlots, g, i * rs + 1, layout.k);
                rows[i].lastUpdate = ts;
            }
        }

        @Override
        public PairView pairs() {
            return kernel;
        }
    }

    private final class Float64 implements Variant {
        private final AfmKernel kernel = new AfmKernel(config);
        private double[][] data = new double[16][];

        private double[][] gather(FeatureParams[] rows, int m) {
            if (data.length < m) {
                data = new double[Math.max(m, data.length * 2)][];
            }
            for (int i = 0; i < m; i++) {
                data[i] = rows[i].data;
            }
            return data;
        }

        @Override
        public double forward(SharedParams shared, FeatureParams[] rows, double[] x, int m, SplitMix64 dropout) {
            return kernel.forward(shared.bias, shared.attn, gather(rows, m), x, m, dropout);
        }

        @Override
        public boolean backward(SharedParams shared, double g) {
            kernel.backward(g, shared.attn);
            return kernel.gradientsFinite();
        }

        @Override
        public void apply(SharedParams shared, FeatureParams[] rows, int m, long ts) {
            linear.step(shared.bias, 0, shared.bias, 1, kernel.gradBias(), 0, 1);
            attention.step(shared.attn, 0, shared.attnSlots, 0, kernel.gradAttention(), 0, layout.attnSize);
            double[] g = kernel.gradRows();
            int rs = 1 + layout.k;
            for (int i = 0; i < m; i++) {
                double[] row = rows[i].data;
                linear.step(row, 0, row, layout.offLinearSlots, g, i * rs, 1);
                embedding.step(row, 1, row, layout.offEmbeddingSlots, g, i * rs + 1, layout.k);
                rows[i].lastUpdate = ts;
            }
        }

        @Override
        public PairView pairs() {
            return kernel;
        }
    }
}
