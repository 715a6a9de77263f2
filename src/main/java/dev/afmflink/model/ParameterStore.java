package dev.afmflink.model;

/**
 * Where a model's parameters are kept, as {@link AfmLearner} gathers them for one example: the
 * in-memory {@link AfmModel}, the replay's admitting store, the job's write-back buffer over
 * keyed state. The store decides admission: a feature it does not admit ({@code null}) takes no
 * part in the step or the prediction.
 */
public interface ParameterStore {
    /** The shared block (bias, attention network). */
    SharedParams shared();

    /**
     * The row of feature {@code id} for a training step at event time {@code ts}: the one kept,
     * else a new one (kept from now on) if the store admits the feature, else null.
     */
    FeatureParams trainingRow(long id, long ts);

    /**
     * The row of feature {@code id} for a prediction: the one kept, else the row training would
     * start from (not kept; {@code position} is the feature's place in the example, for scratch
     * rows), else null if the feature is not admitted. Changes nothing.
     */
    FeatureParams scoringRow(long id, long ts, int position);

    /** The step that gathered rows failed: the rows made for it are dropped again. */
    default void discardNew() {
    }
}
