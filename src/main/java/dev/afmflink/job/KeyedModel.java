package dev.afmflink.job;

import dev.afmflink.lifecycle.FeatureLifecycle;
import dev.afmflink.model.AfmLearner;
import dev.afmflink.model.ExampleWeight;
import dev.afmflink.model.FeatureParams;
import dev.afmflink.model.PairView;
import dev.afmflink.model.ParameterStore;
import dev.afmflink.model.SharedParams;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.util.FlinkRuntimeException;

/**
 * One model key's parameters as the core's {@link AfmLearner} gathers them (a
 * {@link ParameterStore}): a feature's row from the key's write-back buffer, else from state, else
 * made new if the feature lifecycle admits it. A step that throws leaves nothing behind: the rows
 * made for it are dropped ({@link #discardNew}) and the learner restores the dropout state. A
 * failure of the state backend surfaces as a {@link FlinkRuntimeException}: it fails the task.
 */
final class KeyedModel implements ParameterStore {
    private final AfmLearner learner;
    private final TrainerState state;
    private final FeatureLifecycle lifecycle;
    private final LifecycleState lifecycleState;
    private final TrainerMetrics metrics;
    /** The key in hand (scratch, set by {@link #train} and {@link #score}). */
    private WriteBackBuffer b;
    private TimerService timers;
    /** Ids of the rows made for the example in training (dropped again if its step fails). */
    private long[] freshIds = new long[16];
    private int fresh;

    KeyedModel(AfmLearner learner, TrainerState state, FeatureLifecycle lifecycle, LifecycleState lifecycleState,
               TrainerMetrics metrics) {
        this.learner = learner;
        this.state = state;
        this.lifecycle = lifecycle;
        this.lifecycleState = lifecycleState;
        this.metrics = metrics;
    }

    /** Told of each row before a training step of {@code ex} changes it. */
    interface Touch {
        void touch(long id, FeatureParams f, TrainingExample ex);
    }

    /** The example of the step being taken. */
    private TrainingExample training;

    private Touch touch;

    void onTrainingRow(Touch t) {
        this.touch = t;
    }

    /** The pairs of the last step or score. */
    PairView pairView() {
        return learner.pairView();
    }

    /** One training step of {@code ex} with {@code label}; returns ŷ before the update. */
    double train(WriteBackBuffer b, TrainingExample ex, double label, ExampleWeight weighting, TimerService timers) {
        this.b = b;
        this.timers = timers;
        this.fresh = 0;
        this.training = ex;
        long refusedBefore = b.shared.refusedUpdates;
        double before = learner.train(this, ex.ids, ex.values, ex.ids.length, label, ex.ts, weighting);
        metrics.examples.inc();
        if (b.shared.refusedUpdates != refusedBefore) {
            metrics.refused.inc();
        }
        return before;
    }

    /** The raw score of an impression with the model as it stands; reads rows, changes nothing. */
    double score(WriteBackBuffer b, TrainingExample ex) {
        this.b = b;
        return learner.predict(this, ex.ids, ex.values, ex.ids.length, ex.ts);
    }

    @Override
    public SharedParams shared() {
        return b.shared;
    }

    @Override
    public FeatureParams trainingRow(long featureId, long ts) {
        Long id = null; // boxed only for state (the buffer's key is the primitive)
        try {
            FeatureParams f = b.rows.get(featureId);
            boolean isNew = false;
            if (f == null) {
                f = b.clean.get(featureId);
                if (f == null) {
                    id = featureId;
                    f = state.features.get(id);
                }
                if (f == null) {
                    if (lifecycle.counts() && !lifecycleState.admit(b, id, ts, timers)) {
                        return null; // not admitted yet: no parameters, no part in the prediction
                    }
                    f = learner.newFeature(featureId, ts);
                    if (fresh == freshIds.length) {
                        freshIds = java.util.Arrays.copyOf(freshIds, fresh * 2);
                    }
                    freshIds[fresh++] = featureId;
                    b.publish.features++;
                    b.publish.admitted++;
                    metrics.admitted.inc();
                    isNew = true;
                }
                b.rows.put(featureId, f);
            }
            lifecycleState.updated(b, featureId, f, isNew, ts, timers);
            if (touch != null) {
                touch.touch(featureId, f, training);
            }
            return f;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new FlinkRuntimeException("keyed state", e);
        }
    }

    @Override
    public FeatureParams scoringRow(long featureId, long ts, int position) {
        try {
            FeatureParams f = b.bufferedRow(featureId);
            if (f == null) {
                f = state.features.get(featureId);
            }
            if (f == null && lifecycle.counts()) {
                return null; // not admitted: no part in the prediction
            }
            return f != null ? f : learner.newFeature(featureId, ts); // what training would start from; not stored
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new FlinkRuntimeException("keyed state", e);
        }
    }

    /** Nothing of the failed example stays: its new rows go. */
    @Override
    public void discardNew() {
        for (int i = 0; i < fresh; i++) {
            b.rows.remove(freshIds[i]);
        }
        b.publish.features -= fresh;
        b.publish.admitted -= fresh;
        fresh = 0;
    }
}
