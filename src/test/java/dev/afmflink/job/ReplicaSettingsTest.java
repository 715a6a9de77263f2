package dev.afmflink.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.feedback.FeedbackMode;
import dev.afmflink.lifecycle.FeatureLifecycle;
import dev.afmflink.sync.MergeRule;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** What one model on several trainers does not take yet is refused at start, with the option to change; one trainer takes it all. */
class ReplicaSettingsTest {
    static final ReplicaSettings TWO = new ReplicaSettings(2, 1000, 1, MergeRule.MEAN_STEPS, "sync");

    static StreamSettings base(ReplicaSettings r) {
        return StreamSettings.builder("127.0.0.1:9", ReplicaJobTest.config()).checkpoints("/tmp/unused-checkpoints", 1000).replicas(r).build();
    }

    static String refusal(UnaryOperator<StreamSettings> change) {
        assertTrue(change.apply(base(ReplicaSettings.ONE)) != null, "one trainer per model takes it");
        return assertThrows(IllegalArgumentException.class, () -> change.apply(base(TWO))).getMessage();
    }

    @Test
    void whatReplicasDoNotTakeYetIsRefusedClearly() {
        assertEquals(MergeRule.MEAN_STEPS, ReplicaSettings.ONE.rule(), "the default rule");
        assertTrue(refusal(s -> s.withLifecycle(FeatureLifecycle.of(4, 0))).contains("--min-count 1 --feature-ttl 0"));
        assertTrue(refusal(s -> s.withLifecycle(FeatureLifecycle.of(1, 86_400_000L))).contains("--min-count 1 --feature-ttl 0"));
        assertTrue(refusal(s -> s.withFeedback(new FeedbackSettings(10_000, 200, 0, 60_000, dev.afmflink.metrics.QualityGate.OPEN,
                null, FeedbackMode.IMMEDIATE))).contains("ordered"));
        FeedbackSettings f = FeedbackSettings.DEFAULTS;
        assertTrue(refusal(s -> s.withFeedback(new FeedbackSettings(f.attributionWindowMs(), f.outOfOrdernessMs(), f.idlenessMs(),
                f.validationWindowMs(), f.gate(), f.metricsTopic(), f.mode(), new dev.afmflink.feedback.Holdout(10, 100),
                f.predictions(), f.choice()))).contains("--holdout-every"));
        assertTrue(refusal(s -> s.withFeedback(new FeedbackSettings(f.attributionWindowMs(), f.outOfOrdernessMs(), f.idlenessMs(),
                f.validationWindowMs(), new dev.afmflink.metrics.QualityGate(0.6, Double.NaN, Double.NaN), f.metricsTopic(), f.mode())))
                .contains("quality gate"));
        assertEquals(2, base(TWO).replicas().replicas(), "the defaults otherwise are taken");
    }
}
