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
    private final boolean float32;
    private final AfmKernel kernel;
    private final AfmKernel32 kernel32;
    private final Optimizer linear;
    private final Optimizer embedding;
    private final Optimizer attention;
    private final SplitMix64 dropout = new SplitMix64(0);
    private double[][] rowData = new double[16][];
    private float[][] rowData32 = new float[16][];

    public AfmLearner(AfmConfig config) {
        this.config = config;
        this.layout = new Layout(config);
        this.float32 = config.precision() == Precision.FLOAT32;
        this.kernel = float32 ? null : new AfmKernel(config);
        this.kernel32 = float32 ? new AfmKernel32(config) : null;
        this.linear = config.linear().build();
        this.embedding = config.embedding().build();
        this.attention = config.attention().build();
    }

    public AfmConfig config() {
        return config;
    }

    public Layout layout() {
        return layout;
    }

    /** The float64 kernel (null for a float32 model). */
    public AfmKernel kernel() {
        return kernel;
    }

    /** The float32 kernel (null for a float64 model). */
    public AfmKernel32 kernel32() {
        return kernel32;
    }

    /** The pairs of the last forward pass, whatever the precision. */
    public PairView pairView() {
        return float32 ? kernel32 : kernel;
    }

    public SharedParams newShared() {
        return Initializer.newShared(config, layout, linear, attention);
    }

    public FeatureParams newFeature(long id, long ts) {
        return Initializer.newFeature(config, layout, linear, embedding, id, ts);
    }

    private float[][] data32(FeatureParams[] rows, int m) {
        if (rowData32.length < m) {
            rowData32 = new float[Math.max(m, rowData32.length * 2)][];
        }
        for (int i = 0; i < m; i++) {
            rowData32[i] = rows[i].data32;
        }
        return rowData32;
    }

    private double[][] data(FeatureParams[] rows, int m) {
        if (rowData.length < m) {
            rowData = new double[Math.max(m, rowData.length * 2)][];
        }
        for (int i = 0; i < m; i++) {
            rowData[i] = rows[i].data;
        }
        return rowData;
    }

    /** The raw score ŷ with no dropout and no update. */
    public double predictRaw(SharedParams shared, FeatureParams[] rows, double[] x, int m) {
        return float32 ? kernel32.forward(shared.bias, shared.attn32, data32(rows, m), x, m, null)
                : kernel.forward(shared.bias, shared.attn, data(rows, m), x, m, null);
    }

    private double forward(SharedParams shared, FeatureParams[] rows, double[] x, int m, SplitMix64 dropout) {
        return float32 ? kernel32.forward(shared.bias, shared.attn32, data32(rows, m), x, m, dropout)
                : kernel.forward(shared.bias, shared.attn, data(rows, m), x, m, dropout);
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
        double before = forward(shared, rows, x, m, null);
        double yhat = before;
        if (config.keepProb() < 1.0) {
            dropout.setState(shared.rngState);
            yhat = forward(shared, rows, x, m, dropout);
            shared.rngState = dropout.state();
        }
        double g = config.loss().gradient(yhat, label);
        if (weighting != ExampleWeight.ONE) {
            g *= weighting.weight(config.loss().prediction(before), label);
        }
        if (!Double.isFinite(g) || !Double.isFinite(yhat)) {
            shared.refusedUpdates++;
            return before;
        }
        if (!backward(shared, g)) {
            shared.refusedUpdates++;
            return before;
        }
        if (float32) {
            apply32(shared, rows, m, ts);
        } else {
            apply(shared, rows, m, ts);
        }
        return before;
    }

    /** The backward pass of the kernel of this precision; true when every gradient is finite. */
    private boolean backward(SharedParams shared, double g) {
        if (float32) {
            kernel32.backward(g, shared.attn32);
            return kernel32.gradientsFinite();
        }
        kernel.backward(g, shared.attn);
        return kernel.gradientsFinite();
    }

    private void apply32(SharedParams shared, FeatureParams[] rows, int m, long ts) {
        linear.step(shared.bias, 0, shared.bias, 1, kernel32.gradBias(), 0, 1);
        attention.step(shared.attn32, 0, shared.attnSlots32, 0, kernel32.gradAttention(), 0, layout.attnSize);
        float[] g = kernel32.gradRows();
        int rs = 1 + layout.k;
        for (int i = 0; i < m; i++) {
            float[] row = rows[i].data32;
            linear.step(row, 0, row, layout.offLinearSlots, g, i * rs, 1);
            embedding.step(row, 1, row, layout.offEmbeddingSlots, g, i * rs + 1, layout.k);
            rows[i].lastUpdate = ts;
        }
        shared.examples++;
    }

    private void apply(SharedParams shared, FeatureParams[] rows, int m, long ts) {
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
        shared.examples++;
    }
}
