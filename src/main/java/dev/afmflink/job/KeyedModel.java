package dev.afmflink.job;

import dev.afmflink.lifecycle.FeatureLifecycle;
import dev.afmflink.model.AfmLearner;
import dev.afmflink.model.ExampleWeight;
import dev.afmflink.model.FeatureParams;
import dev.afmflink.model.PairView;
import dev.afmflink.model.SharedParams;
import org.apache.flink.streaming.api.TimerService;

/**
 * One model key's model as the trainer steps it: its feature rows gathered from the key's
 * write-back buffer, else from state, else made new (if the feature lifecycle admits it), and the
 * core's {@link AfmLearner} run on them. A step that throws leaves nothing behind: the rows made
 * for it are dropped and the dropout state is as it was (the learner changes no parameter before
 * its backward pass has finished).
 */
final class KeyedModel {
    private final AfmLearner learner;
    private final TrainerState state;
    private final FeatureLifecycle lifecycle;
    private final LifecycleState lifecycleState;
    private final TrainerMetrics metrics;
    private double[] vals = new double[16];
    private FeatureParams[] rows = new FeatureParams[16];
    /** Ids of the rows made for the example in training (dropped again if its step fails). */
    private long[] freshIds = new long[16];

    KeyedModel(AfmLearner learner, TrainerState state, FeatureLifecycle lifecycle, LifecycleState lifecycleState,
               TrainerMetrics metrics) {
        this.learner = learner;
        this.state = state;
        this.lifecycle = lifecycle;
        this.lifecycleState = lifecycleState;
        this.metrics = metrics;
    }

    /** The pairs of the last step or score. */
    PairView pairView() {
        return learner.pairView();
    }

    /** One training step of {@code ex} with {@code label}; returns ŷ before the update. */
    double train(WriteBackBuffer b, TrainingExample ex, double label, ExampleWeight weighting, TimerService timers)
            throws Exception {
        SharedParams sp = b.shared;
        int n = ex.ids.length;
        ensureRows(n);
        int m = 0;
        int fresh = 0;
        long rng = sp.rngState;
        long refusedBefore = sp.refusedUpdates;
        double before;
        try {
            for (int i = 0; i < n; i++) {
                Long id = ex.ids[i];
                FeatureParams f = b.rows.get(id);
                boolean isNew = false;
                if (f == null) {
                    f = state.features.get(id);
                    if (f == null) {
                        if (lifecycle.counts() && !lifecycleState.admit(b, id, ex.ts, timers)) {
                            continue; // not admitted yet: no parameters, no part in the prediction
                        }
                        f = learner.newFeature(ex.ids[i], ex.ts);
                        freshIds[fresh++] = ex.ids[i];
                        b.publish.features++;
                        b.publish.admitted++;
                        metrics.admitted.inc();
                        isNew = true;
                    }
                    b.rows.put(id, f);
                }
                lifecycleState.updated(b, id, f, isNew, ex.ts, timers);
                vals[m] = ex.values[i];
                rows[m++] = f;
            }
            before = learner.step(sp, rows, m == n ? ex.values : vals, m, label, ex.ts, weighting);
        } catch (RuntimeException e) { // nothing of this example stays: its new rows go, the dropout state is as it was
            for (int i = 0; i < fresh; i++) {
                b.rows.remove(freshIds[i]);
            }
            b.publish.features -= fresh;
            b.publish.admitted -= fresh;
            sp.rngState = rng;
            throw e;
        }
        metrics.examples.inc();
        if (sp.refusedUpdates != refusedBefore) {
            metrics.refused.inc();
        }
        return before;
    }

    /** The raw score of an impression with the model as it stands; reads rows, changes nothing. */
    double score(WriteBackBuffer b, TrainingExample ex) throws Exception {
        ensureRows(ex.ids.length);
        int m = 0;
        for (int i = 0; i < ex.ids.length; i++) {
            Long id = ex.ids[i];
            FeatureParams f = b.rows.get(id);
            if (f == null) {
                f = state.features.get(id);
            }
            if (f == null && lifecycle.counts()) {
                continue; // not admitted: no part in the prediction
            }
            vals[m] = ex.values[i];
            rows[m++] = f != null ? f : learner.newFeature(id, ex.ts); // what training would start from; not stored
        }
        return learner.predictRaw(b.shared, rows, vals, m);
    }

    /** The gathered-rows (and values) scratch arrays hold at least {@code m} rows. */
    private void ensureRows(int m) {
        if (rows.length < m) {
            rows = new FeatureParams[Math.max(m, rows.length * 2)];
            vals = new double[rows.length];
        }
        if (freshIds == null || freshIds.length < rows.length) {
            freshIds = new long[rows.length];
        }
    }
}
