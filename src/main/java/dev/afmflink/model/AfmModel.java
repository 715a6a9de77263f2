package dev.afmflink.model;

/**
 * A whole model in memory: configuration, shared parameters and a {@link FeatureTable}. Used by
 * the offline trainer, by the loader and by the scorer. A feature the model has never trained on
 * is scored with its deterministic initial embedding and w = 0 — exactly what training would
 * have used for it — without being inserted.
 */
public final class AfmModel implements ParameterStore {
    private final AfmLearner learner;
    private final SharedParams shared;
    private final FeatureTable features;
    private FeatureParams[] scratch = new FeatureParams[0];

    public AfmModel(AfmConfig config) {
        this.learner = new AfmLearner(config);
        this.shared = learner.newShared();
        this.features = new FeatureTable();
    }

    public AfmModel(AfmConfig config, SharedParams shared, FeatureTable features) {
        this.learner = new AfmLearner(config);
        this.shared = shared;
        this.features = features;
    }

    public AfmConfig config() {
        return learner.config();
    }

    public AfmLearner learner() {
        return learner;
    }

    @Override
    public SharedParams shared() {
        return shared;
    }

    public FeatureTable features() {
        return features;
    }

    /** The pairs of the last forward pass (after {@link #predictRaw}), in either precision. */
    public PairView pairView() {
        return learner.pairView();
    }

    /**
     * Trains on a normalized example; returns the raw score before the update (the progressive
     * prediction). {@code ts} is recorded as the features' last update.
     */
    public double train(Example ex, long ts) {
        return train(ex, ts, ExampleWeight.ONE);
    }

    /** Trains on a normalized example whose loss counts as {@code weighting} says; returns ŷ before the update. */
    public double train(Example ex, long ts, ExampleWeight weighting) {
        return learner.train(this, ex.ids, ex.values, ex.size, ex.label, ts, weighting);
    }

    /** The raw score ŷ of a normalized example, no update. Leaves the kernel's workspace filled (for explain). */
    public double predictRaw(Example ex) {
        return learner.predict(this, ex.ids, ex.values, ex.size, 0);
    }

    /** Every feature is admitted: a new one is made and kept. */
    @Override
    public FeatureParams trainingRow(long id, long ts) {
        FeatureParams f = features.get(id);
        if (f == null) {
            f = learner.newFeature(id, ts);
            features.put(id, f);
        }
        return f;
    }

    /** A feature never trained on is scored with its deterministic initial weights (w = 0), not kept. */
    @Override
    public FeatureParams scoringRow(long id, long ts, int position) {
        FeatureParams f = features.get(id);
        if (f == null) {
            f = scratchRow(position); // [w, v] only
            Initializer.initialWeights(config(), id, f);
        }
        return f;
    }

    /** What a user sees: ŷ for squared loss, the probability for logistic loss. */
    public double predict(Example ex) {
        return config().loss().prediction(predictRaw(ex));
    }

    private FeatureParams scratchRow(int i) {
        if (scratch.length <= i) {
            FeatureParams[] n = new FeatureParams[Math.max(i + 1, scratch.length * 2)];
            System.arraycopy(scratch, 0, n, 0, scratch.length);
            for (int q = scratch.length; q < n.length; q++) {
                n[q] = FeatureParams.zeros(config().precision(), 1 + config().k(), 0);
            }
            scratch = n;
        }
        return scratch[i];
    }
}
